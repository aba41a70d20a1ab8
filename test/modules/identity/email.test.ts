// Email ownership and account enumeration: verification links, one verified
// login per address, password reset by mail, and no binding of unverified users.
import { EmailToken } from '../../../src/modules/identity/user.model';
import { AuditEvent } from '../../../src/audit/model';
import { errorCode, startTestGateway, STRONG_PASSWORD, uniqueEmail, type GqlResponse, type TestGateway } from '../../helpers/gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.stop());

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token user { id email emailVerified } account { id name } } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { token user { id } } }`;
const VERIFY = `mutation($t: String!) { verifyEmail(token: $t) }`;
const ME = `{ viewer { user { id emailVerified } } }`;
const RESET_REQUEST = `mutation($e: EmailAddress!) { requestPasswordReset(email: $e) }`;
const RESET = `mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) }`;
const OTHER_PASSWORD = 'Other-Horse-7-Staple!';

const signUp = (email: string, password = STRONG_PASSWORD) =>
  gw.gql(SIGN_UP, { input: { email, password, name: 'Pat', accountName: 'Pat Mail' } });
const field = (r: GqlResponse) => [errorCode(r), r.body.errors?.[0]?.extensions?.field];
/** The shape of a response with ids and tokens blanked: what an observer could compare. */
const shape = (r: GqlResponse) => JSON.stringify(r.body, (k, v) => (['token', 'id'].includes(k) ? typeof v : v));

describe('signUp and verification', () => {
  it('mails a one-time link; verifyEmail verifies the address once', async () => {
    const email = uniqueEmail('new');
    const r = await signUp(email);
    expect(r.body.data!.signUp.user.emailVerified).toBe(false);
    const token = await gw.mailedToken(email, 'verify-email');
    expect(r.text).not.toContain(token);
    expect((await gw.gql(VERIFY, { t: token })).body.data!.verifyEmail).toBe(true);
    expect((await gw.gql(ME, {}, r.body.data!.signUp.token)).body.data!.viewer.user.emailVerified).toBe(true);
    expect(field(await gw.gql(VERIFY, { t: token }))).toEqual(['BAD_USER_INPUT', 'token']);
    expect(field(await gw.gql(VERIFY, { t: 'x'.repeat(43) }))).toEqual(['BAD_USER_INPUT', 'token']);
    // Stored hashed only.
    expect(JSON.stringify(await EmailToken.find({ email }).lean())).not.toContain(token);
    expect(gw.logs.join('')).not.toContain(token);
  });

  it('refuses an expired link', async () => {
    const email = uniqueEmail('late');
    await signUp(email);
    const token = await gw.mailedToken(email, 'verify-email');
    await EmailToken.updateMany({ email }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect(field(await gw.gql(VERIFY, { t: token }))).toEqual(['BAD_USER_INPUT', 'token']);
  });

  it('answers a verified address exactly like a new one; its owner is told, and the newcomer can never verify it', async () => {
    const taken = uniqueEmail('taken');
    const owner = await signUp(taken);
    await gw.verifyEmail(taken);
    const fresh = uniqueEmail('fresh');

    const again = await signUp(taken, OTHER_PASSWORD);
    const brandNew = await signUp(fresh, OTHER_PASSWORD);
    expect(again.status).toBe(brandNew.status);
    expect(shape(again).replace(taken, 'EMAIL')).toBe(shape(brandNew).replace(fresh, 'EMAIL'));

    const mails = gw.mailTo(taken);
    expect(mails.at(-1)!.text).toContain('already has a verified login');
    expect(mails.at(-1)!.text).not.toMatch(/token=/);
    // The newcomer holds a login and an account of their own, with nothing of the owner's.
    const newcomer = again.body.data!.signUp;
    expect(newcomer.user.id).not.toBe(owner.body.data!.signUp.user.id);
    // Logging in with the owner's password reaches the owner; with the newcomer's, the newcomer.
    const asOwner = await gw.gql(LOGIN, { input: { email: taken, password: STRONG_PASSWORD } });
    expect(asOwner.body.data!.login.user.id).toBe(owner.body.data!.signUp.user.id);
    const asNewcomer = await gw.gql(LOGIN, { input: { email: taken, password: OTHER_PASSWORD } });
    expect(asNewcomer.body.data!.login.user.id).toBe(newcomer.user.id);
  });

  it('lets the first of two unverified logins of one address verify it; the other link says it is taken', async () => {
    const email = uniqueEmail('twice');
    await signUp(email);
    const firstLink = await gw.mailedToken(email, 'verify-email');
    const second = await signUp(email, OTHER_PASSWORD);
    const secondLink = await gw.mailedToken(email, 'verify-email');
    expect(secondLink).not.toBe(firstLink);
    ok(await gw.gql(VERIFY, { t: firstLink }));
    const refused = await gw.gql(VERIFY, { t: secondLink });
    expect(field(refused)).toEqual(['BAD_USER_INPUT', 'token']);
    expect(refused.body.errors![0]!.message).toContain('already verified by another Postern login');
    expect((await gw.gql(ME, {}, second.body.data!.signUp.token)).body.data!.viewer.user.emailVerified).toBe(false);
  });
});

function ok(r: GqlResponse) {
  if (r.body.errors) throw new Error(JSON.stringify(r.body.errors));
  return r.body.data!;
}

describe('unverified users get no access elsewhere', () => {
  const ROLES = `query($id: ID!) { account(id: $id) { roles(first: 100) { edges { node { id key } } } } }`;
  const ASSIGN = `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`;

  it('refuses assignRole for a created user until they follow their link', async () => {
    const admin = await gw.signUp();
    const email = uniqueEmail('created');
    const created = ok(
      await gw.gql(
        `mutation($input: CreateUserInput!) { createUser(input: $input) { id emailVerified } }`,
        { input: { accountId: admin.accountId, email, password: STRONG_PASSWORD } },
        admin.token,
      ),
    ).createUser;
    expect(created.emailVerified).toBe(false);
    const roles = ok(await gw.gql(ROLES, { id: admin.accountId }, admin.token)).account.roles.edges.map((e: any) => e.node);
    const viewer = roles.find((r: any) => r.key === 'viewer').id;
    const input = { userId: created.id, roleId: viewer, scope: { type: 'ACCOUNT', id: admin.accountId } };
    const refused = await gw.gql(ASSIGN, { input }, admin.token);
    expect(field(refused)).toEqual(['BAD_USER_INPUT', 'userId']);
    expect(refused.body.errors![0]!.message).toContain('has not verified their email address');
    await gw.verifyEmail(email);
    expect(ok(await gw.gql(ASSIGN, { input }, admin.token)).assignRole.id).toEqual(expect.any(String));
  });

  it('refuses an invitation to an unverified login (with its password) until it verifies', async () => {
    const admin = await gw.signUp();
    const email = uniqueEmail('invitee');
    const invitee = ok(await signUp(email)).signUp;
    ok(
      await gw.gql(
        `mutation($input: InviteUserInput!) { inviteUser(input: $input) { id } }`,
        { input: { accountId: admin.accountId, email } },
        admin.token,
      ),
    );
    const mail = gw.mailTo(email).find((m) => /acceptInvitation/.test(m.text ?? ''))!;
    const invitation = /^([A-Za-z0-9_-]{43})$/m.exec(mail.text!)![1]!;
    const ACCEPT = `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { user { id } account { id } } }`;
    const refused = await gw.gql(ACCEPT, { input: { token: invitation, password: STRONG_PASSWORD } });
    expect(field(refused)).toEqual(['BAD_USER_INPUT', 'token']);
    expect(refused.body.errors![0]!.message).toContain('cannot accept invitations');
    await gw.verifyEmail(email);
    const accepted = ok(await gw.gql(ACCEPT, { input: { token: invitation, password: STRONG_PASSWORD } })).acceptInvitation;
    expect(accepted).toEqual({ user: { id: invitee.user.id }, account: { id: admin.accountId } });
  });
});

describe('password reset by mail', () => {
  it('answers the same for every address, mails only the verified login, and resets once, ending every session', async () => {
    const email = uniqueEmail('forgetful');
    const first = ok(await signUp(email)).signUp;
    await gw.verifyEmail(email);
    const unverified = uniqueEmail('unverified');
    await signUp(unverified);

    const answers = await Promise.all(
      [email, unverified, uniqueEmail('nobody')].map((e) => gw.gql(RESET_REQUEST, { e }).then((r) => [r.status, r.text])),
    );
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    const token = await gw.mailedToken(email, 'reset-password');
    expect(gw.mailTo(unverified).some((m) => /reset-password/.test(m.text ?? ''))).toBe(false);

    // A weak password is refused without spending the link.
    expect(field(await gw.gql(RESET, { t: token, p: 'short' }))).toEqual(['BAD_USER_INPUT', 'password']);
    expect(ok(await gw.gql(RESET, { t: token, p: OTHER_PASSWORD })).resetPassword).toBe(true);
    expect(errorCode(await gw.gql(ME, {}, first.token))).toBe('UNAUTHENTICATED'); // the session ended
    expect(errorCode(await gw.gql(LOGIN, { input: { email, password: STRONG_PASSWORD } }))).toBe('UNAUTHENTICATED');
    expect(ok(await gw.gql(LOGIN, { input: { email, password: OTHER_PASSWORD } })).login.user.id).toBe(first.user.id);
    expect(field(await gw.gql(RESET, { t: token, p: 'Third-Horse-5-Staple!' }))).toEqual(['BAD_USER_INPUT', 'token']);

    const events = await AuditEvent.find({ accountId: first.account.id, action: 'user.passwordReset' }).lean();
    expect(events).toHaveLength(1);
    expect(events[0]!.meta).toMatchObject({ sessionsEnded: 1 });
    expect(JSON.stringify(await AuditEvent.find({ accountId: first.account.id }).lean())).not.toContain(OTHER_PASSWORD);
    expect(gw.logs.join('')).not.toContain(token);
  });
});
