// enableTwoFactor, confirmTwoFactor and disableTwoFactor act on the caller only (no @requires, like
// updateMySettings); loginWithTwoFactor is public (the challenge is the credential).
import type { Resolvers } from '../../generated';
import { confirmTwoFactor, disableTwoFactor, enableTwoFactor, setRequireTwoFactor, twoFactorEnabled } from './two-factor.service';
import { loginWithTwoFactor } from './gate.service';

export const twoFactorResolvers: Resolvers = {
  Mutation: {
    enableTwoFactor: (_, __, ctx) => enableTwoFactor(ctx),
    confirmTwoFactor: (_, { code }, ctx) => confirmTwoFactor(ctx, code),
    disableTwoFactor: (_, { code }, ctx) => disableTwoFactor(ctx, code),
    loginWithTwoFactor: (_, { input }, ctx) => loginWithTwoFactor(ctx, input),
    setRequireTwoFactor: (_, { input }, ctx) => setRequireTwoFactor(ctx, input),
  },
  Viewer: {
    twoFactorEnabled: ({ userId }) => twoFactorEnabled(userId),
  },
  Account: {
    requireTwoFactor: (account) => !!account.requireTwoFactor,
    trustIdpMfa: (account) => !!account.trustIdpMfa,
  },
};
