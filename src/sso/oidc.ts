// OpenID Connect sign-in (authorization-code flow with PKCE, openid-client): /sso/:accountId/oidc/login
// sends the browser to the provider; /sso/oidc/callback checks the answer (state, bound to the browser
// that started it; nonce, PKCE, the ID token's issuer, audience and expiry by openid-client) and starts
// the session. The ID token's signature is always verified against the provider's published keys
// (JWKS): openid-client v6 skips that for ID tokens from the token endpoint unless non-repudiation
// checks are enabled (they are, for every provider). `alg: none` and symmetric (HS*) algorithms are
// refused: a key the client also holds proves nothing about who signed.
import * as client from 'openid-client';
import { secretBox, randomSecret, tokenHash } from '../crypto';
import { claimOnce } from '../db';
import type { Context } from '../graphql';
import type { AuthResult } from '../modules/identity/session.service';
import { egressFetch } from '../http';
import { HTTPS_REQUIRED, idpEgressPolicy, isAcceptableIdpUrl } from './idp-url';
import { SsoAttempt, SsoConfig, type SsoConfigDoc } from './sso.model';
import { auditedRefusals, completeSsoSignIn, oidcClientSecret, SsoRefusedError, type SsoLinkOffer } from './sso.service';

const ATTEMPT_TTL_MS = 10 * 60 * 1000;
const DISCOVERY_TTL_MS = 10 * 60 * 1000;
const discovered = new Map<string, { at: number; config: client.Configuration }>();

/** The provider's configuration (discovery), cached for a few minutes per issuer and client. */
async function providerConfig(c: SsoConfigDoc): Promise<client.Configuration> {
  const secret = oidcClientSecret(c);
  const key = `${c.oidcIssuer}\n${c.oidcClientId}\n${secret ? tokenHash(secret) : ''}`;
  const hit = discovered.get(key);
  if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return hit.config;
  const issuer = new URL(c.oidcIssuer!);
  // http only with the development setting, for a provider on this machine (isAcceptableIdpUrl).
  // Every request to the provider (discovery, keys, token, userinfo) connects to public addresses only.
  const options: client.DiscoveryRequestOptions = { [client.customFetch]: egressFetch(idpEgressPolicy()) as client.CustomFetch };
  if (issuer.protocol === 'http:') options.execute = [client.allowInsecureRequests];
  if (issuer.protocol === 'http:' && !isAcceptableIdpUrl(issuer.href)) {
    throw new SsoRefusedError(`The identity provider's issuer ${HTTPS_REQUIRED}`, 403, 'plain http issuer');
  }
  const config = await client.discovery(issuer, c.oidcClientId!, secret, undefined, options);
  client.enableNonRepudiationChecks(config);
  discovered.set(key, { at: Date.now(), config });
  return config;
}

async function oidcConfigOf(accountId: string): Promise<SsoConfigDoc> {
  const c = await SsoConfig.findOne({ accountId }).lean<SsoConfigDoc>();
  if (!c?.oidcIssuer || !c.oidcClientId) throw new SsoRefusedError('This account has no OpenID Connect sign-in', 404);
  return c;
}

/** The provider's authorization URL for a new sign-in into the account. */
export async function startOidcSignIn(accountId: string, redirectUri: string, browser: string): Promise<string> {
  const c = await oidcConfigOf(accountId);
  const config = await providerConfig(c);
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = randomSecret(32);
  const nonce = client.randomNonce();
  await SsoAttempt.create({
    accountId,
    protocol: 'oidc',
    stateHash: tokenHash(state),
    codeVerifierEnc: secretBox().seal(codeVerifier),
    nonce,
    browserHash: tokenHash(browser),
    redirectUri,
    expiresAt: new Date(Date.now() + ATTEMPT_TTL_MS),
  });
  return client
    .buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    })
    .toString();
}

/** Asymmetric JWS algorithms only: never `none`, never an HMAC keyed by the client secret. */
function assertAsymmetric(idToken: string | undefined): void {
  if (!idToken) throw new Error('no ID token');
  let alg: unknown;
  try {
    alg = (JSON.parse(Buffer.from(idToken.split('.')[0] ?? '', 'base64url').toString('utf8')) as { alg?: unknown }).alg;
  } catch {
    throw new Error('ID token header unreadable');
  }
  if (typeof alg !== 'string' || !/^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/.test(alg)) {
    throw new Error(`ID token algorithm ${String(alg)} refused`);
  }
}

/** openid-client's message, its code and its cause's (the specific check that failed); never token contents. */
function describeFailure(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    parts.push(typeof code === 'string' ? `${e.message} (${code})` : e.message);
  }
  return parts.join(': ') || 'refused';
}

/** RFC 8176 methods that mean more than one factor was used (Entra ID and Okta send `mfa`). */
const MFA_AMR = new Set(['mfa', 'otp', 'hwk', 'sms', 'tel', 'sc', 'swk', 'fpt', 'face', 'iris', 'retina', 'vbm']);

/** Checks the provider's answer at the callback and signs the user in. */
export async function finishOidcSignIn(
  ctx: Context,
  query: URLSearchParams,
  browser: string | undefined,
): Promise<AuthResult | SsoLinkOffer> {
  const state = query.get('state');
  if (!state) throw new SsoRefusedError('The sign-in answer has no state', 400);
  const attempt = await SsoAttempt.findOne({ stateHash: tokenHash(state), protocol: 'oidc' }).lean();
  if (!attempt || attempt.expiresAt <= new Date()) throw new SsoRefusedError('This sign-in expired or is unknown: start again', 400);
  return auditedRefusals(ctx, attempt.accountId, 'oidc', async () => {
    if (!browser || tokenHash(browser) !== attempt.browserHash) {
      throw new SsoRefusedError('This sign-in was started in another browser: start again here', 400, 'other browser');
    }
    if (!(await claimOnce(`sso-attempt:${attempt._id}`, attempt.accountId))) {
      throw new SsoRefusedError('This sign-in was already used', 400, 'replayed');
    }
    await SsoAttempt.deleteOne({ _id: attempt._id });
    if (query.get('error')) throw new SsoRefusedError(`The identity provider refused: ${query.get('error')}`, 401, 'provider error');
    const c = await oidcConfigOf(attempt.accountId);
    const config = await providerConfig(c);
    const current = new URL(attempt.redirectUri);
    current.search = query.toString();
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: secretBox().open(attempt.codeVerifierEnc!),
        expectedState: state,
        expectedNonce: attempt.nonce!,
        idTokenExpected: true,
      });
      assertAsymmetric(tokens.id_token);
      const idToken = tokens.claims();
      claims = idToken;
      // Providers may keep scope claims (email) out of the ID token and serve them from userinfo.
      if (idToken && typeof idToken.email !== 'string') {
        claims = { ...(await client.fetchUserInfo(config, tokens.access_token, idToken.sub)), ...idToken };
      }
    } catch (err) {
      const why = describeFailure(err);
      ctx.log.warn({ requestId: ctx.requestId, error: why }, 'OIDC sign-in refused');
      throw new SsoRefusedError("The identity provider's answer did not check out", 401, `invalid answer: ${why}`);
    }
    const amr = Array.isArray(claims?.amr) ? (claims.amr as unknown[]) : [];
    return completeSsoSignIn(ctx, c, {
      email: typeof claims?.email === 'string' ? claims.email : undefined,
      emailVerified: typeof claims?.email_verified === 'boolean' ? claims.email_verified : undefined,
      method: 'oidc',
      idp: c.oidcIssuer!,
      idpMfa: amr.some((m) => typeof m === 'string' && MFA_AMR.has(m)),
    });
  });
}
