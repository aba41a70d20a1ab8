// Two-factor authentication as a user and a company admin meet it: enrol an authenticator app, log in
// in two steps, use recovery codes once, and an account that requires a second factor of everyone.
import { generate } from 'otplib';
import mongoose from 'mongoose';
import { errorCode, startTestGateway, STRONG_PASSWORD, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { err, memberWith, ok, roleIds } from '../access/helpers';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.stop());

const ENABLE = `mutation { enableTwoFactor { otpauthUri secret } }`;
const CONFIRM = `mutation($code: String!) { confirmTwoFactor(code: $code) { recoveryCodes } }`;
const DISABLE = `mutation($code: String!) { disableTwoFactor(code: $code) }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { token user { email } } }`;
const SECOND = `mutation($input: LoginWithTwoFactorInput!) { loginWithTwoFactor(input: $input) { token user { email } } }`;
const VIEWER = `{ viewer { user { email } twoFactorEnabled } }`;
const REQUIRE = `mutation($input: SetRequireTwoFactorInput!) { setRequireTwoFactor(input: $input) { id requireTwoFactor } }`;
const AUDIT = `query($id: ID!) { account(id: $id) { auditLog(first: 200) { edges { node { action meta before after } } } } }`;

/** The TOTP code an authenticator app shows `stepsAhead` periods from now. */
function totp(secret: string, stepsAhead = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + stepsAhead * 30 });
}

async function enrol(token: string): Promise<{ secret: string; uri: string; recoveryCodes: string[]; usedCode: string }> {
  const e = ok(await gw.gql(ENABLE, {}, token)).enableTwoFactor;
  const usedCode = await totp(e.secret);
  const c = ok(await gw.gql(CONFIRM, { code: usedCode }, token)).confirmTwoFactor;
  return { secret: e.secret, uri: e.otpauthUri, recoveryCodes: c.recoveryCodes, usedCode };
}

async function challengeFor(email: string, password = STRONG_PASSWORD): Promise<string> {
  const r = await gw.gql(LOGIN, { input: { email, password } });
  expect(errorCode(r)).toBe('UNAUTHENTICATED');
  expect(r.body.errors![0]!.extensions!.twoFactorRequired).toBe(true);
  expect(r.text).not.toContain('"token"');
  return r.body.errors![0]!.extensions!.challenge as string;
}

describe('enrolment', () => {
  let owner: TestOwner;
  beforeAll(async () => {
    owner = await gw.signUp();
  });

  it('gives a provisioning URI and secret, then recovery codes once the first code is confirmed', async () => {
    const e = ok(await gw.gql(ENABLE, {}, owner.token)).enableTwoFactor;
    const uri = new URL(e.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(uri.searchParams.get('secret')).toBe(e.secret);
    expect(uri.searchParams.get('issuer')).toBe('Postern');
    expect(decodeURIComponent(uri.pathname)).toContain(owner.email);
    expect(ok(await gw.gql(VIEWER, {}, owner.token)).viewer.twoFactorEnabled).toBe(false);

    const wrong = await gw.gql(CONFIRM, { code: '000000' }, owner.token);
    expect(err(wrong)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });

    const c = ok(await gw.gql(CONFIRM, { code: await totp(e.secret) }, owner.token)).confirmTwoFactor;
    expect(c.recoveryCodes).toHaveLength(10);
    expect(new Set(c.recoveryCodes).size).toBe(10);
    expect(ok(await gw.gql(VIEWER, {}, owner.token)).viewer.twoFactorEnabled).toBe(true);

    // The secret is sealed at rest and the recovery codes are hashed: neither is stored as given.
    const stored = await mongoose.connection.db!.collection('twofactors').findOne({ _id: owner.userId as never });
    const raw = JSON.stringify(stored);
    expect(raw).not.toContain(e.secret);
    for (const code of c.recoveryCodes) expect(raw).not.toContain(code);

    const again = await gw.gql(ENABLE, {}, owner.token);
    expect(errorCode(again)).toBe('BAD_USER_INPUT');

    // No secret, code or recovery code reaches the audit log or the gateway's logs.
    const audit = await gw.gql(AUDIT, { id: owner.accountId }, owner.token);
    const actions = audit.body.data!.account.auditLog.edges.map((x: any) => x.node.action);
    expect(actions).toEqual(expect.arrayContaining(['user.twoFactorEnrolmentStarted', 'user.twoFactorEnabled']));
    for (const text of [audit.text, gw.logs.join('')]) {
      expect(text).not.toContain(e.secret);
      for (const code of c.recoveryCodes) expect(text).not.toContain(code);
    }
  });

  it('refuses enrolment without a session', async () => {
    const r = await gw.gql(ENABLE, {});
    expect(errorCode(r)).toBe('UNAUTHENTICATED');
  });
});

describe('two-step login', () => {
  it('keeps the one-step AuthPayload for users without two-factor', async () => {
    const owner = await gw.signUp();
    const r = ok(await gw.gql(LOGIN, { input: { email: owner.email, password: owner.password } }));
    expect(r.login.token).toEqual(expect.any(String));
  });

  it('asks for a second factor; a TOTP code or a recovery code, each once, completes it', async () => {
    const owner = await gw.signUp();
    const { secret, recoveryCodes, usedCode } = await enrol(owner.token);

    // A wrong password still gives the plain login failure, never a challenge.
    const bad = await gw.gql(LOGIN, { input: { email: owner.email, password: 'Wrong-Horse-9-Battery' } });
    expect(errorCode(bad)).toBe('UNAUTHENTICATED');
    expect(bad.body.errors![0]!.extensions!.challenge).toBeUndefined();

    // The code used at enrolment cannot be replayed; the next period's code works.
    const challenge = await challengeFor(owner.email);
    // The very code of enrolment (not one computed again: a 30 s step may have passed since).
    const replay = await gw.gql(SECOND, { input: { challenge, code: usedCode } });
    expect(err(replay)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
    const ok1 = ok(await gw.gql(SECOND, { input: { challenge, code: await totp(secret, 1) } }));
    expect(ok1.loginWithTwoFactor.user.email).toBe(owner.email);
    expect(ok(await gw.gql(VIEWER, {}, ok1.loginWithTwoFactor.token)).viewer.user.email).toBe(owner.email);

    // The challenge is used up.
    const reused = await gw.gql(SECOND, { input: { challenge, code: recoveryCodes[0] } });
    expect(errorCode(reused)).toBe('UNAUTHENTICATED');

    // A recovery code works once, written in any case and with or without its dash.
    const c2 = await challengeFor(owner.email);
    const viaRecovery = ok(await gw.gql(SECOND, { input: { challenge: c2, code: recoveryCodes[1]!.toUpperCase().replace('-', '') } }));
    expect(viaRecovery.loginWithTwoFactor.token).toEqual(expect.any(String));
    const c3 = await challengeFor(owner.email);
    const spent = await gw.gql(SECOND, { input: { challenge: c3, code: recoveryCodes[1] } });
    expect(err(spent)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });

    const audit = ok(await gw.gql(AUDIT, { id: owner.accountId }, owner.token));
    const events = audit.account.auditLog.edges.map((x: any) => x.node);
    expect(events.filter((e: any) => e.action === 'auth.login').map((e: any) => e.meta.method)).toEqual(
      expect.arrayContaining(['password+totp', 'password+recoveryCode']),
    );
    expect(events.find((e: any) => e.action === 'user.recoveryCodeUsed').meta).toEqual({ recoveryCodesLeft: 9 });
    expect(events.some((e: any) => e.action === 'auth.twoFactorFailed')).toBe(true);
  });

  it('ends a challenge after five wrong codes', async () => {
    const owner = await gw.signUp();
    const { secret } = await enrol(owner.token);
    const challenge = await challengeFor(owner.email);
    for (let i = 0; i < 5; i++) {
      expect(errorCode(await gw.gql(SECOND, { input: { challenge, code: '123456' } }))).toBe('BAD_USER_INPUT');
    }
    const late = await gw.gql(SECOND, { input: { challenge, code: await totp(secret, 1) } });
    expect(errorCode(late)).toBe('UNAUTHENTICATED');
    expect(errorCode(await gw.gql(SECOND, { input: { challenge: 'made-up', code: '123456' } }))).toBe('UNAUTHENTICATED');
  });

  it('turns off with a current code only', async () => {
    const owner = await gw.signUp();
    const { recoveryCodes } = await enrol(owner.token);
    expect(err(await gw.gql(DISABLE, { code: '000000' }, owner.token))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
    expect(ok(await gw.gql(DISABLE, { code: recoveryCodes[0] }, owner.token)).disableTwoFactor).toBe(true);
    expect(ok(await gw.gql(LOGIN, { input: { email: owner.email, password: owner.password } })).login.token).toEqual(expect.any(String));
  });
});

describe('an account that requires two-factor', () => {
  it('lets a member without it only enrol, from the next request on; enrolled, they sign in with their second factor', async () => {
    const owner = await gw.signUp();
    const member = await memberWith(gw, owner, (await roleIds(gw, owner)).viewer!, undefined, 'tfa');
    const memberQuery = `query($id: ID!) { account(id: $id) { id name } }`;
    expect(ok(await gw.gql(memberQuery, { id: owner.accountId }, member.token)).account.id).toBe(owner.accountId);

    // The owner must have a second factor before requiring one.
    const early = await gw.gql(REQUIRE, { input: { accountId: owner.accountId, requireTwoFactor: true } }, owner.token);
    expect(err(early)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'requireTwoFactor' });
    // And a member without security:edit cannot change it.
    const denied = await gw.gql(REQUIRE, { input: { accountId: owner.accountId, requireTwoFactor: true } }, member.token);
    expect(errorCode(denied)).toBe('FORBIDDEN');

    await enrol(owner.token);
    const on = ok(await gw.gql(REQUIRE, { input: { accountId: owner.accountId, requireTwoFactor: true } }, owner.token));
    expect(on.setRequireTwoFactor.requireTwoFactor).toBe(true);

    // The member's existing session: refused on the very next request, with a code telling them to enrol.
    const refused = await gw.gql(memberQuery, { id: owner.accountId }, member.token);
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(refused.body.errors![0]!.extensions!.reason).toBe('TWO_FACTOR_ENROLMENT_REQUIRED');
    expect(refused.body.errors![0]!.message).toMatch(/enableTwoFactor/);
    expect(refused.body.data ?? null).toBeNull();
    const viewer = await gw.gql(VIEWER, {}, member.token);
    expect(viewer.body.errors![0]!.extensions!.reason).toBe('TWO_FACTOR_ENROLMENT_REQUIRED');
    // A fresh password login gives a session that is held to the same.
    // (login itself stays open, even sent with the old token.)
    const fresh = ok(await gw.gql(LOGIN, { input: { email: member.email, password: STRONG_PASSWORD } }, member.token)).login.token;
    expect(errorCode(await gw.gql(memberQuery, { id: owner.accountId }, fresh))).toBe('FORBIDDEN');

    // Enrolling is allowed; then the account is theirs again, and login asks for the second factor.
    const { secret } = await enrol(member.token);
    expect(ok(await gw.gql(memberQuery, { id: owner.accountId }, member.token)).account.id).toBe(owner.accountId);
    const challenge = await challengeFor(member.email);
    const second = ok(await gw.gql(SECOND, { input: { challenge, code: await totp(secret, 1) } }));
    expect(ok(await gw.gql(memberQuery, { id: owner.accountId }, second.loginWithTwoFactor.token)).account.name).toBeTruthy();

    // While required, a member cannot turn their second factor off.
    const off = await gw.gql(DISABLE, { code: await totp(secret, 1) }, member.token);
    expect(err(off)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });

    // Turning the requirement off is audited with the before/after value.
    ok(await gw.gql(REQUIRE, { input: { accountId: owner.accountId, requireTwoFactor: false } }, owner.token));
    const audit = ok(await gw.gql(AUDIT, { id: owner.accountId }, owner.token));
    const changes = audit.account.auditLog.edges.map((x: any) => x.node).filter((e: any) => e.action === 'account.securityUpdated');
    expect(changes.map((e: any) => e.after)).toEqual(expect.arrayContaining([{ requireTwoFactor: true }, { requireTwoFactor: false }]));
  });
});
