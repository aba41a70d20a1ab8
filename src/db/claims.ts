// One-time claims. FerretDB v1 does not apply a conditional update atomically under concurrency
// (parallel findOneAndUpdate({status: 'PENDING'}) calls can all "win"), while a unique `_id` insert
// fails for every caller but one on both FerretDB and MongoDB. Anything that must happen once
// (accepting an invitation, resolving an access request) claims its key here first.
import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from './schema';

export interface ClaimDoc extends BaseDoc {
  accountId: string;
}

const claimSchema = docSchema<ClaimDoc>({ accountId: { type: String, required: true } });
claimSchema.index({ accountId: 1 });

export const Claim: Model<ClaimDoc> = model<ClaimDoc>('Claim', claimSchema);

/** Whether a write failed on a unique key (MongoDB, mongo-java-server and FerretDB all say 11000). */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: number; writeErrors?: { code?: number }[]; message?: string };
  return e?.code === 11000 || !!e?.writeErrors?.some((w) => w.code === 11000) || /duplicate key/i.test(String(e?.message));
}

/** True for exactly one caller per key, ever (until `releaseClaim`). */
export async function claimOnce(key: string, accountId: string): Promise<boolean> {
  try {
    await Claim.create({ _id: key, accountId });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** Gives a claim back after the claimed work failed, so it can be tried again. */
export async function releaseClaim(key: string): Promise<void> {
  await Claim.deleteOne({ _id: key });
}
