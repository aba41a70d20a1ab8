// Partner API tokens (docs/design.md "Identity, tokens, audit"; docs/partners.md): shown once, stored hashed, mandatory expiry, scopes the creator
// holds (no escalation), optional workspace restriction; revocable at once. The token's effective
// permissions are computed per request by src/authz/compile.ts (creator ∩ scopes ∩ workspaces).
import type { Context } from '../../graphql';
import type { CreateApiTokenInput, UpdateApiTokenInput } from '../../generated';
import { heldAnywhere, parsePermission, permissionBit, UnknownPermissionError, PERMISSION_COUNT, namesOwnerOnly } from '../../authz';
import { randomSecret, tokenHash } from '../../crypto';
import { newId, isId } from '../../db';
import { BadInputError, NotFoundError, UnauthenticatedError } from '../../errors';
import { API_TOKEN_PREFIX } from '../../identity';
import { Workspace } from '../accounts/account.model';
import { cleanName } from '../accounts/accounts.service';
import { ApiToken, type ApiTokenCreatedResult, type ApiTokenDoc } from './token.model';
import { NOT_TOKEN_GRANTABLE } from '../catalogue/permissions';
import { saveChanges } from '../save';

export const TOKEN_MAX_LIFETIME_MS = 366 * 24 * 3600 * 1000;
export const TOKEN_MAX_WORKSPACES = 100;
/** `pst_` and 8 characters of the secret: enough to recognise a token, far too little to guess it. */
export const TOKEN_PREFIX_LENGTH = API_TOKEN_PREFIX.length + 8;

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
  const refused = [...out].filter((s) => NOT_TOKEN_GRANTABLE.has(s));
  if (refused.length) {
    throw new BadInputError(`A token cannot hold ${refused.join(', ')} (see tokenGrantable in permissionCatalogue)`, 'scopes');
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

/** The signed-in user managing tokens: a token minting or editing tokens could shed its own restrictions. */
function tokenManager(ctx: Context, what: string): string {
  const p = ctx.principal;
  if (!p) throw new UnauthenticatedError();
  if (p.kind !== 'user') throw new BadInputError(`API tokens are ${what} by signed-in users, not by other API tokens`);
  return p.userId;
}

/** No escalation: every scope must be a permission the acting user holds somewhere in the account. */
async function assertHoldsScopes(ctx: Context, accountId: string, scopes: readonly string[], whose: string): Promise<void> {
  const compiled = await ctx.authz.load(accountId);
  if (!compiled) throw new NotFoundError('Account', accountId);
  const missing = scopes.filter((s) => !heldAnywhere(compiled, permissionBit(s)));
  if (missing.length) throw new BadInputError(`${whose} permissions you do not hold: ${missing.join(', ')}`, 'scopes');
}

function newTokenSecret(): { token: string; tokenHash: string; prefix: string } {
  const token = `${API_TOKEN_PREFIX}${randomSecret(32)}`;
  return { token, tokenHash: tokenHash(token), prefix: token.slice(0, TOKEN_PREFIX_LENGTH) };
}

export async function createApiToken(ctx: Context, input: CreateApiTokenInput): Promise<ApiTokenCreatedResult> {
  const userId = tokenManager(ctx, 'created');
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

  // The token is further limited to its creator's permissions on every request (src/authz/compile.ts).
  await assertHoldsScopes(ctx, input.accountId, scopes, 'A token cannot hold');

  const { token, ...secret } = newTokenSecret();
  const doc = await ctx.access.createToken<ApiTokenDoc>({
    _id: newId(),
    accountId: input.accountId,
    userId,
    name,
    ...secret,
    scopes,
    workspaceIds,
    expiresAt,
    createdBy: userId,
    // Made in a session an account's identity provider minted: an account requiring SSO honours it (src/identity/gate.ts).
    ssoAccountId: ctx.principal?.ssoAccountId ?? null,
  } as ApiTokenDoc);
  try {
    await ctx.audit.change({
      accountId: doc.accountId,
      action: 'apiToken.created',
      target: { type: 'ApiToken', id: doc._id },
      after: described(doc),
    });
  } catch (err) {
    await ctx.access.revokeToken(doc._id, new Date());
    throw err;
  }
  ctx.loaders.prime('ApiToken', doc);
  return { token, apiToken: doc };
}

export async function revokeApiToken(ctx: Context, id: string): Promise<boolean> {
  const before = await ctx.loaders.existing<ApiTokenDoc>('ApiToken', id);
  if (before.revokedAt) return true;
  const after = await ctx.access.revokeToken<ApiTokenDoc>(id, new Date());
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

/** Refuses to change a token that no longer works. */
function assertLive(t: ApiTokenDoc, now = new Date()): void {
  if (t.revokedAt) throw new BadInputError('This token is revoked: create a new one', 'id');
  if (new Date(t.expiresAt) <= now) throw new BadInputError('This token has expired: create a new one', 'id');
}

/**
 * A new secret for the same token (same id, scopes, workspaces and expiry). The stored hash is
 * replaced in one conditional write, so the old secret stops working on the very next request. The
 * rotator must hold every scope: rotating hands them the token's power.
 */
export async function rotateApiToken(ctx: Context, id: string): Promise<ApiTokenCreatedResult> {
  tokenManager(ctx, 'rotated');
  const before = await ctx.loaders.existing<ApiTokenDoc>('ApiToken', id);
  assertLive(before);
  await assertHoldsScopes(ctx, before.accountId, before.scopes, 'Rotating would hand you');
  const { token, ...secret } = newTokenSecret();
  const now = new Date();
  const after = await ApiToken.findOneAndUpdate(
    { _id: id, tokenHash: before.tokenHash, revokedAt: null, expiresAt: { $gt: now } },
    { $set: secret },
    { returnDocument: 'after' },
  ).lean<ApiTokenDoc>();
  ctx.loaders.forget('ApiToken', id);
  if (!after) throw new BadInputError('This token was revoked, expired or rotated meanwhile: list the tokens again', 'id');
  ctx.loaders.prime('ApiToken', after);
  await ctx.audit.change({
    accountId: after.accountId,
    action: 'apiToken.rotated',
    target: { type: 'ApiToken', id },
    before: described(before),
    after: described(after),
  });
  return { token, apiToken: after };
}

/** Renames a token or moves its expiry (within the same one-year limit as at creation). */
export async function updateApiToken(ctx: Context, id: string, input: UpdateApiTokenInput): Promise<ApiTokenDoc> {
  tokenManager(ctx, 'edited');
  const before = await ctx.loaders.existing<ApiTokenDoc>('ApiToken', id);
  assertLive(before);
  const set: Partial<ApiTokenDoc> = {};
  if (input.name !== undefined && input.name !== null) set.name = cleanName(input.name, 'name');
  if (input.expiresAt !== undefined && input.expiresAt !== null) set.expiresAt = validateExpiry(input.expiresAt, 'expiresAt');
  if (!Object.keys(set).length) throw new BadInputError('Give a new name or expiresAt', 'input');
  return saveChanges(ctx, ApiToken, before, set, { action: 'apiToken.updated', view: described });
}
