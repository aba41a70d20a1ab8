// Audit sinks (docs/api.md "Audit streaming"): an account's HTTPS webhooks receiving each audit event in
// chain order. The secret signing the deliveries is sealed (AES-256-GCM, src/crypto/secrets.ts) like
// every other secret; the delivery state says how far the receiver has acknowledged.
import { model, Schema, type Model } from 'mongoose';
import { docSchema, type BaseDoc, type InAccount } from '../db';

export interface AuditSinkDoc extends BaseDoc, InAccount {
  url: string;
  /** The HMAC-SHA256 key, sealed. */
  secretEnc: string;
  active: boolean;
  /** The last seq the receiver acknowledged (2xx): delivery resumes after it. */
  lastAckedSeq: number;
  lastDeliveredAt: Date | null;
  lastError: string | null;
  /** Failed attempts in a row (the backoff grows with them). */
  attempts: number;
  /** Not before this time (backoff after a failure); null: at once. */
  nextAttemptAt: Date | null;
}

const sinkSchema = docSchema<AuditSinkDoc>({
  accountId: { type: String, required: true },
  createdBy: { type: String, required: true },
  url: { type: String, required: true },
  secretEnc: { type: String, required: true },
  active: { type: Boolean, default: true },
  lastAckedSeq: { type: Number, default: 0 },
  lastDeliveredAt: { type: Date, default: null },
  lastError: { type: String, default: null },
  attempts: { type: Number, default: 0 },
  nextAttemptAt: { type: Date, default: null },
});
sinkSchema.index({ accountId: 1, _id: 1 });
sinkSchema.index({ active: 1 });

export const AuditSink: Model<AuditSinkDoc> = model<AuditSinkDoc>('AuditSink', sinkSchema);

/**
 * Who delivers a sink during one lease slot (`_id` = `<sinkId>:<slot>`): the first replica to insert it.
 * A unique `_id` insert, so two replicas never deliver the same sink in the same slot.
 */
export interface AuditSinkLeaseDoc {
  _id: string;
  accountId: string;
  owner: string;
}

const leaseSchema = new Schema<AuditSinkLeaseDoc>(
  { _id: { type: String, required: true }, accountId: { type: String, required: true }, owner: { type: String, required: true } },
  { versionKey: false, timestamps: true },
);
leaseSchema.index({ accountId: 1 });

export const AuditSinkLease: Model<AuditSinkLeaseDoc> = model<AuditSinkLeaseDoc>('AuditSinkLease', leaseSchema);
