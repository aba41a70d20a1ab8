// OpenID Connect sign-in (authorization-code flow with PKCE, openid-client): /sso/:accountId/oidc/login
// sends the browser to the provider; /sso/oidc/callback checks the answer (state, nonce, PKCE, the ID
// token's signature, issuer, audience and expiry — all by openid-client) and starts the session.
import * as client from 'openid-client';
import { secretBox } from '../crypto/secrets';
import { randomSecret, tokenHash } from '../crypto/tokens';
import { claimOnce } from '../db/claims';
import type { Context } from '../graphql/context';
import type { AuthResult } from '../modules/identity/session.service';
import { SsoAttempt, SsoConfig, type SsoConfigDoc } from './sso.model';
import { completeSsoSignIn, oidcClientSecret, SsoRefusedError } from './sso.service';

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
  // http is accepted only for a provider on this machine (configureSso refuses it elsewhere).
  const options = issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined;
  const config = await client.discovery(issuer, c.oidcClientId!, secret, undefined, options);
  discovered.set(key, { at: Date.now(), config });
  return config;
}

async function oidcConfigOf(accountId: string): Promise<SsoConfigDoc> {
  const c = await SsoConfig.findOne({ accountId }).lean<SsoConfigDoc>();
  if (!c?.oidcIssuer || !c.oidcClientId) throw new SsoRefusedError('This account has no OpenID Connect sign-in', 404);
  return c;
}

/** The provider's authorization URL for a new sign-in into the account. */
export async function startOidcSignIn(accountId: string, redirectUri: string): Promise<string> {
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

/** Checks the provider's answer at the callback and signs the user in. */
export async function finishOidcSignIn(ctx: Context, query: URLSearchParams): Promise<AuthResult> {
  const state = query.get('state');
  if (!state) throw new SsoRefusedError('The sign-in answer has no state', 400);
  const attempt = await SsoAttempt.findOne({ stateHash: tokenHash(state), protocol: 'oidc' }).lean();
  if (!attempt || attempt.expiresAt <= new Date()) throw new SsoRefusedError('This sign-in expired or is unknown: start again', 400);
  if (!(await claimOnce(`sso-attempt:${attempt._id}`, attempt.accountId))) throw new SsoRefusedError('This sign-in was already used', 400);
  await SsoAttempt.deleteOne({ _id: attempt._id });
  if (query.get('error')) throw new SsoRefusedError(`The identity provider refused: ${query.get('error')}`, 401);
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
    const idToken = tokens.claims();
    claims = idToken;
    // Providers may keep scope claims (email) out of the ID token and serve them from userinfo.
    if (idToken && typeof idToken.email !== 'string') {
      claims = { ...(await client.fetchUserInfo(config, tokens.access_token, idToken.sub)), ...idToken };
    }
  } catch (err) {
    ctx.log.warn({ requestId: ctx.requestId, error: (err as Error).message }, 'OIDC sign-in refused');
    throw new SsoRefusedError("The identity provider's answer did not check out", 401);
  }
  return completeSsoSignIn(ctx, c, {
    email: typeof claims?.email === 'string' ? claims.email : undefined,
    emailVerified: typeof claims?.email_verified === 'boolean' ? claims.email_verified : undefined,
    method: 'oidc',
  });
}
