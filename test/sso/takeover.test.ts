// The owner takeover of issue 17, tried as the attacker would: a member holding security:edit points
// SSO at an OpenID provider they run (oidc-provider on 127.0.0.1), at the owner's proved mail domain,
// and the provider asserts the owner's address. The change waits for the owner; once an IdP is live it
// still gets no session for a login that existed before it (an offer to link, which only that login's
// password and second factor can confirm); transferOwnership cannot follow. Partner tokens cannot
// touch SSO at all.
import { generate } from 'otplib';
import { errorCode, startTestGateway, STRONG_PASSWORD, type TestGateway, type TestOwner } from '../helpers/gateway';
import { onPlan } from '../helpers/billing';
import { memberWith, ok, ROLES } from '../modules/access/helpers';
import { createDomain, uniqueDomain } from '../modules/sending/helpers';
import { verifyThroughDns } from '../helpers/dns';
import { Browser, startOidcProvider, type OidcProvider } from './idp';
import { emailAt } from '../helpers/domains';

const CLIENT_ID = 'attacker-app';
const CLIENT_SECRET = 'attacker-client-secret-93be1f0c';

let gw: TestGateway;
let idp: OidcProvider;
let owner: TestOwner;
let totpSecret: string;
let recoveryCodes: string[];
let attacker: { token: string; userId: string; email: string };
let corp: string;

const CONFIGURE = `mutation($input: ConfigureSsoInput!) { configureSso(input: $input) { issuer clientId allowedEmailDomains pendingChange { version issuer clientId clientSecretChanged allowedEmailDomains requestedBy { email } } } }`;
const CONFIRM_CHANGE = `mutation($input: ConfirmSsoChangeInput!) { confirmSsoChange(input: $input) { issuer clientId allowedEmailDomains pendingChange { version } } }`;
const DISCARD = `mutation($id: ID!) { discardSsoChange(accountId: $id) }`;
const CONFIRM_LINK = `mutation($input: ConfirmSsoLinkInput!) { confirmSsoLink(input: $input) { accountId identityProvider linkedAt } }`;
const TRANSFER = `mutation($input: TransferOwnershipInput!) { transferOwnership(input: $input) { owner { id } } }`;
const AUDIT = `query($id: ID!) { account(id: $id) { auditLog(first: 500) { edges { node { action meta before after } } } } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { token } }`;
const SECOND = `mutation($input: LoginWithTwoFactorInput!) { loginWithTwoFactor(input: $input) { token } }`;
const CREATE_TOKEN = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`;

const totp = () => generate({ secret: totpSecret });
const signIn = (login: string) => new Browser().signIn(`${gw.url}/sso/${owner.accountId}/oidc/login`, login);
const auditText = async () => (await gw.gql(AUDIT, { id: owner.accountId }, owner.token)).text;
const audit = async () =>
  ok(await gw.gql(AUDIT, { id: owner.accountId }, owner.token)).account.auditLog.edges.map((e: any) => e.node) as any[];

/**
 * The owner's password door: password, then the second-factor challenge, answered with one of the
 * owner's recovery codes (the TOTP step of this half-minute was spent at enrolment: a code is accepted once).
 */
async function ownerSession(): Promise<string> {
  const first = await gw.gql(LOGIN, { input: { email: owner.email, password: owner.password } });
  expect(first.body.errors![0]!.extensions!.twoFactorRequired).toBe(true);
  const r = await gw.gql(SECOND, { input: { challenge: first.body.errors![0]!.extensions!.challenge, code: recoveryCodes.shift() } });
  return ok(r).loginWithTwoFactor.token;
}

beforeAll(async () => {
  gw = await startTestGateway({ env: { POSTERN_SSO_ALLOW_HTTP_IDP: 'true' } });
  idp = await startOidcProvider(CLIENT_ID, CLIENT_SECRET, `${gw.url}/sso/oidc/callback`);
  corp = uniqueDomain('victim');
  owner = await gw.signUp({ email: emailAt(corp, 'owner') });
  await gw.verifyEmail(owner.email);
  await onPlan(gw, owner, 'ENTERPRISE');
  await verifyThroughDns(gw, gw.dns, owner, await createDomain(gw, owner, corp));
  // The owner has a second factor.
  const e = ok(await gw.gql(`mutation { enableTwoFactor { secret } }`, {}, owner.token)).enableTwoFactor;
  totpSecret = e.secret;
  recoveryCodes = ok(
    await gw.gql(`mutation($code: String!) { confirmTwoFactor(code: $code) { recoveryCodes } }`, { code: await totp() }, owner.token),
  ).confirmTwoFactor.recoveryCodes;
  // The attacker: a member whose role holds security:edit but not account:transferOwnership.
  const roles = ok(await gw.gql(ROLES, { id: owner.accountId }, owner.token)).account.roles.edges.map((e: any) => e.node);
  const role = roles.find(
    (r: any) => r.key !== 'owner' && r.permissions.includes('security:edit') && !r.permissions.includes('account:transferOwnership'),
  );
  const m = await memberWith(gw, owner, role.id, undefined, 'attacker');
  attacker = { token: m.token, userId: m.userId, email: m.email };
});
afterAll(async () => {
  await idp?.stop();
  await gw.stop();
});

describe("a member points SSO at their own IdP, which asserts the owner's address", () => {
  let version: string;

  it('waits for the owner: nothing goes live, the owner is mailed, the request is audited without the secret', async () => {
    const r = ok(
      await gw.gql(
        CONFIGURE,
        {
          input: {
            accountId: owner.accountId,
            issuer: idp.issuer,
            clientId: CLIENT_ID,
            clientSecret: CLIENT_SECRET,
            allowedEmailDomains: [corp],
          },
        },
        attacker.token,
      ),
    ).configureSso;
    expect(r.issuer).toBeNull();
    expect(r.pendingChange).toMatchObject({
      issuer: idp.issuer,
      clientId: CLIENT_ID,
      clientSecretChanged: true,
      allowedEmailDomains: [corp],
      requestedBy: { email: attacker.email },
    });
    version = r.pendingChange.version;
    expect(gw.mailTo(owner.email).some((m) => /asked to change the identity provider/.test(String(m.text)))).toBe(true);
    // The IdP is not live: the attacker's provider cannot start a sign-in.
    expect((await signIn(owner.email)).status).toBe(404);
    const events = await audit();
    expect(events.some((e) => e.action === 'sso.changeRequested' && e.meta.awaits === 'owner')).toBe(true);
    expect(await auditText()).not.toContain(CLIENT_SECRET);
    expect(gw.logs.join('')).not.toContain(CLIENT_SECRET);
  });

  it('lets only the owner confirm it', async () => {
    const r = await gw.gql(CONFIRM_CHANGE, { input: { accountId: owner.accountId, version } }, attacker.token);
    expect(r.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.message).toMatch(/Only the owner/);
    const stale = await gw.gql(CONFIRM_CHANGE, { input: { accountId: owner.accountId, version: 'not-the-one' } }, owner.token);
    expect(stale.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'version' });
  });

  it("once live, the IdP asserting the owner's address gets no session but an offer to link; transferOwnership cannot follow", async () => {
    // Say the owner confirmed (misled, or the IdP is the company's and someone controls it).
    const live = ok(await gw.gql(CONFIRM_CHANGE, { input: { accountId: owner.accountId, version } }, owner.token)).confirmSsoChange;
    expect(live).toMatchObject({ issuer: idp.issuer, pendingChange: null });
    const r = await signIn(owner.email);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ linkRequired: true, user: { email: owner.email } });
    expect(r.body.token).toBeUndefined();
    // The claim is worth nothing to the attacker: it is for the owner's login only.
    const stolen = await gw.gql(CONFIRM_LINK, { input: { claim: r.body.claim, password: STRONG_PASSWORD } }, attacker.token);
    expect(stolen.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    const transfer = await gw.gql(TRANSFER, { input: { accountId: owner.accountId, userId: attacker.userId } }, attacker.token);
    expect(errorCode(transfer)).toBe('FORBIDDEN');
    expect((await audit()).some((e) => e.action === 'sso.linkOffered' && e.meta.owner === true)).toBe(true);
    // The claim is a credential: neither the logs nor the audit log hold it.
    expect(gw.logs.join('')).not.toContain(r.body.claim);
    expect(await auditText()).not.toContain(r.body.claim);
    // Nor can the claim be confirmed without a session, or with the owner's sign-up session (no second factor proved).
    expect(errorCode(await gw.gql(CONFIRM_LINK, { input: { claim: r.body.claim, password: owner.password } }))).toBe('UNAUTHENTICATED');
    const noFactor = await gw.gql(CONFIRM_LINK, { input: { claim: r.body.claim, password: owner.password } }, owner.token);
    expect(noFactor.body.errors![0]!.message).toMatch(/second factor/);
  });

  it('the owner links themselves with password and second factor; from then on SSO signs the owner in', async () => {
    const offer = await signIn(owner.email);
    expect(offer.status).toBe(202);
    const session = await ownerSession();
    const wrong = await gw.gql(CONFIRM_LINK, { input: { claim: offer.body.claim, password: 'Not-The-Password-1' } }, session);
    expect(wrong.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    const linked = ok(await gw.gql(CONFIRM_LINK, { input: { claim: offer.body.claim, password: owner.password } }, session)).confirmSsoLink;
    expect(linked).toMatchObject({ accountId: owner.accountId, identityProvider: idp.issuer });
    // Single use.
    const again = await gw.gql(CONFIRM_LINK, { input: { claim: offer.body.claim, password: owner.password } }, session);
    expect(again.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'claim' });
    // No longer an offer: the sign-in reaches the session gate, which gives the owner a session, or asks
    // for the owner's second factor where the account does not trust the IdP's MFA (the gate's rule).
    const r = await signIn(owner.email);
    expect(r.body.linkRequired).toBeUndefined();
    if (r.status === 200) expect(r.body.user.email).toBe(owner.email);
    else expect(r.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', twoFactorRequired: true });
    expect((await audit()).some((e) => e.action === 'sso.linkConfirmed')).toBe(true);
  });

  it('a pending change can be discarded, and a partner token cannot change SSO at all (audited)', async () => {
    const pending = ok(
      await gw.gql(
        CONFIGURE,
        { input: { accountId: owner.accountId, issuer: 'https://idp.attacker.example', clientId: 'x' } },
        attacker.token,
      ),
    ).configureSso;
    expect(pending.issuer).toBe(idp.issuer);
    expect(ok(await gw.gql(DISCARD, { id: owner.accountId }, owner.token)).discardSsoChange).toBe(true);
    expect(ok(await gw.gql(DISCARD, { id: owner.accountId }, owner.token)).discardSsoChange).toBe(false);

    const token = ok(
      await gw.gql(
        CREATE_TOKEN,
        {
          input: {
            accountId: owner.accountId,
            name: 'ci',
            scopes: ['security:edit', 'security:view'],
            expiresAt: new Date(Date.now() + 86400_000).toISOString(),
          },
        },
        owner.token,
      ),
    ).createApiToken.token;
    const r = await gw.gql(CONFIGURE, { input: { accountId: owner.accountId, ssoRequired: true } }, token);
    expect(r.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.message).toMatch(/person/);
    expect((await audit()).some((e) => e.action === 'sso.changeRefused' && e.meta.reason === 'partner API token')).toBe(true);
  });
});
