// Plain-http identity providers: refused unless the operator turned on the development setting
// POSTERN_SSO_ALLOW_HTTP_IDP (the other SSO tests run with it, their providers on 127.0.0.1).
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { onPlan } from '../helpers/billing';
import { startSamlIdp, type SamlIdp } from './saml-idp';

let gw: TestGateway;
let owner: TestOwner;
let idp: SamlIdp;

beforeAll(async () => {
  gw = await startTestGateway();
  idp = await startSamlIdp();
  owner = await gw.signUp();
  await onPlan(gw, owner, 'ENTERPRISE');
});
afterAll(async () => {
  await idp?.stop();
  await gw.stop();
});

it('refuses a plain-http OIDC issuer, even on a loopback address, naming the development setting', async () => {
  const r = await gw.gql(
    `mutation($input: ConfigureSsoInput!) { configureSso(input: $input) { id } }`,
    { input: { accountId: owner.accountId, issuer: 'http://127.0.0.1:9/', clientId: 'postern' } },
    owner.token,
  );
  expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'issuer' });
  expect(r.body.errors![0]!.message).toContain('POSTERN_SSO_ALLOW_HTTP_IDP');
});

it('refuses SAML metadata over plain http, and metadata whose sign-in URL is plain http', async () => {
  const IMPORT = `mutation($input: ImportSamlMetadataInput!) { importSamlMetadata(input: $input) { samlEntityId } }`;
  const byUrl = await gw.gql(IMPORT, { input: { accountId: owner.accountId, metadataUrl: `${idp.url}/metadata` } }, owner.token);
  expect(byUrl.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'metadataUrl' });
  const byXml = await gw.gql(IMPORT, { input: { accountId: owner.accountId, metadataXml: idp.metadata } }, owner.token);
  expect(byXml.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'metadataXml' });
  expect(byXml.body.errors![0]!.message).toMatch(/not https/);
});
