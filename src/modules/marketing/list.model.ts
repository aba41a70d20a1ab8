import { model, type Model } from 'mongoose';
import { docSchema, inWorkspace, type BaseDoc, type InWorkspace } from '../../db/schema';

/** A mailing list of a workspace (scope node LIST). Its contacts are Contact documents. */
export interface MailingListDoc extends BaseDoc, InWorkspace {
  name: string;
}

const listSchema = docSchema<MailingListDoc>({
  ...inWorkspace(),
  name: { type: String, required: true },
});
listSchema.index({ workspaceId: 1, _id: 1 });
listSchema.index({ accountId: 1 });

export const MailingList: Model<MailingListDoc> = model<MailingListDoc>('MailingList', listSchema);
