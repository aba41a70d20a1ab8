// Mailercloud roles and permissions (seed: mailercloud-roles-and-permissions), the statements added by issue 9.
import { startTestGateway, errorCode, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { acct, err, memberWith, ok, roleIds } from '../../modules/access/helpers';
import { installPacks } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  roles = await installPacks(gw, owner, ['MAILERCLOUD']);
  Object.assign(roles, await roleIds(gw, owner));
});
afterAll(() => gw.stop());

const REQUEST = `mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id } }`;
const NOTES = `{ viewer { notifications { edges { node { accessRequestId } } } } }`;
const SETTINGS = `query($id: ID!) { account(id: $id) { settings { accessRequestRecipients } } }`;
const SET = `mutation($input: SetAccessRequestRecipientsInput!) { setAccessRequestRecipients(input: $input) { accessRequestRecipients } }`;

async function notified(token: string): Promise<string[]> {
  return ok(await gw.gql(NOTES, {}, token)).viewer.notifications.edges.map((e: any) => e.node.accessRequestId);
}

describe('Mailercloud', () => {
  it('MC8: "Request access" notifies the Owner only (the pack chooses it); the account can choose every resolver instead', async () => {
    expect(ok(await gw.gql(SETTINGS, { id: owner.accountId }, owner.token)).account.settings.accessRequestRecipients).toBe('OWNER');
    const admin = await memberWith(gw, owner, roles['admin']!, acct(owner), 'admin');
    const viewer = await memberWith(gw, owner, roles['mailercloud-viewer']!, acct(owner), 'viewer');
    const first = ok(await gw.gql(REQUEST, { input: { permission: 'contacts:export', scope: acct(owner) } }, viewer.token)).requestAccess
      .id;
    expect(await notified(owner.token)).toContain(first);
    expect(await notified(admin.token)).not.toContain(first);

    // Choosing needs account:edit: a viewer may not.
    expect(err(await gw.gql(SET, { input: { accountId: owner.accountId, recipients: 'RESOLVERS' } }, viewer.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'account:edit',
    });
    expect(
      ok(await gw.gql(SET, { input: { accountId: owner.accountId, recipients: 'RESOLVERS' } }, owner.token)).setAccessRequestRecipients
        .accessRequestRecipients,
    ).toBe('RESOLVERS');
    const second = ok(await gw.gql(REQUEST, { input: { permission: 'reports:export', scope: acct(owner) } }, viewer.token)).requestAccess
      .id;
    expect(await notified(owner.token)).toContain(second);
    expect(await notified(admin.token)).toContain(second);
  });
  it('MC10: the Manager runs the email verifier (syntax, then the MX records in DNS); each DNS verification counts against verificationLimit; Analyst and Viewer cannot', async () => {
    const VERIFY = `mutation($input: VerifyEmailAddressInput!) { verifyEmailAddress(input: $input) { email verdict reason mxHosts remainingThisMonth } }`;
    const USED = `query($id: ID!) { account(id: $id) { billing { verificationLimit verificationsThisMonth } } }`;
    const verify = (token: string, email: string) => gw.gql(VERIFY, { input: { workspaceId: owner.workspaceId, email } }, token);
    gw.dns.add('mc-verify.example.com', { type: 'MX', exchange: 'mx2.mc-verify.example.com', priority: 20 });
    gw.dns.add('mc-verify.example.com', { type: 'MX', exchange: 'mx1.mc-verify.example.com', priority: 10 });
    const manager = await memberWith(gw, owner, roles['mailercloud-manager']!, acct(owner), 'verifier');

    expect(ok(await verify(manager.token, ' Ann@MC-Verify.example.com ')).verifyEmailAddress).toEqual({
      email: 'ann@mc-verify.example.com',
      verdict: 'VALID',
      reason: null,
      mxHosts: ['mx1.mc-verify.example.com', 'mx2.mc-verify.example.com'],
      remainingThisMonth: 99,
    });
    // A domain without mail servers.
    expect(ok(await verify(manager.token, 'bob@no-mail.mc-verify.example.com')).verifyEmailAddress).toMatchObject({
      verdict: 'INVALID',
      reason: 'no-mail.mc-verify.example.com accepts no mail: it publishes no MX record',
      mxHosts: [],
      remainingThisMonth: 98,
    });
    // A malformed address is INVALID without a lookup, and costs nothing.
    expect(ok(await verify(manager.token, 'ann..smith@@example')).verifyEmailAddress).toMatchObject({
      verdict: 'INVALID',
      mxHosts: [],
      remainingThisMonth: 98,
    });
    expect(ok(await gw.gql(USED, { id: owner.accountId }, owner.token)).account.billing).toEqual({
      verificationLimit: 100,
      verificationsThisMonth: 2,
    });
    // Analysts and Viewers read; they do not verify.
    const analyst = await memberWith(gw, owner, roles['mailercloud-analyst']!, acct(owner), 'vanalyst');
    const viewer = await memberWith(gw, owner, roles['mailercloud-viewer']!, acct(owner), 'vviewer');
    for (const t of [analyst.token, viewer.token]) {
      expect(err(await verify(t, 'ann@mc-verify.example.com'))).toMatchObject({ code: 'FORBIDDEN', permission: 'contacts:create' });
    }

    // With 5 a month (3 left), 10 verifications at once: exactly 3 are answered, the others refused and not counted.
    ok(
      await gw.gql(
        `mutation($input: SetSendLimitInput!) { setSendLimit(input: $input) { verificationLimit } }`,
        { input: { accountId: owner.accountId, limit: 1000, verificationLimit: 5 } },
        owner.token,
      ),
    );
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => verify(manager.token, `p${i}@mc-verify.example.com`)));
    const answered = results.filter((r) => !r.body.errors);
    expect(answered).toHaveLength(3);
    // What each is told is left is read after its own update (concurrent ones may have landed since).
    for (const r of answered) expect(r.body.data!.verifyEmailAddress.remainingThisMonth).toBeLessThanOrEqual(2);
    const refused = results.filter((r) => r.body.errors);
    for (const r of refused) {
      expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
      expect(r.body.errors![0]!.message).toContain('5 email verifications');
      expect(r.body.data?.verifyEmailAddress ?? null).toBeNull();
    }
    expect(errorCode(await verify(manager.token, 'late@mc-verify.example.com'))).toBe('BAD_USER_INPUT');
    expect(ok(await gw.gql(USED, { id: owner.accountId }, owner.token)).account.billing.verificationsThisMonth).toBe(5);
  });
});
