// The directives on the marketing schema, seen by members with narrower roles: Mautic's own vs
// others, read-only roles, bindings on one campaign or one list.
import { AuditEvent } from '../../../src/audit/model';
import { EmailLog } from '../../../src/modules/sending/email-log.model';
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { bind, err, newMember, type TestMember } from '../access/helpers';
import { CREATE_CAMPAIGN, IMPORT, createList, createTemplate, ok, rows, verifiedSender } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const CREATE_ROLE = `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateCampaignInput!) { updateCampaign(id: $id, input: $input) { id name } }`;
const DELETE = `mutation($id: ID!) { deleteCampaign(id: $id) }`;
const SEND = `mutation($id: ID!) { sendCampaign(id: $id) { status } }`;

async function memberWithPermissions(permissions: string[], scope: { type: string; id: string }, tag: string): Promise<TestMember> {
  const roleId = ok(
    await gw.gql(CREATE_ROLE, { input: { accountId: owner.accountId, name: `${tag} ${Date.now()}`, permissions } }, owner.token),
  ).createRole.id;
  const m = await newMember(gw, owner, tag);
  await bind(gw, owner, m.userId, roleId, scope);
  return m;
}

async function campaignAs(token: string, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const q = `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`;
  return ok(await gw.gql(q, { input: { workspaceId: owner.workspaceId, name, ...extra } }, token)).createCampaign.id;
}

const WS = () => ({ type: 'WORKSPACE', id: owner.workspaceId });

describe('campaigns: own vs others (Mautic)', () => {
  it('edits and deletes only the campaigns the member created', async () => {
    const m = await memberWithPermissions(
      ['workspaces:view', 'campaigns:view', 'campaigns:create', 'campaigns:edit:own', 'campaigns:delete:own'],
      WS(),
      'own',
    );
    const theirs = await campaignAs(owner.token, 'Owner campaign');
    const mine = await campaignAs(m.token, 'Member campaign');

    expect(ok(await gw.gql(UPDATE, { id: mine, input: { name: 'Renamed' } }, m.token)).updateCampaign.name).toBe('Renamed');
    const denied = await gw.gql(UPDATE, { id: theirs, input: { name: 'Hijacked' } }, m.token);
    expect(err(denied)).toMatchObject({ code: 'FORBIDDEN', permission: 'campaigns:edit' });
    expect(denied.body.errors![0]!.extensions!.scope).toEqual({ type: 'CAMPAIGN', id: theirs });
    expect(err(await gw.gql(DELETE, { id: theirs }, m.token)).code).toBe('FORBIDDEN');
    // Viewing others' campaigns is granted in full.
    const read = ok(await gw.gql(`query($id: ID!) { campaign(id: $id) { name createdBy { id } } }`, { id: theirs }, m.token));
    expect(read.campaign).toEqual({ name: 'Owner campaign', createdBy: { id: owner.userId } });
    expect(ok(await gw.gql(DELETE, { id: mine }, m.token)).deleteCampaign).toBe(true);
    expect(ok(await gw.gql(`query($id: ID!) { campaign(id: $id) { name } }`, { id: theirs }, owner.token)).campaign.name).toBe(
      'Owner campaign',
    );
  });

  it('with campaigns:view:own, the workspace lists only the member’s own campaigns', async () => {
    const m = await memberWithPermissions(['workspaces:view', 'campaigns:view:own', 'campaigns:create'], WS(), 'viewown');
    await campaignAs(owner.token, 'Not yours');
    const mine = await campaignAs(m.token, 'Yours');
    const q = `query($id: ID!) { workspace(id: $id) { campaigns(first: 500) { edges { node { id } } } } }`;
    const d = ok(await gw.gql(q, { id: owner.workspaceId }, m.token));
    expect(d.workspace.campaigns.edges.map((e: any) => e.node.id)).toEqual([mine]);
  });
});

describe('read-only and narrow bindings', () => {
  it('a campaign viewer cannot create, edit or send, and sees list/template as FORBIDDEN nulls', async () => {
    const listId = await createList(gw, owner);
    ok(await gw.gql(IMPORT, { input: { listId, contacts: rows(2, 'ro') } }, owner.token));
    const templateId = await createTemplate(gw, owner);
    const c = await campaignAs(owner.token, 'Read me', { subject: 'S', listId, templateId });
    const m = await memberWithPermissions(['campaigns:view'], WS(), 'viewer');

    expect(err(await gw.gql(CREATE_CAMPAIGN, { input: { workspaceId: owner.workspaceId, name: 'x' } }, m.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'campaigns:create',
    });
    expect(err(await gw.gql(UPDATE, { id: c, input: { name: 'x' } }, m.token)).permission).toBe('campaigns:edit');
    expect(err(await gw.gql(SEND, { id: c }, m.token)).permission).toBe('campaigns:send');
    expect(await EmailLog.countDocuments({ campaignId: c })).toBe(0);

    const r = await gw.gql(`query($id: ID!) { campaign(id: $id) { name list { name } template { html } } }`, { id: c }, m.token);
    expect(r.body.data!.campaign).toEqual({ name: 'Read me', list: null, template: null });
    expect(r.body.errors!.map((e) => [e.path!.join('.'), e.extensions!.permission]).sort()).toEqual([
      ['campaign.list', 'lists:view'],
      ['campaign.template', 'templates:view'],
    ]);
  });

  it('a binding on one campaign shows that campaign only, in the workspace and by id', async () => {
    const a = await campaignAs(owner.token, 'A');
    const b = await campaignAs(owner.token, 'B');
    const m = await memberWithPermissions(['workspaces:view'], WS(), 'ws');
    const roleId = ok(
      await gw.gql(
        CREATE_ROLE,
        { input: { accountId: owner.accountId, name: `cv ${Date.now()}`, permissions: ['campaigns:view', 'campaigns:edit'] } },
        owner.token,
      ),
    ).createRole.id;
    await bind(gw, owner, m.userId, roleId, { type: 'CAMPAIGN', id: a });
    const q = `query($id: ID!) { workspace(id: $id) { campaigns(first: 500) { edges { node { id } } } } }`;
    expect(ok(await gw.gql(q, { id: owner.workspaceId }, m.token)).workspace.campaigns.edges.map((e: any) => e.node.id)).toEqual([a]);
    expect(ok(await gw.gql(UPDATE, { id: a, input: { name: 'A2' } }, m.token)).updateCampaign.name).toBe('A2');
    expect(err(await gw.gql(UPDATE, { id: b, input: { name: 'B2' } }, m.token)).code).toBe('FORBIDDEN');
    expect(err(await gw.gql(`query($id: ID!) { campaign(id: $id) { id } }`, { id: b }, m.token)).code).toBe('FORBIDDEN');
  });

  it('a binding on one list lets the member import into that list only; contacts need contacts:view; export needs contacts:export', async () => {
    const listA = await createList(gw, owner, 'A');
    const listB = await createList(gw, owner, 'B');
    const roleId = ok(
      await gw.gql(
        CREATE_ROLE,
        { input: { accountId: owner.accountId, name: `li ${Date.now()}`, permissions: ['lists:view', 'contacts:import'] } },
        owner.token,
      ),
    ).createRole.id;
    const m = await newMember(gw, owner, 'list');
    await bind(gw, owner, m.userId, roleId, { type: 'LIST', id: listA });

    expect(ok(await gw.gql(IMPORT, { input: { listId: listA, contacts: rows(2, 'la') } }, m.token)).importContacts.imported).toBe(2);
    const other = await gw.gql(IMPORT, { input: { listId: listB, contacts: rows(2, 'lb') } }, m.token);
    expect(err(other)).toMatchObject({ code: 'FORBIDDEN', permission: 'contacts:import' });

    const r = await gw.gql(
      `query($id: ID!) { list(id: $id) { name contactCount contacts { edges { node { email } } } } }`,
      { id: listA },
      m.token,
    );
    expect(r.body.data!.list).toEqual({ name: 'A', contactCount: 2, contacts: null });
    expect(err(r).permission).toBe('contacts:view');

    const ex = await gw.gql(`mutation($id: ID!) { exportContacts(listId: $id) }`, { id: listA }, m.token);
    expect(err(ex)).toMatchObject({ code: 'FORBIDDEN', permission: 'contacts:export' });
    expect(ex.text).not.toContain('la0@example.com');
    expect(await AuditEvent.countDocuments({ accountId: owner.accountId, action: 'contacts.exported' })).toBe(0);
  });

  it("a campaign's emails need emailLogs:view, and their bodies emailContent:view (masked as null otherwise)", async () => {
    const listId = await createList(gw, owner);
    ok(await gw.gql(IMPORT, { input: { listId, contacts: rows(2, 'body') } }, owner.token));
    const templateId = await createTemplate(gw, owner, '<p>secret offer for {{email}}</p>');
    const c = await campaignAs(owner.token, 'Bodies', { subject: 'S', listId, templateId, fromEmail: await verifiedSender(gw, owner) });
    ok(await gw.gql(SEND, { id: c }, owner.token));
    const Q = `query($id: ID!) { campaign(id: $id) { emailLogs { edges { node { to html } } } } }`;

    const noLogs = await memberWithPermissions(['campaigns:view'], WS(), 'nologs');
    const r1 = await gw.gql(Q, { id: c }, noLogs.token);
    expect(r1.body.data!.campaign.emailLogs).toBeNull();
    expect(err(r1).permission).toBe('emailLogs:view');

    const logsOnly = await memberWithPermissions(['campaigns:view', 'emailLogs:view'], WS(), 'logs');
    const r2 = ok(await gw.gql(Q, { id: c }, logsOnly.token));
    // Email logs are listed in id order, and a send's log ids are derived from (send, contact): sort by address.
    const byAddress = (a: { to: string }, b: { to: string }) => a.to.localeCompare(b.to);
    expect(r2.campaign.emailLogs.edges.map((e: any) => e.node).sort(byAddress)).toEqual([
      { to: 'body0@example.com', html: null },
      { to: 'body1@example.com', html: null },
    ]);
    const r3 = await gw.gql(Q, { id: c }, logsOnly.token);
    expect(r3.text).not.toContain('secret offer');

    const full = ok(await gw.gql(Q, { id: c }, owner.token));
    const first = full.campaign.emailLogs.edges.map((e: any) => e.node).sort(byAddress)[0];
    expect(first.html).toBe('<p>secret offer for body0@example.com</p>');
  });
});
