// GraphQL over HTTP (CONTRACT.md "HTTP"): the graphql-http server audit against the real gateway, and
// the HTTP-level refusals a client can run into (malformed JSON, GET mutations, deep queries).
import { auditServer } from 'graphql-http';
import { errorCode, startTestGateway, type TestGateway } from '../helpers/gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.stop());

describe('graphql-http server audit', () => {
  it('passes every MUST item', async () => {
    const results = await auditServer({ url: `${gw.url}/graphql` });
    const musts = results.filter((r) => r.name.startsWith('MUST'));
    expect(musts.length).toBeGreaterThan(10);
    const failing = musts.filter((r) => r.status !== 'ok').map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`);
    // Listed by name and reason so a failure says what to fix.
    expect(failing).toEqual([]);
  });
});

async function post(body: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; json: any }> {
  const res = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), json: JSON.parse(text) };
}

describe('HTTP refusals', () => {
  it('answers malformed JSON with 400 and a JSON error body, without internals', async () => {
    const r = await post('{"query": "{ viewer { user { id } } }",');
    expect(r.status).toBe(400);
    expect(r.type).toMatch(/application\/json/);
    expect(r.json.errors[0].message).toBe('Malformed request body: expected JSON');
    expect(r.json.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(JSON.stringify(r.json)).not.toMatch(/SyntaxError|at .*\.js|node_modules/);
  });

  it('answers a body over 1 MB with 413 JSON', async () => {
    const r = await post(JSON.stringify({ query: '{ __typename }', padding: 'x'.repeat(1_100_000) }));
    expect(r.status).toBe(413);
    expect(r.json.errors[0].message).toBe('Request body too large');
  });

  it('serves queries over GET and refuses mutations over GET with 405', async () => {
    const q = await fetch(`${gw.url}/graphql?query=${encodeURIComponent('{ __typename }')}`);
    expect(q.status).toBe(200);
    expect(await q.json()).toEqual({ data: { __typename: 'Query' } });
    const m = await fetch(`${gw.url}/graphql?query=${encodeURIComponent('mutation { logout }')}`);
    expect(m.status).toBe(405);
    expect(((await m.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('answers unknown paths with a JSON 404', async () => {
    const res = await fetch(`${gw.url}/no/such/path`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('refuses a query deeper than MAX_QUERY_DEPTH with a clear GRAPHQL_VALIDATION_FAILED error', async () => {
    const owner = await gw.signUp();
    // Each step nests four levels (workspaces → edges → node → account): 29 levels, over the default 12.
    let selection = '{ id }';
    for (let i = 0; i < 7; i++) selection = `{ workspaces { edges { node { account ${selection} } } } }`;
    const r = await gw.gql(`query Deep($id: ID!) { account(id: $id) ${selection} }`, { id: owner.accountId }, owner.token);
    expect(errorCode(r)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.body.errors![0]!.message).toMatch(/depth/i);
    expect(r.body.data).toBeUndefined();
    // A query within the limit runs.
    const ok = await gw.gql(
      `query Shallow($id: ID!) { account(id: $id) { workspaces { edges { node { account { id } } } } } }`,
      {
        id: owner.accountId,
      },
      owner.token,
    );
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data!.account.workspaces.edges[0].node.account.id).toBe(owner.accountId);
  });
});
