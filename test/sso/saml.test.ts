// SAML 2.0 sign-in against an identity provider built with samlify (a different library from the
// gateway's @node-saml), on 127.0.0.1: the IdP imports the gateway's published SP metadata, the gateway
// imports the IdP's metadata (XML or URL), a signed assertion is accepted, and every forged, misdirected,
// stale or swapped one is refused — each case its own test, each refusal audited.
import { generate } from 'otplib';
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { onPlan } from '../helpers/billing';
import { ok, roleIds } from '../modules/access/helpers';
import { Browser } from './idp';
import { postAnswer, samlSignIn, startAtIdp, startSamlIdp, type IdpMode, type SamlIdp } from './saml-idp';
import { emailAt, loseProof, proveDomain, type ProvenDomain } from '../helpers/domains';
import { uniqueDomain } from '../modules/sending/helpers';

let gw: TestGateway;
let idp: SamlIdp;
let owner: TestOwner;
let corp: ProvenDomain;

const IMPORT = `mutation($input: ImportSamlMetadataInput!) { importSamlMetadata(input: $input) { samlEntityId samlSsoUrl samlCertificateCount allowedEmailDomains defaultRole { key } samlLoginPath samlAcsPath samlMetadataPath } }`;
const AUDIT = `query($id: ID!) { account(id: $id) { auditLog(first: 500) { edges { node { action meta after } } } } }`;
const PERMS = `query($s: ScopeInput!) { viewer { user { email } permissions(scope: $s) } }`;
const ENABLE_2FA = `mutation { enableTwoFactor { secret } }`;
const CONFIRM_2FA = `mutation($code: String!) { confirmTwoFactor(code: $code) { recoveryCodes } }`;

beforeAll(async () => {
  gw = await startTestGateway({ env: { POSTERN_SSO_ALLOW_HTTP_IDP: 'true' } });
  idp = await startSamlIdp();
  owner = await gw.signUp();
  await onPlan(gw, owner, 'SCALE'); // single sign-on comes with SCALE (MI10)
  corp = await proveDomain(gw, owner);
});
afterAll(async () => {
  await idp?.stop();
  await gw.stop();
});

const start = () => `${gw.url}/sso/${owner.accountId}/saml/login`;
const events = async () =>
  ok(await gw.gql(AUDIT, { id: owner.accountId }, owner.token)).account.auditLog.edges.map((e: any) => e.node) as any[];

describe("the gateway's service-provider metadata", () => {
  it('is published per account before any IdP is set up, and the IdP library imports it', async () => {
    const res = await fetch(`${gw.url}/sso/${owner.accountId}/saml/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/samlmetadata\+xml/);
    const xml = await res.text();
    expect(xml).toContain(`entityID="${gw.url}/sso/${owner.accountId}/saml/metadata"`);
    expect(xml).toContain(`Location="${gw.url}/sso/saml/acs"`);
    expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    expect(xml).toContain('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    expect(xml).toMatch(/WantAssertionsSigned="true"/);
    await idp.trust(`${gw.url}/sso/${owner.accountId}/saml/metadata`);
    expect((await fetch(`${gw.url}/sso/ffffffffffffffffffffffff/saml/metadata`)).status).toBe(404);
  });
});

describe('importSamlMetadata', () => {
  it('refuses metadata that is not an IdP descriptor with a signing certificate', async () => {
    for (const metadataXml of [
      '<not xml',
      '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>',
      idp.metadata.replace(/<(\w+:)?KeyDescriptor[\s\S]*?<\/(\w+:)?KeyDescriptor>/g, ''),
    ]) {
      const r = await gw.gql(IMPORT, { input: { accountId: owner.accountId, metadataXml, allowedEmailDomains: [corp.name] } }, owner.token);
      expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'metadataXml' });
    }
  });

  it('refuses an allowed domain the account has not proved it owns, naming it and how to prove it', async () => {
    const r = await gw.gql(
      IMPORT,
      { input: { accountId: owner.accountId, metadataXml: idp.metadata, allowedEmailDomains: [corp.name, 'gmail.com'] } },
      owner.token,
    );
    expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'allowedEmailDomains' });
    expect(r.body.errors![0]!.message).toContain('"gmail.com" is not a domain this account has proved it owns');
    expect(r.body.errors![0]!.message).toMatch(/verifyDomain/);
  });

  it('refuses metadata URLs that answer with an error or more than 256 KiB', async () => {
    for (const path of ['/nothing-here', '/huge-metadata']) {
      const r = await gw.gql(
        IMPORT,
        { input: { accountId: owner.accountId, metadataUrl: `${idp.url}${path}`, allowedEmailDomains: [corp.name] } },
        owner.token,
      );
      expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'metadataUrl' });
    }
    const both = await gw.gql(
      IMPORT,
      {
        input: {
          accountId: owner.accountId,
          metadataUrl: `${idp.url}/metadata`,
          metadataXml: idp.metadata,
          allowedEmailDomains: [corp.name],
        },
      },
      owner.token,
    );
    expect(both.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it("takes the entity id, sign-in URL and certificate from the IdP's metadata URL, and audits it", async () => {
    const roles = await roleIds(gw, owner);
    const r = ok(
      await gw.gql(
        IMPORT,
        {
          input: {
            accountId: owner.accountId,
            metadataUrl: `${idp.url}/metadata`,
            allowedEmailDomains: [corp.name],
            defaultRoleId: roles.analyst,
          },
        },
        owner.token,
      ),
    ).importSamlMetadata;
    expect(r).toMatchObject({
      samlEntityId: idp.entityId,
      samlSsoUrl: `${idp.url}/sso`,
      samlCertificateCount: 1,
      allowedEmailDomains: [corp.name],
      defaultRole: { key: 'analyst' },
      samlAcsPath: '/sso/saml/acs',
      samlMetadataPath: `/sso/${owner.accountId}/saml/metadata`,
    });
    expect((await events()).some((e) => e.action === 'sso.samlMetadataImported')).toBe(true);
  });
});

describe('signing in with a SAML assertion', () => {
  it('accepts a signed assertion: a newcomer at a proved domain joins with the default role', async () => {
    idp.mode = 'good';
    const email = emailAt(corp, 'saml');
    const r = await samlSignIn(idp, start(), email);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ user: { email }, account: { id: owner.accountId } });
    const v = ok(await gw.gql(PERMS, { s: { type: 'ACCOUNT', id: owner.accountId } }, r.body.token));
    expect(v.viewer.user.email).toBe(email);
    expect(v.viewer.permissions).toContain('reports:export');
    expect((await events()).some((e) => e.action === 'auth.login' && e.meta.method === 'sso:saml')).toBe(true);
    // An IdP that says a second factor was used is accepted the same way.
    idp.mode = 'mfa';
    expect((await samlSignIn(idp, start(), email)).status).toBe(200);
  });

  it('a user with a second factor gets a challenge from an assertion, never a session, even one claiming MFA the account does not trust', async () => {
    idp.mode = 'good';
    const email = emailAt(corp, 'saml-totp');
    const first = await samlSignIn(idp, start(), email);
    expect(first.status).toBe(200);
    const { secret } = ok(await gw.gql(ENABLE_2FA, {}, first.body.token)).enableTwoFactor;
    ok(await gw.gql(CONFIRM_2FA, { code: await generate({ secret }) }, first.body.token));
    for (const mode of ['good', 'mfa'] as const) {
      idp.mode = mode;
      const r = await samlSignIn(idp, start(), email);
      expect(r.status).toBe(401);
      expect(r.body.token).toBeUndefined();
      expect(r.body.errors[0].extensions).toMatchObject({
        code: 'UNAUTHENTICATED',
        twoFactorRequired: true,
        challenge: expect.any(String),
      });
    }
    idp.mode = 'good';
  });

  const refusedAsInvalid: [string, IdpMode, RegExp][] = [
    ['tampered after signing', 'tampered', /signature/i],
    ['signed with a key the metadata does not name', 'wrongKey', /signature/i],
    ['not signed', 'unsigned', /signature/i],
    ['whose Audience is another service provider', 'wrongAudience', /audience/i],
    ['expired (NotOnOrAfter passed)', 'expired', /expired|NotOnOrAfter|no valid subject confirmation/i],
    ['whose Destination names another URL', 'wrongDestination', /Destination names another URL/],
    ['whose SubjectConfirmationData Recipient names another URL', 'wrongRecipient', /Recipient names another URL/],
  ];
  it.each(refusedAsInvalid)('refuses an assertion %s, and audits the refusal', async (_why, mode, reason) => {
    idp.mode = mode;
    const email = emailAt(corp, mode);
    const r = await samlSignIn(idp, start(), email);
    idp.mode = 'good';
    expect(r.status).toBe(401);
    expect(r.body.token).toBeUndefined();
    expect(r.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const refusals = (await events()).filter((e) => e.action === 'sso.signInRefused' && e.meta.protocol === 'saml');
    expect(refusals.map((e) => e.meta.reason)).toContainEqual(expect.stringMatching(reason));
    // Neither the assertion nor the address it carried is in the logs or the answer.
    expect(gw.logs.join('')).not.toContain(r.answer!.SAMLResponse.slice(0, 200));
    expect(r.text).not.toContain(email);
  });

  it("refuses a response whose InResponseTo names another of this browser's requests", async () => {
    const browser = new Browser();
    const a = await startAtIdp(browser, start());
    const b = await startAtIdp(browser, start());
    const requestA = await idp.answer(a.ticket!, emailAt(corp), {});
    const inResponseToA = /InResponseTo="([^"]+)"/.exec(Buffer.from(requestA.SAMLResponse, 'base64').toString('utf8'))![1]!;
    // The IdP answers request B but names request A (still pending): B's RelayState, A's id.
    const crossed = await idp.answer(b.ticket!, emailAt(corp), { InResponseTo: inResponseToA });
    const r = await postAnswer(browser, crossed);
    expect(r.status).toBe(401);
    expect(r.body.token).toBeUndefined();
    expect((await events()).map((e) => e.meta?.reason)).toContainEqual(expect.stringMatching(/InResponseTo names another request/));
  });

  it("refuses a response for one request posted with another request's RelayState", async () => {
    const browser = new Browser();
    const a = await startAtIdp(browser, start());
    const b = await startAtIdp(browser, start());
    const answerA = await idp.answer(a.ticket!, emailAt(corp), {});
    const answerB = await idp.answer(b.ticket!, emailAt(corp), {});
    const swapped = await postAnswer(browser, { ...answerA, RelayState: answerB.RelayState });
    expect(swapped.status).toBe(401);
    expect(swapped.body.token).toBeUndefined();
  });

  it('refuses a replayed response', async () => {
    idp.mode = 'good';
    const browser = new Browser();
    const first = await samlSignIn(idp, start(), emailAt(corp, 'once'), browser);
    expect(first.status).toBe(200);
    const again = await postAnswer(browser, first.answer!);
    expect(again.status).toBe(400);
    expect(again.body.token).toBeUndefined();
  });

  it('refuses a response brought back by another browser than the one that started the sign-in', async () => {
    const victim = new Browser();
    const started = await startAtIdp(victim, start());
    const answer = await idp.answer(started.ticket!, emailAt(corp), {});
    const r = await postAnswer(new Browser(), answer);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].message).toMatch(/another browser/);
    expect((await events()).some((e) => e.action === 'sso.signInRefused' && e.meta.reason === 'other browser')).toBe(true);
  });

  it('refuses a response posted without a sign-in started here', async () => {
    const bare = await new Browser().fetch(`${gw.url}/sso/saml/acs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ SAMLResponse: 'PHg+', RelayState: 'made-up' }).toString(),
    });
    expect(bare.status).toBe(400);
    expect((await fetch(`${gw.url}/sso/ffffffffffffffffffffffff/saml/login`, { redirect: 'manual' })).status).toBe(404);
  });

  it('refuses addresses outside the allowed domains', async () => {
    idp.mode = 'good';
    const r = await samlSignIn(idp, start(), `someone-${Date.now()}@elsewhere.org`);
    expect(r.status).toBe(403);
  });

  it('stops just-in-time sign-up at a domain once it is no longer proved (its DNS record gone)', async () => {
    idp.mode = 'good';
    const sub = await proveDomain(gw, owner, uniqueDomain('lapsing'));
    ok(
      await gw.gql(
        IMPORT,
        { input: { accountId: owner.accountId, metadataXml: idp.metadata, allowedEmailDomains: [corp.name, sub.name] } },
        owner.token,
      ),
    );
    expect((await samlSignIn(idp, start(), emailAt(sub, 'before'))).status).toBe(200);
    await loseProof(gw, owner, sub);
    const r = await samlSignIn(idp, start(), emailAt(sub, 'after'));
    expect(r.status).toBe(403);
    expect(r.body.errors[0].message).toMatch(/no longer proved/);
    expect(r.body.token).toBeUndefined();
  });
});
