// Mailtrap user management (seed: mailtrap-user-management), the statements added by issue 9.
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { ASSIGN, OVERRIDES, UNASSIGN, acct, err, memberWith, newMember, ok } from '../../modules/access/helpers';
import { verifyThroughDns } from '../../helpers/dns';
import { installPacks, mutate } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;

beforeAll(async () => {
  // The campaign scheduler ticks often here (MT6's scheduled campaign).
  gw = await startTestGateway({ env: { POSTERN_SCHEDULER_INTERVAL_MS: '200' } });
  owner = await gw.signUp();
  roles = await installPacks(gw, owner, ['MAILTRAP']);
});
afterAll(() => gw.stop());

/** Polls until `check` returns a value (the scheduler runs in the background). */
async function eventually<T>(check: () => Promise<T | null>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting for the scheduler');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const RENAME_DOMAIN = `mutation($id: ID!, $input: RenameDomainInput!) { renameDomain(id: $id, input: $input) { id name state } }`;

describe('Mailtrap', () => {
  it('MT3: the Account Owner renames the account; an Account Viewer cannot', async () => {
    const q = `mutation($id: ID!, $input: UpdateAccountInput!) { updateAccount(id: $id, input: $input) { name } }`;
    expect(ok(await gw.gql(q, { id: owner.accountId, input: { name: 'Trap Co' } }, owner.token)).updateAccount.name).toBe('Trap Co');
    const v = await memberWith(gw, owner, roles['mailtrap-account-viewer']!, acct(owner), 'aviewer');
    expect(err(await gw.gql(q, { id: owner.accountId, input: { name: 'x' } }, v.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'account:edit',
    });
  });

  it('MT4: the Account Admin is protected as admin is: a non-admin holding roles:assign cannot remove, restrict or edit it', async () => {
    const admin = await memberWith(gw, owner, roles['mailtrap-account-admin']!, acct(owner), 'acctadmin');
    // A team lead who may assign roles, and holds everything the Account Admin does, but is no admin.
    const leadRole = ok(
      await gw.gql(
        `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`,
        { input: { accountId: owner.accountId, name: 'Team lead', permissions: ['members:*', 'roles:*', 'account:view', 'workspaces:*'] } },
        owner.token,
      ),
    ).createRole.id;
    const lead = await memberWith(gw, owner, leadRole, acct(owner), 'lead');
    expect(err(await gw.gql(UNASSIGN, { id: admin.bindingId }, lead.token))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(
      err(await gw.gql(OVERRIDES, { input: { bindingId: admin.bindingId, grant: [], revoke: ['members:view'] } }, lead.token)).code,
    ).toBe('BAD_USER_INPUT');
    const edit = await gw.gql(
      `mutation($id: ID!, $input: UpdateRoleInput!) { updateRole(id: $id, input: $input) { id } }`,
      { id: roles['mailtrap-account-admin'], input: { permissions: ['account:view'] } },
      owner.token,
    );
    expect(err(edit)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    const someone = await newMember(gw, owner, 'someone');
    expect(
      err(
        await gw.gql(
          ASSIGN,
          { input: { userId: someone.userId, roleId: roles['mailtrap-account-admin'], scope: acct(owner) } },
          lead.token,
        ),
      ).code,
    ).toBe('BAD_USER_INPUT');
    // The admin still holds everything, and the owner (or another admin) may remove them.
    expect(
      ok(
        await gw.gql(`query($s: ScopeInput!) { viewer { can(permission: "members:remove", scope: $s) } }`, { s: acct(owner) }, admin.token),
      ).viewer.can,
    ).toBe(true);
    const other = await memberWith(gw, owner, roles['mailtrap-account-admin']!, acct(owner), 'acctadmin2');
    expect(ok(await gw.gql(UNASSIGN, { id: admin.bindingId }, other.token)).unassignRole).toBe(true);
  });

  it('MT6: the Domain Admin renames the domain (it must be verified again); the Domain Viewer cannot', async () => {
    const d = await mutate(gw, owner.token, 'createDomain', 'CreateDomainInput', {
      workspaceId: owner.workspaceId,
      name: 'mt.old.example.com',
    });
    await mutate(gw, owner.token, 'createDomain', 'CreateDomainInput', { workspaceId: owner.workspaceId, name: 'mt.taken.example.com' });
    const da = await memberWith(gw, owner, roles['mailtrap-domain-admin']!, { type: 'DOMAIN', id: d.id }, 'dadmin');
    expect(ok(await gw.gql(RENAME_DOMAIN, { id: d.id, input: { name: 'mt.new.example.com' } }, da.token)).renameDomain).toEqual({
      id: d.id,
      name: 'mt.new.example.com',
      state: 'UNVERIFIED',
    });
    const dup = await gw.gql(RENAME_DOMAIN, { id: d.id, input: { name: 'mt.taken.example.com' } }, da.token);
    expect(err(dup)).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'name',
    });
    expect(err(await gw.gql(RENAME_DOMAIN, { id: d.id, input: { name: 'not a host' } }, da.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'name',
    });
    const dv = await memberWith(gw, owner, roles['mailtrap-domain-viewer']!, { type: 'DOMAIN', id: d.id }, 'dviewer');
    expect(err(await gw.gql(RENAME_DOMAIN, { id: d.id, input: { name: 'mt.x.example.com' } }, dv.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'domains:edit',
    });
    expect(ok(await gw.gql(`query($id: ID!) { domain(id: $id) { name } }`, { id: d.id }, dv.token)).domain.name).toBe('mt.new.example.com');
  });

  it('MT6: a campaign scheduled from a domain the Domain Admin renames (so no longer verified) fails when due, says why, sends nothing', async () => {
    const d = await mutate(gw, owner.token, 'createDomain', 'CreateDomainInput', {
      workspaceId: owner.workspaceId,
      name: 'mt-sched.example.com',
    });
    await verifyThroughDns(gw, gw.dns, owner, d.id);
    const list = await mutate(gw, owner.token, 'createList', 'CreateListInput', { workspaceId: owner.workspaceId, name: 'Readers' });
    ok(
      await gw.gql(
        `mutation($input: ImportContactsInput!) { importContacts(input: $input) { imported } }`,
        { input: { listId: list.id, contacts: [{ email: 'r1@example.org' }, { email: 'r2@example.org' }] } },
        owner.token,
      ),
    );
    const template = await mutate(gw, owner.token, 'createTemplate', 'CreateTemplateInput', {
      workspaceId: owner.workspaceId,
      name: 'News',
      html: '<p>News</p>',
    });
    const ca = await memberWith(gw, owner, roles['mailtrap-email-campaign-admin']!, acct(owner), 'campadmin');
    const da = await memberWith(gw, owner, roles['mailtrap-domain-admin']!, { type: 'DOMAIN', id: d.id }, 'sdadmin');
    const campaign = await mutate(gw, ca.token, 'createCampaign', 'CreateCampaignInput', {
      workspaceId: owner.workspaceId,
      name: 'Launch',
      subject: 'We launched',
      listId: list.id,
      templateId: template.id,
      fromEmail: 'news@mt-sched.example.com',
    });
    const SCHEDULE = `mutation($input: ScheduleCampaignInput!) { scheduleCampaign(input: $input) { status } }`;
    const at = () => new Date(Date.now() + 1500).toISOString();
    expect(ok(await gw.gql(SCHEDULE, { input: { id: campaign.id, at: at() } }, ca.token)).scheduleCampaign.status).toBe('SCHEDULED');
    // Before it is due, the Domain Admin renames the domain: it must be verified again.
    expect(ok(await gw.gql(RENAME_DOMAIN, { id: d.id, input: { name: 'mt-sched2.example.com' } }, da.token)).renameDomain.state).toBe(
      'UNVERIFIED',
    );
    const CAMPAIGN = `query($id: ID!) { campaign(id: $id) { status failureReason recipientCount scheduledAt emailLogs { edges { node { id } } } } }`;
    const seen = await eventually(async () => {
      const c = ok(await gw.gql(CAMPAIGN, { id: campaign.id }, owner.token)).campaign;
      return c.status === 'SCHEDULED' || c.status === 'SENDING' ? null : c;
    });
    expect(seen).toEqual({
      status: 'FAILED',
      failureReason: 'fromEmail must be an address at a verified domain of this workspace, and mt-sched.example.com is not one',
      recipientCount: 0,
      scheduledAt: null,
      emailLogs: { edges: [] },
    });
    // The campaign admin sees why, fixes the From address once the renamed domain is verified, and schedules it again.
    expect(
      ok(await gw.gql(`query($id: ID!) { campaign(id: $id) { failureReason } }`, { id: campaign.id }, ca.token)).campaign.failureReason,
    ).toContain('mt-sched.example.com');
    await verifyThroughDns(gw, gw.dns, owner, d.id);
    ok(
      await gw.gql(
        `mutation($id: ID!, $input: UpdateCampaignInput!) { updateCampaign(id: $id, input: $input) { id } }`,
        { id: campaign.id, input: { fromEmail: 'news@mt-sched2.example.com' } },
        ca.token,
      ),
    );
    ok(await gw.gql(SCHEDULE, { input: { id: campaign.id, at: at() } }, ca.token));
    const sent = await eventually(async () => {
      const c = ok(await gw.gql(CAMPAIGN, { id: campaign.id }, owner.token)).campaign;
      return c.status === 'SENT' ? c : null;
    });
    expect(sent).toMatchObject({ failureReason: null, recipientCount: 2 });
    expect(sent.emailLogs.edges).toHaveLength(2);
  }, 30_000);

  it('MT12: the Inbox Admin resets the inbox credentials, sets its address and forwarding; viewers see them but not the password', async () => {
    const project = await mutate(gw, owner.token, 'createProject', 'CreateProjectInput', { workspaceId: owner.workspaceId, name: 'QA' });
    const inbox = await mutate(gw, owner.token, 'createInbox', 'CreateInboxInput', { projectId: project.id, name: 'Staging' });
    const other = await mutate(gw, owner.token, 'createInbox', 'CreateInboxInput', { projectId: project.id, name: 'Other' });
    const ia = await memberWith(gw, owner, roles['mailtrap-inbox-admin']!, { type: 'INBOX', id: inbox.id }, 'iadmin');
    const pv = await memberWith(gw, owner, roles['mailtrap-project-viewer']!, { type: 'PROJECT', id: project.id }, 'pviewer');
    const RESET = `mutation($id: ID!) { resetInboxCredentials(id: $id) { smtpUsername smtpPassword } }`;
    const creds = ok(await gw.gql(RESET, { id: inbox.id }, ia.token)).resetInboxCredentials;
    expect(creds.smtpUsername).toMatch(/^inbox-/);
    expect(creds.smtpPassword).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const ADDRESS = `mutation($input: SetInboxEmailAddressInput!) { setInboxEmailAddress(input: $input) { emailAddress } }`;
    expect(
      ok(await gw.gql(ADDRESS, { input: { id: inbox.id, localPart: 'qa-staging' } }, ia.token)).setInboxEmailAddress.emailAddress,
    ).toBe('qa-staging@inbox.postern.email');
    expect(err(await gw.gql(ADDRESS, { input: { id: other.id, localPart: 'qa-staging' } }, owner.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'localPart',
    });
    expect(err(await gw.gql(ADDRESS, { input: { id: inbox.id, localPart: 'Bad Part!' } }, ia.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'localPart',
    });
    const FORWARD = `mutation($input: SetInboxForwardingInput!) { setInboxForwarding(input: $input) { forwardTo } }`;
    expect(
      ok(await gw.gql(FORWARD, { input: { id: inbox.id, forwardTo: ['QA@Example.com', 'qa@example.com', 'dev@example.com'] } }, ia.token))
        .setInboxForwarding.forwardTo,
    ).toEqual(['qa@example.com', 'dev@example.com']);
    expect(err(await gw.gql(FORWARD, { input: { id: inbox.id, forwardTo: ['not-an-email'] } }, ia.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'forwardTo',
    });
    // The inbox admin manages only their inbox.
    expect(err(await gw.gql(RESET, { id: other.id }, ia.token)).code).toBe('FORBIDDEN');
    // The project viewer sees the address and forwarding, the password masked; they change nothing.
    const seen = await gw.gql(
      `query($id: ID!) { inbox(id: $id) { emailAddress forwardTo smtpUsername smtpPassword } }`,
      { id: inbox.id },
      pv.token,
    );
    expect(ok(seen).inbox).toEqual({
      emailAddress: 'qa-staging@inbox.postern.email',
      forwardTo: ['qa@example.com', 'dev@example.com'],
      smtpUsername: creds.smtpUsername,
      smtpPassword: '••••••••',
    });
    expect(seen.text).not.toContain(creds.smtpPassword);
    expect(err(await gw.gql(FORWARD, { input: { id: inbox.id, forwardTo: [] } }, pv.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'inboxes:edit',
    });
    expect(err(await gw.gql(RESET, { id: inbox.id }, pv.token)).code).toBe('FORBIDDEN');
    expect(gw.logs.join('')).not.toContain(creds.smtpPassword);
  });

  it('MT12: an inbox address is released with its inbox: a new inbox (after the inbox, its project or workspace is deleted) takes it', async () => {
    const ADDRESS = `mutation($input: SetInboxEmailAddressInput!) { setInboxEmailAddress(input: $input) { emailAddress } }`;
    const project = await mutate(gw, owner.token, 'createProject', 'CreateProjectInput', { workspaceId: owner.workspaceId, name: 'Reuse' });
    const first = await mutate(gw, owner.token, 'createInbox', 'CreateInboxInput', { projectId: project.id, name: 'First' });
    ok(await gw.gql(ADDRESS, { input: { id: first.id, localPart: 'reused-address' } }, owner.token));
    const second = await mutate(gw, owner.token, 'createInbox', 'CreateInboxInput', { projectId: project.id, name: 'Second' });
    expect(err(await gw.gql(ADDRESS, { input: { id: second.id, localPart: 'reused-address' } }, owner.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'localPart',
    });
    // Deleting the inbox frees its address.
    ok(await gw.gql(`mutation($id: ID!) { deleteInbox(id: $id) }`, { id: first.id }, owner.token));
    expect(
      ok(await gw.gql(ADDRESS, { input: { id: second.id, localPart: 'reused-address' } }, owner.token)).setInboxEmailAddress.emailAddress,
    ).toBe('reused-address@inbox.postern.email');
    // Deleting the project (with the inbox that holds it) frees it too.
    ok(await gw.gql(`mutation($id: ID!) { deleteProject(id: $id) }`, { id: project.id }, owner.token));
    const ws = ok(
      await gw.gql(
        `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
        { input: { accountId: owner.accountId, name: 'Testing two' } },
        owner.token,
      ),
    ).createWorkspace.id;
    const p2 = await mutate(gw, owner.token, 'createProject', 'CreateProjectInput', { workspaceId: ws, name: 'Next' });
    const third = await mutate(gw, owner.token, 'createInbox', 'CreateInboxInput', { projectId: p2.id, name: 'Third' });
    expect(
      ok(await gw.gql(ADDRESS, { input: { id: third.id, localPart: 'reused-address' } }, owner.token)).setInboxEmailAddress.emailAddress,
    ).toBe('reused-address@inbox.postern.email');
    // And deleting the workspace that holds it.
    ok(await gw.gql(`mutation($id: ID!) { deleteWorkspace(id: $id) }`, { id: ws }, owner.token));
    const p3 = await mutate(gw, owner.token, 'createProject', 'CreateProjectInput', { workspaceId: owner.workspaceId, name: 'Last' });
    const fourth = await mutate(gw, owner.token, 'createInbox', 'CreateInboxInput', { projectId: p3.id, name: 'Fourth' });
    expect(
      ok(await gw.gql(ADDRESS, { input: { id: fourth.id, localPart: 'reused-address' } }, owner.token)).setInboxEmailAddress.emailAddress,
    ).toBe('reused-address@inbox.postern.email');
  });

  it('MT14: the Billing Viewer sees the subscription and opts out of invoice emails for themselves; MT17: every member counts as a seat', async () => {
    const bv = await memberWith(gw, owner, roles['mailtrap-billing-viewer']!, acct(owner), 'bviewer');
    await newMember(gw, owner, 'noaccess'); // a member with zero access still counts
    const BILLING = `query($id: ID!) { account(id: $id) { billing { plan invoiceEmails seatsUsed memberLimit } } }`;
    const before = ok(await gw.gql(BILLING, { id: owner.accountId }, bv.token)).account.billing;
    expect(before).toMatchObject({ plan: 'FREE', invoiceEmails: true });
    const members = ok(
      await gw.gql(
        `query($id: ID!) { account(id: $id) { members(first: 500) { edges { node { user { id } } } } } }`,
        { id: owner.accountId },
        owner.token,
      ),
    ).account.members.edges.length;
    expect(before.seatsUsed).toBe(members);
    const SET = `mutation($input: SetInvoiceEmailsInput!) { setInvoiceEmails(input: $input) }`;
    expect(ok(await gw.gql(SET, { input: { accountId: owner.accountId, receive: false } }, bv.token)).setInvoiceEmails).toBe(false);
    expect(ok(await gw.gql(BILLING, { id: owner.accountId }, bv.token)).account.billing.invoiceEmails).toBe(false);
    // Their choice is theirs alone.
    expect(ok(await gw.gql(BILLING, { id: owner.accountId }, owner.token)).account.billing.invoiceEmails).toBe(true);
    const none = await newMember(gw, owner, 'nobilling');
    expect(err(await gw.gql(SET, { input: { accountId: owner.accountId, receive: false } }, none.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'billing:view',
    });
  });
});
