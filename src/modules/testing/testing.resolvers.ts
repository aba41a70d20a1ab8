import DataLoader from 'dataloader';
import type { Resolvers } from '../../generated';
import { paginate, type Context } from '../../graphql';
import { BadInputError } from '../../errors';
import type { WorkspaceDoc } from '../accounts/account.model';
import { Inbox, Message, Project, type InboxDoc, type MessageDoc, type ProjectDoc } from './testing.model';
import { inboxSmtpPassword, resetInboxCredentials, setInboxEmailAddress, setInboxForwarding } from './inbox-settings.service';
import {
  clearInbox,
  createInbox,
  createProject,
  deleteInbox,
  deleteMessage,
  deleteProject,
  sendTestEmail,
  updateInbox,
  updateProject,
} from './testing.service';

/** Message counts of many inboxes in one aggregation. */
function messageCounts(ctx: Context): DataLoader<string, number> {
  return ctx.loaders.keyed(
    'Inbox.messageCount',
    () =>
      new DataLoader<string, number>(async (ids) => {
        const rows = await Message.aggregate<{ _id: string; n: number }>([
          { $match: { inboxId: { $in: [...ids] } } },
          { $group: { _id: '$inboxId', n: { $sum: 1 } } },
        ]);
        const byId = new Map(rows.map((r) => [r._id, r.n]));
        return ids.map((id) => byId.get(id) ?? 0);
      }),
  );
}

export const SEARCH_MAX = 100;

/** A case-insensitive match on subject, from or to; the text is matched literally. */
function messageSearch(search: string | null | undefined): Record<string, unknown> {
  const text = search?.trim();
  if (!text) return {};
  if (text.length > SEARCH_MAX) throw new BadInputError(`search must be at most ${SEARCH_MAX} characters`, 'search');
  const re = { $regex: text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), $options: 'i' };
  return { $or: [{ subject: re }, { from: re }, { to: re }] };
}

export const testingResolvers: Resolvers = {
  Query: {
    project: (_, { id }, ctx) => ctx.loaders.load<ProjectDoc>('Project', id),
    inbox: (_, { id }, ctx) => ctx.loaders.load<InboxDoc>('Inbox', id),
    message: (_, { id }, ctx) => ctx.loaders.load<MessageDoc>('Message', id),
  },
  Mutation: {
    resetInboxCredentials: (_, { id }, ctx) => resetInboxCredentials(ctx, id),
    setInboxEmailAddress: (_, { input }, ctx) => setInboxEmailAddress(ctx, input),
    setInboxForwarding: (_, { input }, ctx) => setInboxForwarding(ctx, input),
    createProject: (_, { input }, ctx) => createProject(ctx, input),
    updateProject: (_, { id, input }, ctx) => updateProject(ctx, id, input),
    deleteProject: (_, { id }, ctx) => deleteProject(ctx, id),
    createInbox: (_, { input }, ctx) => createInbox(ctx, input),
    updateInbox: (_, { id, input }, ctx) => updateInbox(ctx, id, input),
    deleteInbox: (_, { id }, ctx) => deleteInbox(ctx, id),
    clearInbox: (_, { inboxId }, ctx) => clearInbox(ctx, inboxId),
    sendTestEmail: (_, { input }, ctx) => sendTestEmail(ctx, input),
    deleteMessage: (_, { id }, ctx) => deleteMessage(ctx, id),
  },
  Workspace: {
    projects: (w, args) => paginate(Project, { workspaceId: w._id }, args),
  },
  Project: {
    workspace: (p, _, ctx) => ctx.loaders.existing<WorkspaceDoc>('Workspace', p.workspaceId),
    inboxes: (p, args) => paginate(Inbox, { projectId: p._id }, args),
  },
  Inbox: {
    forwardTo: (i) => i.forwardTo ?? [],
    smtpPassword: (i) => inboxSmtpPassword(i),
    project: (i, _, ctx) => ctx.loaders.existing<ProjectDoc>('Project', i.projectId),
    messageCount: (i, _, ctx) => messageCounts(ctx).load(i._id),
    messages: (i, args) => paginate(Message, { inboxId: i._id, ...messageSearch(args.search) }, args),
  },
  Message: {
    inbox: (m, _, ctx) => ctx.loaders.existing<InboxDoc>('Inbox', m.inboxId),
  },
};
