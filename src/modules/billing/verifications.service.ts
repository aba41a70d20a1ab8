// The monthly budget of email address verifications (Billing.verificationLimit, MC10). A verification
// takes one unit with a single guarded update — `used < limit` and `$inc used` in one findOneAndUpdate
// on the month's counter — so N concurrent verifications against K units left get exactly K; the
// others are refused and take nothing.
import { isDuplicateKey } from '../../db';
import { BadInputError } from '../../errors';
import { VerificationUsage, type VerificationUsageDoc } from './verification-usage.model';

/** The calendar month (UTC) a moment falls in: YYYY-MM. */
export function utcMonth(now = new Date()): string {
  return now.toISOString().slice(0, 7);
}

const counterId = (accountId: string, month: string) => `${accountId}:${month}`;

export async function verificationsThisMonth(accountId: string, now = new Date()): Promise<number> {
  const doc = await VerificationUsage.findById(counterId(accountId, utcMonth(now)))
    .select({ used: 1 })
    .lean<VerificationUsageDoc>();
  return doc?.used ?? 0;
}

/**
 * Takes one verification from the account's monthly `limit`: the month it counts in and how many are
 * left after it. BAD_USER_INPUT (field `field`) when none is left: nothing is taken.
 */
export async function takeVerification(
  accountId: string,
  limit: number,
  field: string,
  now = new Date(),
): Promise<{ month: string; remaining: number }> {
  const month = utcMonth(now);
  const _id = counterId(accountId, month);
  // The month's counter exists before it is raised (concurrent first verifications: one insert wins).
  try {
    await VerificationUsage.updateOne({ _id }, { $setOnInsert: { accountId, month, used: 0 } }, { upsert: true });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const after = await VerificationUsage.findOneAndUpdate(
    { _id, used: { $lt: limit } },
    { $inc: { used: 1 } },
    { returnDocument: 'after' },
  ).lean<VerificationUsageDoc>();
  if (!after) {
    throw new BadInputError(
      `This account's ${limit} email verifications for ${month} are used up: raise verificationLimit (setSendLimit, up to the plan's maximum) or wait for next month`,
      field,
    );
  }
  return { month, remaining: Math.max(0, limit - after.used) };
}

/** Gives back a verification taken for work that then failed. */
export async function returnVerification(accountId: string, month: string): Promise<void> {
  await VerificationUsage.updateOne({ _id: counterId(accountId, month), used: { $gt: 0 } }, { $inc: { used: -1 } });
}
