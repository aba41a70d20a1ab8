// Issue #19: under overload the gateway executes a bounded number of operations at once, queues
// the next ones in order and refuses at once, with 503, Retry-After and SERVICE_UNAVAILABLE, those
// that would pass the latency budget. A refused request did nothing; an accepted one is done.
import { MailingList } from '../../src/modules/marketing/list.model';
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';

let gw: TestGateway;
let owner: TestOwner;

beforeAll(async () => {
  // One operation at a time and a budget below two executions: a second request arriving while
  // one runs cannot be answered within it.
  gw = await startTestGateway({ env: { POSTERN_MAX_CONCURRENT_OPERATIONS: '1', POSTERN_LATENCY_BUDGET_MS: '30' } });
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const CREATE = `mutation($i: CreateListInput!) { createList(input: $i) { id name } }`;

it('refuses what it cannot answer in time with 503 and Retry-After, and every accepted request is done', async () => {
  const names = Array.from({ length: 60 }, (_, i) => `Burst ${i}`);
  const order: string[] = [];
  const responses = await Promise.all(
    names.map(async (name) => {
      const res = await fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` },
        body: JSON.stringify({ query: CREATE, variables: { i: { workspaceId: owner.workspaceId, name } } }),
      });
      const body = (await res.json()) as any;
      order.push(res.status === 503 ? 'refused' : 'answered');
      return { name, status: res.status, retryAfter: res.headers.get('retry-after'), body };
    }),
  );
  const answered = responses.filter((r) => r.status === 200);
  const refused = responses.filter((r) => r.status === 503);
  expect(answered.length + refused.length).toBe(names.length);
  expect(answered.length).toBeGreaterThan(0);
  expect(refused.length).toBeGreaterThan(0);
  for (const r of refused) {
    expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(r.body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect(r.body.errors[0].message).toMatch(/at capacity/);
  }
  // Refusals come at once, not after the work ahead of them: the first refusal arrives before the
  // last accepted request is answered.
  expect(order.indexOf('refused')).toBeLessThan(order.lastIndexOf('answered'));
  // Nothing lost, nothing half done: exactly the answered lists exist.
  for (const r of answered) expect(r.body.data.createList.name).toBe(r.name);
  const stored = await MailingList.find({ workspaceId: owner.workspaceId, name: { $in: names } }).lean();
  expect(stored.map((l) => l.name).sort()).toEqual(answered.map((r) => r.name).sort());

  // Once the burst is over the gateway answers normally again.
  const after = await gw.gql(CREATE, { i: { workspaceId: owner.workspaceId, name: 'After the burst' } }, owner.token);
  expect(after.status).toBe(200);
  expect(after.body.data!.createList.name).toBe('After the burst');
});

it('leaves other routes outside the bound: /healthz answers during a burst', async () => {
  const burst = Array.from({ length: 30 }, (_, i) =>
    gw.gql(CREATE, { i: { workspaceId: owner.workspaceId, name: `Health ${i}` } }, owner.token),
  );
  const health = await fetch(`${gw.url}/healthz`);
  expect(health.status).toBe(200);
  await Promise.all(burst);
});
