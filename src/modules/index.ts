// Every module's resolvers. A module is a folder: model.ts (mongoose), service.ts (rules beyond a
// plain permission check), resolvers.ts (thin: read through loaders, call services).
import { identityResolvers } from './identity/resolvers';
import { accountsResolvers } from './accounts/resolvers';

export const moduleResolvers = [identityResolvers, accountsResolvers];
