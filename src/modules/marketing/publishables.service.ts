// Automations and forms: named workspace children with a published flag.
import type { Model } from 'mongoose';
import type { Context } from '../../graphql/context';
import { NotFoundError } from '../../errors';
import { cleanName, has, workspaceOf } from './common';
import { Automation, type AutomationDoc } from './automation.model';
import { Form, type FormDoc } from './form.model';

type PublishableDoc = AutomationDoc | FormDoc;

function service<T extends PublishableDoc>(type: 'Automation' | 'Form', typed: Model<T>) {
  const model = typed as unknown as Model<PublishableDoc>;
  const save = (ctx: Context, doc: T | null, id: string): T => {
    if (!doc) throw new NotFoundError(type, id);
    ctx.loaders.prime(type, doc);
    return doc;
  };
  return {
    async create(ctx: Context, input: { workspaceId: string; name: string }): Promise<T> {
      const name = cleanName(input.name, 'name');
      const ws = await workspaceOf(ctx, input.workspaceId);
      const doc = (
        await model.create({ accountId: ws.accountId, workspaceId: ws._id, name, createdBy: ctx.actorId })
      ).toObject() as unknown as T;
      return save(ctx, doc, doc._id);
    },
    async update(ctx: Context, id: string, input: { name?: string | null }): Promise<T> {
      const set: Record<string, unknown> = {};
      if (has(input, 'name')) set.name = cleanName(input.name, 'name');
      return save(ctx, (await model.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' }).lean()) as T | null, id);
    },
    async remove(ctx: Context, id: string): Promise<boolean> {
      const res = await model.deleteOne({ _id: id });
      if (res.deletedCount === 0) throw new NotFoundError(type, id);
      ctx.loaders.forget(type, id);
      return true;
    },
    async publish(ctx: Context, id: string, published: boolean): Promise<T> {
      const set = { published, publishedAt: published ? new Date() : null };
      // Publishing twice keeps the first publishedAt.
      const filter = published ? { _id: id, published: { $ne: true } } : { _id: id };
      const doc =
        (await model.findOneAndUpdate(filter, { $set: set }, { returnDocument: 'after' }).lean()) ??
        (await model.findOne({ _id: id }).lean());
      return save(ctx, doc as T | null, id);
    },
  };
}

export const automations = service<AutomationDoc>('Automation', Automation);
export const forms = service<FormDoc>('Form', Form);
