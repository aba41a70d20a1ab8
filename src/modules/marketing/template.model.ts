import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../../db/schema';

/** An email template of a workspace (scope node TEMPLATE). */
export interface TemplateDoc extends BaseDoc {
  accountId: string;
  workspaceId: string;
  name: string;
  html: string;
  createdBy: string;
}

const templateSchema = docSchema<TemplateDoc>({
  accountId: { type: String, required: true },
  workspaceId: { type: String, required: true },
  name: { type: String, required: true },
  html: { type: String, default: '' },
  createdBy: { type: String, required: true },
});
templateSchema.index({ workspaceId: 1, _id: 1 });
templateSchema.index({ accountId: 1 });

export const Template: Model<TemplateDoc> = model<TemplateDoc>('Template', templateSchema);
