import { model, type Model } from 'mongoose';
import { docSchema, inWorkspace, type BaseDoc, type InWorkspace } from '../../db';

/** An email template of a workspace (scope node TEMPLATE). */
export interface TemplateDoc extends BaseDoc, InWorkspace {
  name: string;
  html: string;
}

const templateSchema = docSchema<TemplateDoc>({
  ...inWorkspace(),
  name: { type: String, required: true },
  html: { type: String, default: '' },
});
templateSchema.index({ workspaceId: 1, _id: 1 });
templateSchema.index({ accountId: 1 });

export const Template: Model<TemplateDoc> = model<TemplateDoc>('Template', templateSchema);
