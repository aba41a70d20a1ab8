// Roles, bindings, overrides, members, invitations, partner tokens and access requests.
import type { Resolvers } from '../../graphql/generated';

export const accessResolvers: Resolvers[] = [];
