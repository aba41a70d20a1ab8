// The GraphQL explorer (CONTRACT.md "HTTP"): GET /graphiql serves the page; requests it sends carry
// `x-postern-client: explorer` and need a principal holding explorer:use in one of its accounts.
import { errorCode, startTestGateway, type TestGateway } from '../helpers/gateway';
import { addMember } from '../helpers/members';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.stop());

const EXPLORER = { 'x-postern-client': 'explorer' };
const ME = 'query Me { viewer { user { id } } }';

it('serves the explorer page and its script, which sends the explorer header', async () => {
  const res = await fetch(`${gw.url}/graphiql`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/html/);
  expect(await res.text()).toContain('/graphiql/assets/graphiql.js');
  const script = await (await fetch(`${gw.url}/graphiql/assets/explorer.js`)).text();
  expect(script).toContain("'x-postern-client': 'explorer'");
  expect(script).toContain("url: '/graphql'");
});

it("names each field's permission in the descriptions introspection serves", async () => {
  const r = await gw.gql(`{
    query: __type(name: "Query") { fields { name description } }
    cred: __type(name: "SmtpCredential") { fields { name description } }
  }`);
  const describe = (t: any, name: string) => t.fields.find((f: any) => f.name === name).description;
  expect(describe(r.body.data!.query, 'account')).toBe('Requires `account:view`.');
  expect(describe(r.body.data!.query, 'viewer')).toBe('The signed-in user; null without a valid token.');
  expect(describe(r.body.data!.cred, 'password')).toMatch(/Sensitive: masked unless `smtpCredentials:reveal`/);
});

it('lets the owner use the explorer', async () => {
  const owner = await gw.signUp();
  const r = await gw.gql(ME, {}, owner.token, EXPLORER);
  expect(r.body.errors).toBeUndefined();
  expect(r.body.data!.viewer.user.id).toBe(owner.userId);
});

it('refuses a member without explorer:use, with FORBIDDEN naming the permission, before any resolver', async () => {
  const owner = await gw.signUp();
  const member = await addMember(gw, owner.accountId, owner.userId, ['account:view', 'workspaces:view']);
  const r = await gw.gql(
    `mutation M($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
    {
      input: { accountId: owner.accountId, name: 'Via explorer' },
    },
    member.token,
    EXPLORER,
  );
  expect(r.status).toBe(403);
  expect(errorCode(r)).toBe('FORBIDDEN');
  expect(r.body.errors![0]!.extensions).toMatchObject({ permission: 'explorer:use', scope: { type: 'ACCOUNT', id: owner.accountId } });
  expect(r.body.data).toBeUndefined();

  // Without the header the same member uses the API as usual (its role decides).
  const direct = await gw.gql(ME, {}, member.token);
  expect(direct.body.data!.viewer.user.id).toBe(member.userId);
  const ws = await gw.gql(
    `query($id: ID!) { account(id: $id) { workspaces { edges { node { name } } } } }`,
    { id: owner.accountId },
    member.token,
  );
  expect(ws.body.data!.account.workspaces.edges.map((e: any) => e.node.name)).toEqual(['Default']);
});

it('lets a member holding explorer:use through a custom role', async () => {
  const owner = await gw.signUp();
  const member = await addMember(gw, owner.accountId, owner.userId, ['account:view', 'explorer:use']);
  const r = await gw.gql(`query($id: ID!) { account(id: $id) { id } }`, { id: owner.accountId }, member.token, EXPLORER);
  expect(r.body.errors).toBeUndefined();
  expect(r.body.data!.account.id).toBe(owner.accountId);
});

it('needs a signed-in user in the explorer, even for public fields', async () => {
  const r = await gw.gql(ME, {}, undefined, EXPLORER);
  expect(errorCode(r)).toBe('UNAUTHENTICATED');
  const plain = await gw.gql(ME);
  expect(plain.body).toEqual({ data: { viewer: null } });
});

it('lets a partner token into the explorer only when explorer:use is among its scopes', async () => {
  const owner = await gw.signUp();
  const make = async (scopes: string[]) => {
    const r = await gw.gql(
      `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
      {
        input: {
          accountId: owner.accountId,
          name: `t-${scopes.length}`,
          scopes,
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        },
      },
      owner.token,
    );
    expect(r.body.errors).toBeUndefined();
    return r.body.data!.createApiToken.token as string;
  };
  const without = await make(['account:view']);
  const refused = await gw.gql(`query($id: ID!) { account(id: $id) { id } }`, { id: owner.accountId }, without, EXPLORER);
  expect(errorCode(refused)).toBe('FORBIDDEN');
  expect(refused.body.errors![0]!.extensions!.permission).toBe('explorer:use');

  const withIt = await make(['account:view', 'explorer:use']);
  const ok = await gw.gql(`query($id: ID!) { account(id: $id) { id } }`, { id: owner.accountId }, withIt, EXPLORER);
  expect(ok.body.errors).toBeUndefined();
  expect(ok.body.data!.account.id).toBe(owner.accountId);
});
