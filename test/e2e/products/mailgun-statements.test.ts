// Mailgun account user roles (seed: mailgun-account-user-roles): the statements of docs/products.md not
// pinned elsewhere, tried as Mailgun's users would — one pack role per login on the account, then acting.
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { ASSIGN, CREATE_USER, STRONG_PASSWORD, UNASSIGN, acct, err, memberWith, ok } from '../../modules/access/helpers';
import { installPacks, mutate, sendingDomain } from './helpers';
import { createList } from '../../modules/marketing/helpers';
import { postEvents } from '../../modules/reports/helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;
let domainId: string;
/** One member per Mailgun role, bound on the account. */
const as: Record<string, { userId: string; token: string; bindingId: string }> = {};

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  roles = await installPacks(gw, owner, ['MAILGUN']);
  domainId = await sendingDomain(gw, owner, 'mg.statements.example.com');
  for (const r of ['admin', 'developer', 'support', 'billing', 'analyst'])
    as[r] = await memberWith(gw, owner, roles[`mailgun-${r}`]!, acct(owner), `mg-${r}`);
});
afterAll(() => gw.stop());

const forbidden = (permission: string) => ({ code: 'FORBIDDEN', permission });
const CREATE_KEY = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { id secret } }`;
const CREATE_CRED = `mutation($input: CreateSmtpCredentialInput!) { createSmtpCredential(input: $input) { id password } }`;
const CREDS = `query($id: ID!) { domain(id: $id) { smtpCredentials { edges { node { id password } } } } }`;

describe('Mailgun: Admin', () => {
  it('MG1: the Admin rotates an API key: the old secret stops working at once, the new one works; a Developer cannot rotate', async () => {
    const key = ok(await gw.gql(CREATE_KEY, { input: { accountId: owner.accountId, name: 'hooks' } }, owner.token)).createApiKey;
    const ROTATE = `mutation($id: ID!) { rotateApiKey(id: $id) { id secret rotatedAt } }`;
    expect(err(await gw.gql(ROTATE, { id: key.id }, as.developer!.token))).toMatchObject(forbidden('apiKeys:rotate'));
    expect((await postEvents(gw, owner.accountId, key.secret, { events: [] })).status).toBe(200);
    const rotated = ok(await gw.gql(ROTATE, { id: key.id }, as.admin!.token)).rotateApiKey;
    expect(rotated.secret).not.toBe(key.secret);
    expect(rotated.rotatedAt).toBeTruthy();
    expect((await postEvents(gw, owner.accountId, key.secret, { events: [] })).status).toBe(401);
    expect((await postEvents(gw, owner.accountId, rotated.secret, { events: [] })).status).toBe(200);
  });

  it('MG2: the Admin creates and revokes SMTP credentials; Support, Billing and Analyst can do neither', async () => {
    const cred = ok(await gw.gql(CREATE_CRED, { input: { domainId, login: 'mg2' } }, as.admin!.token)).createSmtpCredential;
    expect(cred.password).toMatch(/.{12,}/);
    for (const r of ['support', 'billing', 'analyst']) {
      expect(err(await gw.gql(CREATE_CRED, { input: { domainId, login: `x${r}` } }, as[r]!.token))).toMatchObject(
        forbidden('smtpCredentials:create'),
      );
      expect(err(await gw.gql(`mutation($id: ID!) { deleteSmtpCredential(id: $id) }`, { id: cred.id }, as[r]!.token)).code).toBe(
        'FORBIDDEN',
      );
    }
    expect(
      ok(await gw.gql(`mutation($id: ID!) { deleteSmtpCredential(id: $id) }`, { id: cred.id }, as.admin!.token)).deleteSmtpCredential,
    ).toBe(true);
  });

  it('MG4: the Admin reads API keys and SMTP passwords in full, and every such read is written to the audit log', async () => {
    const key = ok(await gw.gql(CREATE_KEY, { input: { accountId: owner.accountId, name: 'mg4' } }, owner.token)).createApiKey;
    const cred = ok(await gw.gql(CREATE_CRED, { input: { domainId, login: 'mg4' } }, owner.token)).createSmtpCredential;
    const keys = ok(
      await gw.gql(
        `query($id: ID!) { account(id: $id) { apiKeys { edges { node { id secret } } } } }`,
        { id: owner.accountId },
        as.admin!.token,
      ),
    );
    expect(keys.account.apiKeys.edges.find((e: any) => e.node.id === key.id).node.secret).toBe(key.secret);
    const creds = ok(await gw.gql(CREDS, { id: domainId }, as.admin!.token)).domain.smtpCredentials.edges;
    expect(creds.find((e: any) => e.node.id === cred.id).node.password).toBe(cred.password);
    const audit = await gw.gql(
      `query($id: ID!, $f: AuditFilter) { account(id: $id) { auditLog(filter: $f, first: 100) { edges { node { actor { userId } action } } } } }`,
      { id: owner.accountId, f: { action: 'secret.revealed', actorId: as.admin!.userId } },
      owner.token,
    );
    expect(ok(audit).account.auditLog.edges.length).toBeGreaterThanOrEqual(2);
    expect(audit.text).not.toContain(key.secret);
    expect(audit.text).not.toContain(cred.password);
  });
});

describe('Mailgun: Developer', () => {
  it('MG5: the Developer edits webhooks, routes and domain settings; Support, Billing and Analyst cannot', async () => {
    const hook = { domainId, event: 'DELIVERED', url: 'https://hooks.example.com/mg' };
    const route = { workspaceId: owner.workspaceId, expression: 'catch_all()', actions: ['stop()'], priority: 1 };
    const UPDATE = `mutation($id: ID!, $input: UpdateDomainInput!) { updateDomain(id: $id, input: $input) { trackClicks } }`;
    expect((await mutate(gw, as.developer!.token, 'createWebhook', 'CreateWebhookInput', hook)).id).toBeTruthy();
    expect((await mutate(gw, as.developer!.token, 'createRoute', 'CreateRouteInput', route)).id).toBeTruthy();
    expect(ok(await gw.gql(UPDATE, { id: domainId, input: { trackClicks: true } }, as.developer!.token)).updateDomain.trackClicks).toBe(
      true,
    );
    for (const r of ['support', 'billing', 'analyst']) {
      const w = await gw.gql(
        `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { id } }`,
        { input: hook },
        as[r]!.token,
      );
      expect(err(w)).toMatchObject(forbidden('webhooks:create'));
      const rt = await gw.gql(`mutation($input: CreateRouteInput!) { createRoute(input: $input) { id } }`, { input: route }, as[r]!.token);
      expect(err(rt)).toMatchObject(forbidden('routes:create'));
      expect(err(await gw.gql(UPDATE, { id: domainId, input: { trackClicks: false } }, as[r]!.token))).toMatchObject(
        forbidden('domains:edit'),
      );
    }
  });

  it('MG6: the Developer reads SMTP passwords in full; Support, Billing and Analyst see them masked', async () => {
    const cred = ok(await gw.gql(CREATE_CRED, { input: { domainId, login: 'mg6' } }, owner.token)).createSmtpCredential;
    const pick = (d: any) => d.domain.smtpCredentials.edges.find((e: any) => e.node.id === cred.id).node.password;
    expect(pick(ok(await gw.gql(CREDS, { id: domainId }, as.developer!.token)))).toBe(cred.password);
    for (const r of ['support', 'billing', 'analyst']) {
      const res = await gw.gql(CREDS, { id: domainId }, as[r]!.token);
      expect(pick(ok(res))).toBe('••••••••');
      expect(res.text).not.toContain(cred.password);
    }
  });
});

describe('Mailgun: Support, Billing, Analyst', () => {
  it('MG7: Support edits suppressions, mailing lists and their members and authorized recipients, and nothing else', async () => {
    const sup = as.support!.token;
    const listId = await createList(gw, owner, 'MG7 list');
    const UPDATE_LIST = `mutation($id: ID!, $input: UpdateListInput!) { updateList(id: $id, input: $input) { name } }`;
    expect(ok(await gw.gql(UPDATE_LIST, { id: listId, input: { name: 'Renamed by support' } }, sup)).updateList.name).toBe(
      'Renamed by support',
    );
    const imported = await gw.gql(
      `mutation($input: ImportContactsInput!) { importContacts(input: $input) { imported } }`,
      { input: { listId, contacts: [{ email: 'member@example.org' }] } },
      sup,
    );
    expect(ok(imported).importContacts.imported).toBe(1);
    expect(
      (await mutate(gw, sup, 'addAuthorizedRecipient', 'AddAuthorizedRecipientInput', { domainId, email: 'qa@example.org' })).id,
    ).toBeTruthy();
    expect(
      (await mutate(gw, sup, 'addSuppression', 'AddSuppressionInput', { domainId, type: 'UNSUBSCRIBE', address: 'gone@example.org' })).id,
    ).toBeTruthy();
    const key = await gw.gql(CREATE_KEY, { input: { accountId: owner.accountId, name: 'x' } }, sup);
    expect(err(key)).toMatchObject(forbidden('apiKeys:create'));
    const tpl = await gw.gql(
      `mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { id } }`,
      { input: { workspaceId: owner.workspaceId, name: 't', html: '<p>x</p>' } },
      sup,
    );
    expect(err(tpl)).toMatchObject(forbidden('templates:create'));
  });

  it('MG8: Support opens and comments on support tickets; the Analyst and Billing do neither', async () => {
    const OPEN = `mutation($input: OpenSupportTicketInput!) { openSupportTicket(input: $input) { id status } }`;
    const COMMENT = `mutation($id: ID!, $input: CommentOnSupportTicketInput!) { commentOnSupportTicket(id: $id, input: $input) { body } }`;
    const input = { accountId: owner.accountId, subject: 'Bounces', body: 'Why do they bounce?' };
    const t = ok(await gw.gql(OPEN, { input }, as.support!.token)).openSupportTicket;
    expect(t.status).toBe('OPEN');
    expect(ok(await gw.gql(COMMENT, { id: t.id, input: { body: 'More detail' } }, as.support!.token)).commentOnSupportTicket.body).toBe(
      'More detail',
    );
    for (const r of ['analyst', 'billing']) {
      expect(err(await gw.gql(OPEN, { input }, as[r]!.token))).toMatchObject(forbidden('supportTickets:create'));
      expect(err(await gw.gql(COMMENT, { id: t.id, input: { body: 'x' } }, as[r]!.token))).toMatchObject(
        forbidden('supportTickets:comment'),
      );
    }
  });

  it('MG9: Billing reads the account mostly read-only: domains, lists and keys in view, no change outside billing', async () => {
    const bil = as.billing!.token;
    expect(ok(await gw.gql(`query($id: ID!) { domain(id: $id) { name } }`, { id: domainId }, bil)).domain.name).toBe(
      'mg.statements.example.com',
    );
    const listId = await createList(gw, owner, 'MG9 list');
    expect(ok(await gw.gql(`query($id: ID!) { list(id: $id) { name } }`, { id: listId }, bil)).list.name).toBe('MG9 list');
    const upd = await gw.gql(
      `mutation($id: ID!, $input: UpdateListInput!) { updateList(id: $id, input: $input) { name } }`,
      { id: listId, input: { name: 'x' } },
      bil,
    );
    expect(err(upd)).toMatchObject(forbidden('lists:edit'));
    const sup = await gw.gql(
      `mutation($input: AddSuppressionInput!) { addSuppression(input: $input) { id } }`,
      { input: { domainId, type: 'BOUNCE', address: 'b@example.org' } },
      bil,
    );
    expect(err(sup)).toMatchObject(forbidden('suppressions:create'));
  });

  it('MG10: Billing is the only non-admin who upgrades the account, changes the card and sets or clears the send and verification limits', async () => {
    const card = { number: '5555555555554444', expMonth: 10, expYear: new Date().getUTCFullYear() + 3, cvc: '321' };
    const UPDATE = `mutation($input: UpdateBillingInput!) { updateBilling(input: $input) { plan card { brand last4 } } }`;
    const LIMIT = `mutation($input: SetSendLimitInput!) { setSendLimit(input: $input) { sendLimit verificationLimit } }`;
    const up = await gw.gql(UPDATE, { input: { accountId: owner.accountId, plan: 'STARTER', card } }, as.billing!.token);
    expect(ok(up).updateBilling).toEqual({ plan: 'STARTER', card: { brand: 'MASTERCARD', last4: '4444' } });
    expect(up.text).not.toContain(card.number);
    expect(
      ok(await gw.gql(LIMIT, { input: { accountId: owner.accountId, limit: 500, verificationLimit: 50 } }, as.billing!.token)).setSendLimit,
    ).toEqual({
      sendLimit: 500,
      verificationLimit: 50,
    });
    for (const r of ['developer', 'support', 'analyst']) {
      expect(err(await gw.gql(UPDATE, { input: { accountId: owner.accountId, plan: 'SCALE' } }, as[r]!.token))).toMatchObject(
        forbidden('billing:edit'),
      );
      expect(err(await gw.gql(LIMIT, { input: { accountId: owner.accountId, limit: 1 } }, as[r]!.token))).toMatchObject(
        forbidden('billing:limits'),
      );
    }
    const billing = ok(
      await gw.gql(`query($id: ID!) { account(id: $id) { billing { plan sendLimit } } }`, { id: owner.accountId }, owner.token),
    );
    expect(billing.account.billing).toEqual({ plan: 'STARTER', sendLimit: 500 });
  });
});

describe('Mailgun: users and roles', () => {
  it("MG13: Admin is the default role: installing the pack makes it the account's default; an invitation naming no role binds it when the inviter may grant it, else the inviter must name a role", async () => {
    const ACCOUNT = `query($id: ID!) { account(id: $id) { settings { defaultRole { key } } } }`;
    expect(ok(await gw.gql(ACCOUNT, { id: owner.accountId }, owner.token)).account.settings.defaultRole.key).toBe('mailgun-admin');
    const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { id role { key } } }`;
    const invite = (token: string, roleId?: string) =>
      gw.gql(INVITE, { input: { accountId: owner.accountId, email: `mg13-${Math.random()}@example.com`, roleId } }, token);
    expect(ok(await invite(as.admin!.token)).inviteUser.role.key).toBe('mailgun-admin');
    // Someone who invites and assigns roles but is no admin cannot hand out the admin default.
    const CREATE_ROLE = `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`;
    const inviterRole = ok(
      await gw.gql(
        CREATE_ROLE,
        {
          input: {
            accountId: owner.accountId,
            name: 'MG13 inviter',
            permissions: ['account:view', 'members:invite', 'members:view', 'roles:view', 'roles:assign', 'reports:view', 'domains:view'],
          },
        },
        owner.token,
      ),
    ).createRole.id;
    const inviter = await memberWith(gw, owner, inviterRole, acct(owner), 'mg13-inviter');
    expect(err(await invite(inviter.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'roleId',
      message: expect.stringMatching(/default role "Mailgun Admin" is not one you may grant.*name a role you may grant/),
    });
    // Naming a role they may grant works; naming the admin role is still refused.
    const limited = ok(
      await gw.gql(CREATE_ROLE, { input: { accountId: owner.accountId, name: 'MG13 reader', permissions: ['reports:view'] } }, owner.token),
    ).createRole.id;
    expect(ok(await invite(inviter.token, limited)).inviteUser.role.key).toBe('custom-mg13-reader');
    expect(err(await invite(inviter.token, roles['mailgun-admin']))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'roleId' });
    // The default is the owner's and admins' choice: a Developer may not change it.
    const SETTINGS = `mutation($input: UpdateAccountSettingsInput!) { updateAccountSettings(input: $input) { defaultRole { key } } }`;
    const choose = (key: string) => ({ input: { accountId: owner.accountId, defaultRoleId: roles[key] } });
    expect(err(await gw.gql(SETTINGS, choose('mailgun-analyst'), as.developer!.token))).toMatchObject(forbidden('account:edit'));
    expect(ok(await gw.gql(SETTINGS, choose('mailgun-analyst'), as.admin!.token)).updateAccountSettings.defaultRole.key).toBe(
      'mailgun-analyst',
    );
    expect(ok(await invite(as.admin!.token)).inviteUser.role.key).toBe('mailgun-analyst');
    expect(ok(await gw.gql(SETTINGS, choose('mailgun-admin'), owner.token)).updateAccountSettings.defaultRole.key).toBe('mailgun-admin');
  });

  it("MG14: only an Admin creates control-panel users and switches a user's role; Developer, Support, Billing and Analyst cannot", async () => {
    const input = { accountId: owner.accountId, email: `mg14-${Date.now()}@example.com`, password: STRONG_PASSWORD };
    for (const r of ['developer', 'support', 'billing', 'analyst'])
      expect(err(await gw.gql(CREATE_USER, { input }, as[r]!.token))).toMatchObject(forbidden('members:create'));
    const target = await memberWith(gw, owner, roles['mailgun-analyst']!, acct(owner), 'switch');
    const toSupport = { userId: target.userId, roleId: roles['mailgun-support'], scope: acct(owner) };
    for (const r of ['developer', 'support', 'billing', 'analyst']) {
      expect(err(await gw.gql(ASSIGN, { input: toSupport }, as[r]!.token))).toMatchObject(forbidden('roles:assign'));
      expect(err(await gw.gql(UNASSIGN, { id: target.bindingId }, as[r]!.token))).toMatchObject(forbidden('roles:assign'));
    }
    // The switch: the Admin binds the new role and removes the old one.
    expect(ok(await gw.gql(ASSIGN, { input: toSupport }, as.admin!.token)).assignRole.role.key).toBe('mailgun-support');
    expect(ok(await gw.gql(UNASSIGN, { id: target.bindingId }, as.admin!.token)).unassignRole).toBe(true);
    const perms = ok(await gw.gql(`query($s: ScopeInput!) { viewer { permissions(scope: $s) } }`, { s: acct(owner) }, target.token)).viewer
      .permissions;
    expect(perms).toContain('supportTickets:create');
    const created = ok(await gw.gql(CREATE_USER, { input }, as.admin!.token)).createUser;
    expect(created.email).toBe(input.email);
  });
});
