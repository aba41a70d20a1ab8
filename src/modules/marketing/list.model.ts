import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../../db/schema';

/** A mailing list of a workspace (scope node LIST). Its contacts are Contact documents. */
export interface MailingListDoc extends BaseDoc {
  accountId: string;
  workspaceId: string;
  name: string;
  createdBy: string;
}

const listSchema = docSchema<MailingListDoc>({
  accountId: { type: String, required: true },
  workspaceId: { type: String, required: true },
  name: { type: String, required: true },
  createdBy: { type: String, required: true },
});
listSchema.index({ workspaceId: 1, _id: 1 });
listSchema.index({ accountId: 1 });

export const MailingList: Model<MailingListDoc> = model<MailingListDoc>('MailingList', listSchema);
