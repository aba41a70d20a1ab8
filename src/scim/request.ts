// Who a SCIM request is: the `scim_…` bearer token names the account; the request acts for the user
// who created the token (audited as them, with the token's id), while that user still holds
// security:edit on the account.
import type { Request } from 'express';
import type { Logger } from 'pino';
import { can } from '../authz/introspect';
import { tokenHash } from '../crypto/tokens';
import { createContext, type Context } from '../graphql/context';
import type { RateLimits } from '../http/rate-limit';
import type { Mailer } from '../mail/mailer';
import type { AccountDoc } from '../modules/accounts/account.model';
import { ScimError } from './errors';
import { ScimToken } from './scim.model';

export const SCIM_TOKEN_PREFIX = 'scim_';

export interface ScimRequest {
  ctx: Context;
  account: AccountDoc;
  tokenId: string;
  /** `https://host/scim/v2`, for `meta.location`. */
  baseUrl: string;
}

export async function authenticateScim(
  req: Request,
  deps: { log: Logger; mailer: Mailer; limits: RateLimits; requestId: string },
): Promise<ScimRequest> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  const token = m?.[1];
  if (!token || !token.startsWith(SCIM_TOKEN_PREFIX) || token.length > 200) {
    throw new ScimError(401, 'Send the account\'s SCIM token as "Authorization: Bearer scim_…"');
  }
  const t = await ScimToken.findOne({ tokenHash: tokenHash(token) }).lean();
  if (!t || t.revokedAt) throw new ScimError(401, 'The SCIM token is unknown or revoked');
  // The same request budget as every principal (RATE_LIMITED → 429 with Retry-After).
  await deps.limits.request(`scim:${t._id}`);
  const ctx = createContext({
    requestId: deps.requestId,
    ip: req.ip ?? null,
    principal: { kind: 'user', id: t.createdBy, userId: t.createdBy, sessionId: `scim:${t._id}` },
    authRejected: false,
    log: deps.log,
    mailer: deps.mailer,
    limits: deps.limits,
  });
  const account = await ctx.loaders.load<AccountDoc>('Account', t.accountId);
  if (!account) throw new ScimError(401, 'The SCIM token is unknown or revoked');
  if (!(await can(ctx, 'security:edit', { type: 'ACCOUNT', id: account._id }))) {
    throw new ScimError(403, 'The user who created this SCIM token no longer holds security:edit on the account: create a new token');
  }
  const now = new Date();
  if (!t.lastUsedAt || now.getTime() - new Date(t.lastUsedAt).getTime() > 60_000) {
    ScimToken.updateOne({ _id: t._id }, { $set: { lastUsedAt: now } }).catch(() => undefined);
  }
  return { ctx, account, tokenId: t._id, baseUrl: `${req.protocol}://${req.get('host')}/scim/v2` };
}
