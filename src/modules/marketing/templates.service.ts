// Email templates: HTML bodies bounded to 512 KB; cloning makes "Copy of …" owned by the cloner.
import type { Context } from '../../graphql/context';
import { BadInputError, NotFoundError } from '../../errors';
import { cleanName, has, NAME_MAX, workspaceOf } from './common';
import { Template, type TemplateDoc } from './template.model';

export const HTML_MAX_BYTES = 512 * 1024;

export function cleanHtml(value: unknown, field = 'html'): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') throw new BadInputError(`${field} must be text`, field);
  if (Buffer.byteLength(value, 'utf8') > HTML_MAX_BYTES) throw new BadInputError(`${field} must be at most 512 KB`, field);
  return value;
}

export async function createTemplate(
  ctx: Context,
  input: { workspaceId: string; name: string; html?: string | null },
): Promise<TemplateDoc> {
  const name = cleanName(input.name, 'name');
  const html = cleanHtml(input.html);
  const ws = await workspaceOf(ctx, input.workspaceId);
  const t = (await Template.create({ accountId: ws.accountId, workspaceId: ws._id, name, html, createdBy: ctx.actorId })).toObject();
  ctx.loaders.prime('Template', t);
  return t;
}

export async function updateTemplate(
  ctx: Context,
  id: string,
  input: { name?: string | null; html?: string | null },
): Promise<TemplateDoc> {
  const set: Partial<TemplateDoc> = {};
  if (has(input, 'name')) set.name = cleanName(input.name, 'name');
  if (has(input, 'html')) set.html = cleanHtml(input.html);
  const t = await Template.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' }).lean();
  if (!t) throw new NotFoundError('Template', id);
  ctx.loaders.prime('Template', t);
  return t;
}

export async function deleteTemplate(ctx: Context, id: string): Promise<boolean> {
  const res = await Template.deleteOne({ _id: id });
  if (res.deletedCount === 0) throw new NotFoundError('Template', id);
  ctx.loaders.forget('Template', id);
  return true;
}

export async function cloneTemplate(ctx: Context, id: string): Promise<TemplateDoc> {
  const src = await ctx.loaders.existing<TemplateDoc>('Template', id);
  let name = `Copy of ${src.name}`;
  if (name.length > NAME_MAX) name = `${name.slice(0, NAME_MAX - 1)}…`;
  const t = (
    await Template.create({ accountId: src.accountId, workspaceId: src.workspaceId, name, html: src.html, createdBy: ctx.actorId })
  ).toObject();
  ctx.loaders.prime('Template', t);
  return t;
}
