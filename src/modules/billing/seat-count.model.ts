// The seats an account's members hold against its plan's member limit (MT17): one counter per account,
// `_id` the account's id. Raised only by a guarded $inc (src/modules/billing/seats.service.ts), so
// concurrent joins never take more seats than the plan includes.
import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../../db';

export interface SeatCountDoc extends BaseDoc {
  accountId: string;
  used: number;
}

const schema = docSchema<SeatCountDoc>({
  _id: { type: String, required: true },
  accountId: { type: String, required: true },
  used: { type: Number, required: true },
});
schema.index({ accountId: 1 });

export const SeatCount: Model<SeatCountDoc> = model<SeatCountDoc>('SeatCount', schema);
