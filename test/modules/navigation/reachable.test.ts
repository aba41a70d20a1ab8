// Navigation for node-bound roles (seeds: Mailtrap MT7/MT9/MT11/MT13, Mautic MA6): a principal bound to one node
// finds that node from sign-in through viewer.reachable, and nothing it may not view.
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { bind, memberWith, newMember, ok, roleIds } from '../access/helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;
let ws2: string;
let d1: string;
let d2: string;
let d3: string;
let project: string;
let otherProject: string;
let inboxA: string;

const REACHABLE = `query($type: ReachableType!, $accountId: ID, $first: Int, $after: String) {
  viewer { reachable(type: $type, accountId: $accountId, first: $first, after: $after) {
    edges { cursor node { type id name accountId pathText path { type id name } } }
    pageInfo { hasNextPage endCursor } } } }`;

async function reach(token: string, type: string, extra: Record<string, unknown> = {}): Promise<any[]> {
  return ok(await gw.gql(REACHABLE, { type, ...extra }, token)).viewer.reachable.edges.map((e: any) => e.node);
}
const gqlId = async (q: string, input: Record<string, unknown>, field: string) => ok(await gw.gql(q, { input }, owner.token))[field].id;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp({ accountName: 'Navi Mail' });
  for (const pack of ['MAILTRAP', 'MAUTIC']) {
    ok(
      await gw.gql(
        `mutation($input: InstallRolePackInput!) { installRolePack(input: $input) { id } }`,
        { input: { accountId: owner.accountId, pack } },
        owner.token,
      ),
    );
  }
  roles = await roleIds(gw, owner);
  ws2 = await gqlId(
    `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
    { accountId: owner.accountId, name: 'Second' },
    'createWorkspace',
  );
  const domain = (workspaceId: string, name: string) =>
    gqlId(`mutation($input: CreateDomainInput!) { createDomain(input: $input) { id } }`, { workspaceId, name }, 'createDomain');
  d1 = await domain(owner.workspaceId, 'mg.one.example.com');
  d2 = await domain(owner.workspaceId, 'mg.two.example.com');
  d3 = await domain(ws2, 'mg.three.example.com');
  const proj = (name: string) =>
    gqlId(
      `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      { workspaceId: owner.workspaceId, name },
      'createProject',
    );
  project = await proj('QA');
  otherProject = await proj('Staging');
  const inbox = (projectId: string, name: string) =>
    gqlId(`mutation($input: CreateInboxInput!) { createInbox(input: $input) { id } }`, { projectId, name }, 'createInbox');
  inboxA = await inbox(project, 'Inbox A');
  await inbox(project, 'Inbox B');
  await inbox(otherProject, 'Inbox C');
});
afterAll(() => gw.stop());

describe('viewer.reachable', () => {
  it('MT11: a project viewer finds their project (and its inboxes) from sign-in, with its path, and no other project', async () => {
    const v = await memberWith(gw, owner, roles['mailtrap-project-viewer']!, { type: 'PROJECT', id: project }, 'pviewer');
    // No workspaces:view: the account's workspace list is denied, so this is the only way in.
    const ws = await gw.gql(
      `query($id: ID!) { account(id: $id) { workspaces { edges { node { id } } } } }`,
      { id: owner.accountId },
      v.token,
    );
    expect(ws.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const projects = await reach(v.token, 'PROJECT');
    expect(projects).toEqual([
      {
        type: 'PROJECT',
        id: project,
        name: 'QA',
        accountId: owner.accountId,
        pathText: 'Default › QA',
        path: [
          { type: 'ACCOUNT', id: owner.accountId, name: 'Navi Mail' },
          { type: 'WORKSPACE', id: owner.workspaceId, name: 'Default' },
          { type: 'PROJECT', id: project, name: 'QA' },
        ],
      },
    ]);
    const inboxes = await reach(v.token, 'INBOX');
    expect(inboxes.map((n) => n.name).sort()).toEqual(['Inbox A', 'Inbox B']);
    expect(inboxes[0].pathText).toMatch(/^Default › QA › Inbox [AB]$/);
    // Reaching it, the viewer can open it: the project's own field is allowed.
    const opened = ok(
      await gw.gql(`query($id: ID!) { project(id: $id) { name inboxes { edges { node { name } } } } }`, { id: project }, v.token),
    );
    expect(opened.project.inboxes.edges).toHaveLength(2);
    // Nothing is widened: no workspace, no domain.
    expect(await reach(v.token, 'WORKSPACE')).toEqual([]);
    expect(await reach(v.token, 'DOMAIN')).toEqual([]);
  });

  it('MT13: an inbox viewer reaches only that inbox, not its project', async () => {
    const v = await memberWith(gw, owner, roles['mailtrap-inbox-viewer']!, { type: 'INBOX', id: inboxA }, 'iviewer');
    expect((await reach(v.token, 'INBOX')).map((n) => n.id)).toEqual([inboxA]);
    expect(await reach(v.token, 'PROJECT')).toEqual([]);
  });

  it('MT7: a domain viewer bound on two domains lists exactly those, with workspace › domain paths', async () => {
    const v = await memberWith(gw, owner, roles['mailtrap-domain-viewer']!, { type: 'DOMAIN', id: d1 }, 'dviewer');
    await bind(gw, owner, v.userId, roles['mailtrap-domain-viewer']!, { type: 'DOMAIN', id: d3 });
    const domains = await reach(v.token, 'DOMAIN');
    expect(domains.map((n) => n.pathText).sort()).toEqual(['Default › mg.one.example.com', 'Second › mg.three.example.com']);
    expect(domains.map((n) => n.id)).not.toContain(d2);
  });

  it('MT9: an Email Campaign Viewer bound on one campaign reaches it, and no other campaign', async () => {
    const c1 = await gqlId(
      `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
      { workspaceId: ws2, name: 'Autumn' },
      'createCampaign',
    );
    await gqlId(
      `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
      { workspaceId: ws2, name: 'Winter' },
      'createCampaign',
    );
    const v = await memberWith(gw, owner, roles['mailtrap-email-campaign-viewer']!, { type: 'CAMPAIGN', id: c1 }, 'cviewer');
    expect((await reach(v.token, 'CAMPAIGN')).map((n) => n.pathText)).toEqual(['Second › Autumn']);
    expect(ok(await gw.gql(`query($id: ID!) { campaign(id: $id) { name } }`, { id: c1 }, v.token)).campaign.name).toBe('Autumn');
  });

  it('pages through what an account-level viewer reaches with first/after', async () => {
    const v = await memberWith(gw, owner, roles['mailtrap-account-viewer']!, undefined, 'aviewer');
    const first = ok(await gw.gql(REACHABLE, { type: 'DOMAIN', first: 2 }, v.token)).viewer.reachable;
    expect(first.edges).toHaveLength(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = ok(await gw.gql(REACHABLE, { type: 'DOMAIN', first: 2, after: first.pageInfo.endCursor }, v.token)).viewer.reachable;
    expect(rest.edges).toHaveLength(1);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    expect([...first.edges, ...rest.edges].map((e: any) => e.node.id).sort()).toEqual([d1, d2, d3].sort());
    expect((await reach(v.token, 'WORKSPACE')).map((n) => n.name).sort()).toEqual(['Default', 'Second']);
  });

  it('MA6: a Mautic "view own" role reaches only the campaigns its holder created', async () => {
    const m = await memberWith(gw, owner, roles['mautic-campaigns-create']!, { type: 'WORKSPACE', id: owner.workspaceId }, 'mautic');
    const mine = ok(
      await gw.gql(
        `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
        { input: { workspaceId: owner.workspaceId, name: 'Mine' } },
        m.token,
      ),
    ).createCampaign.id;
    await gqlId(
      `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
      { workspaceId: owner.workspaceId, name: 'Owner’s' },
      'createCampaign',
    );
    expect((await reach(m.token, 'CAMPAIGN')).map((n) => n.id)).toEqual([mine]);
    expect((await reach(owner.token, 'CAMPAIGN')).map((n) => n.name)).toEqual(expect.arrayContaining(['Mine', 'Owner’s']));
  });

  it('a partner token reaches only within its scopes and workspaces', async () => {
    const t = ok(
      await gw.gql(
        `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
        {
          input: {
            accountId: owner.accountId,
            name: 'nav',
            scopes: ['domains:view'],
            workspaceIds: [ws2],
            expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
          },
        },
        owner.token,
      ),
    ).createApiToken.token;
    expect((await reach(t, 'DOMAIN')).map((n) => n.id)).toEqual([d3]);
    expect(await reach(t, 'PROJECT')).toEqual([]);
  });

  it('a member with no bindings reaches nothing; another account is not reachable', async () => {
    const m = await newMember(gw, owner, 'bare');
    expect(await reach(m.token, 'DOMAIN')).toEqual([]);
    const other = await gw.signUp();
    expect(await reach(other.token, 'DOMAIN')).toEqual([]);
    expect(await reach(other.token, 'WORKSPACE', { accountId: owner.accountId })).toEqual([]);
    expect((await reach(other.token, 'WORKSPACE')).map((n) => n.id)).toEqual([other.workspaceId]);
  });
});
