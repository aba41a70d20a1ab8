// Partner API tokens (DESIGN.md §6): shown once, stored hashed, mandatory expiry, scopes the creator
// holds (no escalation), optional workspace restriction; revocable at once. The token's effective
// permissions are computed per request by src/authz/compile.ts (creator ∩ scopes ∩ workspaces).
import type { Context } from '../../graphql/context';
import { heldAnywhere } from '../../authz/check';
import { parsePermission, permissionBit, UnknownPermissionError, PERMISSION_COUNT } from '../../authz/catalogue';
import { randomSecret, tokenHash } from '../../crypto/tokens';
import { newId, isId } from '../../db/ids';
import { BadInputError, NotFoundError, UnauthenticatedError } from '../../errors';
import { API_TOKEN_PREFIX } from '../../identity/principal';
import { namesOwnerOnly } from '../../authz/rules';
import { accessStore } from '../../authz/store';
import { Workspace } from '../accounts/model';
import { cleanName } from '../accounts/service';
import type { ApiTokenDoc } from './model';

export const TOKEN_MAX_LIFETIME_MS = 366 * 24 * 3600 * 1000;
export const TOKEN_MAX_WORKSPACES = 100;
/** `pst_` and 8 characters of the secret: enough to recognise a token, far too little to guess it. */
export const TOKEN_PREFIX_LENGTH = API_TOKEN_PREFIX.length + 8;

export interface ApiTokenCreatedResult {
  token: string;
  apiToken: ApiTokenDoc;
}

/** What an audit event says about a token: never the token or its hash. */
function described(t: ApiTokenDoc): Record<string, unknown> {
  return {
    name: t.name,
    prefix: t.prefix,
    userId: t.userId,
    scopes: t.scopes,
    workspaceIds: t.workspaceIds,
    expiresAt: t.expiresAt,
    revokedAt: t.revokedAt ?? null,
  };
}

export function validateScopes(scopes: readonly string[]): string[] {
  if (!Array.isArray(scopes) || scopes.length === 0) throw new BadInputError('scopes must name at least one permission', 'scopes');
  if (scopes.length > PERMISSION_COUNT) throw new BadInputError(`scopes may name at most ${PERMISSION_COUNT} permissions`, 'scopes');
  const out = new Set<string>();
  for (const s of scopes) {
    try {
      out.add(parsePermission(String(s).trim()).text);
    } catch (err) {
      if (err instanceof UnknownPermissionError) throw new BadInputError(`Invalid scope: ${err.message}`, 'scopes');
      throw err;
    }
  }
  // Rule 8: a token never carries what only the owner, in person, may do.
  const ownerOnly = [...out].filter(namesOwnerOnly);
  if (ownerOnly.length) {
    throw new BadInputError(
      `A token cannot carry ${ownerOnly.join(', ')}: only the account owner, signed in, deletes the account or transfers its ownership`,
      'scopes',
    );
  }
  return [...out];
}

export function validateExpiry(value: Date | string, field: string, maxMs = TOKEN_MAX_LIFETIME_MS, now = Date.now()): Date {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) throw new BadInputError(`${field} must be a date and time`, field);
  if (d.getTime() <= now) throw new BadInputError(`${field} must be in the future`, field);
  if (d.getTime() > now + maxMs) throw new BadInputError(`${field} may be at most ${Math.round(maxMs / 86_400_000)} days ahead`, field);
  return d;
}

export async function createApiToken(
  ctx: Context,
  input: { accountId: string; name: string; scopes: string[]; workspaceIds?: string[] | null; expiresAt: Date | string },
): Promise<ApiTokenCreatedResult> {
  const p = ctx.principal;
  if (!p) throw new UnauthenticatedError();
  // A token minting tokens could shed its own workspace restriction: only signed-in users make tokens.
  if (p.kind !== 'user') throw new BadInputError('API tokens are created by signed-in users, not by other API tokens');
  const name = cleanName(input.name, 'name');
  const scopes = validateScopes(input.scopes);
  const expiresAt = validateExpiry(input.expiresAt, 'expiresAt');

  let workspaceIds: string[] | null = null;
  if (input.workspaceIds !== undefined && input.workspaceIds !== null) {
    const ids = [...new Set(input.workspaceIds)];
    if (ids.length === 0)
      throw new BadInputError('workspaceIds must name at least one workspace, or be omitted for the whole account', 'workspaceIds');
    if (ids.length > TOKEN_MAX_WORKSPACES)
      throw new BadInputError(`workspaceIds may name at most ${TOKEN_MAX_WORKSPACES} workspaces`, 'workspaceIds');
    const found = ids.every(isId)
      ? await Workspace.find({ _id: { $in: ids }, accountId: input.accountId })
          .select({ _id: 1 })
          .lean()
      : [];
    if (found.length !== ids.length) throw new BadInputError('workspaceIds must be workspaces of this account', 'workspaceIds');
    workspaceIds = ids;
  }

  // No escalation: every scope must be a permission the creator holds somewhere in the account. The
  // token is further limited to its creator's permissions on every request (src/authz/compile.ts).
  const compiled = await ctx.authz.load(input.accountId);
  if (!compiled) throw new NotFoundError('Account', input.accountId);
  const missing = scopes.filter((s) => !heldAnywhere(compiled, permissionBit(s)));
  if (missing.length) {
    throw new BadInputError(`A token cannot hold permissions its creator does not hold: ${missing.join(', ')}`, 'scopes');
  }

  const token = `${API_TOKEN_PREFIX}${randomSecret(32)}`;
  const doc = await accessStore.createToken<ApiTokenDoc>({
    _id: newId(),
    accountId: input.accountId,
    userId: p.userId,
    name,
    tokenHash: tokenHash(token),
    prefix: token.slice(0, TOKEN_PREFIX_LENGTH),
    scopes,
    workspaceIds,
    expiresAt,
    createdBy: p.userId,
  } as ApiTokenDoc);
  try {
    await ctx.audit.change({
      accountId: doc.accountId,
      action: 'apiToken.created',
      target: { type: 'ApiToken', id: doc._id },
      after: described(doc),
    });
  } catch (err) {
    await accessStore.revokeToken(doc._id, new Date());
    throw err;
  }
  ctx.loaders.prime('ApiToken', doc as unknown as { _id: string });
  return { token, apiToken: doc };
}

export async function revokeApiToken(ctx: Context, id: string): Promise<boolean> {
  const before = await ctx.loaders.load<ApiTokenDoc>('ApiToken', id);
  if (!before) throw new NotFoundError('ApiToken', id);
  if (before.revokedAt) return true;
  const after = await accessStore.revokeToken<ApiTokenDoc>(id, new Date());
  ctx.loaders.forget('ApiToken', id);
  if (!after) return true; // revoked concurrently
  await ctx.audit.change({
    accountId: after.accountId,
    action: 'apiToken.revoked',
    target: { type: 'ApiToken', id },
    before: described(before),
    after: described(after),
  });
  return true;
}
