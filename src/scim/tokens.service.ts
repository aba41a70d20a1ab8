// SCIM tokens: made and revoked by holders of security:edit; shown once, stored hashed.
import type { Context } from '../graphql';
import type { CreateScimTokenInput, RevokeScimTokenInput } from '../generated';
import { randomSecret, tokenHash } from '../crypto';
import { BadInputError, NotFoundError } from '../errors';
import type { AccountDoc } from '../modules/accounts/account.model';
import { assertPlanIncludes } from '../modules/billing/plan.service';
import { ScimToken, type ScimTokenCreatedResult, type ScimTokenDoc } from './scim.model';
import { SCIM_TOKEN_PREFIX } from './request';

export async function createScimToken(ctx: Context, input: CreateScimTokenInput): Promise<ScimTokenCreatedResult> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  if (ctx.principal?.kind !== 'user') throw new BadInputError('SCIM tokens are made by a person, not with a partner API token');
  await assertPlanIncludes(account._id, 'scim');
  const name = input.name.trim();
  if (!name || name.length > 100) throw new BadInputError('name must be 1–100 characters', 'name');
  const token = `${SCIM_TOKEN_PREFIX}${randomSecret(32)}`;
  const doc = (
    await ScimToken.create({
      accountId: account._id,
      name,
      tokenHash: tokenHash(token),
      prefix: token.slice(0, SCIM_TOKEN_PREFIX.length + 8),
      createdBy: ctx.actorId,
    })
  ).toObject();
  await ctx.audit.change({
    accountId: account._id,
    action: 'scimToken.created',
    target: { type: 'ScimToken', id: doc._id },
    after: { name: doc.name, prefix: doc.prefix },
  });
  return { token, scimToken: doc };
}

export async function revokeScimToken(ctx: Context, input: RevokeScimTokenInput): Promise<boolean> {
  const t = await ctx.loaders.load<ScimTokenDoc>('ScimToken', input.scimTokenId);
  if (!t || t.accountId !== input.accountId) throw new NotFoundError('SCIM token', input.scimTokenId);
  if (!t.revokedAt) {
    await ScimToken.updateOne({ _id: t._id }, { $set: { revokedAt: new Date() } });
    ctx.loaders.forget('ScimToken', t._id);
    await ctx.audit.change({
      accountId: t.accountId,
      action: 'scimToken.revoked',
      target: { type: 'ScimToken', id: t._id },
      before: { name: t.name, prefix: t.prefix },
    });
  }
  return true;
}
