// Access as code: thin, over src/modules/access/access-code.service.ts.
import type { Resolvers } from '../../generated';
import { applyAccess, approveAccessPlan, exportAccess, planAccess } from './access-code.service';

export const accessCodeResolvers: Resolvers = {
  Query: {
    exportAccess: (_, { accountId }, ctx) => exportAccess(ctx, accountId),
    planAccess: (_, { accountId, document }, ctx) => planAccess(ctx, accountId, document),
  },
  Mutation: {
    approveAccessPlan: (_, { accountId, document, planHash }, ctx) => approveAccessPlan(ctx, accountId, document, planHash),
    applyAccess: (_, { accountId, document, planHash }, ctx) => applyAccess(ctx, accountId, document, planHash),
  },
  AccessChangeSet: {
    error: (s) => s.error ?? null,
    finishedAt: (s) => s.finishedAt ?? null,
  },
};
