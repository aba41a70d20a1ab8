// Every door passes one gate (issue 17, docs/identity.md "Doors and gates"), tried as an attacker
// would. The doors are enumerated from the running gateway — every GraphQL field whose answer carries
// a token, every Express route — and each must be one this file tries: a new door fails the test
// until it is listed and tried here.
import { generate } from 'otplib';
import mongoose from 'mongoose';
import { errorCode, startTestGateway, STRONG_PASSWORD, uniqueEmail, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { onPlan } from '../../helpers/billing';
import { bind, memberWith, newMember, ok, roleIds } from '../access/helpers';
import { emailAt, proveDomain } from '../../helpers/domains';
import { uniqueDomain } from '../sending/helpers';
import { REQUEST_GATE } from '../../../src/http/gate';
import { RateLimits } from '../../../src/limits/rate-limit';
import { createContext } from '../../../src/graphql/context';
import { createLogger } from '../../../src/logger';
import { issueSession } from '../../../src/modules/identity/gate.service';
import { TwoFactorRequiredError } from '../../../src/modules/identity/two-factor.service';
import { User, type UserDoc } from '../../../src/modules/identity/user.model';
import { Browser, startOidcProvider, type OidcProvider } from '../../sso/idp';

const CLIENT_ID = 'postern-doors';
const CLIENT_SECRET = 'doors-client-secret-5c2e8a';

/** Limits low enough to cross in a test (each test uses its own users). */
const LIMITS = {
  RATE_LIMIT_CHALLENGES: '6',
  RATE_LIMIT_SECOND_FACTOR_FAILURES: '8',
  RATE_LIMIT_RESET_MAILS_PER_ADDRESS_HOUR: '2',
  RATE_LIMIT_LOGIN_FAILURES: '3',
};

let gw: TestGateway;
let idp: OidcProvider;
beforeAll(async () => {
  // The test's OpenID provider listens on plain http on 127.0.0.1 (the development setting allows it there only).
  gw = await startTestGateway({ env: { ...LIMITS, POSTERN_SSO_ALLOW_HTTP_IDP: 'true' } });
  idp = await startOidcProvider(CLIENT_ID, CLIENT_SECRET, `${gw.url}/sso/oidc/callback`);
});
afterAll(async () => {
  await idp?.stop();
  await gw.stop();
});

const ENABLE = `mutation { enableTwoFactor { secret } }`;
const CONFIRM = `mutation($code: String!) { confirmTwoFactor(code: $code) { recoveryCodes } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { token } }`;
const SECOND = `mutation($input: LoginWithTwoFactorInput!) { loginWithTwoFactor(input: $input) { token account { id } } }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token user { id } } }`;
const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { id } }`;
const ACCEPT = `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token user { id } account { id } } }`;
const REQUEST_RESET = `mutation($e: EmailAddress!) { requestPasswordReset(email: $e) }`;
const RESET = `mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) }`;
const REQUIRE = `mutation($input: SetRequireTwoFactorInput!) { setRequireTwoFactor(input: $input) { id requireTwoFactor trustIdpMfa } }`;
const ACCOUNT = `query($id: ID!) { account(id: $id) { id name } }`;
const CREATE_TOKEN = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`;
const CREATE_SCIM_TOKEN = `mutation($input: CreateScimTokenInput!) { createScimToken(input: $input) { token } }`;
const CONFIGURE_SSO = `mutation($input: ConfigureSsoInput!) { configureSso(input: $input) { id } }`;
const SETTINGS = `mutation($input: UpdateMySettingsInput!) { updateMySettings(input: $input) { id } }`;
const CONFIRM_LINK = `mutation($input: ConfirmSsoLinkInput!) { confirmSsoLink(input: $input) { accountId } }`;

/** An existing login the account's IdP meets: the offer (202, no session), the password door, confirmSsoLink. */
async function linkToIdp(accountId: string, email: string): Promise<void> {
  const offer = await new Browser().signIn(`${gw.url}/sso/${accountId}/oidc/login`, email);
  expect(offer.status).toBe(202);
  expect(offer.body.token).toBeUndefined();
  const session = ok(await gw.gql(LOGIN, { input: { email, password: STRONG_PASSWORD } })).login.token;
  ok(await gw.gql(CONFIRM_LINK, { input: { claim: offer.body.claim, password: STRONG_PASSWORD } }, session));
}

/** The test provider as the account's OIDC identity provider, for people at `domain` (proved by the account). */
async function configureOidc(owner: TestOwner, domain: string, more: { ssoRequired?: boolean } = {}): Promise<void> {
  const input = { accountId: owner.accountId, issuer: idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...more };
  ok(await gw.gql(CONFIGURE_SSO, { input: { ...input, allowedEmailDomains: [domain] } }, owner.token));
}

function totp(secret: string, stepsAhead = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + stepsAhead * 30 });
}

async function enrol(token: string): Promise<string> {
  const { secret } = ok(await gw.gql(ENABLE, {}, token)).enableTwoFactor;
  ok(await gw.gql(CONFIRM, { code: await totp(secret) }, token));
  return secret;
}

/** A new owner with a confirmed second factor, and its secret. */
async function totpOwner(email?: string): Promise<TestOwner & { secret: string }> {
  const o = await gw.signUp(email ? { email } : undefined);
  await gw.verifyEmail(o.email);
  return { ...o, secret: await enrol(o.token) };
}

function inHours(h: number): string {
  return new Date(Date.now() + h * 3600_000).toISOString();
}

/** The answer is a second-factor challenge and carries no session token. */
function expectChallenge(r: { status: number; text: string; body: any }): string {
  const e = r.body.errors?.[0];
  expect(e?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(e?.extensions?.twoFactorRequired).toBe(true);
  expect(r.body.data?.login ?? r.body.data?.acceptInvitation ?? r.body.token ?? null).toBeNull();
  return e.extensions.challenge as string;
}

async function invitationToken(address: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const found = gw
      .mailTo(address)
      .map((m) => /invitation token[^\n]*:\n\n(\S+)/.exec(m.text ?? '')?.[1])
      .filter(Boolean);
    if (found.length) return found[found.length - 1]!;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no invitation mailed to ${address}`);
}

async function auditActions(owner: TestOwner, token = owner.token): Promise<{ action: string; meta: any }[]> {
  const r = await gw.gql(
    `query($id: ID!) { account(id: $id) { auditLog(first: 500) { edges { node { action meta } } } } }`,
    { id: owner.accountId },
    token,
  );
  return ok(r).account.auditLog.edges.map((e: any) => e.node);
}

// ---------------------------------------------------------------------------------------------
// The enumeration.

/** GraphQL fields whose answer carries a session token: each is a door of the session gate. */
const SESSION_DOORS = ['acceptInvitation', 'login', 'loginWithTwoFactor', 'signUp'];
/** GraphQL fields that mint a long-lived token for a signed-in principal: passed through the request and account gates. */
const TOKEN_MINTERS = ['createApiToken', 'createScimToken', 'rotateApiToken'];
/** Express routes that issue a session (the SSO callbacks): doors of the session gate. */
const SESSION_ROUTES = ['GET /sso/oidc/callback', 'POST /sso/saml/acs'];
/** Express routes a session or partner token calls: the request gate must be mounted in front of each. */
const GATED_ROUTES = ['GET /access/review.csv', 'GET /audit/export', 'GET /email-logs/export'];
/** Routes that take no session: probes, the explorer's page, SSO starts and metadata, an account's API key, SCIM's own token. */
const OTHER_ROUTES = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /graphiql',
  'GET /graphiql/assets/:name',
  'GET /sso/:accountId/oidc/login',
  'GET /sso/:accountId/saml/login',
  'GET /sso/:accountId/saml/metadata',
  'POST /events/:accountId',
  // The access document's JSON Schema: a published format, no account data (docs/access-as-code.md).
  'GET /access/document.schema.json',
];

interface RouteInfo {
  key: string;
  gated: boolean;
}

/** Every route of the gateway's Express app, with whether the request gate runs before its handler. */
function routes(): { list: RouteInfo[]; graphqlGated: boolean } {
  const list: RouteInfo[] = [];
  let graphqlGated = false;
  const walk = (stack: any[], prefix: string, gatedAbove: boolean) => {
    for (const layer of stack) {
      if (layer.route) {
        const gated = gatedAbove || layer.route.stack.some((l: any) => l.name === REQUEST_GATE);
        for (const m of Object.keys(layer.route.methods)) list.push({ key: `${m.toUpperCase()} ${prefix}${layer.route.path}`, gated });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, prefix + (layer.rawPath && layer.rawPath !== '/' ? layer.rawPath : ''), gatedAbove);
      } else if (layer.rawPath === '/graphql' && layer.name === REQUEST_GATE) {
        graphqlGated = true;
      }
    }
  };
  walk((gw.server.gateway.app as any).router.stack, '', false);
  return { list, graphqlGated };
}

describe('the doors, enumerated', () => {
  it('every GraphQL field whose answer carries a token is a door tried below', async () => {
    const r = await gw.gql(
      `{ __schema { types { name kind fields { name type { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } }`,
    );
    const types = ok(r).__schema.types as any[];
    const byName = new Map(types.map((t) => [t.name, t]));
    const named = (t: any): string => (!t ? '' : t.name ? t.name : named(t.ofType));
    const carriesToken = (typeName: string) =>
      (byName.get(typeName)?.fields ?? []).some((f: any) => f.name === 'token' && named(f.type) === 'String');
    const found: string[] = [];
    for (const root of ['Query', 'Mutation']) {
      for (const f of byName.get(root).fields) if (carriesToken(named(f.type))) found.push(f.name);
    }
    expect(found.sort()).toEqual([...SESSION_DOORS, ...TOKEN_MINTERS].sort());
  });

  it('every Express route is a listed door, a gated route or a route without a session; the gate runs before /graphql and every gated route', () => {
    const { list, graphqlGated } = routes();
    expect(graphqlGated).toBe(true);
    const known = new Set([...SESSION_ROUTES, ...GATED_ROUTES, ...OTHER_ROUTES]);
    const unknown = list.filter((r) => !known.has(r.key) && !r.key.includes(' /scim/v2/'));
    expect(unknown.map((r) => r.key)).toEqual([]);
    for (const key of GATED_ROUTES) expect(list.find((r) => r.key === key)).toEqual({ key, gated: true });
    for (const key of SESSION_ROUTES) expect(list.map((r) => r.key)).toContain(key);
    // Nothing else carries the gate by accident (a new gated route must be added to GATED_ROUTES and tried).
    expect(
      list
        .filter((r) => r.gated)
        .map((r) => r.key)
        .sort(),
    ).toEqual([...GATED_ROUTES].sort());
  });
});

// ---------------------------------------------------------------------------------------------
// Session doors: a user with a second factor gets a challenge, never a session.

describe('a user with a second factor gets a challenge on every session door', () => {
  it('login (by email and by username)', async () => {
    const v = await totpOwner();
    ok(await gw.gql(SETTINGS, { input: { username: `v${v.userId.slice(-8)}` } }, v.token));
    expectChallenge(await gw.gql(LOGIN, { input: { email: v.email, password: v.password } }));
    expectChallenge(await gw.gql(LOGIN, { input: { username: `v${v.userId.slice(-8)}`, password: v.password } }));
  });

  it('loginWithTwoFactor: only a right code gives the session, which records how it started', async () => {
    const v = await totpOwner();
    const challenge = expectChallenge(await gw.gql(LOGIN, { input: { email: v.email, password: v.password } }));
    expect(errorCode(await gw.gql(SECOND, { input: { challenge, code: '000000' } }))).toBe('BAD_USER_INPUT');
    const s = ok(await gw.gql(SECOND, { input: { challenge, code: await totp(v.secret, 1) } })).loginWithTwoFactor;
    const stored = await mongoose.connection.db!.collection('sessions').find({ userId: v.userId }).sort({ _id: -1 }).limit(1).toArray();
    expect(stored[0]).toMatchObject({ method: 'password+totp', secondFactor: 'totp', ssoAccountId: null });
    expect(ok(await gw.gql(ACCOUNT, { id: v.accountId }, s.token)).account.id).toBe(v.accountId);
  });

  it('acceptInvitation: the mailbox-only chain (reset → invitation → accept) ends in a challenge, not a session', async () => {
    const victim = await totpOwner();
    // The attacker holds the victim's mailbox: a reset link sets a password they know.
    ok(await gw.gql(REQUEST_RESET, { e: victim.email }));
    const reset = await gw.mailedToken(victim.email, 'reset-password');
    const newPassword = 'Attacker-Knows-7-This';
    ok(await gw.gql(RESET, { t: reset, p: newPassword }));
    expectChallenge(await gw.gql(LOGIN, { input: { email: victim.email, password: newPassword } }));
    // A throwaway account invites the victim's address; accepting with the new password.
    const attacker = await gw.signUp();
    ok(await gw.gql(INVITE, { input: { accountId: attacker.accountId, email: victim.email } }, attacker.token));
    const r = await gw.gql(ACCEPT, { input: { token: await invitationToken(victim.email), password: newPassword } });
    expectChallenge(r);
    expect(r.text).not.toMatch(/"token":"[A-Za-z0-9_-]{20,}"/);
    // Nothing in the victim's account was reached; the invitation acceptance is audited in the attacker's.
    const events = await auditActions(attacker);
    expect(events.find((e) => e.action === 'invitation.accepted')?.meta).toMatchObject({ sessionIssued: false });
  });

  it('acceptInvitation: the challenge completes into a session that reaches the new account', async () => {
    const v = await totpOwner();
    const inviter = await gw.signUp();
    ok(await gw.gql(INVITE, { input: { accountId: inviter.accountId, email: v.email } }, inviter.token));
    const challenge = expectChallenge(await gw.gql(ACCEPT, { input: { token: await invitationToken(v.email), password: v.password } }));
    const s = ok(await gw.gql(SECOND, { input: { challenge, code: await totp(v.secret, 1) } })).loginWithTwoFactor;
    expect(s.account).toEqual({ id: inviter.accountId });
    expect(ok(await gw.gql(ACCOUNT, { id: inviter.accountId }, s.token)).account.id).toBe(inviter.accountId);
  });

  it('signUp with the address of a user with a second factor gives a new, unrelated login, nothing of theirs', async () => {
    const v = await totpOwner();
    const r = ok(await gw.gql(SIGN_UP, { input: { email: v.email, password: STRONG_PASSWORD, name: 'Mallory', accountName: 'M' } })).signUp;
    expect(r.user.id).not.toBe(v.userId);
    expect(errorCode(await gw.gql(ACCOUNT, { id: v.accountId }, r.token))).toBe('NOT_FOUND');
  });

  it('the OIDC callback: an IdP an attacker runs, asserting the owner, gets no session past the owner’s TOTP', async () => {
    const domain = uniqueDomain('victim');
    const v = await totpOwner(emailAt(domain, 'owner'));
    await onPlan(gw, v, 'ENTERPRISE');
    await proveDomain(gw, v, domain);
    await configureOidc(v, domain);
    const signIn = () => new Browser().signIn(`${gw.url}/sso/${v.accountId}/oidc/login`, v.email);
    // Not linked: the provider's assertion gets an offer to link, no session.
    const offer = await signIn();
    expect(offer.status).toBe(202);
    expect(offer.body.token).toBeUndefined();
    // Linked by the owner (password and TOTP, then confirmSsoLink), the provider still gets no session past the TOTP.
    const challenge = expectChallenge(await gw.gql(LOGIN, { input: { email: v.email, password: v.password } }));
    const session = ok(await gw.gql(SECOND, { input: { challenge, code: await totp(v.secret, 1) } })).loginWithTwoFactor.token;
    ok(await gw.gql(CONFIRM_LINK, { input: { claim: offer.body.claim, password: v.password } }, session));
    const r = await signIn();
    expect(r.body?.token).toBeUndefined();
    expect(r.status).toBe(401);
    expect(r.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', twoFactorRequired: true });
  });
});

// ---------------------------------------------------------------------------------------------
// Brute force of the second factor.

describe('second-factor brute force', () => {
  it('40 parallel wrong codes on one challenge check at most the challenge’s five', async () => {
    const v = await totpOwner();
    const challenge = expectChallenge(await gw.gql(LOGIN, { input: { email: v.email, password: v.password } }));
    await Promise.all(Array.from({ length: 40 }, () => gw.gql(SECOND, { input: { challenge, code: '123456' } })));
    const checked = (await auditActions(v)).filter((e) => e.action === 'auth.twoFactorFailed').length;
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(5);
  });

  it('wrong codes count per user across challenges, atomically; the lockout is audited, mailed, and holds against the right code', async () => {
    const v = await totpOwner();
    const challenges: string[] = [];
    for (let i = 0; i < 5; i++) challenges.push(expectChallenge(await gw.gql(LOGIN, { input: { email: v.email, password: v.password } })));
    // 40 wrong codes in parallel, spread over five challenges (25 tries allowed by the challenges alone).
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => gw.gql(SECOND, { input: { challenge: challenges[i % 5], code: '654321' } })),
    );
    const events = await auditActions(v);
    const checked = events.filter((e) => e.action === 'auth.twoFactorFailed').length;
    expect(checked).toBeLessThanOrEqual(Number(LIMITS.RATE_LIMIT_SECOND_FACTOR_FAILURES));
    expect(answers.some((a) => errorCode(a) === 'RATE_LIMITED')).toBe(true);
    expect(events.filter((e) => e.action === 'auth.lockedOut')).toHaveLength(1);
    expect(gw.mailTo(v.email).some((m) => /locked/i.test(m.text ?? ''))).toBe(true);
    // Locked: a right code on a live challenge is refused, and no door issues a new challenge.
    const live = challenges.find((_, i) => i === 4)!;
    expect(errorCode(await gw.gql(SECOND, { input: { challenge: live, code: await totp(v.secret, 1) } }))).toMatch(
      /RATE_LIMITED|UNAUTHENTICATED/,
    );
    const again = await gw.gql(LOGIN, { input: { email: v.email, password: v.password } });
    expect(errorCode(again)).toBe('RATE_LIMITED');
    expect((await auditActions(v)).some((e) => e.action === 'auth.refused' && e.meta?.reason === 'LOCKED_OUT')).toBe(true);
  });

  it('a password holder cannot mint challenges without end', async () => {
    const v = await totpOwner();
    for (let i = 0; i < Number(LIMITS.RATE_LIMIT_CHALLENGES); i++) {
      expectChallenge(await gw.gql(LOGIN, { input: { email: v.email, password: v.password } }));
    }
    const r = await gw.gql(LOGIN, { input: { email: v.email, password: v.password } });
    expect(errorCode(r)).toBe('RATE_LIMITED');
    expect(r.status).toBe(429);
    expect((await auditActions(v)).some((e) => e.action === 'auth.refused' && e.meta?.reason === 'CHALLENGE_RATE_LIMITED')).toBe(true);
  });

  it('one lockout counter per login, whether the email or the username was typed', async () => {
    const v = await gw.signUp();
    const username = `u${v.userId.slice(-10)}`;
    ok(await gw.gql(SETTINGS, { input: { username } }, v.token));
    const wrong = 'Wrong-Horse-9-Battery';
    // Three failures allowed per login: two by email, one by username, then the fourth (by username) locks.
    for (const input of [{ email: v.email }, { email: v.email }, { username }]) {
      expect(errorCode(await gw.gql(LOGIN, { input: { ...input, password: wrong } }))).toBe('UNAUTHENTICATED');
    }
    expect(errorCode(await gw.gql(LOGIN, { input: { username, password: wrong } }))).toBe('RATE_LIMITED');
    // The right password by email is refused during the lockout: the counters are one.
    expect(errorCode(await gw.gql(LOGIN, { input: { email: v.email, password: v.password } }))).toBe('RATE_LIMITED');
  });

  it('reset mails to one address are limited per address, whatever client IP asks', async () => {
    const v = await gw.signUp();
    await gw.verifyEmail(v.email);
    for (let i = 0; i < Number(LIMITS.RATE_LIMIT_RESET_MAILS_PER_ADDRESS_HOUR); i++) {
      ok(await gw.gql(REQUEST_RESET, { e: v.email }, undefined, { 'x-forwarded-for': `198.51.100.${i + 1}` }));
    }
    const r = await gw.gql(REQUEST_RESET, { e: v.email }, undefined, { 'x-forwarded-for': '203.0.113.9' });
    expect(errorCode(r)).toBe('RATE_LIMITED');
    // An unknown address is answered the same way (the refusal tells nothing).
    const unknown = uniqueEmail('nobody');
    for (let i = 0; i < Number(LIMITS.RATE_LIMIT_RESET_MAILS_PER_ADDRESS_HOUR); i++) {
      ok(await gw.gql(REQUEST_RESET, { e: unknown }, undefined, { 'x-forwarded-for': `198.51.100.${i + 20}` }));
    }
    expect(errorCode(await gw.gql(REQUEST_RESET, { e: unknown }, undefined, { 'x-forwarded-for': '203.0.113.10' }))).toBe('RATE_LIMITED');
    expect((await auditActions(v)).some((e) => e.action === 'auth.refused' && e.meta?.reason === 'RATE_LIMITED')).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The same gates on every route; tokens act for their maker.

describe('requireTwoFactor on every route', () => {
  let owner: TestOwner & { secret: string };
  let roles: Record<string, string>;
  beforeAll(async () => {
    owner = await totpOwner();
    roles = await roleIds(gw, owner);
  });

  it('an un-enrolled member is refused by every gated REST route, with the reason, and the refusal is audited', async () => {
    // An admin (every export permission) who has not enrolled; the account then requires two-factor.
    const m = await memberWith(gw, owner, roles.admin!, undefined, 'unenrolled');
    ok(await gw.gql(REQUIRE, { input: { accountId: owner.accountId, requireTwoFactor: true } }, owner.token));
    const query: Record<string, string> = {
      'GET /audit/export': `accountId=${owner.accountId}&format=csv`,
      'GET /access/review.csv': `accountId=${owner.accountId}`,
      'GET /email-logs/export': `domainId=${owner.accountId}`,
    };
    for (const key of GATED_ROUTES) {
      const path = key.split(' ')[1]!;
      const res = await fetch(`${gw.url}${path}?${query[key]}`, { headers: { authorization: `Bearer ${m.token}` } });
      const body = (await res.json()) as any;
      expect({ key, status: res.status }).toEqual({ key, status: 403 });
      expect(body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'TWO_FACTOR_ENROLMENT_REQUIRED' });
    }
    const refused = (await auditActions(owner)).filter(
      (e) => e.action === 'auth.refused' && e.meta?.reason === 'TWO_FACTOR_ENROLMENT_REQUIRED',
    );
    expect(refused.length).toBeGreaterThanOrEqual(GATED_ROUTES.length);
    // The owner, enrolled, is served.
    const res = await fetch(`${gw.url}/audit/export?accountId=${owner.accountId}&format=csv`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(res.status).toBe(200);
    await res.text();
    ok(await gw.gql(REQUIRE, { input: { accountId: owner.accountId, requireTwoFactor: false } }, owner.token));
  });

  it('a partner token acts for its maker: refused where the account requires two-factor and the maker has none', async () => {
    const a = await gw.signUp();
    await gw.verifyEmail(a.email);
    const r = await memberWith(gw, a, (await roleIds(gw, a)).admin!, undefined, 'maker');
    const { token } = ok(
      await gw.gql(
        CREATE_TOKEN,
        {
          input: {
            accountId: a.accountId,
            name: 'ci',
            scopes: ['account:view', 'auditLog:export', 'security:view'],
            expiresAt: inHours(24),
          },
        },
        r.token,
      ),
    ).createApiToken;
    expect(ok(await gw.gql(ACCOUNT, { id: a.accountId }, token)).account.id).toBe(a.accountId);
    await enrol(a.token);
    ok(await gw.gql(REQUIRE, { input: { accountId: a.accountId, requireTwoFactor: true } }, a.token));
    const g = await gw.gql(ACCOUNT, { id: a.accountId }, token);
    expect(g.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'TOKEN_MAKER_WITHOUT_TWO_FACTOR' });
    const res = await fetch(`${gw.url}/audit/export?accountId=${a.accountId}&format=csv`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).errors[0].extensions.reason).toBe('TOKEN_MAKER_WITHOUT_TWO_FACTOR');
    // The maker enrols: the token works again.
    await enrol(r.token);
    expect(ok(await gw.gql(ACCOUNT, { id: a.accountId }, token)).account.id).toBe(a.accountId);
  });

  it('a partner token cannot change the two-factor requirement (security settings are changed by people)', async () => {
    const a = await gw.signUp();
    await enrol(a.token);
    ok(await gw.gql(REQUIRE, { input: { accountId: a.accountId, requireTwoFactor: true } }, a.token));
    const { token } = ok(
      await gw.gql(
        CREATE_TOKEN,
        { input: { accountId: a.accountId, name: 'ci', scopes: ['security:edit', 'security:view'], expiresAt: inHours(24) } },
        a.token,
      ),
    ).createApiToken;
    const r = await gw.gql(REQUIRE, { input: { accountId: a.accountId, requireTwoFactor: false } }, token);
    expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PEOPLE_ONLY' });
    expect(
      ok(await gw.gql(`query($id: ID!) { account(id: $id) { requireTwoFactor } }`, { id: a.accountId }, a.token)).account.requireTwoFactor,
    ).toBe(true);
    expect((await auditActions(a)).some((e) => e.action === 'auth.refused' && e.meta?.reason === 'PEOPLE_ONLY')).toBe(true);
  });

  it('token minters pass the gates: an un-enrolled member of an account requiring two-factor mints no token', async () => {
    const a = await totpOwner();
    await onPlan(gw, a, 'ENTERPRISE');
    const m = await memberWith(gw, a, (await roleIds(gw, a)).admin!, undefined, 'minter');
    ok(await gw.gql(REQUIRE, { input: { accountId: a.accountId, requireTwoFactor: true } }, a.token));
    for (const [q, input] of [
      [CREATE_TOKEN, { accountId: a.accountId, name: 'x', scopes: ['security:view'], expiresAt: inHours(2) }],
      [CREATE_SCIM_TOKEN, { accountId: a.accountId, name: 'x' }],
    ] as const) {
      const r = await gw.gql(q, { input }, m.token);
      expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'TWO_FACTOR_ENROLMENT_REQUIRED' });
      expect(r.text).not.toContain('pst_');
      expect(r.text).not.toContain('scim_');
    }
    const rotate = await gw.gql(`mutation { rotateApiToken(id: "t_nonexistent") { token } }`, {}, m.token);
    expect(errorCode(rotate)).toBe('FORBIDDEN');
  });
});

describe('sessions and accounts', () => {
  it('a session minted by account A’s IdP reaches A only, even once the user joins B', async () => {
    const a = await gw.signUp();
    await onPlan(gw, a, 'ENTERPRISE');
    const corp = await proveDomain(gw, a);
    const m = await newMember(gw, a, 'sso-user', emailAt(corp, 'sso-user'));
    await bind(gw, a, m.userId, (await roleIds(gw, a)).viewer!, { type: 'ACCOUNT', id: a.accountId });
    await configureOidc(a, corp.name);
    await linkToIdp(a.accountId, m.email);
    const signedIn = await new Browser().signIn(`${gw.url}/sso/${a.accountId}/oidc/login`, m.email);
    expect(signedIn.status).toBe(200);
    const ssoToken = signedIn.body.token as string;
    const stored = await mongoose.connection.db!.collection('sessions').find({ userId: m.userId, method: 'sso:oidc' }).toArray();
    expect(stored.map((x) => x.ssoAccountId)).toEqual([a.accountId]);
    // m joins B with their password.
    const b = await gw.signUp();
    ok(await gw.gql(INVITE, { input: { accountId: b.accountId, email: m.email } }, b.token));
    ok(await gw.gql(ACCEPT, { input: { token: await invitationToken(m.email), password: STRONG_PASSWORD } }));
    expect(ok(await gw.gql(ACCOUNT, { id: a.accountId }, ssoToken)).account.id).toBe(a.accountId);
    const inB = await gw.gql(ACCOUNT, { id: b.accountId }, ssoToken);
    expect(inB.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'SSO_SESSION_OF_OTHER_ACCOUNT' });
    // Nor can that session mint a token for B.
    const minted = await gw.gql(
      CREATE_TOKEN,
      { input: { accountId: b.accountId, name: 'x', scopes: ['security:view'], expiresAt: inHours(2) } },
      ssoToken,
    );
    expect(minted.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  it('slipping out of ssoRequired by joining another account: the password session is refused by the account requiring SSO', async () => {
    const a = await gw.signUp();
    await onPlan(gw, a, 'ENTERPRISE');
    const corp = await proveDomain(gw, a);
    const m = await newMember(gw, a, 'slipper', emailAt(corp, 'slipper'));
    await configureOidc(a, corp.name, { ssoRequired: true });
    // A password login is refused outright while A is m's only account.
    expect(errorCode(await gw.gql(LOGIN, { input: { email: m.email, password: STRONG_PASSWORD } }))).toBe('UNAUTHENTICATED');
    // m accepts an invitation from another account B: that gives a session…
    const b = await gw.signUp();
    ok(await gw.gql(INVITE, { input: { accountId: b.accountId, email: m.email } }, b.token));
    const s = ok(await gw.gql(ACCEPT, { input: { token: await invitationToken(m.email), password: STRONG_PASSWORD } })).acceptInvitation;
    expect(ok(await gw.gql(ACCOUNT, { id: b.accountId }, s.token)).account.id).toBe(b.accountId);
    // …which account A refuses.
    const inA = await gw.gql(ACCOUNT, { id: a.accountId }, s.token);
    expect(inA.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'SSO_REQUIRED' });
    expect((await auditActions(a)).some((e) => e.action === 'auth.refused' && e.meta?.reason === 'SSO_REQUIRED')).toBe(true);
  });
});

describe('partner tokens in an account that starts requiring SSO', () => {
  it('a token made before, in a password session, stops working there; the owner’s keeps working (break-glass)', async () => {
    const a = await gw.signUp();
    await onPlan(gw, a, 'ENTERPRISE');
    const corp = await proveDomain(gw, a);
    const m = await newMember(gw, a, 'early-token', emailAt(corp, 'early-token'));
    await bind(gw, a, m.userId, (await roleIds(gw, a)).admin!, { type: 'ACCOUNT', id: a.accountId });
    const input = { accountId: a.accountId, name: 'ci', scopes: ['account:view'], expiresAt: inHours(24) };
    const early = ok(await gw.gql(CREATE_TOKEN, { input }, m.token)).createApiToken.token;
    const owners = ok(await gw.gql(CREATE_TOKEN, { input }, a.token)).createApiToken.token;
    expect(ok(await gw.gql(ACCOUNT, { id: a.accountId }, early)).account.id).toBe(a.accountId);
    await configureOidc(a, corp.name, { ssoRequired: true });
    const r = await gw.gql(ACCOUNT, { id: a.accountId }, early);
    expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'TOKEN_NOT_AUTHORIZED_FOR_SSO' });
    const res = await fetch(`${gw.url}/audit/export?accountId=${a.accountId}&format=csv`, {
      headers: { authorization: `Bearer ${early}` },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).errors[0].extensions.reason).toBe('TOKEN_NOT_AUTHORIZED_FOR_SSO');
    expect(ok(await gw.gql(ACCOUNT, { id: a.accountId }, owners)).account.id).toBe(a.accountId);
    // A token made in a session of the account's own provider works (m links their login first: the
    // password door lets a member of an account requiring SSO in for that, while the offer lives).
    await linkToIdp(a.accountId, m.email);
    const sso = await new Browser().signIn(`${gw.url}/sso/${a.accountId}/oidc/login`, m.email);
    expect(sso.status).toBe(200);
    const made = ok(await gw.gql(CREATE_TOKEN, { input }, sso.body.token)).createApiToken.token;
    expect(ok(await gw.gql(ACCOUNT, { id: a.accountId }, made)).account.id).toBe(a.accountId);
  });
});

describe('an identity provider’s MFA assertion', () => {
  it('counts as the second factor only where the account trusts it, and only for that account’s own provider', async () => {
    const v = await totpOwner();
    const user = (await User.findById(v.userId).lean<UserDoc>())!;
    const ctx = () =>
      createContext({
        requestId: 'doors-test',
        ip: '127.0.0.1',
        principal: null,
        authRejected: false,
        log: createLogger('silent'),
        mailer: gw.server.mailer,
        access: gw.server.access,
        limits: new RateLimits(gw.server.config.rateLimits),
      });
    // The SSO callback's call (src/sso/sso.service.ts): the account's IdP asserted MFA, not trusted by default.
    await expect(issueSession(ctx(), user, 'sso:oidc', { ssoAccountId: v.accountId, idpMfa: true })).rejects.toBeInstanceOf(
      TwoFactorRequiredError,
    );
    ok(await gw.gql(REQUIRE, { input: { accountId: v.accountId, trustIdpMfa: true } }, v.token));
    // Trusted, but the assertion came without MFA: still a challenge.
    await expect(issueSession(ctx(), user, 'sso:oidc', { ssoAccountId: v.accountId, idpMfa: false })).rejects.toBeInstanceOf(
      TwoFactorRequiredError,
    );
    // Another account trusting its own IdP's MFA cannot vouch for this user's second factor in theirs.
    const other = await gw.signUp();
    await enrol(other.token);
    ok(await gw.gql(REQUIRE, { input: { accountId: other.accountId, trustIdpMfa: true } }, other.token));
    // (A session minted by another account's provider reaches none of this user's accounts: refused outright.)
    await expect(issueSession(ctx(), user, 'sso:oidc', { ssoAccountId: other.accountId, idpMfa: true })).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
    // Trusted and asserted by the account's own provider: a session recording it, reaching the account.
    const s = await issueSession(ctx(), user, 'sso:oidc', { ssoAccountId: v.accountId, idpMfa: true });
    expect(ok(await gw.gql(ACCOUNT, { id: v.accountId }, s.token)).account.id).toBe(v.accountId);
    const stored = await mongoose.connection.db!.collection('sessions').find({ userId: v.userId, secondFactor: 'idpMfa' }).toArray();
    expect(stored.map((x) => x.ssoAccountId)).toEqual([v.accountId]);
  });
});
