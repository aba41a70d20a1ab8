// One-time claims: a unique `_id` insert fails for every caller but one, on MongoDB and on the
// embedded database alike (test/db/concurrency.test.ts). Anything that must happen once (accepting
// an invitation, resolving an access request) claims its key here first, so that the rule does not
// rest on how a server applies conditional updates (FerretDB v1, used before, applied them as
// read-modify-write: parallel findOneAndUpdate({status: 'PENDING'}) calls could all "win").
import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from './schema';
import { isDuplicateKey } from './errors';

export interface ClaimDoc extends BaseDoc {
  accountId: string;
}

const claimSchema = docSchema<ClaimDoc>({ accountId: { type: String, required: true } });
claimSchema.index({ accountId: 1 });

export const Claim: Model<ClaimDoc> = model<ClaimDoc>('Claim', claimSchema);

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
