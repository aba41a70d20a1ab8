// SAML 2.0 sign-in (@node-saml/node-saml): the identity provider's metadata is imported (entity id,
// sign-in URL, signing certificates), from its XML or its URL; /sso/:accountId/saml/metadata publishes
// the account's service-provider metadata for the IdP to import; /sso/:accountId/saml/login sends an
// AuthnRequest (HTTP-Redirect); /sso/saml/acs checks the answer: node-saml checks the signature
// against the imported certificates, the issuer, Audience, the validity window (NotBefore and
// NotOnOrAfter) and that InResponseTo names a request it made; node-saml does not check Destination
// or Recipient, so this module does, to the letter of the Web Browser SSO profile (SAML profiles
// 4.1.4.3): Response/@Destination and the bearer SubjectConfirmationData/@Recipient name this ACS,
// and both InResponseTo values name the very request whose RelayState came back, started in this
// browser (its binding cookie).
import { X509Certificate } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { model, type Model } from 'mongoose';
import { generateServiceProviderMetadata, SAML, ValidateInResponseTo, type CacheItem, type CacheProvider } from '@node-saml/node-saml';
import * as xpath from 'xpath';
import type { Context } from '../graphql';
import type { ImportSamlMetadataInput } from '../generated';
import { randomSecret, tokenHash } from '../crypto';
import { claimOnce, docSchema, type BaseDoc } from '../db';
import { BadInputError } from '../errors';
import { Account, type AccountDoc } from '../modules/accounts/account.model';
import type { AuthResult } from '../modules/identity/session.service';
import { SsoAttempt, SsoConfig, type SsoConfigDoc } from './sso.model';
import { assertPlanIncludes } from '../modules/billing/plan.service';
import { egressFetch, egressRefusal } from '../http';
import { HTTPS_REQUIRED, idpEgressPolicy, isAcceptableIdpUrl } from './idp-url';
import {
  assertPersonChangesSso,
  auditedRefusals,
  changeSsoConfig,
  completeSsoSignIn,
  sharedSettings,
  SsoRefusedError,
  type SsoLinkOffer,
} from './sso.service';

const ATTEMPT_TTL_MS = 10 * 60 * 1000;
const MAX_METADATA = 256 * 1024;
const METADATA_TIMEOUT_MS = 10_000;
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

function samlFor(c: SsoConfigDoc, origin: string, requestId?: string): SAML {
  return new SAML({
    callbackUrl: acsUrl(origin),
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
    ...(requestId ? { generateUniqueId: () => requestId } : {}),
  });
}

export function acsUrl(origin: string): string {
  return `${origin}/sso/saml/acs`;
}

function pem(body: string): string {
  const b64 = body.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----`;
}

/** Entity id, HTTP-Redirect sign-in URL and signing certificates of an IdP's metadata. */
export function parseIdpMetadata(xml: string, field = 'metadataXml'): { entityId: string; ssoUrl: string; certificates: string[] } {
  const bad = (why: string) => new BadInputError(`The metadata ${why}`, field);
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
  if (!isAcceptableIdpUrl(ssoUrl)) throw bad(`names a sign-in URL that is not https: it ${HTTPS_REQUIRED}`);
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

/** Reads an IdP's metadata from its URL: https (see isAcceptableIdpUrl), at most MAX_METADATA bytes, within 10 s. */
export async function fetchIdpMetadata(raw: string): Promise<string> {
  const bad = (why: string) => new BadInputError(`The metadata URL ${why}`, 'metadataUrl');
  if (!isAcceptableIdpUrl(raw)) throw bad(HTTPS_REQUIRED);
  let res: Response;
  try {
    res = await egressFetch(idpEgressPolicy())(raw, {
      redirect: 'error',
      signal: AbortSignal.timeout(METADATA_TIMEOUT_MS),
      headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' },
    });
  } catch (err) {
    const refusal = egressRefusal(err);
    if (refusal) throw bad(`is not on the public internet: ${refusal.message}`);
    throw bad(
      (err as Error).name === 'TimeoutError'
        ? `did not answer within ${METADATA_TIMEOUT_MS / 1000} seconds`
        : 'could not be read (no answer, or a redirect)',
    );
  }
  if (!res.ok) throw bad(`answered HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_METADATA) {
    await res.body?.cancel();
    throw bad(`serves more than ${MAX_METADATA / 1024} KiB`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  try {
    for (;;) {
      const next = await reader?.read();
      if (!next || next.done) break;
      size += next.value.byteLength;
      if (size > MAX_METADATA) {
        await reader?.cancel();
        throw bad(`serves more than ${MAX_METADATA / 1024} KiB`);
      }
      chunks.push(Buffer.from(next.value));
    }
  } catch (err) {
    if (err instanceof BadInputError) throw err;
    throw bad('could not be read to the end');
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function importSamlMetadata(ctx: Context, input: ImportSamlMetadataInput): Promise<SsoConfigDoc> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  await assertPersonChangesSso(ctx, account, 'sso.samlMetadataImported');
  await assertPlanIncludes(account._id, 'sso');
  const hasXml = typeof input.metadataXml === 'string' && input.metadataXml !== '';
  const url = input.metadataUrl ? String(input.metadataUrl) : '';
  if (hasXml === !!url) throw new BadInputError('Give the metadata as metadataXml or as metadataUrl (one of them)', 'metadataXml');
  const meta = parseIdpMetadata(hasXml ? input.metadataXml! : await fetchIdpMetadata(url), hasXml ? 'metadataXml' : 'metadataUrl');
  const set = await sharedSettings(ctx, account, input);
  return changeSsoConfig(
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

/** The IdP URL (HTTP-Redirect binding) carrying a new AuthnRequest for the account, bound to this browser. */
export async function startSamlSignIn(accountId: string, origin: string, browser: string): Promise<string> {
  const c = await samlConfigOf(accountId);
  // Imported while the development setting allowed http, and it no longer does.
  if (!isAcceptableIdpUrl(c.samlSsoUrl!)) throw new SsoRefusedError(`The identity provider's sign-in URL ${HTTPS_REQUIRED}`, 403);
  const state = randomSecret(32);
  const requestId = `_${randomSecret(20)}`;
  await SsoAttempt.create({
    accountId,
    protocol: 'saml',
    stateHash: tokenHash(state),
    requestId,
    browserHash: tokenHash(browser),
    redirectUri: acsUrl(origin),
    expiresAt: new Date(Date.now() + ATTEMPT_TTL_MS),
  });
  return samlFor(c, origin, requestId).getAuthorizeUrlAsync(state, undefined, {});
}

/**
 * The account's service-provider metadata, for its IdP to import: entity id, the ACS (HTTP-POST),
 * NameID format (email), signed assertions wanted. Requests are not signed, so it names no signing
 * certificate. Served for every account, before any IdP is set up (the IdP's side comes first).
 */
export async function samlMetadata(accountId: string, origin: string): Promise<string> {
  if (!(await Account.exists({ _id: accountId }))) throw new SsoRefusedError('No such account', 404);
  return generateServiceProviderMetadata({
    issuer: spEntityId(origin, accountId),
    callbackUrl: acsUrl(origin),
    identifierFormat: EMAIL_FORMAT,
    wantAssertionsSigned: true,
  });
}

const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
};
const select = xpath.useNamespaces(NS);

function parseXml(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml') as unknown as Document;
}

const attr = (doc: Node, path: string): string[] => (select(path, doc) as Attr[]).map((a) => a.value);

/** AuthnContextClassRef values and Entra's authnmethodsreferences that say a second factor was used. */
const MFA_CONTEXTS = new Set([
  'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken',
  'https://refeds.org/profile/mfa',
  'http://schemas.microsoft.com/claims/multipleauthn',
]);

/**
 * What node-saml leaves unchecked, on the XML it verified: one assertion; Response/@Destination (when
 * present: required when the response is signed) and every bearer SubjectConfirmationData/@Recipient
 * name this ACS; both InResponseTo values name this browser's request; the bearer confirmation has a
 * NotOnOrAfter. Returns whether the IdP asserted a second factor.
 */
function checkBinding(profile: { getAssertionXml?(): string; getSamlResponseXml?(): string }, acs: string, requestId: string): boolean {
  const responseXml = profile.getSamlResponseXml?.();
  const assertionXml = profile.getAssertionXml?.();
  if (!responseXml || !assertionXml) throw new Error('no verified assertion');
  const response = parseXml(responseXml);
  if ((select('//saml:Assertion | //saml:EncryptedAssertion', response) as Node[]).length !== 1)
    throw new Error('not exactly one assertion');
  const destination = attr(response, '/samlp:Response/@Destination');
  if (destination.some((d) => d !== acs)) throw new Error('Destination names another URL');
  if (attr(response, '/samlp:Response/@InResponseTo').some((v) => v !== requestId)) throw new Error('InResponseTo names another request');
  const assertion = parseXml(assertionXml);
  const bearer = select(
    '//saml:Subject/saml:SubjectConfirmation[@Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"]/saml:SubjectConfirmationData',
    assertion,
  ) as Element[];
  if (!bearer.length) throw new Error('no bearer SubjectConfirmationData');
  for (const data of bearer) {
    if (data.getAttribute('Recipient') !== acs) throw new Error('Recipient names another URL');
    if (data.getAttribute('InResponseTo') !== requestId) throw new Error('SubjectConfirmationData InResponseTo names another request');
    if (!data.getAttribute('NotOnOrAfter')) throw new Error('SubjectConfirmationData has no NotOnOrAfter');
  }
  const contexts = (select('//saml:AuthnStatement/saml:AuthnContext/saml:AuthnContextClassRef', assertion) as Node[]).map((n) =>
    (n.textContent ?? '').trim(),
  );
  const methods = (
    select('//saml:Attribute[@Name="http://schemas.microsoft.com/claims/authnmethodsreferences"]/saml:AttributeValue', assertion) as Node[]
  ).map((n) => (n.textContent ?? '').trim());
  return [...contexts, ...methods].some((v) => MFA_CONTEXTS.has(v));
}

/** Checks the SAMLResponse posted to the ACS and signs the user in. */
export async function finishSamlSignIn(
  ctx: Context,
  body: { SAMLResponse?: unknown; RelayState?: unknown },
  origin: string,
  browser: string | undefined,
): Promise<AuthResult | SsoLinkOffer> {
  if (typeof body.SAMLResponse !== 'string' || typeof body.RelayState !== 'string') {
    throw new SsoRefusedError('Expected a SAMLResponse and the RelayState of a sign-in started here', 400);
  }
  const attempt = await SsoAttempt.findOne({ stateHash: tokenHash(body.RelayState), protocol: 'saml' }).lean();
  if (!attempt || attempt.expiresAt <= new Date()) throw new SsoRefusedError('This sign-in expired or is unknown: start again', 400);
  const samlResponse = body.SAMLResponse;
  return auditedRefusals(ctx, attempt.accountId, 'saml', async () => {
    if (!browser || tokenHash(browser) !== attempt.browserHash) {
      throw new SsoRefusedError('This sign-in was started in another browser: start again here', 400, 'other browser');
    }
    if (!(await claimOnce(`sso-attempt:${attempt._id}`, attempt.accountId))) {
      throw new SsoRefusedError('This sign-in was already used', 400, 'replayed');
    }
    await SsoAttempt.deleteOne({ _id: attempt._id });
    const c = await samlConfigOf(attempt.accountId);
    let email: string | undefined;
    let idpMfa: boolean;
    try {
      const acs = acsUrl(origin);
      if (attempt.redirectUri !== acs || !attempt.requestId) throw new Error('ACS of another origin');
      const { profile } = await samlFor(c, origin).validatePostResponseAsync({ SAMLResponse: samlResponse });
      if (!profile) throw new Error('no profile');
      idpMfa = checkBinding(profile, acs, attempt.requestId);
      const found = profile.email ?? profile.mail ?? profile['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'];
      email = typeof found === 'string' ? found : profile.nameIDFormat === EMAIL_FORMAT ? profile.nameID : undefined;
    } catch (err) {
      ctx.log.warn({ requestId: ctx.requestId, error: (err as Error).message }, 'SAML sign-in refused');
      throw new SsoRefusedError("The identity provider's assertion did not check out", 401, `invalid assertion: ${(err as Error).message}`);
    }
    return completeSsoSignIn(ctx, c, { email, emailVerified: undefined, method: 'saml', idp: c.samlEntityId!, idpMfa });
  });
}
