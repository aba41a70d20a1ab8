// Scope: a binding on a node reaches that node and its subtree, and nothing beside or above it.
import { allowed } from '../../src/authz/check';
import { PERMISSIONS, permissionBit } from '../../src/authz/catalogue';
import { compilePermissions } from '../../src/authz/compile';
import { RESOURCE_TYPES } from '../../src/authz/resources';
import { newId } from '../../src/db/ids';
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { addMember, errorsOf, type ScopeNode } from './fixtures';

describe('compiled: a workspace binding and every type of the tree', () => {
  const accountId = newId();
  const [w1, w2] = [newId(), newId()];
  const compiled = compilePermissions({
    userId: newId(),
    accountId,
    version: 1,
    isOwner: false,
    bindings: [{ _id: newId(), roleId: 'all', scopeType: 'WORKSPACE', scopeId: w1, workspaceId: w1 }],
    roles: new Map([['all', { _id: 'all', permissions: PERMISSIONS }]]),
  });
  const inWorkspace = Object.entries(RESOURCE_TYPES).filter(([, rt]) => rt.chain.includes('workspaceId') || rt.scopeType === 'WORKSPACE');

  it.each(inWorkspace.map(([type]) => [type]))('%s: allowed inside the bound workspace, denied in its sibling', (type) => {
    const rt = RESOURCE_TYPES[type]!;
    const docIn = (ws: string): Record<string, unknown> => {
      const d: Record<string, unknown> = { _id: type === 'Workspace' ? ws : newId(), accountId, workspaceId: ws };
      for (const k of rt.chain) if (d[k] === undefined) d[k] = newId();
      return d;
    };
    const bit = permissionBit('workspaces:view');
    expect(allowed(compiled, bit, docIn(w1), rt.chain, false)).toBe(true);
    expect(allowed(compiled, bit, docIn(w2), rt.chain, false)).toBe(false);
  });

  it('does not reach the account itself', () => {
    expect(allowed(compiled, permissionBit('account:view'), { _id: accountId }, RESOURCE_TYPES.Account!.chain, false)).toBe(false);
  });
});

describe('through the gateway', () => {
  let gw: TestGateway;
  let o: TestOwner;
  const ids: Record<string, string> = {};

  async function must(query: string, vars: Record<string, unknown>): Promise<Record<string, any>> {
    const r = await gw.gql(query, vars, o.token);
    if (r.body.errors) throw new Error(`${query}: ${JSON.stringify(r.body.errors)}`);
    return r.body.data!;
  }
  const workspace = async (name: string) =>
    (await must(`mutation($i: CreateWorkspaceInput!) { createWorkspace(input: $i) { id } }`, { i: { accountId: o.accountId, name } }))
      .createWorkspace.id as string;
  const campaign = async (workspaceId: string, name: string) =>
    (await must(`mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id } }`, { i: { workspaceId, name } })).createCampaign
      .id as string;
  const domain = async (workspaceId: string, name: string) =>
    (await must(`mutation($i: CreateDomainInput!) { createDomain(input: $i) { id } }`, { i: { workspaceId, name } })).createDomain
      .id as string;
  const project = async (workspaceId: string, name: string) =>
    (await must(`mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }`, { i: { workspaceId, name } })).createProject
      .id as string;
  const inbox = async (projectId: string, name: string) =>
    (await must(`mutation($i: CreateInboxInput!) { createInbox(input: $i) { id } }`, { i: { projectId, name } })).createInbox.id as string;

  beforeAll(async () => {
    gw = await startTestGateway();
    o = await gw.signUp();
    ids.w1 = o.workspaceId;
    ids.w2 = await workspace('Beside');
    ids.c1 = await campaign(ids.w1, 'Spring');
    ids.c1b = await campaign(ids.w1, 'Summer');
    ids.c2 = await campaign(ids.w2, 'Autumn');
    ids.d1 = await domain(ids.w1, 'mg.one.example.com');
    ids.d1b = await domain(ids.w1, 'mg.two.example.com');
    ids.d2 = await domain(ids.w2, 'mg.three.example.com');
    ids.p1 = await project(ids.w1, 'QA');
    ids.p2 = await project(ids.w2, 'Staging');
    ids.i1 = await inbox(ids.p1, 'Signup emails');
    ids.i1b = await inbox(ids.p1, 'Receipts');
    ids.i2 = await inbox(ids.p2, 'Other');
  });
  afterAll(() => gw.stop());

  const FIELDS: Record<string, [string, string]> = {
    w: ['workspace', 'workspaces:view'],
    c: ['campaign', 'campaigns:view'],
    d: ['domain', 'domains:view'],
    p: ['project', 'projects:view'],
    i: ['inbox', 'inboxes:view'],
  };

  /** Which of `keys` (w1, c2, …) the token may read: each read is allowed, or FORBIDDEN with its permission. */
  async function visible(token: string, keys: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const key of keys) {
      const [field, permission] = FIELDS[key[0]!]!;
      const r = await gw.gql(`query($id: ID!) { ${field}(id: $id) { id } }`, { id: ids[key] }, token);
      if (r.body.data?.[field]?.id === ids[key]) out.push(key);
      else expect(errorsOf(r)[0]).toMatchObject({ code: 'FORBIDDEN', permission });
    }
    return out;
  }
  const ALL = ['w1', 'w2', 'c1', 'c1b', 'c2', 'd1', 'd1b', 'd2', 'p1', 'p2', 'i1', 'i1b', 'i2'];
  const VIEWS = ['workspaces:view', 'campaigns:view', 'domains:view', 'projects:view', 'inboxes:view'];

  it('a workspace binding reaches everything in that workspace and nothing in the other', async () => {
    const m = await addMember(o.accountId, o.userId, VIEWS, { type: 'WORKSPACE', id: ids.w1! });
    expect(await visible(m.token, ALL)).toEqual(['w1', 'c1', 'c1b', 'd1', 'd1b', 'p1', 'i1', 'i1b']);
    const list = await gw.gql(`query($id: ID!) { workspace(id: $id) { campaigns { edges { node { id } } } } }`, { id: ids.w1 }, m.token);
    expect(list.body.data!.workspace.campaigns.edges.map((e: any) => e.node.id).sort()).toEqual([ids.c1, ids.c1b].sort());
  });

  it.each<[string, (ids: Record<string, string>) => ScopeNode, string[]]>([
    ['a campaign', (x) => ({ type: 'CAMPAIGN', id: x.c1!, workspaceId: x.w1 }), ['c1']],
    ['a domain', (x) => ({ type: 'DOMAIN', id: x.d1!, workspaceId: x.w1 }), ['d1']],
    ['a project', (x) => ({ type: 'PROJECT', id: x.p1!, workspaceId: x.w1 }), ['p1', 'i1', 'i1b']],
    ['an inbox', (x) => ({ type: 'INBOX', id: x.i1!, projectId: x.p1, workspaceId: x.w1 }), ['i1']],
  ])('a binding on %s reaches its subtree only, not its siblings or parents', async (_what, scope, expected) => {
    const m = await addMember(o.accountId, o.userId, VIEWS, scope(ids));
    expect(await visible(m.token, ALL)).toEqual(expected);
  });
});
