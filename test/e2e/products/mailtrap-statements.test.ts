// Mailtrap user management (seed: mailtrap-user-management): the statements of docs/products.md not
// pinned elsewhere, tried as Mailtrap's users would — the pack's roles bound at their node, then acting.
import { STRONG_PASSWORD, startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { ASSIGN, LOGIN, OVERRIDES, PERMS, acct, bind, err, memberWith, newMember, ok, type Scope } from '../../modules/access/helpers';
import { SEND, installPacks, mail, mutate, sendingDomain } from './helpers';
import { IMPORT, createList, createTemplate, verifiedSender } from '../../modules/marketing/helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;
let project: string;
let inbox: string;

const projectScope = (id: string): Scope => ({ type: 'PROJECT', id });
const inboxScope = (id: string): Scope => ({ type: 'INBOX', id });
const domainScope = (id: string): Scope => ({ type: 'DOMAIN', id });

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  roles = await installPacks(gw, owner, ['MAILTRAP']);
  project = (await mutate(gw, owner.token, 'createProject', 'CreateProjectInput', { workspaceId: owner.workspaceId, name: 'QA' })).id;
  inbox = (await mutate(gw, owner.token, 'createInbox', 'CreateInboxInput', { projectId: project, name: 'Staging' })).id;
  ok(
    await gw.gql(
      `mutation($input: SendTestEmailInput!) { sendTestEmail(input: $input) { id } }`,
      { input: { inboxId: inbox, from: 'app@example.com', to: 'qa@example.com', subject: 'Welcome', text: 'captured body' } },
      owner.token,
    ),
  );
});
afterAll(() => gw.stop());

const forbidden = (permission: string) => ({ code: 'FORBIDDEN', permission });

describe('Mailtrap: account level', () => {
  it("MT3: only the Account Owner transfers ownership and deletes the account; nobody alters the owner's access", async () => {
    const admin = await memberWith(gw, owner, roles['mailtrap-account-admin']!, acct(owner), 'admin');
    const viewerRole = roles['mailtrap-account-viewer']!;
    const onOwner = await gw.gql(ASSIGN, { input: { userId: owner.userId, roleId: viewerRole, scope: acct(owner) } }, admin.token);
    expect(err(onOwner)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    const removeOwner = await gw.gql(
      `mutation($input: RemoveMemberInput!) { removeMember(input: $input) }`,
      { input: { accountId: owner.accountId, userId: owner.userId } },
      admin.token,
    );
    expect(err(removeOwner).code).toBe('BAD_USER_INPUT');
    // In an account of its own, the owner hands it over; the new owner may delete it, the old one no longer.
    const o2 = await gw.signUp();
    const heir = await newMember(gw, o2, 'heir');
    const TRANSFER = `mutation($input: TransferOwnershipInput!) { transferOwnership(input: $input) { owner { id } } }`;
    expect(
      ok(await gw.gql(TRANSFER, { input: { accountId: o2.accountId, userId: heir.userId } }, o2.token)).transferOwnership.owner.id,
    ).toBe(heir.userId);
    const DELETE = `mutation($id: ID!) { deleteAccount(id: $id) }`;
    expect(err(await gw.gql(DELETE, { id: o2.accountId }, o2.token)).code).toBe('FORBIDDEN');
    expect(ok(await gw.gql(DELETE, { id: o2.accountId }, heir.token)).deleteAccount).toBe(true);
  });

  it('MT4: the Account Admin invites people and manages projects and inboxes like the owner, but neither deletes nor transfers the account', async () => {
    const admin = await memberWith(gw, owner, roles['mailtrap-account-admin']!, acct(owner), 'admin2');
    const p = await mutate(gw, admin.token, 'createProject', 'CreateProjectInput', { workspaceId: owner.workspaceId, name: 'By admin' });
    expect((await mutate(gw, admin.token, 'createInbox', 'CreateInboxInput', { projectId: p.id, name: 'Inbox' })).id).toBeTruthy();
    const inv = await gw.gql(
      `mutation($input: InviteUserInput!) { inviteUser(input: $input) { id } }`,
      {
        input: {
          accountId: owner.accountId,
          email: 'mt4-invitee@example.com',
          roleId: roles['mailtrap-project-viewer'],
          scope: projectScope(p.id),
        },
      },
      admin.token,
    );
    expect(ok(inv).inviteUser.id).toBeTruthy();
    const heir = await newMember(gw, owner, 'mt4heir');
    expect(err(await gw.gql(`mutation($id: ID!) { deleteAccount(id: $id) }`, { id: owner.accountId }, admin.token))).toMatchObject(
      forbidden('account:delete'),
    );
    const transfer = await gw.gql(
      `mutation($input: TransferOwnershipInput!) { transferOwnership(input: $input) { id } }`,
      { input: { accountId: owner.accountId, userId: heir.userId } },
      admin.token,
    );
    expect(err(transfer)).toMatchObject(forbidden('account:transferOwnership'));
    expect(
      ok(await gw.gql(`query($id: ID!) { account(id: $id) { owner { id } } }`, { id: owner.accountId }, admin.token)).account.owner.id,
    ).toBe(owner.userId);
  });

  it('MT5: the Account Viewer reads projects, inboxes and billing everywhere but adds, edits and removes nothing', async () => {
    const v = await memberWith(gw, owner, roles['mailtrap-account-viewer']!, acct(owner), 'aviewer');
    const seen = ok(
      await gw.gql(
        `query($id: ID!, $p: ID!) { account(id: $id) { billing { plan } } project(id: $p) { name inboxes { edges { node { id } } } } }`,
        { id: owner.accountId, p: project },
        v.token,
      ),
    );
    expect(seen.account.billing.plan).toBe('FREE');
    expect(seen.project).toEqual({ name: 'QA', inboxes: { edges: [{ node: { id: inbox } }] } });
    const create = await gw.gql(
      `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      { input: { workspaceId: owner.workspaceId, name: 'Nope' } },
      v.token,
    );
    expect(err(create)).toMatchObject(forbidden('projects:create'));
    const rename = await gw.gql(
      `mutation($id: ID!, $input: UpdateProjectInput!) { updateProject(id: $id, input: $input) { id } }`,
      { id: project, input: { name: 'Renamed' } },
      v.token,
    );
    expect(err(rename)).toMatchObject(forbidden('projects:edit'));
    expect(err(await gw.gql(`mutation($id: ID!) { deleteInbox(id: $id) }`, { id: inbox }, v.token))).toMatchObject(
      forbidden('inboxes:delete'),
    );
    const plan = await gw.gql(
      `mutation($input: UpdateBillingInput!) { updateBilling(input: $input) { plan } }`,
      { input: { accountId: owner.accountId, plan: 'SCALE' } },
      v.token,
    );
    expect(err(plan)).toMatchObject(forbidden('billing:edit'));
    expect(ok(await gw.gql(`query($id: ID!) { project(id: $id) { name } }`, { id: project }, owner.token)).project.name).toBe('QA');
  });
});

describe('Mailtrap: domains and campaigns', () => {
  it('MT6: the Domain Admin manages the footer, tracking and credentials and deletes the domain; the Domain Viewer changes none of it', async () => {
    const d = await mutate(gw, owner.token, 'createDomain', 'CreateDomainInput', {
      workspaceId: owner.workspaceId,
      name: 'mt6.example.com',
    });
    const da = await memberWith(gw, owner, roles['mailtrap-domain-admin']!, domainScope(d.id), 'dadmin');
    const dv = await memberWith(gw, owner, roles['mailtrap-domain-viewer']!, domainScope(d.id), 'dviewer');
    const UPDATE = `mutation($id: ID!, $input: UpdateDomainInput!) { updateDomain(id: $id, input: $input) { trackClicks unsubscribeFooter } }`;
    const input = { trackClicks: true, unsubscribeFooter: 'Unsubscribe: {unsubscribe}' };
    expect(ok(await gw.gql(UPDATE, { id: d.id, input }, da.token)).updateDomain).toEqual(input);
    expect(err(await gw.gql(UPDATE, { id: d.id, input: { unsubscribeFooter: '' } }, dv.token))).toMatchObject(forbidden('domains:edit'));
    // Resetting the credentials: a new SMTP login (its password shown to the admin), the old one removed.
    const CREATE = `mutation($input: CreateSmtpCredentialInput!) { createSmtpCredential(input: $input) { id login password } }`;
    const cred = ok(await gw.gql(CREATE, { input: { domainId: d.id, login: 'app' } }, da.token)).createSmtpCredential;
    expect(cred.login).toBe('app@mt6.example.com');
    expect(err(await gw.gql(CREATE, { input: { domainId: d.id, login: 'other' } }, dv.token))).toMatchObject(
      forbidden('smtpCredentials:create'),
    );
    const listed = await gw.gql(
      `query($id: ID!) { domain(id: $id) { unsubscribeFooter smtpCredentials { edges { node { login password } } } } }`,
      { id: d.id },
      dv.token,
    );
    expect(ok(listed).domain.smtpCredentials.edges[0].node).toEqual({ login: 'app@mt6.example.com', password: '••••••••' });
    expect(listed.text).not.toContain(cred.password);
    expect(err(await gw.gql(`mutation($id: ID!) { deleteSmtpCredential(id: $id) }`, { id: cred.id }, dv.token)).code).toBe('FORBIDDEN');
    expect(ok(await gw.gql(`mutation($id: ID!) { deleteSmtpCredential(id: $id) }`, { id: cred.id }, da.token)).deleteSmtpCredential).toBe(
      true,
    );
    expect(err(await gw.gql(`mutation($id: ID!) { deleteDomain(id: $id) }`, { id: d.id }, dv.token))).toMatchObject(
      forbidden('domains:delete'),
    );
    expect(ok(await gw.gql(`mutation($id: ID!) { deleteDomain(id: $id) }`, { id: d.id }, da.token)).deleteDomain).toBe(true);
  });

  it('MT8: email bodies show to admins; a viewer sees them only where View Email Content is granted, per domain', async () => {
    const one = 'mt8-one.example.com';
    const two = 'mt8-two.example.com';
    const d1 = await sendingDomain(gw, owner, one);
    const d2 = await sendingDomain(gw, owner, two);
    for (const [id, name] of [
      [d1, one],
      [d2, two],
    ] as const)
      ok(await gw.gql(SEND, { input: mail(id, name, { text: `secret body of ${name}` }) }, owner.token));
    const LOGS = `query($id: ID!) { domain(id: $id) { emailLogs { edges { node { subject text } } } } }`;
    const body = async (token: string, id: string) => {
      const r = await gw.gql(LOGS, { id }, token);
      return { node: ok(r).domain.emailLogs.edges[0].node, text: r.text };
    };
    const v = await memberWith(gw, owner, roles['mailtrap-domain-viewer']!, domainScope(d1), 'viewer');
    await bind(gw, owner, v.userId, roles['mailtrap-domain-viewer']!, domainScope(d2));
    const before = await body(v.token, d1);
    expect(before.node).toEqual({ subject: 'Hello', text: null });
    expect(before.text).not.toContain('secret body');
    const da = await memberWith(gw, owner, roles['mailtrap-domain-admin']!, domainScope(d1), 'dadmin8');
    expect((await body(da.token, d1)).node.text).toBe(`secret body of ${one}`);
    // The domain admin grants View Email Content on their domain, not on the other one.
    await bind(gw, owner, v.userId, roles['mailtrap-view-email-content']!, domainScope(d1), da.token);
    const refused = await gw.gql(
      ASSIGN,
      { input: { userId: v.userId, roleId: roles['mailtrap-view-email-content'], scope: domainScope(d2) } },
      da.token,
    );
    expect(err(refused)).toMatchObject(forbidden('roles:assign'));
    expect((await body(v.token, d1)).node.text).toBe(`secret body of ${one}`);
    const other = await body(v.token, d2);
    expect(other.node.text).toBeNull();
    expect(other.text).not.toContain(`secret body of ${two}`);
  });

  it('MT9: the Email Campaign Admin creates, edits, sends and deletes campaigns and sees their reports; the Viewer only looks', async () => {
    const ca = await memberWith(gw, owner, roles['mailtrap-email-campaign-admin']!, { type: 'WORKSPACE', id: owner.workspaceId }, 'cadmin');
    const cv = await memberWith(
      gw,
      owner,
      roles['mailtrap-email-campaign-viewer']!,
      { type: 'WORKSPACE', id: owner.workspaceId },
      'cviewer',
    );
    const listId = await createList(gw, owner, 'MT9 readers');
    ok(await gw.gql(IMPORT, { input: { listId, contacts: [{ email: 'mt9@example.com' }] } }, owner.token));
    const templateId = await createTemplate(gw, owner);
    const input = {
      workspaceId: owner.workspaceId,
      name: 'Spring',
      subject: 'Hi',
      fromEmail: await verifiedSender(gw, owner),
      listId,
      templateId,
    };
    const c = await mutate(gw, ca.token, 'createCampaign', 'CreateCampaignInput', input);
    const UPDATE = `mutation($id: ID!, $input: UpdateCampaignInput!) { updateCampaign(id: $id, input: $input) { subject } }`;
    expect(ok(await gw.gql(UPDATE, { id: c.id, input: { subject: 'Hello spring' } }, ca.token)).updateCampaign.subject).toBe(
      'Hello spring',
    );
    expect(err(await gw.gql(UPDATE, { id: c.id, input: { subject: 'x' } }, cv.token))).toMatchObject(forbidden('campaigns:edit'));
    const SEND_C = `mutation($id: ID!) { sendCampaign(id: $id) { status recipientCount } }`;
    expect(err(await gw.gql(SEND_C, { id: c.id }, cv.token))).toMatchObject(forbidden('campaigns:send'));
    expect(ok(await gw.gql(SEND_C, { id: c.id }, ca.token)).sendCampaign.recipientCount).toBe(1);
    const REPORT = `query($id: ID!) { campaign(id: $id) { subject report { total { sent } } } }`;
    expect(ok(await gw.gql(REPORT, { id: c.id }, cv.token)).campaign).toEqual({ subject: 'Hello spring', report: { total: { sent: 1 } } });
    const create = await gw.gql(`mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`, { input }, cv.token);
    expect(err(create)).toMatchObject(forbidden('campaigns:create'));
    const DELETE = `mutation($id: ID!) { deleteCampaign(id: $id) }`;
    expect(err(await gw.gql(DELETE, { id: c.id }, cv.token))).toMatchObject(forbidden('campaigns:delete'));
    expect(ok(await gw.gql(DELETE, { id: c.id }, ca.token)).deleteCampaign).toBe(true);
  });
});

describe('Mailtrap: projects and inboxes', () => {
  it('MT10: the Project Admin renames the project, adds and deletes its inboxes and its team members, but adds no project', async () => {
    const p = await mutate(gw, owner.token, 'createProject', 'CreateProjectInput', { workspaceId: owner.workspaceId, name: 'Mobile' });
    const pa = await memberWith(gw, owner, roles['mailtrap-project-admin']!, projectScope(p.id), 'padmin');
    const rename = `mutation($id: ID!, $input: UpdateProjectInput!) { updateProject(id: $id, input: $input) { name } }`;
    expect(ok(await gw.gql(rename, { id: p.id, input: { name: 'Mobile apps' } }, pa.token)).updateProject.name).toBe('Mobile apps');
    expect(err(await gw.gql(rename, { id: project, input: { name: 'Not mine' } }, pa.token)).code).toBe('FORBIDDEN');
    const ib = await mutate(gw, pa.token, 'createInbox', 'CreateInboxInput', { projectId: p.id, name: 'iOS' });
    expect(ok(await gw.gql(`mutation($id: ID!) { deleteInbox(id: $id) }`, { id: ib.id }, pa.token)).deleteInbox).toBe(true);
    const teammate = await newMember(gw, owner, 'pteam');
    const bindingId = await bind(gw, owner, teammate.userId, roles['mailtrap-project-viewer']!, projectScope(p.id), pa.token);
    expect(ok(await gw.gql(`mutation($id: ID!) { unassignRole(id: $id) }`, { id: bindingId }, pa.token)).unassignRole).toBe(true);
    const another = await gw.gql(
      `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      { input: { workspaceId: owner.workspaceId, name: 'Second' } },
      pa.token,
    );
    expect(err(another)).toMatchObject(forbidden('projects:create'));
  });

  it('MT11: the Project Viewer lists the inboxes of the project but changes no inbox, adds no inbox and no teammate', async () => {
    const pv = await memberWith(gw, owner, roles['mailtrap-project-viewer']!, projectScope(project), 'pviewer');
    const seen = ok(
      await gw.gql(`query($id: ID!) { project(id: $id) { inboxes { edges { node { id name } } } } }`, { id: project }, pv.token),
    );
    expect(seen.project.inboxes.edges).toEqual([{ node: { id: inbox, name: 'Staging' } }]);
    const rename = `mutation($id: ID!, $input: UpdateInboxInput!) { updateInbox(id: $id, input: $input) { name } }`;
    expect(err(await gw.gql(rename, { id: inbox, input: { name: 'x' } }, pv.token))).toMatchObject(forbidden('inboxes:edit'));
    const create = await gw.gql(
      `mutation($input: CreateInboxInput!) { createInbox(input: $input) { id } }`,
      { input: { projectId: project, name: 'x' } },
      pv.token,
    );
    expect(err(create)).toMatchObject(forbidden('inboxes:create'));
    const teammate = await newMember(gw, owner, 'pvteam');
    const add = await gw.gql(
      ASSIGN,
      { input: { userId: teammate.userId, roleId: roles['mailtrap-project-viewer'], scope: projectScope(project) } },
      pv.token,
    );
    expect(err(add)).toMatchObject(forbidden('roles:assign'));
  });

  it('MT12: the Inbox Admin renames and deletes their inbox, and neither renames nor deletes its sibling', async () => {
    const side = await mutate(gw, owner.token, 'createProject', 'CreateProjectInput', { workspaceId: owner.workspaceId, name: 'Side' });
    const mine = await mutate(gw, owner.token, 'createInbox', 'CreateInboxInput', { projectId: side.id, name: 'Mine' });
    const sibling = await mutate(gw, owner.token, 'createInbox', 'CreateInboxInput', { projectId: side.id, name: 'Sibling' });
    const ia = await memberWith(gw, owner, roles['mailtrap-inbox-admin']!, inboxScope(mine.id), 'iadmin12');
    const RENAME = `mutation($id: ID!, $input: UpdateInboxInput!) { updateInbox(id: $id, input: $input) { name } }`;
    expect(ok(await gw.gql(RENAME, { id: mine.id, input: { name: 'Mine, renamed' } }, ia.token)).updateInbox.name).toBe('Mine, renamed');
    expect(err(await gw.gql(RENAME, { id: sibling.id, input: { name: 'x' } }, ia.token))).toMatchObject(forbidden('inboxes:edit'));
    const DELETE = `mutation($id: ID!) { deleteInbox(id: $id) }`;
    expect(err(await gw.gql(DELETE, { id: sibling.id }, ia.token))).toMatchObject(forbidden('inboxes:delete'));
    expect(ok(await gw.gql(DELETE, { id: mine.id }, ia.token)).deleteInbox).toBe(true);
    expect(ok(await gw.gql(`query($id: ID!) { inbox(id: $id) { name } }`, { id: sibling.id }, owner.token)).inbox.name).toBe('Sibling');
  });

  it('MT13: the Inbox Viewer reads every message of the inbox, bodies included, and edits nothing', async () => {
    const iv = await memberWith(gw, owner, roles['mailtrap-inbox-viewer']!, inboxScope(inbox), 'iviewer');
    const msgs = ok(
      await gw.gql(`query($id: ID!) { inbox(id: $id) { messages { edges { node { id subject text } } } } }`, { id: inbox }, iv.token),
    );
    const m = msgs.inbox.messages.edges[0].node;
    expect(m).toMatchObject({ subject: 'Welcome', text: 'captured body' });
    expect(err(await gw.gql(`mutation($id: ID!) { deleteMessage(id: $id) }`, { id: m.id }, iv.token))).toMatchObject(
      forbidden('messages:delete'),
    );
    const FORWARD = `mutation($input: SetInboxForwardingInput!) { setInboxForwarding(input: $input) { forwardTo } }`;
    expect(err(await gw.gql(FORWARD, { input: { id: inbox, forwardTo: ['x@example.com'] } }, iv.token))).toMatchObject(
      forbidden('inboxes:edit'),
    );
    const teammate = await newMember(gw, owner, 'ivteam');
    const add = await gw.gql(
      ASSIGN,
      { input: { userId: teammate.userId, roleId: roles['mailtrap-inbox-viewer'], scope: inboxScope(inbox) } },
      iv.token,
    );
    expect(err(add)).toMatchObject(forbidden('roles:assign'));
  });
});

describe('Mailtrap: billing and people', () => {
  const BILLING = `query($id: ID!) { account(id: $id) { billing { plan card { brand last4 } } } }`;
  const UPDATE = `mutation($input: UpdateBillingInput!) { updateBilling(input: $input) { plan card { brand last4 } } }`;
  const card = { number: '4242424242424242', expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '123' };

  it('MT14: the Billing Admin adds and removes the card, upgrades, downgrades and cancels; the Billing Viewer sees the card and plan only', async () => {
    const ba = await memberWith(gw, owner, roles['mailtrap-billing-admin']!, acct(owner), 'badmin');
    const bv = await memberWith(gw, owner, roles['mailtrap-billing-viewer']!, acct(owner), 'bviewer');
    const up = await gw.gql(UPDATE, { input: { accountId: owner.accountId, plan: 'GROWTH', card } }, ba.token);
    expect(ok(up).updateBilling).toEqual({ plan: 'GROWTH', card: { brand: 'VISA', last4: '4242' } });
    expect(up.text).not.toContain(card.number);
    expect(ok(await gw.gql(BILLING, { id: owner.accountId }, bv.token)).account.billing).toEqual({
      plan: 'GROWTH',
      card: { brand: 'VISA', last4: '4242' },
    });
    expect(err(await gw.gql(UPDATE, { input: { accountId: owner.accountId, plan: 'FREE' } }, bv.token))).toMatchObject(
      forbidden('billing:edit'),
    );
    // Cancelling the subscription: back to the free plan, then the card may go.
    expect(ok(await gw.gql(UPDATE, { input: { accountId: owner.accountId, plan: 'FREE' } }, ba.token)).updateBilling.plan).toBe('FREE');
    const REMOVE = `mutation($id: ID!) { removeCard(accountId: $id) { card { last4 } } }`;
    expect(err(await gw.gql(REMOVE, { id: owner.accountId }, bv.token))).toMatchObject(forbidden('billing:edit'));
    expect(ok(await gw.gql(REMOVE, { id: owner.accountId }, ba.token)).removeCard.card).toBeNull();
  });

  it('MT15: removed from the account, a person loses access on their next request but keeps their login', async () => {
    const admin = await memberWith(gw, owner, roles['mailtrap-account-admin']!, acct(owner), 'remover');
    const leaver = await memberWith(gw, owner, roles['mailtrap-account-viewer']!, acct(owner), 'leaver');
    const PROJECT = `query($id: ID!) { project(id: $id) { name } }`;
    expect(ok(await gw.gql(PROJECT, { id: project }, leaver.token)).project.name).toBe('QA');
    const REMOVE = `mutation($input: RemoveMemberInput!) { removeMember(input: $input) }`;
    const input = { accountId: owner.accountId, userId: leaver.userId };
    expect(err(await gw.gql(REMOVE, { input }, (await newMember(gw, owner, 'nobody')).token))).toMatchObject(forbidden('members:remove'));
    expect(ok(await gw.gql(REMOVE, { input }, admin.token)).removeMember).toBe(true);
    // Their open sessions end at once; signed in again, the account is no longer theirs to see.
    expect(err(await gw.gql(PROJECT, { id: project }, leaver.token)).code).toBe('UNAUTHENTICATED');
    const again = ok(await gw.gql(LOGIN, { input: { email: leaver.email, password: STRONG_PASSWORD } }));
    const mine = ok(await gw.gql(`{ viewer { user { id } accounts { id } } }`, {}, again.login.token)).viewer;
    expect(mine.user.id).toBe(leaver.userId);
    expect(mine.accounts.map((a: any) => a.id)).not.toContain(owner.accountId);
    expect(err(await gw.gql(PROJECT, { id: project }, again.login.token)).code).toBe('NOT_FOUND');
  });

  it('MT16: taken off an inbox, a person stays in the account but no longer reaches that inbox', async () => {
    const iv = await memberWith(gw, owner, roles['mailtrap-inbox-viewer']!, inboxScope(inbox), 'offinbox');
    const INBOX = `query($id: ID!) { inbox(id: $id) { name } }`;
    expect(ok(await gw.gql(INBOX, { id: inbox }, iv.token)).inbox.name).toBe('Staging');
    ok(await gw.gql(`mutation($id: ID!) { unassignRole(id: $id) }`, { id: iv.bindingId }, owner.token));
    expect(err(await gw.gql(INBOX, { id: inbox }, iv.token)).code).toBe('FORBIDDEN');
    const mine = ok(await gw.gql(`{ viewer { accounts { id } } }`, {}, iv.token)).viewer.accounts.map((a: any) => a.id);
    expect(mine).toContain(owner.accountId);
    const members = ok(
      await gw.gql(
        `query($id: ID!) { account(id: $id) { members(first: 500) { edges { node { user { id } } } } } }`,
        { id: owner.accountId },
        owner.token,
      ),
    ).account.members.edges.map((e: any) => e.node.user.id);
    expect(members).toContain(iv.userId);
  });

  it('MT18: a person reads their own permissions but cannot change them, even holding roles:assign', async () => {
    const ia = await memberWith(gw, owner, roles['mailtrap-inbox-admin']!, inboxScope(inbox), 'self');
    const perms = ok(await gw.gql(PERMS, { s: inboxScope(inbox) }, ia.token)).viewer.permissions;
    expect(perms).toEqual(expect.arrayContaining(['inboxes:edit', 'roles:assign', 'messages:view']));
    expect(perms).not.toContain('inboxes:create');
    const self = await gw.gql(
      ASSIGN,
      { input: { userId: ia.userId, roleId: roles['mailtrap-inbox-viewer'], scope: inboxScope(inbox) } },
      ia.token,
    );
    expect(err(self)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    const narrow = await gw.gql(OVERRIDES, { input: { bindingId: ia.bindingId, grant: [], revoke: ['messages:delete'] } }, ia.token);
    expect(err(narrow)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'bindingId' });
    const drop = await gw.gql(`mutation($id: ID!) { unassignRole(id: $id) }`, { id: ia.bindingId }, ia.token);
    expect(err(drop).code).toBe('BAD_USER_INPUT');
    expect(ok(await gw.gql(PERMS, { s: inboxScope(inbox) }, ia.token)).viewer.permissions).toEqual(perms);
  });
});
