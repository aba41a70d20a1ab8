// SAML 2.0 sign-in (@node-saml/node-saml): the identity provider's metadata is imported (entity id,
// sign-in URL, signing certificates); /sso/:accountId/saml/login sends an AuthnRequest (HTTP-Redirect);
// /sso/saml/acs checks the signed assertion (signature against the imported certificates, issuer,
// audience, recipient, validity window, InResponseTo) and starts the session.
import { X509Certificate } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { model, type Model } from 'mongoose';
import { SAML, ValidateInResponseTo, type CacheItem, type CacheProvider } from '@node-saml/node-saml';
import * as xpath from 'xpath';
import type { Context } from '../graphql/context';
import type { ImportSamlMetadataInput } from '../graphql/generated';
import { randomSecret, tokenHash } from '../crypto/tokens';
import { claimOnce } from '../db/claims';
import { docSchema, type BaseDoc } from '../db/schema';
import { BadInputError } from '../errors';
import type { AccountDoc } from '../modules/accounts/account.model';
import type { AuthResult } from '../modules/identity/session.service';
import { SsoAttempt, SsoConfig, type SsoConfigDoc } from './sso.model';
import { assertPlanIncludes } from '../modules/billing/plan.service';
import { completeSsoSignIn, isAcceptableIdpUrl, saveSsoConfig, sharedSettings, SsoRefusedError } from './sso.service';

const ATTEMPT_TTL_MS = 10 * 60 * 1000;
const MAX_METADATA = 256 * 1024;
const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

/** AuthnRequest ids, kept in the database so that any replica can check InResponseTo. */
interface SamlRequestDoc extends BaseDoc {
  value: string;
}
const SamlRequest: Model<SamlRequestDoc> = model<SamlRequestDoc>(
  'SamlRequest',
  docSchema<SamlRequestDoc>({ _id: { type: String }, value: { type: String, required: true } }),
);

const requestCache: CacheProvider = {
  async saveAsync(key: string, value: string): Promise<CacheItem | null> {
    const doc = await SamlRequest.create({ _id: key, value });
    return { value, createdAt: doc.createdAt.getTime() };
  },
  async getAsync(key: string): Promise<string | null> {
    const doc = await SamlRequest.findById(key).lean();
    if (!doc || Date.now() - new Date(doc.createdAt).getTime() > ATTEMPT_TTL_MS) return null;
    return doc.value;
  },
  async removeAsync(key: string | null): Promise<string | null> {
    if (!key) return null;
    const doc = await SamlRequest.findOneAndDelete({ _id: key }).lean();
    return doc?.value ?? null;
  },
};

/** The entity id this gateway uses as the account's service provider: the URL of its metadata. */
export function spEntityId(origin: string, accountId: string): string {
  return `${origin}/sso/${accountId}/saml/metadata`;
}

function samlFor(c: SsoConfigDoc, origin: string): SAML {
  return new SAML({
    callbackUrl: `${origin}/sso/saml/acs`,
    entryPoint: c.samlSsoUrl!,
    issuer: spEntityId(origin, c.accountId),
    audience: spEntityId(origin, c.accountId),
    idpIssuer: c.samlEntityId!,
    idpCert: c.samlCertificates,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: ATTEMPT_TTL_MS,
    cacheProvider: requestCache,
    identifierFormat: EMAIL_FORMAT,
    disableRequestedAuthnContext: true,
    acceptedClockSkewMs: 30_000,
  });
}

function pem(body: string): string {
  const b64 = body.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----`;
}

/** Entity id, HTTP-Redirect sign-in URL and signing certificates of an IdP's metadata. */
export function parseIdpMetadata(xml: string): { entityId: string; ssoUrl: string; certificates: string[] } {
  const bad = (why: string) => new BadInputError(`The metadata ${why}`, 'metadataXml');
  if (xml.length > MAX_METADATA) throw bad(`is larger than ${MAX_METADATA / 1024} KiB`);
  let doc: Document;
  const errors: string[] = [];
  try {
    doc = new DOMParser({
      errorHandler: { error: (e) => errors.push(String(e)), fatalError: (e) => errors.push(String(e)) },
    }).parseFromString(xml, 'text/xml') as unknown as Document;
  } catch {
    throw bad('is not well-formed XML');
  }
  if (errors.length || !doc?.documentElement) throw bad('is not well-formed XML');
  const select = xpath.useNamespaces({ md: 'urn:oasis:names:tc:SAML:2.0:metadata', ds: 'http://www.w3.org/2000/09/xmldsig#' });
  const entity = select('//md:EntityDescriptor[md:IDPSSODescriptor]', doc as unknown as Node, true) as Element | undefined;
  if (!entity) throw bad('has no EntityDescriptor with an IDPSSODescriptor');
  const entityId = entity.getAttribute('entityID') ?? '';
  if (!entityId) throw bad('has no entityID');
  const sso = select(`md:IDPSSODescriptor/md:SingleSignOnService[@Binding="${REDIRECT_BINDING}"]`, entity as unknown as Node, true) as
    Element | undefined;
  const ssoUrl = sso?.getAttribute('Location') ?? '';
  if (!ssoUrl) throw bad('has no SingleSignOnService with the HTTP-Redirect binding');
  if (!isAcceptableIdpUrl(ssoUrl)) throw bad('names a sign-in URL that is not https');
  const certNodes = select(
    'md:IDPSSODescriptor/md:KeyDescriptor[not(@use) or @use="signing"]/ds:KeyInfo/ds:X509Data/ds:X509Certificate',
    entity as unknown as Node,
  ) as Node[];
  const certificates = [...new Set(certNodes.map((n) => (n.textContent ?? '').replace(/\s+/g, '')).filter(Boolean))];
  if (!certificates.length) throw bad('has no signing certificate');
  for (const c of certificates) {
    try {
      new X509Certificate(pem(c));
    } catch {
      throw bad('holds a signing certificate that cannot be read');
    }
  }
  return { entityId, ssoUrl, certificates: certificates.map(pem) };
}

export async function importSamlMetadata(ctx: Context, input: ImportSamlMetadataInput): Promise<SsoConfigDoc> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  if (ctx.principal?.kind !== 'user') throw new BadInputError('Single sign-on is configured by a person, not with a partner API token');
  await assertPlanIncludes(account._id, 'sso');
  const meta = parseIdpMetadata(input.metadataXml);
  const set = await sharedSettings(ctx, account, input);
  return saveSsoConfig(
    ctx,
    account,
    { ...set, samlEntityId: meta.entityId, samlSsoUrl: meta.ssoUrl, samlCertificates: meta.certificates },
    'sso.samlMetadataImported',
  );
}

async function samlConfigOf(accountId: string): Promise<SsoConfigDoc> {
  const c = await SsoConfig.findOne({ accountId }).lean<SsoConfigDoc>();
  if (!c?.samlSsoUrl || !c.samlEntityId || !c.samlCertificates?.length) throw new SsoRefusedError('This account has no SAML sign-in', 404);
  return c;
}

/** The IdP URL (HTTP-Redirect binding) carrying a new AuthnRequest for the account. */
export async function startSamlSignIn(accountId: string, origin: string): Promise<string> {
  const c = await samlConfigOf(accountId);
  const state = randomSecret(32);
  await SsoAttempt.create({
    accountId,
    protocol: 'saml',
    stateHash: tokenHash(state),
    redirectUri: `${origin}/sso/saml/acs`,
    expiresAt: new Date(Date.now() + ATTEMPT_TTL_MS),
  });
  return samlFor(c, origin).getAuthorizeUrlAsync(state, undefined, {});
}

export async function samlMetadata(accountId: string, origin: string): Promise<string> {
  return samlFor(await samlConfigOf(accountId), origin).generateServiceProviderMetadata(null, null);
}

/** Checks the SAMLResponse posted to the ACS and signs the user in. */
export async function finishSamlSignIn(
  ctx: Context,
  body: { SAMLResponse?: unknown; RelayState?: unknown },
  origin: string,
): Promise<AuthResult> {
  if (typeof body.SAMLResponse !== 'string' || typeof body.RelayState !== 'string') {
    throw new SsoRefusedError('Expected a SAMLResponse and the RelayState of a sign-in started here', 400);
  }
  const attempt = await SsoAttempt.findOne({ stateHash: tokenHash(body.RelayState), protocol: 'saml' }).lean();
  if (!attempt || attempt.expiresAt <= new Date()) throw new SsoRefusedError('This sign-in expired or is unknown: start again', 400);
  if (!(await claimOnce(`sso-attempt:${attempt._id}`, attempt.accountId))) throw new SsoRefusedError('This sign-in was already used', 400);
  await SsoAttempt.deleteOne({ _id: attempt._id });
  const c = await samlConfigOf(attempt.accountId);
  let email: string | undefined;
  try {
    const { profile } = await samlFor(c, origin).validatePostResponseAsync({ SAMLResponse: body.SAMLResponse });
    const attr = profile?.email ?? profile?.mail ?? profile?.['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'];
    email = typeof attr === 'string' ? attr : profile?.nameIDFormat === EMAIL_FORMAT ? profile.nameID : undefined;
  } catch (err) {
    ctx.log.warn({ requestId: ctx.requestId, error: (err as Error).message }, 'SAML sign-in refused');
    throw new SsoRefusedError("The identity provider's assertion did not check out", 401);
  }
  return completeSsoSignIn(ctx, c, { email, emailVerified: undefined, method: 'saml' });
}
