// SAML 2.0 sign-in against an identity provider built from the same library (@node-saml/node-saml),
// on 127.0.0.1: metadata import, a signed assertion accepted, and every forged or stale one refused.
import { startTestGateway, uniqueEmail, type TestGateway, type TestOwner } from '../helpers/gateway';
import { onPlan } from '../helpers/billing';
import { ok, roleIds } from '../modules/access/helpers';
import { samlSignIn, startSamlIdp, type SamlIdp } from './saml-idp';

let gw: TestGateway;
let idp: SamlIdp;
let owner: TestOwner;

const IMPORT = `mutation($input: ImportSamlMetadataInput!) { importSamlMetadata(input: $input) { samlEntityId samlSsoUrl samlCertificateCount allowedEmailDomains defaultRole { key } samlLoginPath samlAcsPath samlMetadataPath } }`;
const AUDIT = `query($id: ID!) { account(id: $id) { auditLog(first: 300) { edges { node { action meta after } } } } }`;
const PERMS = `query($s: ScopeInput!) { viewer { user { email } permissions(scope: $s) } }`;

beforeAll(async () => {
  gw = await startTestGateway();
  idp = await startSamlIdp();
  owner = await gw.signUp();
  await onPlan(gw, owner, 'SCALE'); // single sign-on comes with SCALE (MI10)
});
afterAll(async () => {
  await idp?.stop();
  await gw.stop();
});

const start = () => `${gw.url}/sso/${owner.accountId}/saml/login`;

describe('importSamlMetadata', () => {
  it('refuses metadata that is not an IdP descriptor with a signing certificate', async () => {
    for (const metadataXml of [
      '<not xml',
      '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>',
      idp.metadata.replace(/<md:KeyDescriptor[\s\S]*?<\/md:KeyDescriptor>/, ''),
    ]) {
      const r = await gw.gql(
        IMPORT,
        { input: { accountId: owner.accountId, metadataXml, allowedEmailDomains: ['example.com'] } },
        owner.token,
      );
      expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'metadataXml' });
    }
  });

  it('takes the entity id, sign-in URL and certificate from the metadata, and audits it', async () => {
    const roles = await roleIds(gw, owner);
    const r = ok(
      await gw.gql(
        IMPORT,
        {
          input: {
            accountId: owner.accountId,
            metadataXml: idp.metadata,
            allowedEmailDomains: ['example.com'],
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
      allowedEmailDomains: ['example.com'],
      defaultRole: { key: 'analyst' },
      samlAcsPath: '/sso/saml/acs',
    });
    const audit = ok(await gw.gql(AUDIT, { id: owner.accountId }, owner.token));
    expect(audit.account.auditLog.edges.some((e: any) => e.node.action === 'sso.samlMetadataImported')).toBe(true);
    // The service provider's own metadata, for the IdP's side.
    const sp = await fetch(`${gw.url}${r.samlMetadataPath}`);
    const xml = await sp.text();
    expect(xml).toContain(`entityID="${gw.url}/sso/${owner.accountId}/saml/metadata"`);
    expect(xml).toContain(`Location="${gw.url}/sso/saml/acs"`);
  });
});

describe('signing in with a SAML assertion', () => {
  it('accepts a signed assertion: a newcomer joins with the default role', async () => {
    idp.mode = 'good';
    const email = uniqueEmail('saml');
    const r = await samlSignIn(start(), email);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ user: { email }, account: { id: owner.accountId } });
    const v = ok(await gw.gql(PERMS, { s: { type: 'ACCOUNT', id: owner.accountId } }, r.body.token));
    expect(v.viewer.user.email).toBe(email);
    expect(v.viewer.permissions).toContain('reports:export');
    const audit = ok(await gw.gql(AUDIT, { id: owner.accountId }, owner.token));
    expect(audit.account.auditLog.edges.some((e: any) => e.node.action === 'auth.login' && e.node.meta.method === 'sso:saml')).toBe(true);
  });

  it.each([
    ['tampered after signing', 'tampered'],
    ['signed with a key the metadata does not name', 'wrongKey'],
    ['not signed', 'unsigned'],
    ['meant for another service provider', 'wrongAudience'],
    ['expired', 'expired'],
  ] as const)('refuses an assertion %s', async (_why, mode) => {
    idp.mode = mode;
    const r = await samlSignIn(start(), uniqueEmail('forged'));
    expect(r.status).toBe(401);
    expect(r.body.token).toBeUndefined();
    expect(r.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuses addresses outside the allowed domains', async () => {
    idp.mode = 'good';
    const r = await samlSignIn(start(), `someone-${Date.now()}@elsewhere.org`);
    expect(r.status).toBe(403);
  });

  it('refuses a response posted without a sign-in started here, and a replayed one', async () => {
    const bare = await fetch(`${gw.url}/sso/saml/acs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ SAMLResponse: 'PHg+', RelayState: 'made-up' }).toString(),
    });
    expect(bare.status).toBe(400);
    idp.mode = 'good';
    const first = await samlSignIn(start(), uniqueEmail('once'));
    expect(first.status).toBe(200);
    expect(await first.replay!()).toBe(400);
    expect((await fetch(`${gw.url}/sso/ffffffffffffffffffffffff/saml/login`, { redirect: 'manual' })).status).toBe(404);
  });
});
