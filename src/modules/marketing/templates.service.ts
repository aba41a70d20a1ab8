// Email templates: HTML bodies bounded to 512 KB; cloning makes "Copy of …" owned by the cloner.
// Audited like every write; the audit diff never holds a body (`html` is redacted by name).
import type { Context } from '../../graphql';
import type { CreateTemplateInput, UpdateTemplateInput } from '../../generated';
import { BadInputError } from '../../errors';
import { createInWorkspace, createRecorded, deleteRecorded, saveChanges } from '../save';
import { cleanName, has, NAME_MAX } from './common';
import { Template, type TemplateDoc } from './template.model';

export const HTML_MAX_BYTES = 512 * 1024;

export function cleanHtml(value: unknown, field = 'html'): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') throw new BadInputError(`${field} must be text`, field);
  if (Buffer.byteLength(value, 'utf8') > HTML_MAX_BYTES) throw new BadInputError(`${field} must be at most 512 KB`, field);
  return value;
}

export async function createTemplate(ctx: Context, input: CreateTemplateInput): Promise<TemplateDoc> {
  const fields = { name: cleanName(input.name, 'name'), html: cleanHtml(input.html) };
  return createInWorkspace(ctx, Template, input.workspaceId, fields, { action: 'template.created' });
}

export async function updateTemplate(ctx: Context, id: string, input: UpdateTemplateInput): Promise<TemplateDoc> {
  const before = await ctx.loaders.existing<TemplateDoc>('Template', id);
  const set: Partial<TemplateDoc> = {};
  if (has(input, 'name')) set.name = cleanName(input.name, 'name');
  if (has(input, 'html')) set.html = cleanHtml(input.html);
  return saveChanges(ctx, Template, before, set, { action: 'template.updated' });
}

export async function deleteTemplate(ctx: Context, id: string): Promise<boolean> {
  const before = await ctx.loaders.existing<TemplateDoc>('Template', id);
  return deleteRecorded(ctx, Template, before, { action: 'template.deleted' });
}

export async function cloneTemplate(ctx: Context, id: string): Promise<TemplateDoc> {
  const src = await ctx.loaders.existing<TemplateDoc>('Template', id);
  let name = `Copy of ${src.name}`;
  if (name.length > NAME_MAX) name = `${name.slice(0, NAME_MAX - 1)}…`;
  return createRecorded(
    ctx,
    Template,
    { accountId: src.accountId, workspaceId: src.workspaceId, name, html: src.html, createdBy: ctx.actorId },
    { action: 'template.cloned', meta: { from: src._id } },
  );
}
