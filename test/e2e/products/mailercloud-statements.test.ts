// Mailercloud roles and permissions (seed: mailercloud-roles-and-permissions): the statements of
// docs/products.md not pinned elsewhere, tried as Mailercloud's users would — the Owner, the system
// Admin and the pack's Manager, Analyst and Viewer, customised through overrides (the Permission Picker).
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { ASSIGN, OVERRIDES, UNASSIGN, acct, err, memberWith, ok, roleIds } from '../../modules/access/helpers';
import { installPacks, mutate } from './helpers';
import { IMPORT, createList, createTemplate, verifiedSender } from '../../modules/marketing/helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;
let listId: string;
let campaignId: string;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  roles = { ...(await installPacks(gw, owner, ['MAILERCLOUD'])), ...(await roleIds(gw, owner)) };
  listId = await createList(gw, owner, 'Audience');
  ok(await gw.gql(IMPORT, { input: { listId, contacts: [{ email: 'ana@example.org', firstName: 'Ana' }] } }, owner.token));
  campaignId = (
    await mutate(gw, owner.token, 'createCampaign', 'CreateCampaignInput', {
      workspaceId: owner.workspaceId,
      name: 'Launch',
      subject: 'Hi',
      fromEmail: await verifiedSender(gw, owner),
      listId,
      templateId: await createTemplate(gw, owner),
    })
  ).id;
});
afterAll(() => gw.stop());

const forbidden = (permission: string) => ({ code: 'FORBIDDEN', permission });
const BILLING = `query($id: ID!) { account(id: $id) { name billing { plan } } }`;
const SEND_CAMPAIGN = `mutation($id: ID!) { sendCampaign(id: $id) { status } }`;
const CONTACT_ID = `query($id: ID!) { list(id: $id) { contacts { edges { node { id } } } } }`;
const mc = (key: string) => roles[`mailercloud-${key}`]!;

describe('Mailercloud: the five roles', () => {
  it('MC1: every account has the five preset roles; a teammate is given one of the four assignable ones, never Owner', async () => {
    const all = ok(
      await gw.gql(
        `query($id: ID!) { account(id: $id) { roles(first: 200) { edges { node { key } } } } }`,
        { id: owner.accountId },
        owner.token,
      ),
    );
    const keys = all.account.roles.edges.map((e: any) => e.node.key);
    expect(keys).toEqual(expect.arrayContaining(['owner', 'admin', 'mailercloud-manager', 'mailercloud-analyst', 'mailercloud-viewer']));
    const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { role { key } } }`;
    for (const key of ['admin', 'mailercloud-manager', 'mailercloud-analyst', 'mailercloud-viewer']) {
      const inv = await gw.gql(
        INVITE,
        { input: { accountId: owner.accountId, email: `mc1-${key}@example.com`, roleId: roles[key] } },
        owner.token,
      );
      expect(ok(inv).inviteUser.role.key).toBe(key);
    }
    const asOwner = await gw.gql(
      INVITE,
      { input: { accountId: owner.accountId, email: 'mc1-owner@example.com', roleId: roles.owner } },
      owner.token,
    );
    expect(err(asOwner)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'roleId' });
  });

  it('MC6: an invited teammate gets an email, sets a password with it and joins with the role chosen for them', async () => {
    const email = `mc6-${Date.now()}@example.com`;
    const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { id } }`;
    ok(await gw.gql(INVITE, { input: { accountId: owner.accountId, email, roleId: mc('analyst') } }, owner.token));
    const text = gw.mailTo(email).at(-1)?.text ?? '';
    expect(text).toContain('as Mailercloud Analyst');
    const token = /invitation token[^\n]*\n\n(\S+)/.exec(text)?.[1];
    expect(token).toBeTruthy();
    const ACCEPT = `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token account { id } } }`;
    const joined = ok(
      await gw.gql(ACCEPT, { input: { token, password: 'Fresh-Teammate-77', firstName: 'Nia', lastName: 'New' } }),
    ).acceptInvitation;
    expect(joined.account.id).toBe(owner.accountId);
    expect(ok(await gw.gql(`mutation($id: ID!) { exportContacts(listId: $id) }`, { id: listId }, joined.token)).exportContacts).toContain(
      'ana@example.org',
    );
    expect(err(await gw.gql(ACCEPT, { input: { token, password: 'Fresh-Teammate-77' } })).code).toBe('BAD_USER_INPUT');
  });

  it('MC8: there is one Owner, with full access, whose role is never customised nor handed out from the user editor', async () => {
    const admin = await memberWith(gw, owner, roles.admin!, acct(owner), 'mc8admin');
    const viewer = await memberWith(gw, owner, mc('viewer'), acct(owner), 'mc8viewer');
    const OWNER = `query($id: ID!, $r: ID!) { account(id: $id) { owner { id } } role(id: $r) { customisable } }`;
    const owners = ok(await gw.gql(OWNER, { id: owner.accountId, r: roles.owner }, owner.token));
    expect(owners).toEqual({ account: { owner: { id: owner.userId } }, role: { customisable: false } });
    const promote = await gw.gql(ASSIGN, { input: { userId: viewer.userId, roleId: roles.owner, scope: acct(owner) } }, admin.token);
    expect(err(promote)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'roleId' });
    const PERMS = `query($s: ScopeInput!) { viewer { permissions(scope: $s) } }`;
    const ownerPerms = ok(await gw.gql(PERMS, { s: acct(owner) }, owner.token)).viewer.permissions;
    expect(ownerPerms).toEqual(expect.arrayContaining(['account:delete', 'account:transferOwnership', 'billing:edit', 'security:edit']));
  });

  it('MC9: the Admin has full operational access, audit log and billing included, but neither deletes nor transfers the account and takes no customisation', async () => {
    const admin = await memberWith(gw, owner, roles.admin!, acct(owner), 'mc9admin');
    const log = ok(
      await gw.gql(
        `query($id: ID!) { account(id: $id) { auditLog(first: 1) { edges { node { action } } } } }`,
        { id: owner.accountId },
        admin.token,
      ),
    );
    expect(log.account.auditLog.edges).toHaveLength(1);
    const plan = await gw.gql(
      `mutation($input: UpdateBillingInput!) { updateBilling(input: $input) { plan } }`,
      { input: { accountId: owner.accountId, plan: 'FREE' } },
      admin.token,
    );
    expect(ok(plan).updateBilling.plan).toBe('FREE');
    expect(err(await gw.gql(`mutation($id: ID!) { deleteAccount(id: $id) }`, { id: owner.accountId }, admin.token))).toMatchObject(
      forbidden('account:delete'),
    );
    const narrow = await gw.gql(OVERRIDES, { input: { bindingId: admin.bindingId, grant: [], revoke: ['billing:edit'] } }, owner.token);
    expect(err(narrow)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'bindingId' });
  });

  it('MC10: the Manager runs campaigns, audiences, automations and templates, but not billing, the team or security settings', async () => {
    const m = await memberWith(gw, owner, mc('manager'), acct(owner), 'mc10manager');
    const ws = owner.workspaceId;
    expect((await mutate(gw, m.token, 'createList', 'CreateListInput', { workspaceId: ws, name: 'VIP' })).id).toBeTruthy();
    expect(
      (await mutate(gw, m.token, 'createTemplate', 'CreateTemplateInput', { workspaceId: ws, name: 'T', html: '<p>t</p>' })).id,
    ).toBeTruthy();
    expect((await mutate(gw, m.token, 'createAutomation', 'CreateAutomationInput', { workspaceId: ws, name: 'Drip' })).id).toBeTruthy();
    const c = await mutate(gw, owner.token, 'createCampaign', 'CreateCampaignInput', {
      workspaceId: ws,
      name: 'By manager',
      subject: 'Hi',
      fromEmail: await verifiedSender(gw, owner),
      listId,
      templateId: await createTemplate(gw, owner),
    });
    expect(ok(await gw.gql(SEND_CAMPAIGN, { id: c.id }, m.token)).sendCampaign.status).toBe('SENT');
    expect(err(await gw.gql(BILLING, { id: owner.accountId }, m.token))).toMatchObject(forbidden('billing:view'));
    const invite = await gw.gql(
      `mutation($input: InviteUserInput!) { inviteUser(input: $input) { id } }`,
      { input: { accountId: owner.accountId, email: 'mc10@example.com' } },
      m.token,
    );
    expect(err(invite)).toMatchObject(forbidden('members:invite'));
    const twoFa = await gw.gql(
      `mutation($input: SetRequireTwoFactorInput!) { setRequireTwoFactor(input: $input) { id } }`,
      { input: { accountId: owner.accountId, requireTwoFactor: true } },
      m.token,
    );
    expect(err(twoFa)).toMatchObject(forbidden('security:edit'));
  });

  it('MC11: the Analyst exports contacts, email activity and the audit log, and creates, edits, sends or deletes nothing', async () => {
    const a = await memberWith(gw, owner, mc('analyst'), acct(owner), 'mc11analyst');
    expect(ok(await gw.gql(`mutation($id: ID!) { exportContacts(listId: $id) }`, { id: listId }, a.token)).exportContacts).toContain(
      'ana@example.org',
    );
    const get = (path: string) => fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${a.token}` } });
    expect((await get(`/audit/export?accountId=${owner.accountId}&format=jsonl`)).status).toBe(200);
    expect((await get(`/email-logs/export?campaignId=${campaignId}`)).status).toBe(200);
    expect(err(await gw.gql(SEND_CAMPAIGN, { id: campaignId }, a.token))).toMatchObject(forbidden('campaigns:send'));
    const contactId = ok(await gw.gql(CONTACT_ID, { id: listId }, a.token)).list.contacts.edges[0].node.id;
    expect(err(await gw.gql(`mutation($id: ID!) { deleteContact(id: $id) }`, { id: contactId }, a.token))).toMatchObject(
      forbidden('contacts:delete'),
    );
    const create = await gw.gql(
      `mutation($input: CreateListInput!) { createList(input: $input) { id } }`,
      { input: { workspaceId: owner.workspaceId, name: 'x' } },
      a.token,
    );
    expect(err(create)).toMatchObject(forbidden('lists:create'));
  });

  it('MC12: the Viewer sees lists, audiences and campaigns and a dashboard of them, with no editing, no exports and no billing', async () => {
    const v = await memberWith(gw, owner, mc('viewer'), acct(owner), 'mc12viewer');
    const seen = ok(
      await gw.gql(
        `query($l: ID!, $c: ID!) { list(id: $l) { name contactCount } campaign(id: $c) { name } }`,
        { l: listId, c: campaignId },
        v.token,
      ),
    );
    expect(seen).toEqual({ list: { name: 'Audience', contactCount: 1 }, campaign: { name: 'Launch' } });
    const w = ok(
      await gw.gql(
        `mutation($input: AddDashboardWidgetInput!) { addDashboardWidget(input: $input) { data { available total } } }`,
        { input: { accountId: owner.accountId, kind: 'CAMPAIGNS' } },
        v.token,
      ),
    );
    expect(w.addDashboardWidget.data.available).toBe(true);
    expect(w.addDashboardWidget.data.total).toBeGreaterThanOrEqual(1);
    expect(err(await gw.gql(`mutation($id: ID!) { exportContacts(listId: $id) }`, { id: listId }, v.token))).toMatchObject(
      forbidden('contacts:export'),
    );
    const rename = await gw.gql(
      `mutation($id: ID!, $input: UpdateListInput!) { updateList(id: $id, input: $input) { name } }`,
      { id: listId, input: { name: 'x' } },
      v.token,
    );
    expect(err(rename)).toMatchObject(forbidden('lists:edit'));
    expect(err(await gw.gql(BILLING, { id: owner.accountId }, v.token))).toMatchObject(forbidden('billing:view'));
  });
});

describe('Mailercloud: pages, actions, the Permission Picker and requests', () => {
  it('MC2: the Permission Picker adjusts a customisable role for one user: a Manager without Send keeps drafting, and gains report export', async () => {
    const m = await memberWith(gw, owner, mc('manager'), acct(owner), 'mc2manager');
    const other = await memberWith(gw, owner, mc('manager'), acct(owner), 'mc2other');
    ok(await gw.gql(OVERRIDES, { input: { bindingId: m.bindingId, grant: ['reports:export'], revoke: ['campaigns:send'] } }, owner.token));
    expect(err(await gw.gql(SEND_CAMPAIGN, { id: campaignId }, m.token))).toMatchObject(forbidden('campaigns:send'));
    const UPDATE = `mutation($id: ID!, $input: UpdateCampaignInput!) { updateCampaign(id: $id, input: $input) { name } }`;
    expect(ok(await gw.gql(UPDATE, { id: campaignId, input: { name: 'Launch' } }, m.token)).updateCampaign.name).toBe('Launch');
    const EXPORT = `mutation($input: ExportReportInput!) { exportReport(input: $input) }`;
    const scope = { type: 'CAMPAIGN', id: campaignId };
    expect(ok(await gw.gql(EXPORT, { input: { scope } }, m.token)).exportReport).toContain('total');
    // Only that user: another Manager keeps the role as it is.
    expect(err(await gw.gql(EXPORT, { input: { scope } }, other.token))).toMatchObject(forbidden('reports:export'));
  });

  it('MC3: access is cut per page (billing) and per action (send a campaign, delete a contact, export a report)', async () => {
    const a = await memberWith(gw, owner, mc('analyst'), acct(owner), 'mc3analyst');
    const v = await memberWith(gw, owner, mc('viewer'), acct(owner), 'mc3viewer');
    expect(ok(await gw.gql(BILLING, { id: owner.accountId }, a.token)).account.billing.plan).toBe('FREE');
    expect(err(await gw.gql(BILLING, { id: owner.accountId }, v.token))).toMatchObject(forbidden('billing:view'));
    const EXPORT = `mutation($input: ExportReportInput!) { exportReport(input: $input) }`;
    const scope = { type: 'CAMPAIGN', id: campaignId };
    expect(ok(await gw.gql(EXPORT, { input: { scope } }, a.token)).exportReport).toContain('total');
    expect(err(await gw.gql(EXPORT, { input: { scope } }, v.token))).toMatchObject(forbidden('reports:export'));
    expect(err(await gw.gql(SEND_CAMPAIGN, { id: campaignId }, v.token))).toMatchObject(forbidden('campaigns:send'));
    const contactId = ok(await gw.gql(CONTACT_ID, { id: listId }, v.token)).list.contacts.edges[0].node.id;
    expect(err(await gw.gql(`mutation($id: ID!) { deleteContact(id: $id) }`, { id: contactId }, v.token))).toMatchObject(
      forbidden('contacts:delete'),
    );
  });

  it('MC4: any teammate turns a refusal into a Request access in one step, from what the refusal names', async () => {
    const v = await memberWith(gw, owner, mc('viewer'), acct(owner), 'mc4viewer');
    const refusal = (await gw.gql(`mutation($id: ID!) { exportContacts(listId: $id) }`, { id: listId }, v.token)).body.errors![0]!
      .extensions!;
    expect(refusal).toMatchObject({ code: 'FORBIDDEN', permission: 'contacts:export', canRequestAccess: true });
    const REQUEST = `mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id status permission scope { type id } } }`;
    const req = ok(await gw.gql(REQUEST, { input: { permission: refusal.permission, scope: refusal.scope } }, v.token)).requestAccess;
    expect(req).toMatchObject({ status: 'PENDING', permission: 'contacts:export', scope: refusal.scope });
  });

  it("MC5: an API token acts within its maker's role: it cannot be given more, and loses what the maker loses", async () => {
    const m = await memberWith(gw, owner, mc('manager'), acct(owner), 'mc5manager');
    ok(await gw.gql(OVERRIDES, { input: { bindingId: m.bindingId, grant: ['apiTokens:create'], revoke: [] } }, owner.token));
    const TOKEN = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`;
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const tooMuch = await gw.gql(
      TOKEN,
      { input: { accountId: owner.accountId, name: 'crm', scopes: ['billing:view'], expiresAt } },
      m.token,
    );
    expect(err(tooMuch)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scopes' });
    const scopes = ['lists:view', 'contacts:view'];
    const pst = ok(await gw.gql(TOKEN, { input: { accountId: owner.accountId, name: 'crm', scopes, expiresAt } }, m.token)).createApiToken
      .token;
    const LIST = `query($id: ID!) { list(id: $id) { name } }`;
    expect(ok(await gw.gql(LIST, { id: listId }, pst)).list.name).toBe('Audience');
    const billing = (await gw.gql(BILLING, { id: owner.accountId }, pst)).body.errors![0]!.extensions;
    expect(billing).toMatchObject({ code: 'FORBIDDEN', canRequestAccess: false });
    ok(await gw.gql(OVERRIDES, { input: { bindingId: m.bindingId, grant: ['apiTokens:create'], revoke: ['lists:view'] } }, owner.token));
    expect(err(await gw.gql(LIST, { id: listId }, pst))).toMatchObject(forbidden('lists:view'));
  });

  it("MC7: editing a user (a new role, then toggled rights) takes effect on that user's very next request", async () => {
    const u = await memberWith(gw, owner, mc('viewer'), acct(owner), 'mc7user');
    const EXPORT = `mutation($id: ID!) { exportContacts(listId: $id) }`;
    expect(err(await gw.gql(EXPORT, { id: listId }, u.token))).toMatchObject(forbidden('contacts:export'));
    const analyst = ok(await gw.gql(ASSIGN, { input: { userId: u.userId, roleId: mc('analyst'), scope: acct(owner) } }, owner.token))
      .assignRole.id;
    ok(await gw.gql(UNASSIGN, { id: u.bindingId }, owner.token));
    expect(ok(await gw.gql(EXPORT, { id: listId }, u.token)).exportContacts).toContain('ana@example.org');
    ok(await gw.gql(OVERRIDES, { input: { bindingId: analyst, grant: [], revoke: ['contacts:export'] } }, owner.token));
    expect(err(await gw.gql(EXPORT, { id: listId }, u.token))).toMatchObject(forbidden('contacts:export'));
  });

  it('MC13: a refused page leaves the rest of the screen intact: the other fields answer, the refused one is null with a Request access offer', async () => {
    const v = await memberWith(gw, owner, mc('viewer'), acct(owner), 'mc13viewer');
    const r = await gw.gql(
      `query($id: ID!) { viewer { user { id } } account(id: $id) { name billing { plan } } }`,
      { id: owner.accountId },
      v.token,
    );
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ viewer: { user: { id: v.userId } }, account: { name: 'Acme Mail', billing: null } });
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors![0]).toMatchObject({
      path: ['account', 'billing'],
      extensions: { code: 'FORBIDDEN', permission: 'billing:view', canRequestAccess: true },
    });
  });

  it('MC14: the Owner sees which permission and where a teammate asked for, and answers in the product: the teammate is told and gains it', async () => {
    const v = await memberWith(gw, owner, mc('viewer'), acct(owner), 'mc14viewer');
    const REQUEST = `mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id } }`;
    const id = ok(
      await gw.gql(
        REQUEST,
        { input: { permission: 'contacts:export', scope: { type: 'LIST', id: listId }, note: 'for the CRM' } },
        v.token,
      ),
    ).requestAccess.id;
    const NOTES = `{ viewer { notifications { edges { node { kind message accessRequestId } } } } }`;
    const note = ok(await gw.gql(NOTES, {}, owner.token)).viewer.notifications.edges.find((e: any) => e.node.accessRequestId === id).node;
    expect(note.kind).toBe('accessRequest.created');
    expect(note.message).toContain('contacts:export');
    const listed = ok(
      await gw.gql(
        `query($id: ID!) { account(id: $id) { accessRequests { edges { node { id permission scope { type id } note } } } } }`,
        { id: owner.accountId },
        owner.token,
      ),
    );
    expect(listed.account.accessRequests.edges.find((e: any) => e.node.id === id).node).toEqual({
      id,
      permission: 'contacts:export',
      scope: { type: 'LIST', id: listId },
      note: 'for the CRM',
    });
    const RESOLVE = `mutation($input: ResolveAccessRequestInput!) { resolveAccessRequest(input: $input) { status } }`;
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    expect(ok(await gw.gql(RESOLVE, { input: { id, approve: true, expiresAt } }, owner.token)).resolveAccessRequest.status).toBe(
      'APPROVED',
    );
    const mine = ok(await gw.gql(NOTES, {}, v.token)).viewer.notifications.edges.map((e: any) => e.node);
    expect(mine).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'accessRequest.approved', accessRequestId: id })]));
    expect(ok(await gw.gql(`mutation($id: ID!) { exportContacts(listId: $id) }`, { id: listId }, v.token)).exportContacts).toContain(
      'ana@example.org',
    );
  });
});
