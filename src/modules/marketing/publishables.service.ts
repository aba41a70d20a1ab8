// Automations and forms: named workspace children with a published flag. Every write is audited
// (`automation.created`, `form.published`, …).
import type { Model } from 'mongoose';
import type { Context } from '../../graphql';
import type { CreateAutomationInput, CreateFormInput, UpdateAutomationInput, UpdateFormInput } from '../../generated';
import { NotFoundError } from '../../errors';
import { createInWorkspace, deleteRecorded, saveChanges } from '../save';
import { cleanName, has } from './common';
import { Automation } from './automation.model';
import { Form } from './form.model';
import type { PublishableDoc } from './publishable.model';

function service(type: 'Automation' | 'Form', model: Model<PublishableDoc>, subject: 'automation' | 'form') {
  return {
    async create(ctx: Context, input: CreateAutomationInput | CreateFormInput): Promise<PublishableDoc> {
      return createInWorkspace(ctx, model, input.workspaceId, { name: cleanName(input.name, 'name') }, { action: `${subject}.created` });
    },
    async update(ctx: Context, id: string, input: UpdateAutomationInput | UpdateFormInput): Promise<PublishableDoc> {
      const before = await ctx.loaders.existing<PublishableDoc>(type, id);
      const set: Partial<PublishableDoc> = {};
      if (has(input, 'name')) set.name = cleanName(input.name, 'name');
      return saveChanges(ctx, model, before, set, { action: `${subject}.updated` });
    },
    async remove(ctx: Context, id: string): Promise<boolean> {
      const before = await ctx.loaders.existing<PublishableDoc>(type, id);
      return deleteRecorded(ctx, model, before, { action: `${subject}.deleted` });
    },
    async publish(ctx: Context, id: string, published: boolean): Promise<PublishableDoc> {
      const before = await ctx.loaders.existing<PublishableDoc>(type, id);
      if (before.published === published) return before;
      // Publishing twice keeps the first publishedAt: only an unpublished document is published.
      return saveChanges(
        ctx,
        model,
        before,
        { published, publishedAt: published ? new Date() : null },
        {
          action: `${subject}.${published ? 'published' : 'unpublished'}`,
          where: { published: { $ne: published } },
          onRefused: async () => (await model.findOne({ _id: id }).lean<PublishableDoc>()) ?? Promise.reject(new NotFoundError(type, id)),
        },
      );
    },
  };
}

export const automations = service('Automation', Automation, 'automation');
export const forms = service('Form', Form, 'form');
