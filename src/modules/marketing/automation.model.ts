import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../../db/schema';

/** A marketing automation of a workspace; runs only once published. */
export interface AutomationDoc extends BaseDoc {
  accountId: string;
  workspaceId: string;
  name: string;
  published: boolean;
  publishedAt: Date | null;
  createdBy: string;
}

const automationSchema = docSchema<AutomationDoc>({
  accountId: { type: String, required: true },
  workspaceId: { type: String, required: true },
  name: { type: String, required: true },
  published: { type: Boolean, default: false },
  publishedAt: { type: Date, default: null },
  createdBy: { type: String, required: true },
});
automationSchema.index({ workspaceId: 1, _id: 1 });
automationSchema.index({ accountId: 1 });

export const Automation: Model<AutomationDoc> = model<AutomationDoc>('Automation', automationSchema);
