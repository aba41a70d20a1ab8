// How many email address verifications (MC10) an account made in a calendar month (UTC): one counter
// document per (account, month), `_id` `<accountId>:<YYYY-MM>`. The counter is raised only by a
// guarded $inc (src/modules/billing/verifications.service.ts), never read-then-written.
import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../../db';

export interface VerificationUsageDoc extends BaseDoc {
  accountId: string;
  /** YYYY-MM (UTC). */
  month: string;
  used: number;
}

const schema = docSchema<VerificationUsageDoc>({
  _id: { type: String, required: true },
  accountId: { type: String, required: true },
  month: { type: String, required: true },
  used: { type: Number, required: true, default: 0 },
});
schema.index({ accountId: 1 });

export const VerificationUsage: Model<VerificationUsageDoc> = model<VerificationUsageDoc>('VerificationUsage', schema);
