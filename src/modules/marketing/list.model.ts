import { model, type Model } from 'mongoose';
import { docSchema, inWorkspace, type BaseDoc, type InWorkspace } from '../../db';

/** A mailing list of a workspace (scope node LIST). Its contacts are Contact documents. */
export interface MailingListDoc extends BaseDoc, InWorkspace {
  name: string;
  /**
   * Places reserved for contacts so far (src/modules/marketing/contact-pages.service.ts); 0 for a new
   * list, absent on a list written before the page directory until the data upgrade pages it.
   */
  contactSeq?: number;
}

const listSchema = docSchema<MailingListDoc>({
  ...inWorkspace(),
  name: { type: String, required: true },
  contactSeq: { type: Number, default: 0 },
});
listSchema.index({ workspaceId: 1, _id: 1 });
listSchema.index({ accountId: 1 });

export const MailingList: Model<MailingListDoc> = model<MailingListDoc>('MailingList', listSchema);
