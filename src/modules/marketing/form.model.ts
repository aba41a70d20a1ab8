import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../../db/schema';

/** A signup form of a workspace; collects contacts only once published. */
export interface FormDoc extends BaseDoc {
  accountId: string;
  workspaceId: string;
  name: string;
  published: boolean;
  publishedAt: Date | null;
  createdBy: string;
}

const formSchema = docSchema<FormDoc>({
  accountId: { type: String, required: true },
  workspaceId: { type: String, required: true },
  name: { type: String, required: true },
  published: { type: Boolean, default: false },
  publishedAt: { type: Date, default: null },
  createdBy: { type: String, required: true },
});
formSchema.index({ workspaceId: 1, _id: 1 });
formSchema.index({ accountId: 1 });

export const Form: Model<FormDoc> = model<FormDoc>('Form', formSchema);
