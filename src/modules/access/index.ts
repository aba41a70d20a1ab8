// Roles, bindings, overrides, members, invitations, partner tokens and access requests.
import type { Resolvers } from '../../generated';
import { tokensResolvers } from './tokens.resolvers';
import { requestsResolvers } from './requests.resolvers';
import { accessManagementResolvers } from './access.resolvers';
import { peopleResolvers } from './people.resolvers';
import { insightResolvers } from './insight.resolvers';
import { previewResolvers } from './preview.resolvers';
import { accessCodeResolvers } from './access-code.resolvers';

export const accessResolvers: Resolvers[] = [
  tokensResolvers,
  requestsResolvers,
  accessManagementResolvers,
  peopleResolvers,
  insightResolvers,
  previewResolvers,
  accessCodeResolvers,
];
