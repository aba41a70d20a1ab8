// Deleting an account deletes its audit chain with it; a tombstone outside that chain keeps who deleted
// it, when, and through what (session or token, request, IP), with how much went. The tombstone
// carries no `accountId` field, so no account-wide deletion or export ever touches it.
import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../../db';
import type { Context } from '../../graphql';
import type { AccountDoc } from './account.model';

export interface AccountTombstoneDoc extends BaseDoc {
  deletedAccountId: string;
  accountName: string;
  deletedBy: string;
  /** `session` or `token` (the owner-only rules refuse tokens; kept so the record says so). */
  through: string;
  sessionId: string | null;
  requestId: string;
  ip: string | null;
  deletedAt: Date;
  /** Documents deleted per collection. */
  deleted: Record<string, number>;
}

const tombstoneSchema = docSchema<AccountTombstoneDoc>({
  deletedAccountId: { type: String, required: true },
  accountName: { type: String, required: true },
  deletedBy: { type: String, required: true },
  through: { type: String, required: true },
  sessionId: { type: String, default: null },
  requestId: { type: String, required: true },
  ip: { type: String, default: null },
  deletedAt: { type: Date, required: true },
  deleted: { type: Object, default: {} },
});
tombstoneSchema.index({ deletedAccountId: 1 });
tombstoneSchema.index({ deletedBy: 1 });

export const AccountTombstone: Model<AccountTombstoneDoc> = model<AccountTombstoneDoc>('AccountTombstone', tombstoneSchema);

/** Written before anything is deleted, so a deletion is never unrecorded; returns the tombstone id. */
export async function openTombstone(ctx: Context, account: AccountDoc): Promise<string> {
  const p = ctx.principal;
  const t = await AccountTombstone.create({
    deletedAccountId: account._id,
    accountName: account.name,
    deletedBy: ctx.actorId,
    through: p?.kind === 'token' ? 'token' : 'session',
    sessionId: p?.kind === 'user' ? p.sessionId : null,
    requestId: ctx.requestId,
    ip: ctx.ip,
    deletedAt: new Date(),
    deleted: {},
  });
  return t._id;
}

/** Adds what the deletion removed to its tombstone. */
export async function closeTombstone(id: string, deleted: Record<string, number>): Promise<void> {
  await AccountTombstone.updateOne({ _id: id }, { $set: { deleted } });
}
