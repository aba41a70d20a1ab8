import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway({ env: { MAX_QUERY_COST: '50000' } });
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const NESTED = `query($id: ID!, $lists: Int, $contacts: Int) { workspace(id: $id) { lists(first: $lists) { edges { node {
  name contacts(first: $contacts) { edges { node { email firstName lastName } } } } } } } }`;

describe('query cost limit', () => {
  it('accepts a full page of campaigns with their list, template and author', async () => {
    const r = await gw.gql(
      `query($id: ID!) { workspace(id: $id) { campaigns(first: 500) { edges { node { name list { name } template { name } createdBy { email } } } } } }`,
      { id: owner.workspaceId },
      owner.token,
    );
    expect(r.body.errors).toBeUndefined();
  });

  it('refuses nested pages whose sizes multiply past the limit, counting page sizes given as variables', async () => {
    const small = await gw.gql(NESTED, { id: owner.workspaceId, lists: 10, contacts: 100 }, owner.token);
    expect(small.body.errors).toBeUndefined();
    const big = await gw.gql(NESTED, { id: owner.workspaceId, lists: 200, contacts: 500 }, owner.token);
    expect(big.status).toBe(400);
    expect(errorCode(big)).toBe('BAD_USER_INPUT');
    expect(big.body.errors![0]!.message).toMatch(/too costly/);
    expect(big.body.data).toBeUndefined();
    // Each is costed once per query and variables, then known: the same answers again, whichever came first.
    expect((await gw.gql(NESTED, { id: owner.workspaceId, lists: 10, contacts: 100 }, owner.token)).body.errors).toBeUndefined();
    expect((await gw.gql(NESTED, { id: owner.workspaceId, lists: 200, contacts: 500 }, owner.token)).status).toBe(400);
  });

  it('counts objects, not scalar fields: selecting more fields of the same objects costs nothing more', async () => {
    // 100 lists × (edge + node + 240 contacts × (edge + node)) = 48,200 objects, under the 50,000 set here.
    const r = await gw.gql(NESTED, { id: owner.workspaceId, lists: 100, contacts: 240 }, owner.token);
    expect(r.body.errors).toBeUndefined();
  });

  it('counts an omitted page size as the default of 50', async () => {
    const r = await gw.gql(NESTED, { id: owner.workspaceId }, owner.token);
    expect(r.body.errors).toBeUndefined();
  });
});
