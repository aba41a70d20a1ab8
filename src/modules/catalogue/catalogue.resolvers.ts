import type { Resolvers } from '../../generated';
import { permissionCatalogue } from './permissions';

const entries = permissionCatalogue();

export const catalogueResolvers: Resolvers = {
  Query: {
    permissionCatalogue: () => entries,
  },
};
