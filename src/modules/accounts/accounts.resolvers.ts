import type { Resolvers } from '../../generated';
import { paginate } from '../../graphql';
import { Workspace, type AccountDoc, type WorkspaceDoc } from './account.model';
import type { UserDoc } from '../identity/user.model';
import { createWorkspace, deleteWorkspace, updateAccount, updateWorkspace } from './accounts.service';
import { NotFoundError } from '../../errors';

export const accountsResolvers: Resolvers = {
  Query: {
    account: (_, { id }, ctx) => ctx.loaders.load<AccountDoc>('Account', id),
    workspace: (_, { id }, ctx) => ctx.loaders.load<WorkspaceDoc>('Workspace', id),
  },
  Mutation: {
    updateAccount: (_, { id, input }, ctx) => updateAccount(ctx, id, input),
    createWorkspace: (_, { input }, ctx) => createWorkspace(ctx, input),
    updateWorkspace: (_, { id, input }, ctx) => updateWorkspace(ctx, id, input),
    deleteWorkspace: (_, { id }, ctx) => deleteWorkspace(ctx, id),
  },
  Account: {
    owner: async (a, _, ctx) => (await ctx.loaders.load<UserDoc>('User', a.ownerId)) ?? Promise.reject(new NotFoundError('user')),
    workspaces: (a, args) => paginate(Workspace, { accountId: a._id }, args),
  },
  Workspace: {
    account: async (w, _, ctx) => (await ctx.loaders.load<AccountDoc>('Account', w.accountId))!,
  },
};
