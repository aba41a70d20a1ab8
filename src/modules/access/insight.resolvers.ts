// whoCan and accessReview: thin resolvers over insight.service.ts. Names of people and scope nodes come
// through the request's loaders (batched); contact data follows the one rule of src/graphql/authz/people.ts.
import type { Resolvers } from '../../generated';
import { type Context, mayReadContact } from '../../graphql';
import { SCOPE_MODEL } from '../../authz';
import type { UserDoc } from '../identity/user.model';
import { accessReview, whoCan } from './insight.service';

async function person(ctx: Context, id: string): Promise<UserDoc> {
  return ctx.loaders.existing<UserDoc>('User', id);
}

async function email(ctx: Context, userId: string): Promise<string | null> {
  return (await mayReadContact(ctx, userId)) ? ((await person(ctx, userId)).email ?? null) : null;
}

export const insightResolvers: Resolvers = {
  Query: {
    whoCan: (_, args, ctx) => whoCan(ctx, args),
    accessReview: (_, args, ctx) => accessReview(ctx, args),
  },
  AccessHolder: {
    user: (h, _, ctx) => person(ctx, h.userId),
    name: async (h, _, ctx) => (h.token ? (h.token.name ?? h.token._id) : (await person(ctx, h.userId)).name),
    email: (h, _, ctx) => email(ctx, h.userId),
    path: (h) => h.path.map((s) => ({ ...s, bindingId: s.bindingId ?? null })),
  },
  AccessReviewEntry: {
    user: (e, _, ctx) => person(ctx, e.userId),
    name: async (e, _, ctx) => (await person(ctx, e.userId)).name,
    email: (e, _, ctx) => email(ctx, e.userId),
  },
  AccessReviewToken: {
    id: (t) => t.token._id,
    name: (t) => t.token.name ?? t.token._id,
    scopes: (t) => t.token.scopes,
    workspaceIds: (t) => t.token.workspaceIds ?? null,
    expiresAt: (t) => t.token.expiresAt,
  },
  AccessScopePermissions: {
    scope: (s) => s.node,
  },
  AccessScope: {
    name: async (n, _, ctx) => (await ctx.loaders.load<{ _id: string; name?: string }>(SCOPE_MODEL[n.type], n.id))?.name ?? null,
  },
};
