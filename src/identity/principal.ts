// Who is calling: resolved once per request from `Authorization: Bearer <token>`. A session token
// (issued by the one gate, src/modules/identity/gate.service.ts) or a partner API token (`pst_…`),
// with the facts the request gates need (PrincipalFacts). A session is one read: the session by its
// hash carries the person's second-factor state (mirrored onto every session of theirs whenever it
// changes, src/modules/identity/two-factor.service.ts), so revocation, logout and enrolment are in
// force on the next request on every worker and replica. A partner token, and a session issued
// before the mirror existed, read the second factor by the user's id besides.
import { tokenHash } from '../crypto';

/**
 * What the gates (src/identity/gate.ts) need of the person behind a principal, read with it once per
 * request: how the session started, which account's identity provider minted it (it reaches that
 * account only), and whether the person (for a token: its maker) has a confirmed second factor.
 */
export interface PrincipalFacts {
  /** How the session started (password, password+totp, sso:oidc, invitation, …); for a token, `token`. */
  method?: string;
  /** The account whose identity provider minted the session (or the session the token was made in). */
  ssoAccountId?: string | null;
  /**
   * The user (a token's maker) has a confirmed second factor. Set for every credential a request
   * brings; absent only on the principals the gateway builds for its own provisioning (SCIM, SSO
   * just-in-time membership), which no account gate applies to.
   */
  twoFactorEnabled?: boolean;
}

export type Principal =
  | ({ kind: 'user'; id: string; userId: string; sessionId: string } & PrincipalFacts)
  | ({
      kind: 'token';
      id: string;
      userId: string;
      tokenId: string;
      accountId: string;
      scopes: string[];
      workspaceIds: string[] | null;
    } & PrincipalFacts);

export interface Authentication {
  principal: Principal | null;
  /** A token was sent but is unknown, expired or revoked. */
  rejected: boolean;
}

export const API_TOKEN_PREFIX = 'pst_';

/** What authentication reads of a session or a partner token. */
export interface SessionFacts {
  _id: string;
  userId: string;
  expiresAt: Date;
  revokedAt?: Date | null;
  method?: string | null;
  ssoAccountId?: string | null;
  /** The user's second-factor state mirrored on the session; absent: read it (CredentialLookup.twoFactorEnabled). */
  twoFactorEnabled?: boolean | null;
}
export interface TokenFacts extends SessionFacts {
  accountId: string;
  scopes: string[];
  workspaceIds: string[] | null;
  lastUsedAt?: Date | null;
}

/** Where credentials are found by the SHA-256 of the token sent: the identity and access modules. */
export interface CredentialLookup {
  session(tokenHash: string): Promise<SessionFacts | null>;
  token(tokenHash: string): Promise<TokenFacts | null>;
  /** Whether the user has a confirmed second factor (one read by `_id`). */
  twoFactorEnabled(userId: string): Promise<boolean>;
  /** Notes a token's last use (never awaited by a request). */
  tokenUsed(id: string, at: Date): Promise<unknown>;
}

let credentials: CredentialLookup | null = null;

/** Set by registerModules() (src/composition/registry.ts), so that this file imports no module. */
export function registerCredentialLookup(lookup: CredentialLookup): void {
  credentials = lookup;
}

function credentialLookup(): CredentialLookup {
  if (!credentials) throw new Error('No session or token lookup: call registerModules() (src/composition/registry.ts) first');
  return credentials;
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

export async function authenticate(header: string | undefined, now = new Date()): Promise<Authentication> {
  if (!header) return { principal: null, rejected: false };
  const token = bearerToken(header);
  if (!token || token.length > 200) return { principal: null, rejected: true };
  const hash = tokenHash(token);
  const creds = credentialLookup();
  if (token.startsWith(API_TOKEN_PREFIX)) {
    const t = await creds.token(hash);
    if (!t || t.revokedAt || t.expiresAt <= now) return { principal: null, rejected: true };
    // Last-used time, at most once a minute per token; never blocks the request.
    if (!t.lastUsedAt || now.getTime() - new Date(t.lastUsedAt).getTime() > 60_000) {
      creds.tokenUsed(t._id, now).catch(() => undefined);
    }
    return {
      principal: {
        kind: 'token',
        id: t._id,
        userId: t.userId,
        tokenId: t._id,
        accountId: t.accountId,
        scopes: t.scopes,
        workspaceIds: t.workspaceIds ?? null,
        method: 'token',
        ssoAccountId: t.ssoAccountId ?? null,
        twoFactorEnabled: await creds.twoFactorEnabled(t.userId),
      },
      rejected: false,
    };
  }
  const s = await creds.session(hash);
  if (!s || s.revokedAt || s.expiresAt <= now) return { principal: null, rejected: true };
  return {
    principal: {
      kind: 'user',
      id: s.userId,
      userId: s.userId,
      sessionId: s._id,
      method: s.method ?? 'password',
      ssoAccountId: s.ssoAccountId ?? null,
      twoFactorEnabled: typeof s.twoFactorEnabled === 'boolean' ? s.twoFactorEnabled : await creds.twoFactorEnabled(s.userId),
    },
    rejected: false,
  };
}
