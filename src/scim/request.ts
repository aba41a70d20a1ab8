// Who a SCIM request is: the `scim_…` bearer token names the account; the request acts for the user
// who created the token (audited as them, with the token's id), while that user still holds
// security:edit on the account.
import type { Request } from 'express';
import type { Model } from 'mongoose';
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

/** One page of a list (RFC 7644 §3.4.2.4): `startIndex` counts from 1; `count` 0 asks for the total only. */
export async function listPage<T>(
  model: Model<T>,
  where: Record<string, unknown>,
  query: { startIndex: number; count: number },
): Promise<{ total: number; docs: T[] }> {
  const [total, docs] = await Promise.all([
    model.countDocuments(where),
    // limit(0) would mean no limit.
    query.count === 0
      ? Promise.resolve([] as T[])
      : model
          .find(where)
          .sort({ _id: 1 })
          .skip(query.startIndex - 1)
          .limit(query.count)
          .lean<T[]>(),
  ]);
  return { total, docs };
}

/** A resource's `meta` (RFC 7643 §3.1): its type, times and URL under `baseUrl`. */
export function resourceMeta(
  req: ScimRequest,
  resourceType: 'User' | 'Group',
  id: string,
  doc: { createdAt: Date; updatedAt: Date },
): Record<string, string> {
  return {
    resourceType,
    created: new Date(doc.createdAt).toISOString(),
    lastModified: new Date(doc.updatedAt).toISOString(),
    location: `${req.baseUrl}/${resourceType}s/${id}`,
  };
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
