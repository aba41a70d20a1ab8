// Who is calling: resolved once per request from `Authorization: Bearer <token>`. A session token
// (from signUp/login/acceptInvitation) or a partner API token (`pst_…`).
import { tokenHash } from '../crypto/tokens';
import { Session } from '../modules/identity/user.model';
import { ApiToken } from '../modules/access/token.model';

export type Principal =
  | { kind: 'user'; id: string; userId: string; sessionId: string }
  | {
      kind: 'token';
      id: string;
      userId: string;
      tokenId: string;
      accountId: string;
      scopes: string[];
      workspaceIds: string[] | null;
    };

export interface Authentication {
  principal: Principal | null;
  /** A token was sent but is unknown, expired or revoked. */
  rejected: boolean;
}

export const API_TOKEN_PREFIX = 'pst_';

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
  if (token.startsWith(API_TOKEN_PREFIX)) {
    const t = await ApiToken.findOne({ tokenHash: hash }).lean();
    if (!t || t.revokedAt || t.expiresAt <= now) return { principal: null, rejected: true };
    // Last-used time, at most once a minute per token; never blocks the request.
    if (!t.lastUsedAt || now.getTime() - new Date(t.lastUsedAt).getTime() > 60_000) {
      ApiToken.updateOne({ _id: t._id }, { $set: { lastUsedAt: now } }).catch(() => undefined);
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
      },
      rejected: false,
    };
  }
  const s = await Session.findOne({ tokenHash: hash }).lean();
  if (!s || s.revokedAt || s.expiresAt <= now) return { principal: null, rejected: true };
  return { principal: { kind: 'user', id: s.userId, userId: s.userId, sessionId: s._id }, rejected: false };
}
