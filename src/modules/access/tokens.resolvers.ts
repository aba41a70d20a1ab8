import type { Resolvers } from '../../generated';
import { paginate } from '../../graphql';
import type { UserDoc } from '../identity/user.model';
import { ApiToken } from './token.model';
import { createApiToken, revokeApiToken, rotateApiToken, updateApiToken } from './tokens.service';

export const tokensResolvers: Resolvers = {
  Mutation: {
    createApiToken: (_, { input }, ctx) => createApiToken(ctx, input),
    revokeApiToken: (_, { id }, ctx) => revokeApiToken(ctx, id),
    rotateApiToken: (_, { id }, ctx) => rotateApiToken(ctx, id),
    updateApiToken: (_, { id, input }, ctx) => updateApiToken(ctx, id, input),
  },
  Account: {
    apiTokens: (a, args) => paginate(ApiToken, { accountId: a._id }, args),
  },
  ApiToken: {
    createdBy: (t, _, ctx) => ctx.loaders.load<UserDoc>('User', t.createdBy),
    workspaceIds: (t) => t.workspaceIds ?? null,
  },
};
