// Every module's resolvers. A module is a folder per area of the tree: *.model.ts (mongoose, with
// its indexes), *.service.ts (validation and the rules beyond a plain permission check, audit),
// *.resolvers.ts (thin: read through the request's loaders, call services). No permission logic
// here: the @requires/@sensitive directives on schema/*.graphql do that.
import { identityResolvers } from './identity/identity.resolvers';
import { twoFactorResolvers } from './identity/two-factor.resolvers';
import { accountsResolvers } from './accounts/accounts.resolvers';
import { accessResolvers } from './access';
import { sendingResolvers } from './sending';
import { marketingResolvers } from './marketing';
import { testingResolvers } from './testing';
import { billingResolvers } from './billing';
import { auditResolvers } from '../audit/resolvers';
import { catalogueResolvers } from './catalogue/catalogue.resolvers';
import { nodeResolvers } from '../graphql/node';
import { navigationResolvers } from './navigation/navigation.resolvers';
import { reportsResolvers } from './reports/reports.resolvers';
import { scimResolvers } from '../scim/scim.resolvers';
import { ssoResolvers } from '../sso/sso.resolvers';

export const moduleResolvers = [
  identityResolvers,
  twoFactorResolvers,
  accountsResolvers,
  ...accessResolvers,
  ...sendingResolvers,
  ...marketingResolvers,
  ...testingResolvers,
  ...billingResolvers,
  auditResolvers,
  catalogueResolvers,
  nodeResolvers,
  navigationResolvers,
  reportsResolvers,
  scimResolvers,
  ssoResolvers,
];
