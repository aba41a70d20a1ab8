// The audit retention window of an account (Mailers.io MI11): read by those who read the audit log,
// set within the plan's bounds by people holding security:edit. The window is a document keyed by
// the account id (one `_id` look-up), which also remembers the last purge and the first seq it kept,
// so the oldest event kept is found by the unique (accountId, seq) key rather than a sort.
import { model, Schema, type Model } from 'mongoose';
import type { Context } from '../graphql';
import { BadInputError } from '../errors';
import { Billing, type PlanName } from '../modules/billing/billing.model';
import { AuditEvent, type AuditEventDoc } from './model';

/** What each plan keeps at most (its default) and the shortest window it may be set to. */
export const RETENTION_DAYS: Record<PlanName, number> = { FREE: 30, STARTER: 90, GROWTH: 180, SCALE: 365, ENTERPRISE: 730 };
export const RETENTION_MIN_DAYS = 7;

export interface AuditRetentionDoc {
  /** The account id. */
  _id: string;
  accountId: string;
  /** The window the account chose; null: the plan's maximum. */
  days: number | null;
  lastPurgeAt: Date | null;
  lastPurgeDeleted: number;
  /** The first seq kept by the last purge (events before it are gone). */
  keptFromSeq: number | null;
  updatedBy: string | null;
}

const retentionSchema = new Schema<AuditRetentionDoc>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    days: { type: Number, default: null },
    lastPurgeAt: { type: Date, default: null },
    lastPurgeDeleted: { type: Number, default: 0 },
    keptFromSeq: { type: Number, default: null },
    updatedBy: { type: String, default: null },
  },
  { versionKey: false, timestamps: true },
);
retentionSchema.index({ accountId: 1 });

export const AuditRetention: Model<AuditRetentionDoc> = model<AuditRetentionDoc>('AuditRetention', retentionSchema);

export interface RetentionWindow {
  accountId: string;
  plan: PlanName;
  days: number;
  minDays: number;
  maxDays: number;
  /** True when the account chose the window; false when it is the plan's maximum. */
  custom: boolean;
  lastPurgeAt: Date | null;
  lastPurgeDeleted: number;
  keptFromSeq: number | null;
}

async function planOf(accountId: string): Promise<PlanName> {
  const billing = await Billing.findOne({ accountId }).select({ plan: 1 }).lean();
  return billing?.plan ?? 'FREE';
}

/** The window in force: the account's choice, clamped to what its plan allows today (a downgrade shortens it). */
export async function retentionWindow(accountId: string, plan?: PlanName): Promise<RetentionWindow> {
  const p = plan ?? (await planOf(accountId));
  const maxDays = RETENTION_DAYS[p] ?? RETENTION_DAYS.FREE;
  const doc = await AuditRetention.findById(accountId).lean<AuditRetentionDoc>();
  const chosen = doc?.days ?? null;
  const days = chosen === null ? maxDays : Math.min(Math.max(chosen, RETENTION_MIN_DAYS), maxDays);
  return {
    accountId,
    plan: p,
    days,
    minDays: RETENTION_MIN_DAYS,
    maxDays,
    custom: chosen !== null,
    lastPurgeAt: doc?.lastPurgeAt ?? null,
    lastPurgeDeleted: doc?.lastPurgeDeleted ?? 0,
    keptFromSeq: doc?.keptFromSeq ?? null,
  };
}

/** The oldest event still kept: the first seq after the last purge, or the chain's first. */
export async function oldestKept(w: RetentionWindow): Promise<AuditEventDoc | null> {
  const seq = w.keptFromSeq ?? 1;
  return AuditEvent.findOne({ accountId: w.accountId, seq }).lean<AuditEventDoc>();
}

/** Notes a purge on the window (called by the purge job after it recorded `audit.purged`). */
export async function notePurge(accountId: string, at: Date, deleted: number, keptFromSeq: number): Promise<void> {
  await AuditRetention.updateOne(
    { _id: accountId },
    { $set: { lastPurgeAt: at, lastPurgeDeleted: deleted, keptFromSeq }, $setOnInsert: { accountId, days: null, updatedBy: null } },
    { upsert: true },
  );
}

/**
 * setAuditRetention: `days` within [RETENTION_MIN_DAYS, the plan's maximum], or null for the plan's
 * maximum. People only (a token could otherwise shorten the trail that records what it did).
 */
export async function setRetentionWindow(ctx: Context, accountId: string, days: number | null | undefined): Promise<RetentionWindow> {
  if (ctx.principal?.kind !== 'user') {
    throw new BadInputError('The audit retention window is set by people: sign in rather than use an API token', 'days');
  }
  const before = await retentionWindow(accountId);
  if (days !== null && days !== undefined) {
    if (!Number.isInteger(days) || days < before.minDays || days > before.maxDays) {
      throw new BadInputError(
        `days must be a whole number from ${before.minDays} to ${before.maxDays} (the ${before.plan} plan keeps at most ${before.maxDays} days)`,
        'days',
      );
    }
  }
  const value = days ?? null;
  await AuditRetention.updateOne(
    { _id: accountId },
    {
      $set: { days: value, updatedBy: ctx.actorId },
      $setOnInsert: { accountId, lastPurgeAt: null, lastPurgeDeleted: 0, keptFromSeq: null },
    },
    { upsert: true },
  );
  const after = await retentionWindow(accountId, before.plan);
  await ctx.audit.change({
    accountId,
    action: 'audit.retentionUpdated',
    target: { type: 'Account', id: accountId },
    before: { days: before.days, custom: before.custom },
    after: { days: after.days, custom: after.custom },
  });
  return after;
}
