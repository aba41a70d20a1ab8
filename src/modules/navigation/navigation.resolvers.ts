import type { Resolvers } from '../../generated';
import { pathOf, reachable } from './reachable.service';

export const navigationResolvers: Resolvers = {
  Viewer: {
    reachable: (_, { type, accountId, first, after }, ctx) => reachable(ctx, type, accountId, { first, after }),
  },
  ReachableNode: {
    id: (n) => n._id,
    name: (n) => n.doc.name,
    accountId: (n) => n.doc.accountId,
    path: (n, _, ctx) => pathOf(ctx, n),
    pathText: async (n, _, ctx) =>
      (await pathOf(ctx, n))
        .slice(1)
        .map((s) => s.name)
        .join(' › '),
  },
};
