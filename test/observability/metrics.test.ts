// GET /metrics (Prometheus): behind its bearer token; counts HTTP requests and GraphQL operations by
// name and outcome with latency histograms, denials by permission, reveals by field, the database
// pool, and Node's event-loop lag.
import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { addMember } from '../authz/fixtures';

const METRICS_TOKEN = 'scrape-me-0123456789abcdef';
let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway({ env: { METRICS_TOKEN } });
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

async function scrape(): Promise<string> {
  const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** The value of one sample, by metric name and exact labels (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels);
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} ([0-9.e+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (wanted.length === Object.keys(got).length && wanted.every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}

it('refuses a scrape without the metrics token, and never takes a user token for it', async () => {
  expect((await fetch(`${gw.url}/metrics`)).status).toBe(401);
  const wrong = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${owner.token}` } });
  expect(wrong.status).toBe(401);
});

it('counts operations by name and outcome, denials by permission, reveals by field, with latencies', async () => {
  const before = await scrape();
  const domain = await gw.gql(
    `mutation CreateDomain($input: CreateDomainInput!) { createDomain(input: $input) { id } }`,
    { input: { workspaceId: owner.workspaceId, name: 'metrics.example.com' } },
    owner.token,
  );
  const domainId = domain.body.data!.createDomain.id;
  await gw.gql(
    `mutation AddLogin($input: CreateSmtpCredentialInput!) { createSmtpCredential(input: $input) { id } }`,
    { input: { domainId, login: 'postmaster' } },
    owner.token,
  );
  const reveal = await gw.gql(
    `query Reveal($id: ID!) { domain(id: $id) { smtpCredentials { edges { node { password } } } } }`,
    { id: domainId },
    owner.token,
  );
  expect(reveal.body.errors).toBeUndefined();
  const member = await addMember(owner.accountId, owner.userId, ['workspaces:view']);
  const denied = await gw.gql(`query Peek($id: ID!) { domain(id: $id) { name } }`, { id: domainId }, member.token);
  expect(errorCode(denied)).toBe('FORBIDDEN');

  const after = await scrape();
  const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
  expect(delta('postern_graphql_operations_total', { operation: 'CreateDomain', type: 'mutation', outcome: 'ok' })).toBe(1);
  expect(delta('postern_graphql_operations_total', { operation: 'Reveal', type: 'query', outcome: 'ok' })).toBe(1);
  expect(delta('postern_graphql_operations_total', { operation: 'Peek', type: 'query', outcome: 'partial' })).toBe(1);
  expect(delta('postern_graphql_operation_duration_seconds_count', { operation: 'Peek', type: 'query', outcome: 'partial' })).toBe(1);
  expect(delta('postern_authz_denials_total', { permission: 'domains:view' })).toBe(1);
  expect(delta('postern_secret_reveals_total', { type: 'SmtpCredential', field: 'password' })).toBe(1);
  expect(delta('postern_http_requests_total', { method: 'POST', route: '/graphql', status: '200' })).toBeGreaterThanOrEqual(4);
  expect(
    sample(after, 'postern_http_request_duration_seconds_bucket', { method: 'POST', route: '/graphql', status: '200', le: '+Inf' }),
  ).toBeGreaterThan(0);
  expect(after).toMatch(/^nodejs_eventloop_lag_seconds [0-9.e+-]+$/m);
  // The pool was filled before the gateway listened: its counters follow changes from then on.
  expect(after).toMatch(/^postern_db_pool_connections_created_total \d+$/m);
  expect(after).toMatch(/^postern_db_pool_checked_out \d+$/m);
  // The scrape itself is counted, and nothing secret is in it.
  expect(sample(after, 'postern_http_requests_total', { method: 'GET', route: '/metrics', status: '200' })).toBeGreaterThan(0);
  expect(after).not.toContain(owner.token);
  expect(after).not.toContain(domainId);
});
