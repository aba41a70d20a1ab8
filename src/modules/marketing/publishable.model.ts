import { model, type Model } from 'mongoose';
import { docSchema, inWorkspace, type BaseDoc, type InWorkspace } from '../../db';

/** A workspace resource that does its work only once published (automations, signup forms). */
export interface PublishableDoc extends BaseDoc, InWorkspace {
  name: string;
  published: boolean;
  publishedAt: Date | null;
}

export function publishableModel(name: string): Model<PublishableDoc> {
  const schema = docSchema<PublishableDoc>({
    ...inWorkspace(),
    name: { type: String, required: true },
    published: { type: Boolean, default: false },
    publishedAt: { type: Date, default: null },
  });
  schema.index({ workspaceId: 1, _id: 1 });
  schema.index({ accountId: 1 });
  return model<PublishableDoc>(name, schema);
}
