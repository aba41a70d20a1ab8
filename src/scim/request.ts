// Who a SCIM request is: the `scim_…` bearer token names the account; the request acts for the user
// who created the token (audited as them, with the token's id), while that user still holds
// security:edit on the account.
import type { Request } from 'express';
import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import { can, createContext, type Context } from '../graphql';
import { tokenHash } from '../crypto';
import type { RateLimits } from '../limits';
import type { Mailer } from '../mail';
import type { AccountDoc } from '../modules/accounts/account.model';
import type { ScopeType, AccessStore } from '../authz';
import { ScimError } from './errors';
import { ScimToken } from './scim.model';

export const SCIM_TOKEN_PREFIX = 'scim_';

export interface ScimRequest {
  ctx: Context;
  account: AccountDoc;
  tokenId: string;
  /** `https://host/scim/v2`, for `meta.location`. */
  baseUrl: string;
  /** The request's If-Match (RFC 7644 §3.14): a change applies only to this version. */
  ifMatch?: string;
}

/** The ETag of a resource's version (RFC 7644 §3.14; weak: equal versions are equal resources, not bytes). */
export const etagOf = (version: number | undefined): string => `W/"${version ?? 0}"`;

/**
 * A change named by If-Match applies only to that version: 412 otherwise (RFC 7644 §3.14). `*` matches
 * any version; several ETags may be listed.
 */
export function assertMatches(req: ScimRequest, version: number | undefined): void {
  if (req.ifMatch === undefined) return;
  const tags = req.ifMatch.split(',').map((t) => t.trim());
  const current = etagOf(version);
  // Weak comparison (RFC 9110 §8.8.3.2): W/"1" and "1" name the same version.
  const strip = (t: string) => t.replace(/^W\//, '');
  if (tags.includes('*') || tags.some((t) => strip(t) === strip(current))) return;
  throw new ScimError(412, `The resource changed: its version is now ${current}. Read it again and retry`);
}

/** A SCIM token does no more than its maker may: 403 unless the maker holds `permission` there. */
export async function assertMakerMay(
  req: ScimRequest,
  permission: string,
  scope: { type: ScopeType; id: string },
  what: string,
): Promise<void> {
  if (await can(req.ctx, permission, scope)) return;
  throw new ScimError(
    403,
    `This SCIM token acts for the person who made it, who may not ${what} (${permission}): make the token as someone who may`,
  );
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
  doc: { createdAt: Date; updatedAt: Date; version?: number },
): Record<string, string> {
  return {
    resourceType,
    created: new Date(doc.createdAt).toISOString(),
    lastModified: new Date(doc.updatedAt).toISOString(),
    location: `${req.baseUrl}/${resourceType}s/${id}`,
    version: etagOf(doc.version),
  };
}

export async function authenticateScim(
  req: Request,
  deps: { log: Logger; mailer: Mailer; limits: RateLimits; access: AccessStore; requestId: string },
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
    access: deps.access,
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
