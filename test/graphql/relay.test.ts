// What a frontend (Relay, Apollo Client, urql) relies on: complete connections (pageInfo, totalCount
// narrowed to what the viewer may see), the Node interface with node(id:), and query-shape refusals
// that say what is wrong, on the field that is wrong.
import { buildSchema } from '../../src/composition/schema';
import { getNamedType, isObjectType } from 'graphql';
import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { addMember, bind, errorsOf } from '../authz/fixtures';

let gw: TestGateway;
let owner: TestOwner;
const domainIds: string[] = [];
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  for (const name of ['a.example.com', 'b.example.com', 'c.example.com']) {
    const r = await gw.gql(
      `mutation($input: CreateDomainInput!) { createDomain(input: $input) { id } }`,
      {
        input: { workspaceId: owner.workspaceId, name },
      },
      owner.token,
    );
    expect(r.body.errors).toBeUndefined();
    domainIds.push(r.body.data!.createDomain.id);
  }
});
afterAll(() => gw.stop());

const DOMAINS = `query($id: ID!, $first: Int, $after: String) { workspace(id: $id) { domains(first: $first, after: $after) {
  totalCount edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;

describe('connections', () => {
  it('page forward with complete pageInfo and a totalCount over all pages', async () => {
    const first = await gw.gql(DOMAINS, { id: owner.workspaceId, first: 2 }, owner.token);
    expect(first.body.errors).toBeUndefined();
    const p1 = first.body.data!.workspace.domains;
    expect(p1.totalCount).toBe(3);
    expect(p1.edges.map((e: any) => e.node.name)).toEqual(['a.example.com', 'b.example.com']);
    expect(p1.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: p1.edges[0].cursor,
      endCursor: p1.edges[1].cursor,
    });

    const second = await gw.gql(DOMAINS, { id: owner.workspaceId, first: 2, after: p1.pageInfo.endCursor }, owner.token);
    const p2 = second.body.data!.workspace.domains;
    expect(p2.totalCount).toBe(3);
    expect(p2.edges.map((e: any) => e.node.name)).toEqual(['c.example.com']);
    expect(p2.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: true,
      startCursor: p2.edges[0].cursor,
      endCursor: p2.edges[0].cursor,
    });

    const empty = await gw.gql(DOMAINS, { id: owner.workspaceId, first: 0 }, owner.token);
    expect(empty.body.data!.workspace.domains).toMatchObject({
      totalCount: 3,
      edges: [],
      pageInfo: { hasNextPage: true, startCursor: null, endCursor: null },
    });
  });

  it('count only what the viewer may see', async () => {
    // workspaces:view on the account, domains:view on domain b only.
    const m = await addMember(owner.accountId, owner.userId, ['workspaces:view']);
    const domainViewer = await addMember(owner.accountId, owner.userId, ['domains:view']);
    await bind(
      owner.accountId,
      m.userId,
      domainViewer.roleId,
      { type: 'DOMAIN', id: domainIds[1]!, workspaceId: owner.workspaceId },
      owner.userId,
    );
    const r = await gw.gql(DOMAINS, { id: owner.workspaceId }, m.token);
    const c = r.body.data?.workspace?.domains;
    expect(c?.edges.map((e: any) => e.node.name)).toEqual(['b.example.com']);
    expect(c?.totalCount).toBe(1);
  });

  it('every connection type of the schema has totalCount and the full PageInfo', () => {
    const schema = buildSchema();
    const connections = Object.values(schema.getTypeMap()).filter((t) => isObjectType(t) && t.name.endsWith('Connection'));
    expect(connections.length).toBeGreaterThan(20);
    for (const t of connections) {
      if (!isObjectType(t)) continue;
      expect(Object.keys(t.getFields()).sort()).toEqual(expect.arrayContaining(['edges', 'pageInfo', 'totalCount']));
      expect(getNamedType(t.getFields().pageInfo!.type).name).toBe('PageInfo');
    }
    const pageInfo = schema.getType('PageInfo');
    expect(isObjectType(pageInfo) && Object.keys(pageInfo.getFields()).sort()).toEqual([
      'endCursor',
      'hasNextPage',
      'hasPreviousPage',
      'startCursor',
    ]);
  });
});

describe('node(id:)', () => {
  const NODE = `query($id: ID!) { node(id: $id) { __typename id ... on Domain { name } ... on Workspace { name } } }`;

  it('fetches any Node by its id alone, with its type', async () => {
    const d = await gw.gql(NODE, { id: domainIds[0] }, owner.token);
    expect(d.body).toEqual({ data: { node: { __typename: 'Domain', id: domainIds[0], name: 'a.example.com' } } });
    const w = await gw.gql(NODE, { id: owner.workspaceId }, owner.token);
    expect(w.body.data!.node).toEqual({ __typename: 'Workspace', id: owner.workspaceId, name: 'Default' });
  });

  it("is NOT_FOUND for another account's id and for no object, FORBIDDEN without the type's permission", async () => {
    const other = await gw.signUp();
    const foreign = await gw.gql(NODE, { id: domainIds[0] }, other.token);
    expect(errorCode(foreign)).toBe('NOT_FOUND');
    expect(foreign.body.data!.node).toBeNull();
    expect(foreign.text).not.toContain('a.example.com');

    expect(errorCode(await gw.gql(NODE, { id: '0123456789abcdef01234567' }, owner.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(NODE, { id: 'nonsense' }, owner.token))).toBe('NOT_FOUND');

    const m = await addMember(owner.accountId, owner.userId, ['workspaces:view']);
    const denied = await gw.gql(NODE, { id: domainIds[0] }, m.token);
    expect(errorsOf(denied)[0]).toMatchObject({ code: 'FORBIDDEN', permission: 'domains:view' });
    expect(errorCode(await gw.gql(NODE, { id: domainIds[0] }))).toBe('UNAUTHENTICATED');
  });
});

describe('query refusals', () => {
  it('a too-deep query is refused without calling it a syntax error', async () => {
    const deep = `{ viewer { accounts { workspaces { edges { node { domains { edges { node { workspace { account { workspaces { edges { node { id } } } } } } } } } } } } } }`;
    const r = await gw.gql(deep, {}, owner.token);
    expect(r.status).toBe(400);
    expect(errorCode(r)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.body.errors![0]!.message).toMatch(/depth/i);
    expect(r.body.errors![0]!.message).not.toMatch(/syntax/i);
  });

  it('an unknown permission in viewer.can is BAD_USER_INPUT on that field only', async () => {
    const scope = { type: 'ACCOUNT', id: owner.accountId };
    const r = await gw.gql(
      `query($scope: ScopeInput!) { viewer { user { id } ok: can(permission: "domains:view", scope: $scope) bad: can(permission: "domains:fly", scope: $scope) } }`,
      { scope },
      owner.token,
    );
    expect(r.body.data!.viewer).toEqual({ user: { id: owner.userId }, ok: true, bad: null });
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors![0]).toMatchObject({ path: ['viewer', 'bad'], extensions: { code: 'BAD_USER_INPUT', field: 'permission' } });
  });

  it('a flood of aliases is refused before it runs (GraphQL Armor max-tokens)', async () => {
    const flood = `{ ${Array.from({ length: 20_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const r = await gw.gql(flood, {}, owner.token);
    expect(r.status).toBe(400);
    expect(errorCode(r)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.body.errors![0]!.message).toContain('5000 tokens');
    expect(r.body.data).toBeUndefined();
    // An ordinary query (GraphiQL's introspection, ~300 tokens) is well under the limit.
    const ok = await gw.gql(`{ __schema { types { name fields { name args { name } } } } }`, {}, owner.token);
    expect(ok.body.errors).toBeUndefined();
  });
});
