// The marketing area's resolvers, merged into the schema by src/modules/index.ts.
import type { Resolvers } from '../../graphql/generated';

export const marketingResolvers: Resolvers[] = [];
