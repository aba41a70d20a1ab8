// The seed products' statements (numbered in docs/products.md), tested through installed role packs.
import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { acct, bind, can, err, memberWith, newMember, ok, roleIds, wsScope, type Scope } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;
let d1: string;
let d2: string;
let project: string;
let inboxA: string;
let inboxB: string;
let ws2: string;

const INSTALL = `mutation($input: InstallRolePackInput!) { installRolePack(input: $input) { id } }`;
const CREATE_DOMAIN = `mutation($input: CreateDomainInput!) { createDomain(input: $input) { id } }`;
const UPDATE_DOMAIN = `mutation($id: ID!, $input: UpdateDomainInput!) { updateDomain(id: $id, input: $input) { id trackOpens } }`;
const DOMAIN = `query($id: ID!) { domain(id: $id) { id name } }`;
const INBOX_MEMBERS = `query($id: ID!) { inbox(id: $id) { members { edges { node { user { email } bindings { role { key } scope { id } } } } } } }`;

const domainScope = (id: string): Scope => ({ type: 'DOMAIN', id });
const inboxScope = (id: string): Scope => ({ type: 'INBOX', id });

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  for (const pack of ['MAILGUN', 'MAILTRAP', 'MAILERCLOUD', 'MAILERS_IO', 'MAUTIC']) {
    ok(await gw.gql(INSTALL, { input: { accountId: owner.accountId, pack } }, owner.token));
  }
  roles = await roleIds(gw, owner);
  d1 = ok(await gw.gql(CREATE_DOMAIN, { input: { workspaceId: owner.workspaceId, name: 'mg.one.example.com' } }, owner.token)).createDomain
    .id;
  d2 = ok(await gw.gql(CREATE_DOMAIN, { input: { workspaceId: owner.workspaceId, name: 'mg.two.example.com' } }, owner.token)).createDomain
    .id;
  project = ok(
    await gw.gql(
      `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      { input: { workspaceId: owner.workspaceId, name: 'QA' } },
      owner.token,
    ),
  ).createProject.id;
  const inbox = async (name: string) =>
    ok(
      await gw.gql(
        `mutation($input: CreateInboxInput!) { createInbox(input: $input) { id } }`,
        { input: { projectId: project, name } },
        owner.token,
      ),
    ).createInbox.id;
  inboxA = await inbox('A');
  inboxB = await inbox('B');
  ws2 = ok(
    await gw.gql(
      `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
      { input: { accountId: owner.accountId, name: 'Second' } },
      owner.token,
    ),
  ).createWorkspace.id;
});
afterAll(() => gw.stop());

describe('Mailgun', () => {
  const API_KEYS = `query($id: ID!) { account(id: $id) { apiKeys { edges { node { id secret } } } } }`;

  it('MG11: the Analyst reads most data but changes nothing; MG12: they modify only their own settings', async () => {
    const a = await memberWith(gw, owner, roles['mailgun-analyst']!, acct(owner), 'analyst');
    expect(ok(await gw.gql(DOMAIN, { id: d1 }, a.token)).domain.id).toBe(d1);
    expect(err(await gw.gql(UPDATE_DOMAIN, { id: d1, input: { trackOpens: true } }, a.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'domains:edit',
    });
    expect(
      errorCode(
        await gw.gql(
          `mutation($input: CreateListInput!) { createList(input: $input) { id } }`,
          { input: { workspaceId: owner.workspaceId, name: 'x' } },
          a.token,
        ),
      ),
    ).toBe('FORBIDDEN');
    for (const p of ['members:create', 'roles:assign', 'billing:edit', 'apiKeys:reveal', 'smtpCredentials:reveal', 'suppressions:create']) {
      expect([p, await can(gw, a.token, p, acct(owner))]).toEqual([p, false]);
    }
    const s = await gw.gql(`mutation { updateMySettings(input: { position: "Analyst" }) { position } }`, {}, a.token);
    expect(s.body.data!.updateMySettings.position).toBe('Analyst');
  });

  it('MG6: the Developer views API keys (plaintext) while the Analyst sees them masked; MG14: the Admin administers users', async () => {
    const key = ok(
      await gw.gql(
        `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { id secret } }`,
        { input: { accountId: owner.accountId, name: 'prod' } },
        owner.token,
      ),
    ).createApiKey;
    const dev = await memberWith(gw, owner, roles['mailgun-developer']!, acct(owner), 'dev');
    const ana = await memberWith(gw, owner, roles['mailgun-analyst']!, acct(owner), 'ana');
    const devKeys = ok(await gw.gql(API_KEYS, { id: owner.accountId }, dev.token)).account.apiKeys.edges;
    expect(devKeys.find((e: any) => e.node.id === key.id).node.secret).toBe(key.secret);
    const anaRes = await gw.gql(API_KEYS, { id: owner.accountId }, ana.token);
    const anaKey = anaRes.body.data!.account.apiKeys.edges.find((e: any) => e.node.id === key.id).node.secret;
    expect(anaKey).not.toBe(key.secret);
    expect(anaRes.text).not.toContain(key.secret);
    // Developer edits domain settings and webhooks, but not users or billing.
    expect(ok(await gw.gql(UPDATE_DOMAIN, { id: d1, input: { trackOpens: true } }, dev.token)).updateDomain.trackOpens).toBe(true);
    expect(await can(gw, dev.token, 'webhooks:create', domainScope(d1))).toBe(true);
    expect(await can(gw, dev.token, 'members:create', acct(owner))).toBe(false);
    expect(await can(gw, dev.token, 'billing:edit', acct(owner))).toBe(false);
    expect(await can(gw, dev.token, 'apiKeys:rotate', acct(owner))).toBe(false);

    const admin = await memberWith(gw, owner, roles['mailgun-admin']!, acct(owner), 'mgadmin');
    for (const p of ['members:create', 'apiKeys:rotate', 'smtpCredentials:create', 'account:edit'])
      expect(await can(gw, admin.token, p, acct(owner))).toBe(true);
    expect(await can(gw, admin.token, 'account:delete', acct(owner))).toBe(false);
  });

  it('MG7: Support edits suppressions, lists and authorized recipients and tickets; MG10: Billing is the only non-admin changing billing', async () => {
    const sup = await memberWith(gw, owner, roles['mailgun-support']!, acct(owner), 'support');
    const r = await gw.gql(
      `mutation($input: AddSuppressionInput!) { addSuppression(input: $input) { id } }`,
      { input: { domainId: d1, type: 'BOUNCE', address: 'bounced@example.org' } },
      sup.token,
    );
    expect(r.body.errors).toBeUndefined();
    for (const p of ['lists:edit', 'contacts:delete', 'authorizedRecipients:create', 'supportTickets:comment'])
      expect(await can(gw, sup.token, p, acct(owner))).toBe(true);
    for (const p of ['domains:edit', 'webhooks:edit', 'billing:edit']) expect(await can(gw, sup.token, p, acct(owner))).toBe(false);

    const bil = await memberWith(gw, owner, roles['mailgun-billing']!, acct(owner), 'billing');
    for (const p of ['billing:edit', 'billing:limits']) expect(await can(gw, bil.token, p, acct(owner))).toBe(true);
    for (const p of ['domains:edit', 'lists:edit', 'members:invite']) expect(await can(gw, bil.token, p, acct(owner))).toBe(false);
  });
});

describe('Mailtrap', () => {
  it('MT6: a Domain Admin on one domain manages it and cannot touch its sibling', async () => {
    const da = await memberWith(gw, owner, roles['mailtrap-domain-admin']!, domainScope(d1), 'domadmin');
    expect(ok(await gw.gql(UPDATE_DOMAIN, { id: d1, input: { trackOpens: false } }, da.token)).updateDomain.trackOpens).toBe(false);
    expect(err(await gw.gql(UPDATE_DOMAIN, { id: d2, input: { trackOpens: true } }, da.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'domains:edit',
    });
    expect(errorCode(await gw.gql(DOMAIN, { id: d2 }, da.token))).toBe('FORBIDDEN');
    expect(errorCode(await gw.gql(`mutation($id: ID!) { deleteDomain(id: $id) }`, { id: d2 }, da.token))).toBe('FORBIDDEN');
    expect(await can(gw, da.token, 'emailContent:view', domainScope(d1))).toBe(true);
    expect(await can(gw, da.token, 'domains:create', wsScope(owner))).toBe(false);
    // Adds domain team members: assigns the Domain Viewer role on that domain, not on the sibling.
    const m = await newMember(gw, owner, 'domteam');
    await bind(gw, owner, m.userId, roles['mailtrap-domain-viewer']!, domainScope(d1), da.token);
    const sib = await gw.gql(
      `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
      { input: { userId: m.userId, roleId: roles['mailtrap-domain-viewer'], scope: domainScope(d2) } },
      da.token,
    );
    expect(err(sib)).toMatchObject({ code: 'FORBIDDEN', permission: 'roles:assign' });
  });

  it('MT8: viewers do not see email content unless granted View Email Content for that domain only', async () => {
    const v = await memberWith(gw, owner, roles['mailtrap-domain-viewer']!, domainScope(d1), 'domviewer');
    await bind(gw, owner, v.userId, roles['mailtrap-domain-viewer']!, domainScope(d2));
    expect(await can(gw, v.token, 'emailLogs:view', domainScope(d1))).toBe(true);
    expect(await can(gw, v.token, 'emailContent:view', domainScope(d1))).toBe(false);
    expect(await can(gw, v.token, 'domains:edit', domainScope(d1))).toBe(false);
    await bind(gw, owner, v.userId, roles['mailtrap-view-email-content']!, domainScope(d1));
    expect(await can(gw, v.token, 'emailContent:view', domainScope(d1))).toBe(true);
    expect(await can(gw, v.token, 'emailContent:view', domainScope(d2))).toBe(false);
  });

  it("MT2: an Inbox Admin sees only that inbox's members; MT12: they manage it, and cannot add inboxes", async () => {
    const ia = await memberWith(gw, owner, roles['mailtrap-inbox-admin']!, inboxScope(inboxA), 'inboxadmin');
    const va = await memberWith(gw, owner, roles['mailtrap-inbox-viewer']!, inboxScope(inboxA), 'viewera');
    const vb = await memberWith(gw, owner, roles['mailtrap-inbox-viewer']!, inboxScope(inboxB), 'viewerb');
    const d = ok(await gw.gql(INBOX_MEMBERS, { id: inboxA }, ia.token));
    expect(d.inbox.members.edges.map((e: any) => e.node.user.email).sort()).toEqual([ia.email, va.email].sort());
    expect(errorCode(await gw.gql(INBOX_MEMBERS, { id: inboxB }, ia.token))).toBe('FORBIDDEN');
    // The whole account's member list is not theirs to see.
    const all = await gw.gql(
      `query($id: ID!) { account(id: $id) { members { edges { node { user { email } } } } } }`,
      { id: owner.accountId },
      ia.token,
    );
    expect(errorCode(all)).toBe('FORBIDDEN');
    expect(all.text).not.toContain(vb.email);
    // Through the accounts they belong to, the account's member list is narrowed to the inbox's team.
    const mine = ok(await gw.gql(`{ viewer { accounts { id members { edges { node { user { email } } } } } } }`, {}, ia.token));
    const acc = mine.viewer.accounts.find((a: any) => a.id === owner.accountId);
    expect(acc.members.edges.map((e: any) => e.node.user.email).sort()).toEqual([ia.email, va.email].sort());
    // The owner sees everyone.
    const ownerView = ok(
      await gw.gql(
        `query($id: ID!) { account(id: $id) { members(first: 200) { edges { node { user { email } } } } } }`,
        { id: owner.accountId },
        owner.token,
      ),
    );
    expect(ownerView.account.members.edges.map((e: any) => e.node.user.email)).toEqual(
      expect.arrayContaining([ia.email, va.email, vb.email, owner.email]),
    );
    // A member bound in both inboxes shows, to the inbox A admin, only their inbox A binding.
    const both = await memberWith(gw, owner, roles['mailtrap-inbox-viewer']!, inboxScope(inboxA), 'bothinboxes');
    await bind(gw, owner, both.userId, roles['mailtrap-inbox-viewer']!, inboxScope(inboxB));
    const again = ok(await gw.gql(INBOX_MEMBERS, { id: inboxA }, ia.token)).inbox.members.edges;
    const seen = again.find((e: any) => e.node.user.email === both.email).node.bindings;
    expect(seen.map((b: any) => b.scope.id)).toEqual([inboxA]);
    // Adds inbox team members: invites to inbox A, not to inbox B.
    const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { id scope { id } } }`;
    const invA = await gw.gql(
      INVITE,
      {
        input: {
          accountId: owner.accountId,
          email: 'new-teammate-a@example.com',
          roleId: roles['mailtrap-inbox-viewer'],
          scope: inboxScope(inboxA),
        },
      },
      ia.token,
    );
    expect(invA.body.data!.inviteUser.scope.id).toBe(inboxA);
    const invB = await gw.gql(
      INVITE,
      {
        input: {
          accountId: owner.accountId,
          email: 'new-teammate-b@example.com',
          roleId: roles['mailtrap-inbox-viewer'],
          scope: inboxScope(inboxB),
        },
      },
      ia.token,
    );
    expect(err(invB)).toMatchObject({ code: 'FORBIDDEN', permission: 'members:invite' });
    expect(await can(gw, ia.token, 'inboxes:edit', inboxScope(inboxA))).toBe(true);
    expect(await can(gw, ia.token, 'inboxes:create', { type: 'PROJECT', id: project })).toBe(false);
    expect(await can(gw, ia.token, 'inboxes:edit', inboxScope(inboxB))).toBe(false);
    expect(await can(gw, va.token, 'messages:view', inboxScope(inboxA))).toBe(true);
    expect(await can(gw, va.token, 'inboxes:edit', inboxScope(inboxA))).toBe(false);
  });

  it('MT10: a Project Admin manages all its inboxes but cannot add projects; MT5: the Account Viewer sees everything and changes nothing', async () => {
    const pa = await memberWith(gw, owner, roles['mailtrap-project-admin']!, { type: 'PROJECT', id: project }, 'projadmin');
    expect(await can(gw, pa.token, 'inboxes:create', { type: 'PROJECT', id: project })).toBe(true);
    expect(await can(gw, pa.token, 'inboxes:delete', inboxScope(inboxB))).toBe(true);
    expect(await can(gw, pa.token, 'projects:create', wsScope(owner))).toBe(false);

    const av = await memberWith(gw, owner, roles['mailtrap-account-viewer']!, acct(owner), 'acctviewer');
    for (const p of ['projects:view', 'inboxes:view', 'billing:view', 'domains:view'])
      expect(await can(gw, av.token, p, acct(owner))).toBe(true);
    for (const p of ['projects:create', 'inboxes:edit', 'billing:edit', 'emailContent:view'])
      expect(await can(gw, av.token, p, acct(owner))).toBe(false);
  });
});

describe('Mailercloud', () => {
  it('MC11: the Analyst exports; MC12: the Viewer does not; MC2: both are customisable through overrides', async () => {
    const an = await memberWith(gw, owner, roles['mailercloud-analyst']!, acct(owner), 'mcanalyst');
    const vi = await memberWith(gw, owner, roles['mailercloud-viewer']!, acct(owner), 'mcviewer');
    expect(await can(gw, an.token, 'contacts:export', acct(owner))).toBe(true);
    expect(await can(gw, an.token, 'campaigns:send', acct(owner))).toBe(false);
    expect(await can(gw, vi.token, 'contacts:export', acct(owner))).toBe(false);
    expect(await can(gw, vi.token, 'billing:view', acct(owner))).toBe(false);
    ok(
      await gw.gql(
        `mutation($input: SetPermissionOverridesInput!) { setPermissionOverrides(input: $input) { id } }`,
        { input: { bindingId: vi.bindingId, grant: ['contacts:export'], revoke: [] } },
        owner.token,
      ),
    );
    expect(await can(gw, vi.token, 'contacts:export', acct(owner))).toBe(true);
  });
});

describe('Mailers.io', () => {
  it('MI1: full or read-only per resource group; MI2: assigned per workspace', async () => {
    const m = await newMember(gw, owner, 'mio');
    await bind(gw, owner, m.userId, roles['mailersio-campaigns-full']!, wsScope(owner));
    await bind(gw, owner, m.userId, roles['mailersio-campaigns-read']!, { type: 'WORKSPACE', id: ws2 });
    await bind(gw, owner, m.userId, roles['mailersio-servers-read']!, wsScope(owner));
    expect(await can(gw, m.token, 'campaigns:send', wsScope(owner))).toBe(true);
    expect(await can(gw, m.token, 'campaigns:view', { type: 'WORKSPACE', id: ws2 })).toBe(true);
    expect(await can(gw, m.token, 'campaigns:create', { type: 'WORKSPACE', id: ws2 })).toBe(false);
    expect(await can(gw, m.token, 'sendingServers:view', wsScope(owner))).toBe(true);
    expect(await can(gw, m.token, 'sendingServers:reveal', wsScope(owner))).toBe(false);
    expect(await can(gw, m.token, 'domains:edit', wsScope(owner))).toBe(false);
  });
});

describe('Mautic', () => {
  it('MA6: edit own vs others: a user edits templates they created, not others', async () => {
    const m = await newMember(gw, owner, 'mautic');
    await bind(gw, owner, m.userId, roles['mautic-templates-create']!, wsScope(owner));
    await bind(gw, owner, m.userId, roles['mautic-templates-edit-own']!, wsScope(owner));
    const CREATE = `mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { id } }`;
    const UPDATE = `mutation($id: ID!, $input: UpdateTemplateInput!) { updateTemplate(id: $id, input: $input) { id name } }`;
    const mine = ok(await gw.gql(CREATE, { input: { workspaceId: owner.workspaceId, name: 'Mine', html: '<p>x</p>' } }, m.token))
      .createTemplate.id;
    const theirs = ok(await gw.gql(CREATE, { input: { workspaceId: owner.workspaceId, name: 'Theirs', html: '<p>y</p>' } }, owner.token))
      .createTemplate.id;
    expect(ok(await gw.gql(UPDATE, { id: mine, input: { name: 'Mine 2' } }, m.token)).updateTemplate.name).toBe('Mine 2');
    expect(err(await gw.gql(UPDATE, { id: theirs, input: { name: 'Hijack' } }, m.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'templates:edit',
    });
    const perms = ok(await gw.gql(`query($s: ScopeInput!) { viewer { permissions(scope: $s) } }`, { s: wsScope(owner) }, m.token)).viewer
      .permissions;
    expect(perms).toEqual(expect.arrayContaining(['templates:create', 'templates:view:own', 'templates:edit:own']));
    expect(perms).not.toContain('templates:edit');
  });

  it('MA6: Full is every action of the category', async () => {
    const m = await memberWith(gw, owner, roles['mautic-forms-full']!, wsScope(owner), 'mauticfull');
    for (const a of ['view', 'create', 'edit', 'delete', 'publish'])
      expect(await can(gw, m.token, `forms:${a}`, wsScope(owner))).toBe(true);
    expect(await can(gw, m.token, 'campaigns:view', wsScope(owner))).toBe(false);
  });
});
