// Email testing: projects, inboxes and captured messages. sendTestEmail stores a message in an inbox
// and delivers nothing. Deleting a parent deletes its children (children first, so a failure leaves
// the parent in place and the delete can simply be repeated).
import type { Model } from 'mongoose';
import type { Context } from '../../graphql';
import type { CreateInboxInput, CreateProjectInput, SendTestEmailInput, UpdateInboxInput, UpdateProjectInput } from '../../generated';
import { createInWorkspace, createRecorded, deleteRecorded, saveChanges } from '../save';
import { BadInputError } from '../../errors';
import { cleanName } from '../accounts/accounts.service';
import { type PlacementFilter, type AccessStore } from '../../authz';
import { AccessRequest } from '../access/requests.model';
import { Inbox, InboxAddress, Message, Project, type InboxDoc, type MessageDoc, type ProjectDoc } from './testing.model';

export const SUBJECT_MAX = 998;
export const BODY_MAX_BYTES = 256 * 1024;
export const ADDRESS_MAX = 254;
/** An inbox keeps its newest messages; older ones are dropped as new ones arrive (as Mailtrap does). */
export const INBOX_MAX_MESSAGES = 1000;

/**
 * Access placed on deleted scope nodes (a project and its inboxes, or one inbox) goes with them: role
 * bindings are removed, pending invitations revoked and pending access requests dropped, so none dangle.
 */
async function dropAccess(store: AccessStore, accountId: string, where: PlacementFilter): Promise<void> {
  await store.deleteBindingsAt(accountId, where);
  await store.revokeInvitations(accountId, { placement: where }, new Date());
  await AccessRequest.deleteMany({ accountId, [where.field]: { $in: [...where.ids] }, status: 'PENDING' });
}

// --- projects -----------------------------------------------------------------------------------

export async function createProject(ctx: Context, input: CreateProjectInput): Promise<ProjectDoc> {
  return createInWorkspace(ctx, Project, input.workspaceId, { name: cleanName(input.name, 'name') }, { action: 'project.created' });
}

/** Projects and inboxes take one edit, their name (absent or null: unchanged). */
async function rename<T extends ProjectDoc | InboxDoc>(
  ctx: Context,
  model: Model<T>,
  id: string,
  input: { name?: string | null },
  action: string,
): Promise<T> {
  const before = await ctx.loaders.existing<T>(model.modelName, id);
  if (input.name === undefined || input.name === null) return before;
  return saveChanges(ctx, model, before, { name: cleanName(input.name, 'name') } as Partial<T>, { action });
}

export async function updateProject(ctx: Context, id: string, input: UpdateProjectInput): Promise<ProjectDoc> {
  return rename(ctx, Project, id, input, 'project.updated');
}

export async function deleteProject(ctx: Context, id: string): Promise<boolean> {
  const project = await ctx.loaders.existing<ProjectDoc>('Project', id);
  await Message.deleteMany({ projectId: id });
  const inboxIds = (await Inbox.find({ projectId: id }).select({ _id: 1 }).lean()).map((i) => i._id);
  await InboxAddress.deleteMany({ inboxId: { $in: inboxIds } }); // their addresses are free again
  await Inbox.deleteMany({ projectId: id });
  await dropAccess(ctx.access, project.accountId, { field: 'projectId', ids: [id] });
  return deleteRecorded(ctx, Project, project, { action: 'project.deleted' });
}

// --- inboxes ------------------------------------------------------------------------------------

export async function createInbox(ctx: Context, input: CreateInboxInput): Promise<InboxDoc> {
  const name = cleanName(input.name, 'name');
  const project = await ctx.loaders.existing<ProjectDoc>('Project', input.projectId);
  return createRecorded(
    ctx,
    Inbox,
    { accountId: project.accountId, workspaceId: project.workspaceId, projectId: project._id, name, createdBy: ctx.actorId },
    { action: 'inbox.created' },
  );
}

export async function updateInbox(ctx: Context, id: string, input: UpdateInboxInput): Promise<InboxDoc> {
  return rename(ctx, Inbox, id, input, 'inbox.updated');
}

export async function deleteInbox(ctx: Context, id: string): Promise<boolean> {
  const inbox = await ctx.loaders.existing<InboxDoc>('Inbox', id);
  await Message.deleteMany({ inboxId: id });
  await InboxAddress.deleteMany({ inboxId: id }); // its address is free again
  await dropAccess(ctx.access, inbox.accountId, { field: 'inboxId', ids: [id] });
  return deleteRecorded(ctx, Inbox, inbox, { action: 'inbox.deleted' });
}

export async function clearInbox(ctx: Context, inboxId: string): Promise<number> {
  const inbox = await ctx.loaders.existing<InboxDoc>('Inbox', inboxId);
  const res = await Message.deleteMany({ inboxId });
  await ctx.audit.record({
    accountId: inbox.accountId,
    workspaceId: inbox.workspaceId,
    action: 'inbox.cleared',
    target: { type: 'Inbox', id: inboxId },
    meta: { deleted: res.deletedCount },
  });
  return res.deletedCount;
}

// --- messages -----------------------------------------------------------------------------------

function address(value: string, field: string): string {
  const v = value.trim();
  if (!v) throw new BadInputError(`${field} must not be empty`, field);
  if (v.length > ADDRESS_MAX) throw new BadInputError(`${field} must be at most ${ADDRESS_MAX} characters`, field);
  return v;
}

function body(value: string | null | undefined, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (Buffer.byteLength(value, 'utf8') > BODY_MAX_BYTES) {
    throw new BadInputError(`${field} must be at most ${BODY_MAX_BYTES / 1024} KiB`, field);
  }
  return value;
}

export async function sendTestEmail(ctx: Context, input: SendTestEmailInput): Promise<MessageDoc> {
  const from = address(input.from, 'from');
  const to = address(input.to, 'to');
  if (/[\r\n]/.test(input.subject)) throw new BadInputError('subject must be a single line', 'subject');
  const subject = input.subject.trim();
  if (subject.length > SUBJECT_MAX) throw new BadInputError(`subject must be at most ${SUBJECT_MAX} characters`, 'subject');
  const text = body(input.text, 'text');
  const html = body(input.html, 'html');
  const inbox = await ctx.loaders.existing<InboxDoc>('Inbox', input.inboxId);
  const size = Buffer.byteLength(text ?? '', 'utf8') + Buffer.byteLength(html ?? '', 'utf8');
  const message = (
    await Message.create({
      accountId: inbox.accountId,
      workspaceId: inbox.workspaceId,
      projectId: inbox.projectId,
      inboxId: inbox._id,
      from,
      to,
      subject,
      text,
      html,
      size,
      createdBy: ctx.actorId,
    })
  ).toObject();
  await trimInbox(inbox._id);
  return message;
}

/** Drops the oldest messages beyond INBOX_MAX_MESSAGES. */
export async function trimInbox(inboxId: string, max = INBOX_MAX_MESSAGES): Promise<number> {
  const count = await Message.countDocuments({ inboxId });
  if (count <= max) return 0;
  const oldest = await Message.find({ inboxId })
    .sort({ _id: 1 })
    .limit(count - max)
    .select({ _id: 1 })
    .lean();
  const res = await Message.deleteMany({ _id: { $in: oldest.map((m) => m._id) } });
  return res.deletedCount;
}

export async function deleteMessage(ctx: Context, id: string): Promise<boolean> {
  await ctx.loaders.existing<MessageDoc>('Message', id);
  await Message.deleteOne({ _id: id });
  ctx.loaders.forget('Message', id);
  return true;
}
