import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../../db/schema';

/** A workspace resource that does its work only once published (automations, signup forms). */
export interface PublishableDoc extends BaseDoc {
  accountId: string;
  workspaceId: string;
  name: string;
  published: boolean;
  publishedAt: Date | null;
  createdBy: string;
}

export function publishableModel(name: string): Model<PublishableDoc> {
  const schema = docSchema<PublishableDoc>({
    accountId: { type: String, required: true },
    workspaceId: { type: String, required: true },
    name: { type: String, required: true },
    published: { type: Boolean, default: false },
    publishedAt: { type: Date, default: null },
    createdBy: { type: String, required: true },
  });
  schema.index({ workspaceId: 1, _id: 1 });
  schema.index({ accountId: 1 });
  return model<PublishableDoc>(name, schema);
}
