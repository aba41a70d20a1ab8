import type { Resolvers } from '../../generated';
import type { AccountDoc } from '../accounts/account.model';
import { accountIdsOf } from '../../graphql';
import type { UserDoc } from './user.model';
import { login, logout, signUp } from './identity.service';
import { setUserPassword } from './admin-password.service';
import { requestPasswordReset, resetPassword, verifyEmail } from './email.service';

export const identityResolvers: Resolvers = {
  Query: {
    viewer: (_, __, ctx) => (ctx.principal ? { userId: ctx.principal.userId } : null),
  },
  Mutation: {
    signUp: (_, { input }, ctx) => signUp(ctx, input),
    login: (_, { input }, ctx) => login(ctx, input),
    logout: (_, __, ctx) => logout(ctx),
    setUserPassword: (_, { input }, ctx) => setUserPassword(ctx, input),
    verifyEmail: (_, { token }, ctx) => verifyEmail(ctx, token),
    requestPasswordReset: (_, { email }, ctx) => requestPasswordReset(ctx, email),
    resetPassword: (_, { token, password }, ctx) => resetPassword(ctx, token, password),
  },
  User: {
    emailVerified: (u) => !!u.emailVerifiedAt,
  },
  Viewer: {
    user: async ({ userId }, _, ctx) => (await ctx.loaders.load<UserDoc>('User', userId))!,
    accounts: async (_, __, ctx) => {
      const p = ctx.principal!;
      const ids = p.kind === 'token' ? [p.accountId] : await accountIdsOf(ctx, p.userId); // the two-factor gate asked the same: read once
      // Viewing as someone (src/graphql/authz/view-as.ts) shows the one account the view is in.
      const shown = ctx.viewAs ? ids.filter((id) => id === ctx.viewAs!.accountId) : ids;
      const accounts = await Promise.all(shown.map((id) => ctx.loaders.load<AccountDoc>('Account', id)));
      return accounts.filter((a): a is AccountDoc => !!a);
    },
  },
};
