// The email verifier's resolvers (MC10): thin, the rules are in verifier.service.ts.
import type { Resolvers } from '../../generated';
import { verificationsThisMonth } from '../billing/verifications.service';
import { verifyEmailAddress } from './verifier.service';

export const verifierResolvers: Resolvers = {
  Mutation: {
    verifyEmailAddress: (_, { input }, ctx) => verifyEmailAddress(ctx, input),
  },
  Billing: {
    verificationsThisMonth: (b) => verificationsThisMonth(b.accountId),
  },
};
