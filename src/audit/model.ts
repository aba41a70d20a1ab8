import { model, Schema, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../db';

export interface AuditEventDoc extends BaseDoc {
  accountId: string;
  workspaceId?: string | null;
  /** Position in the account's chain: unique per account, so concurrent writers cannot fork it. */
  seq: number;
  /** `"<accountId>:<seq>"`, unique: the embedded database finds a page of the log by it (src/audit/pages.ts); not in the hash. */
  place?: string;
  prevHash: string;
  hash: string;
  at: Date;
  actor: { type: 'user' | 'token' | 'system'; id: string; userId?: string | null };
  action: string;
  target: { type: string; id: string };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  meta?: Record<string, unknown> | null;
  /** The gateway's id of the request that made the event. */
  requestId?: string | null;
  /** The client's X-Request-Id, when it sent one: kept apart, never taken for the gateway's (not in the hash). */
  clientRequestId?: string;
  ip?: string | null;
}

const auditSchema = docSchema<AuditEventDoc>(
  {
    accountId: { type: String, required: true },
    workspaceId: { type: String, default: null },
    seq: { type: Number, required: true },
    place: { type: String },
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
    at: { type: Date, required: true },
    actor: { type: new Schema({ type: String, id: String, userId: String }, { _id: false }), required: true },
    action: { type: String, required: true },
    target: { type: new Schema({ type: String, id: String }, { _id: false }), required: true },
    before: { type: Schema.Types.Mixed, default: null },
    after: { type: Schema.Types.Mixed, default: null },
    meta: { type: Schema.Types.Mixed, default: null },
    requestId: { type: String, default: null },
    clientRequestId: { type: String, default: undefined },
    ip: { type: String, default: null },
  },
  { timestamps: false },
);
auditSchema.index({ accountId: 1, seq: 1 }, { unique: true });
// A page of the log by `place $in` on the embedded database (a compound key serves equality only there).
auditSchema.index({ place: 1 }, { unique: true });
auditSchema.index({ accountId: 1, at: 1 });
// Account.auditLog pages in seq order; its filters name the action, the actor or the target (MongoDB).
auditSchema.index({ accountId: 1, action: 1, seq: 1 });
auditSchema.index({ accountId: 1, 'actor.id': 1, seq: 1 });
auditSchema.index({ accountId: 1, 'target.id': 1, seq: 1 });

export const AuditEvent: Model<AuditEventDoc> = model<AuditEventDoc>('AuditEvent', auditSchema);

/**
 * The head of an account's chain (`_id` = the account id): the seq and hash of its last event, so an
 * append needs no sort. Only ever moved forward, and only after the events up to `seq` are stored; a
 * head that lags (a writer died between the two) is caught by the unique (accountId, seq) index.
 */
export interface AuditHeadDoc {
  _id: string;
  /** The same as `_id`: deleting an account deletes every document carrying its accountId. */
  accountId: string;
  seq: number;
  hash: string;
}

const headSchema = new Schema<AuditHeadDoc>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    seq: { type: Number, required: true },
    hash: { type: String, required: true },
  },
  { versionKey: false, timestamps: false },
);

export const AuditHead: Model<AuditHeadDoc> = model<AuditHeadDoc>('AuditHead', headSchema);

/** One event as it leaves Postern (the audit export, the audit sinks): the stored document without database internals, dates as ISO strings. */
export function exportedEvent(e: AuditEventDoc): Record<string, unknown> {
  return {
    id: e._id,
    seq: e.seq,
    at: new Date(e.at).toISOString(),
    actor: e.actor,
    action: e.action,
    target: e.target,
    workspaceId: e.workspaceId ?? null,
    before: e.before ?? null,
    after: e.after ?? null,
    meta: e.meta ?? null,
    requestId: e.requestId ?? null,
    ip: e.ip ?? null,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}
