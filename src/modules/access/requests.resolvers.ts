import type { Resolvers } from '../../generated';
import { paginate } from '../../graphql';
import type { UserDoc } from '../identity/user.model';
import { AccessRequest, Notification } from './requests.model';
import { nodesHolding, inSubtree, type VisibilityStrategy } from '../../authz';
import { markNotificationRead, requestAccess, resolveAccessRequest } from './requests.service';

export const requestsResolvers: Resolvers = {
  Mutation: {
    requestAccess: (_, { input }, ctx) => requestAccess(ctx, input),
    resolveAccessRequest: (_, { input }, ctx) => resolveAccessRequest(ctx, input),
    markNotificationRead: (_, { id }, ctx) => markNotificationRead(ctx, id),
  },
  Account: {
    accessRequests: (a, args) => paginate(AccessRequest, { accountId: a._id }, args),
  },
  Viewer: {
    // A partner token sees only its own account's notifications, like everything else it reaches.
    notifications: ({ userId }, args, ctx) =>
      paginate(Notification, ctx.principal?.kind === 'token' ? { userId, accountId: ctx.principal.accountId } : { userId }, args),
  },
  AccessRequest: {
    requester: (r, _, ctx) => ctx.loaders.load<UserDoc>('User', r.requesterId),
    resolvedBy: (r, _, ctx) => (r.resolvedBy ? ctx.loaders.load<UserDoc>('User', r.resolvedBy) : null),
    scope: (r) => ({ type: r.scopeType, id: r.scopeId }),
  },
};

// Account.accessRequests for someone who may view requests only below the account: the requests whose
// scope lies at or under a node where they hold the permission.
// Registered in src/composition/registry.ts.
export const accessRequestVisibility: VisibilityStrategy = ({ compiled, bit }) => {
  const ids = nodesHolding(compiled, bit);
  if (!ids.length) return null;
  return inSubtree(ids);
};
