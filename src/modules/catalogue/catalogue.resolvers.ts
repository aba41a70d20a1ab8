import type { Resolvers } from '../../graphql/generated';
import { permissionCatalogue } from './permissions';

const entries = permissionCatalogue();

export const catalogueResolvers: Resolvers = {
  Query: {
    permissionCatalogue: () => entries,
  },
};
