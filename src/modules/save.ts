// The writes every service shares, each audited in the same call: createRecorded() inserts one
// document, saveChanges() $sets one document by id (the audit diff holds the fields that changed),
// deleteRecorded() removes one. Each keeps the request's loaders in step; a unique-key refusal is
// BAD_USER_INPUT on the field the caller names; a document deleted meanwhile is NOT_FOUND.
import type { Model } from 'mongoose';
import type { Context } from '../graphql';
import { BadInputError, NotFoundError } from '../errors';
import { isDuplicateKey } from '../db';

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
  /** What a unique-key refusal means to the user: BAD_USER_INPUT with this message on this field. */
  duplicate?: { field: string; message: string };
}

export interface GuardedChange<T> extends ChangeRecord<T> {
  /** Conditions the document must still meet when it is written, beyond its id (a status, say). */
  where?: Record<string, unknown>;
  /** The answer when it no longer does (default: NOT_FOUND). May throw the error the user should see. */
  onRefused?: () => Promise<T>;
}

export interface DeleteRecord<T> extends ChangeRecord<T> {
  /** Conditions the document must still meet when it is deleted; otherwise NOT_FOUND. */
  where?: Record<string, unknown>;
  /** Deletes what hangs off the document once it is gone; the counts it returns join the event's meta. */
  children?: (doc: T) => Promise<Record<string, number>>;
}

/** The one audit event of a recorded write: the document's view before and/or after, in its account and workspace. */
function audit<T extends StoredDoc>(
  ctx: Context,
  model: Model<T>,
  doc: T,
  record: ChangeRecord<T>,
  change: { before?: T; after?: T; meta?: Record<string, unknown> | null },
): Promise<void> {
  const view = record.view ?? ((d: T) => d);
  return ctx.audit.change({
    accountId: doc.accountId,
    workspaceId: record.workspaceId ?? doc.workspaceId ?? null,
    action: record.action,
    target: { type: model.modelName, id: doc._id },
    ...(change.before ? { before: view(change.before) } : {}),
    ...(change.after ? { after: view(change.after) } : {}),
    meta: change.meta === undefined ? (record.meta ?? null) : change.meta,
  });
}

function refusedAsDuplicate(err: unknown, record: ChangeRecord<unknown>): unknown {
  return record.duplicate && isDuplicateKey(err) ? new BadInputError(record.duplicate.message, record.duplicate.field) : err;
}

/** Inserts one document, primes the loaders with it and audits it (`after`: its view). */
export async function createRecorded<T extends StoredDoc>(
  ctx: Context,
  model: Model<T>,
  fields: Partial<T>,
  record: ChangeRecord<T>,
): Promise<T> {
  let doc: T;
  try {
    doc = (await new model(fields).save()).toObject() as T;
  } catch (err) {
    throw refusedAsDuplicate(err, record as ChangeRecord<unknown>);
  }
  ctx.loaders.prime(model.modelName, doc);
  await audit(ctx, model, doc, record, { after: doc });
  return doc;
}

/**
 * createRecorded() for a document that lives in a workspace: the workspace must exist (NOT_FOUND
 * otherwise); its account and the acting user are stamped on the new document.
 */
export async function createInWorkspace<T extends StoredDoc>(
  ctx: Context,
  model: Model<T>,
  workspaceId: string,
  fields: Partial<T>,
  record: ChangeRecord<T>,
): Promise<T> {
  const ws = await ctx.loaders.existing<StoredDoc>('Workspace', workspaceId);
  const stamped: Partial<StoredDoc> & { createdBy: string } = { accountId: ws.accountId, workspaceId: ws._id, createdBy: ctx.actorId };
  return createRecorded(ctx, model, { ...fields, ...stamped }, record);
}

/** $sets `set` on one document and audits what changed. Nothing to set: no write, no event. */
export async function saveChanges<T extends StoredDoc>(
  ctx: Context,
  model: Model<T>,
  before: T,
  set: Partial<T>,
  record: GuardedChange<T>,
): Promise<T> {
  if (Object.keys(set).length === 0) return before;
  let after: T | null;
  try {
    after = (await model
      .findOneAndUpdate({ ...record.where, _id: before._id }, { $set: set }, { returnDocument: 'after' })
      .lean()) as T | null;
  } catch (err) {
    throw refusedAsDuplicate(err, record as ChangeRecord<unknown>);
  }
  if (!after) {
    if (record.where && record.onRefused) return record.onRefused();
    throw new NotFoundError(model.modelName, before._id);
  }
  ctx.loaders.prime(model.modelName, after);
  await audit(ctx, model, after, record, { before, after });
  return after;
}

/** The delete twin of saveChanges: removes one document by id (then its children), forgets it in the loaders, audits it. */
export async function deleteRecorded<T extends StoredDoc>(
  ctx: Context,
  model: Model<T>,
  before: T,
  record: DeleteRecord<T>,
): Promise<true> {
  const res = await model.deleteOne({ ...record.where, _id: before._id });
  ctx.loaders.forget(model.modelName, before._id);
  // Deleted meanwhile (by a concurrent request): that request records it.
  if (res.deletedCount === 0) throw new NotFoundError(model.modelName, before._id);
  const removed = record.children ? await record.children(before) : null;
  await audit(ctx, model, before, record, { before, meta: record.meta || removed ? { ...record.meta, ...removed } : null });
  return true;
}
