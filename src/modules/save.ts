// The update every service shares: $set on one document by id, the request's loader refreshed, and
// the change audited with the fields that changed. A document deleted meanwhile is NOT_FOUND.
import type { Model } from 'mongoose';
import type { Context } from '../graphql/context';
import { NotFoundError } from '../errors';

export interface StoredDoc {
  _id: string;
  accountId: string;
  workspaceId?: string | null;
}

export interface ChangeRecord<T> {
  /** Audit action, e.g. `domain.updated`. */
  action: string;
  /** What of a document may appear in the audit diff (default: the document; secrets are redacted by name anyway). */
  view?: (doc: T) => object;
  meta?: Record<string, unknown> | null;
  /** The workspace the event belongs to, when it is not the document's `workspaceId` (a workspace itself). */
  workspaceId?: string;
}

export async function saveChanges<T extends StoredDoc>(
  ctx: Context,
  model: Model<T>,
  before: T,
  set: Partial<T>,
  record: ChangeRecord<T>,
): Promise<T> {
  const after = (await model.findOneAndUpdate({ _id: before._id }, { $set: set }, { returnDocument: 'after' }).lean()) as T | null;
  if (!after) throw new NotFoundError(model.modelName, before._id);
  ctx.loaders.prime(model.modelName, after);
  const view = record.view ?? ((d: T) => d);
  await ctx.audit.change({
    accountId: after.accountId,
    workspaceId: record.workspaceId ?? after.workspaceId ?? null,
    action: record.action,
    target: { type: model.modelName, id: after._id },
    before: view(before),
    after: view(after),
    meta: record.meta ?? null,
  });
  return after;
}

/** The delete twin of saveChanges: removes one document by id, forgets it in the loaders, audits it. */
export async function deleteRecorded<T extends StoredDoc>(
  ctx: Context,
  model: Model<T>,
  before: T,
  record: ChangeRecord<T>,
): Promise<true> {
  await model.deleteOne({ _id: before._id });
  ctx.loaders.forget(model.modelName, before._id);
  const view = record.view ?? ((d: T) => d);
  await ctx.audit.change({
    accountId: before.accountId,
    workspaceId: record.workspaceId ?? before.workspaceId ?? null,
    action: record.action,
    target: { type: model.modelName, id: before._id },
    before: view(before),
    meta: record.meta ?? null,
  });
  return true;
}
