import type { Resolvers } from '../generated';
import { paginate } from '../graphql';
import type { UserDoc } from '../modules/identity/user.model';
import { ScimToken } from './scim.model';
import { createScimToken, revokeScimToken } from './tokens.service';

export const scimResolvers: Resolvers = {
  Mutation: {
    createScimToken: (_, { input }, ctx) => createScimToken(ctx, input),
    revokeScimToken: (_, { input }, ctx) => revokeScimToken(ctx, input),
  },
  Account: {
    scimTokens: (a, args) => paginate(ScimToken, { accountId: a._id }, args),
  },
  ScimToken: {
    createdBy: (t, _, ctx) => ctx.loaders.load<UserDoc>('User', t.createdBy),
  },
};
