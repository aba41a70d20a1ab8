// OpenID Connect sign-in against a real OpenID provider (oidc-provider on 127.0.0.1, started here):
// the admin configures SSO, people sign in through the provider's pages as a browser would, and the
// company's rules hold — allowed domains, just-in-time membership, SCIM deprovisioning, SSO required.
import mongoose from 'mongoose';
import { errorCode, startTestGateway, STRONG_PASSWORD, type TestGateway, type TestOwner } from '../helpers/gateway';
import { onPlan } from '../helpers/billing';
import { CREATE_USER, memberWith, ok, roleIds } from '../modules/access/helpers';
import { bjensen, CREATE_SCIM_TOKEN, GROUP_ROLE_SCHEMA, GROUP_SCHEMA, ScimClient } from '../scim/client';
import { Browser, startOidcProvider, type OidcProvider } from './idp';
import { emailAt, proveDomain, type ProvenDomain } from '../helpers/domains';

const CLIENT_ID = 'postern-test';
const CLIENT_SECRET = 'idp-client-secret-7f3a9c1e5b';

let gw: TestGateway;
let idp: OidcProvider;
let owner: TestOwner;
let roles: Record<string, string>;
let corp: ProvenDomain;

const CONFIGURE = `mutation($input: ConfigureSsoInput!) { configureSso(input: $input) { id issuer clientId clientSecret allowedEmailDomains defaultRole { key } ssoRequired oidcLoginPath oidcRedirectPath } }`;
const SSO = `query($id: ID!) { account(id: $id) { sso { clientSecret issuer } } }`;
const AUDIT = `query($id: ID!) { account(id: $id) { auditLog(first: 300) { edges { node { action meta before after } } } } }`;
const PERMS = `query($s: ScopeInput!) { viewer { user { email } permissions(scope: $s) } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { token } }`;
const CONFIRM_LINK = `mutation($input: ConfirmSsoLinkInput!) { confirmSsoLink(input: $input) { accountId identityProvider linkedAt } }`;

/** An existing login met by SSO: the offer (202), the password door, confirmSsoLink; then SSO signs it in. */
async function linkWithPassword(email: string, password = STRONG_PASSWORD): Promise<void> {
  const offer = await signIn(email);
  expect(offer.status).toBe(202);
  expect(offer.body.token).toBeUndefined();
  const session = ok(await gw.gql(LOGIN, { input: { email, password } })).login.token;
  ok(await gw.gql(CONFIRM_LINK, { input: { claim: offer.body.claim, password } }, session));
}

beforeAll(async () => {
  gw = await startTestGateway({ env: { POSTERN_SSO_ALLOW_HTTP_IDP: 'true' } });
  idp = await startOidcProvider(CLIENT_ID, CLIENT_SECRET, `${gw.url}/sso/oidc/callback`);
  owner = await gw.signUp();
  await onPlan(gw, owner, 'ENTERPRISE'); // single sign-on and SCIM come with the plan (MI10)
  roles = await roleIds(gw, owner);
  corp = await proveDomain(gw, owner);
});
afterAll(async () => {
  await idp?.stop();
  await gw.stop();
});

function signIn(login: string, accountId = owner.accountId) {
  return new Browser().signIn(`${gw.url}/sso/${accountId}/oidc/login`, login);
}

describe('configureSso', () => {
  it('refuses bad settings, keeps the client secret sealed and masked, and audits without it', async () => {
    const base = { accountId: owner.accountId, issuer: idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
    const plainHttp = await gw.gql(
      CONFIGURE,
      { input: { ...base, issuer: 'http://idp.example.com', allowedEmailDomains: [corp.name] } },
      owner.token,
    );
    expect(plainHttp.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'issuer' });
    const noDomains = await gw.gql(CONFIGURE, { input: base }, owner.token);
    expect(noDomains.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'allowedEmailDomains' });
    const badDomain = await gw.gql(CONFIGURE, { input: { ...base, allowedEmailDomains: ['not a domain'] } }, owner.token);
    expect(badDomain.body.errors![0]!.extensions!.field).toBe('allowedEmailDomains');
    const none = await gw.gql(SSO, { id: owner.accountId }, owner.token);
    expect(ok(none).account.sso).toBeNull();

    const c = ok(
      await gw.gql(
        CONFIGURE,
        { input: { ...base, allowedEmailDomains: [corp.name.toUpperCase()], defaultRoleId: roles.viewer } },
        owner.token,
      ),
    ).configureSso;
    expect(c).toMatchObject({
      issuer: idp.issuer,
      clientId: CLIENT_ID,
      allowedEmailDomains: [corp.name],
      defaultRole: { key: 'viewer' },
      ssoRequired: false,
      oidcLoginPath: `/sso/${owner.accountId}/oidc/login`,
      oidcRedirectPath: '/sso/oidc/callback',
    });

    // An analyst (security:view, not security:edit) sees the settings with the secret masked.
    const analyst = await memberWith(gw, owner, roles.analyst!, undefined, 'analyst');
    const seen = await gw.gql(SSO, { id: owner.accountId }, analyst.token);
    expect(seen.body.data!.account.sso).toEqual({ clientSecret: '••••••••', issuer: idp.issuer });
    expect(seen.text).not.toContain(CLIENT_SECRET);

    const stored = JSON.stringify(await mongoose.connection.db!.collection('ssoconfigs').findOne({ accountId: owner.accountId }));
    expect(stored).not.toContain(CLIENT_SECRET);
    const audit = await gw.gql(AUDIT, { id: owner.accountId }, owner.token);
    expect(audit.text).toContain('sso.configured');
    const configured = audit.body.data!.account.auditLog.edges.find((e: any) => e.node.action === 'sso.configured').node;
    expect(configured.after).toMatchObject({ oidcClientSecretSet: true, allowedEmailDomains: [corp.name] });
    // Only the owner's own reveal (configureSso's answer) is in the log, as secret.revealed without the value.
    expect(JSON.stringify(configured)).not.toContain(CLIENT_SECRET);
    expect(gw.logs.join('')).not.toContain(CLIENT_SECRET);
  });
});

describe('signing in through the OpenID provider', () => {
  it('lets a newcomer of an allowed domain in, as a member with the default role', async () => {
    const email = emailAt(corp, 'newcomer');
    const r = await signIn(email);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ user: { email }, account: { id: owner.accountId } });
    const v = ok(await gw.gql(PERMS, { s: { type: 'ACCOUNT', id: owner.accountId } }, r.body.token));
    expect(v.viewer.user.email).toBe(email);
    expect(v.viewer.permissions).toEqual(expect.arrayContaining(['account:view', 'campaigns:view']));
    expect(v.viewer.permissions).not.toContain('campaigns:edit');

    const audit = ok(await gw.gql(AUDIT, { id: owner.accountId }, owner.token));
    const events = audit.account.auditLog.edges.map((e: any) => e.node);
    expect(events.some((e: any) => e.action === 'sso.memberJoined' && e.after.email === email)).toBe(true);
    expect(events.some((e: any) => e.action === 'auth.login' && e.meta.method === 'sso:oidc')).toBe(true);

    // Signing in again: the same member, no second binding.
    const again = await signIn(email);
    expect(again.status).toBe(200);
    expect(again.body.user.id).toBe(r.body.user.id);
  });

  it('refuses other domains and addresses the provider has not verified', async () => {
    const other = await signIn(`someone-${Date.now()}@elsewhere.org`);
    expect(other.status).toBe(403);
    expect(other.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(other.body.token).toBeUndefined();
    const unverified = await signIn(`unverified-${Date.now()}@${corp.name}`);
    expect(unverified.status).toBe(403);
    expect(unverified.body.errors[0].message).toMatch(/not verified/);
  });

  it('never signs in someone who also belongs to another account (that account did not choose this IdP)', async () => {
    const elsewhere = await gw.signUp({ accountName: 'Their own', email: emailAt(corp, 'elsewhere') });
    await gw.verifyEmail(elsewhere.email);
    const r = await signIn(elsewhere.email);
    expect(r.status).toBe(403);
    expect(r.body.token).toBeUndefined();
    expect(r.body.errors[0].message).toMatch(/other accounts/);
    const token = ok(await gw.gql(CREATE_SCIM_TOKEN, { input: { accountId: owner.accountId, name: 'link' } }, owner.token)).createScimToken
      .token;
    const linked = await new ScimClient(gw.url, token).post('/Users', bjensen(elsewhere.email, 'elsewhere'));
    expect(linked.status).toBe(409);
  });

  it('refuses a replayed or forged callback', async () => {
    const browser = new Browser();
    // Walk the flow but stop before the gateway's callback to keep its URL.
    const start = await browser.fetch(`${gw.url}/sso/${owner.accountId}/oidc/login`);
    expect(start.status).toBe(302);
    const authUrl = new URL(start.headers.get('location')!);
    expect(authUrl.origin).toBe(idp.issuer);
    expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authUrl.searchParams.get('code_challenge')).toBeTruthy();
    const forged = await fetch(`${gw.url}/sso/oidc/callback?code=abc&state=forged`);
    expect(forged.status).toBe(400);
    const r = await browser.signIn(authUrl.toString(), emailAt(corp, 'replay'));
    expect(r.status).toBe(200);
    const replay = await fetch(r.url);
    expect(replay.status).toBe(400);
    const unknownAccount = await fetch(`${gw.url}/sso/ffffffffffffffffffffffff/oidc/login`, { redirect: 'manual' });
    expect(unknownAccount.status).toBe(404);
  });
});

describe('ID tokens, to the letter', () => {
  const refusalReasons = async (): Promise<string[]> =>
    ok(await gw.gql(AUDIT, { id: owner.accountId }, owner.token))
      .account.auditLog.edges.map((e: any) => e.node)
      .filter((e: any) => e.action === 'sso.signInRefused' && e.meta.protocol === 'oidc')
      .map((e: any) => e.meta.reason as string);

  it.each([
    ['signed by a key the provider never published (under its key id)', 'foreignKey', /signature verification failed/],
    ['unsigned (alg: none)', 'none', /unexpected JWT "alg"/],
    ['HMAC-signed with the client secret (HS256)', 'hs256', /unexpected JWT "alg"/],
  ] as const)('refuses an ID token %s, and audits the refusal', async (_why, mode, reason) => {
    const matching = async () => (await refusalReasons()).filter((r) => reason.test(r)).length;
    const before = await matching();
    await idp.setMode(mode);
    let r;
    try {
      r = await signIn(emailAt(corp, mode));
    } finally {
      await idp.setMode('good');
    }
    expect(r.status).toBe(401);
    expect(r.body.token).toBeUndefined();
    expect(r.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(await matching()).toBe(before + 1);
    expect(gw.logs.join('')).not.toContain(CLIENT_SECRET);
    // The provider is fine again: the same flow signs in.
    expect((await signIn(emailAt(corp, 'after'))).status).toBe(200);
  });
});

describe('done when: SCIM provisions, OIDC signs in, SCIM deprovisions', () => {
  it('lands the provisioned user with the group role; deactivating them ends their session on the next request', async () => {
    const token = ok(await gw.gql(CREATE_SCIM_TOKEN, { input: { accountId: owner.accountId, name: 'IdP' } }, owner.token)).createScimToken
      .token;
    const scim = new ScimClient(gw.url, token);
    const email = emailAt(corp, 'provisioned');
    const user = await scim.post('/Users', bjensen(email, 'provisioned'));
    expect(user.status).toBe(201);
    const group = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA, GROUP_ROLE_SCHEMA],
      displayName: 'Marketing',
      members: [{ value: user.body.id }],
      [GROUP_ROLE_SCHEMA]: { roleId: roles.manager, scope: { type: 'WORKSPACE', id: owner.workspaceId } },
    });
    expect(group.status).toBe(201);

    const r = await signIn(email);
    expect(r.status).toBe(200);
    expect(r.body.user.id).toBe(user.body.id);
    const perms = ok(await gw.gql(PERMS, { s: { type: 'WORKSPACE', id: owner.workspaceId } }, r.body.token));
    expect(perms.viewer.permissions).toEqual(expect.arrayContaining(['campaigns:edit', 'campaigns:send']));

    const off = await scim.patch(`/Users/${user.body.id}`, [{ op: 'replace', path: 'active', value: false }]);
    expect(off.status).toBe(200);
    const next = await gw.gql(`query($id: ID!) { workspace(id: $id) { id } }`, { id: owner.workspaceId }, r.body.token);
    expect(errorCode(next)).toBe('UNAUTHENTICATED');
    expect(errorCode(await gw.gql(PERMS, { s: { type: 'WORKSPACE', id: owner.workspaceId } }, r.body.token))).toBe('UNAUTHENTICATED');
    // And the provider cannot sign them back in.
    const back = await signIn(email);
    expect(back.status).toBe(403);
    expect(back.body.errors[0].message).toMatch(/deprovisioned/);
  });
});

describe('SSO required', () => {
  it('refuses password login for members; the owner keeps a break-glass password', async () => {
    const email = emailAt(corp, 'pw');
    ok(await gw.gql(CREATE_USER, { input: { accountId: owner.accountId, email, password: STRONG_PASSWORD } }, owner.token));
    await gw.verifyEmail(email); // an existing login, its address verified by its owner
    expect(ok(await gw.gql(LOGIN, { input: { email, password: STRONG_PASSWORD } })).login.token).toBeTruthy();

    ok(await gw.gql(CONFIGURE, { input: { accountId: owner.accountId, ssoRequired: true } }, owner.token));
    const refused = await gw.gql(LOGIN, { input: { email, password: STRONG_PASSWORD } });
    expect(errorCode(refused)).toBe('UNAUTHENTICATED');
    expect(refused.body.errors![0]!.message).toMatch(/requires single sign-on/);
    // A wrong password says nothing about SSO.
    const wrong = await gw.gql(LOGIN, { input: { email, password: 'Wrong-Horse-9-Battery' } });
    expect(wrong.body.errors![0]!.message).not.toMatch(/single sign-on/);
    // The owner: break-glass.
    expect(ok(await gw.gql(LOGIN, { input: { email: owner.email, password: owner.password } })).login.token).toBeTruthy();
    // The IdP met an existing login: it links itself (the password door lets it in for that), then SSO works.
    await linkWithPassword(email);
    expect((await signIn(email)).status).toBe(200);

    ok(await gw.gql(CONFIGURE, { input: { accountId: owner.accountId, ssoRequired: false } }, owner.token));
    expect(ok(await gw.gql(LOGIN, { input: { email, password: STRONG_PASSWORD } })).login.token).toBeTruthy();
  });

  it('ends the password sessions members already hold when it is turned on; SSO sessions and the owner stay signed in', async () => {
    ok(await gw.gql(CONFIGURE, { input: { accountId: owner.accountId, ssoRequired: false } }, owner.token));
    const email = emailAt(corp, 'held');
    ok(await gw.gql(CREATE_USER, { input: { accountId: owner.accountId, email, password: STRONG_PASSWORD } }, owner.token));
    await gw.verifyEmail(email); // an existing login, its address verified by its owner
    const byPassword = ok(await gw.gql(LOGIN, { input: { email, password: STRONG_PASSWORD } })).login.token;
    await linkWithPassword(email);
    const bySso = (await signIn(email)).body.token;
    const ws = { s: { type: 'WORKSPACE', id: owner.workspaceId } };
    expect(ok(await gw.gql(PERMS, ws, byPassword)).viewer.user.email).toBe(email);
    const ended = async () =>
      ok(await gw.gql(AUDIT, { id: owner.accountId }, owner.token))
        .account.auditLog.edges.map((e: any) => e.node)
        .filter((e: any) => e.meta?.passwordSessionsEnded) as any[];
    const before = (await ended()).length;

    ok(await gw.gql(CONFIGURE, { input: { accountId: owner.accountId, ssoRequired: true } }, owner.token));
    expect(errorCode(await gw.gql(PERMS, ws, byPassword))).toBe('UNAUTHENTICATED');
    expect(ok(await gw.gql(PERMS, ws, bySso)).viewer.user.email).toBe(email);
    expect(ok(await gw.gql(PERMS, ws, owner.token)).viewer.user.email).toBe(owner.email);
    const events = await ended();
    expect(events).toHaveLength(before + 1);
    // This member's two password sessions (before and to link), and the previous test's member's two: the one
    // opened to link while SSO was required, and the one opened after SSO was turned off.
    expect(events.map((e) => e.meta.passwordSessionsEnded)).toContain(4);
    ok(await gw.gql(CONFIGURE, { input: { accountId: owner.accountId, ssoRequired: false } }, owner.token));
  });

  it('a live offer to link opens the password door to confirm the link, and for nothing else', async () => {
    const email = emailAt(corp, 'linking');
    ok(await gw.gql(CREATE_USER, { input: { accountId: owner.accountId, email, password: STRONG_PASSWORD } }, owner.token));
    await gw.verifyEmail(email);
    ok(await gw.gql(CONFIGURE, { input: { accountId: owner.accountId, ssoRequired: true } }, owner.token));
    const login = () => gw.gql(LOGIN, { input: { email, password: STRONG_PASSWORD } });
    expect(errorCode(await login())).toBe('UNAUTHENTICATED');
    const offer = await signIn(email);
    expect(offer.status).toBe(202);
    // The offer lets the password door open…
    const session = ok(await login()).login.token as string;
    // …yet the account refuses the session everywhere: reading it, minting a token in it.
    const read = await gw.gql(`query($id: ID!) { account(id: $id) { id name } }`, { id: owner.accountId }, session);
    expect(read.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'SSO_REQUIRED' });
    expect(read.body.data?.account ?? null).toBeNull();
    const mint = await gw.gql(
      `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
      {
        input: {
          accountId: owner.accountId,
          name: 'x',
          scopes: ['account:view'],
          expiresAt: new Date(Date.now() + 3600_000).toISOString(),
        },
      },
      session,
    );
    expect(mint.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(mint.text).not.toMatch(/"token":"/);
    // What it is for: confirming the link. The claim is then used, and the password door shut again.
    ok(await gw.gql(CONFIRM_LINK, { input: { claim: offer.body.claim, password: STRONG_PASSWORD } }, session));
    expect(errorCode(await login())).toBe('UNAUTHENTICATED');
    expect((await signIn(email)).status).toBe(200);
    ok(await gw.gql(CONFIGURE, { input: { accountId: owner.accountId, ssoRequired: false } }, owner.token));
  });
});
