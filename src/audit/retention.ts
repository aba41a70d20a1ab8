// Audit retention per plan (Mailers.io: "audit logs persist per plan retention windows"). A purge job,
// run by every replica's scheduler and claimed once per account and day, deletes an account's events
// older than its plan keeps, oldest first, and records itself in the chain (`audit.purged`, with the
// last purged event's seq and hash, so the chain stays verifiable from there: verifyChain).
import type { Logger } from 'pino';
import { claimOnce } from '../db';
import { Account } from '../modules/accounts/account.model';
import { Billing, type PlanName } from '../modules/billing/billing.model';
import { AuditEvent } from './model';
import { AuditRecorder } from './recorder';
import { notePurge, retentionWindow } from './retention-window';

export { RETENTION_DAYS } from './retention-window';
const DAY_MS = 86_400_000;

/** Deletes the account's events older than its window (retention-window.ts: its choice within the plan's bounds). */
export async function purgeAccount(accountId: string, plan: PlanName, now: Date, log?: Logger): Promise<number> {
  const { days } = await retentionWindow(accountId, plan);
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  const last = await AuditEvent.findOne({ accountId, at: { $lt: cutoff } })
    .sort({ seq: -1 })
    .select({ seq: 1, hash: 1 })
    .lean();
  if (!last) return 0;
  const { deletedCount } = await AuditEvent.deleteMany({ accountId, seq: { $lte: last.seq } });
  const recorder = new AuditRecorder(() => ({ type: 'system', id: 'retention', userId: null }), `retention-${accountId}`, null);
  await recorder.record({
    accountId,
    action: 'audit.purged',
    target: { type: 'Account', id: accountId },
    meta: { plan, retentionDays: days, before: cutoff.toISOString(), throughSeq: last.seq, lastHash: last.hash, deleted: deletedCount },
  });
  await notePurge(accountId, now, deletedCount, last.seq + 1);
  log?.info({ accountId, deleted: deletedCount, throughSeq: last.seq }, 'audit events past retention purged');
  return deletedCount;
}

/** One pass over every account, each at most once per day across replicas (an account without billing is FREE). */
export async function purgeExpiredAudit(now: Date, log?: Logger): Promise<number> {
  const day = now.toISOString().slice(0, 10);
  let total = 0;
  for await (const a of Account.find({}).select({ _id: 1 }).lean().cursor()) {
    if (!(await claimOnce(`audit-purge:${a._id}:${day}`, a._id))) continue;
    const billing = await Billing.findOne({ accountId: a._id }).select({ plan: 1 }).lean();
    total += await purgeAccount(a._id, billing?.plan ?? 'FREE', now, log);
  }
  return total;
}
