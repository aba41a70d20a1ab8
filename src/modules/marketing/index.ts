// The marketing area's resolvers, merged into the schema by src/modules/index.ts.
import type { Resolvers } from '../../graphql/generated';
import { marketingResolvers as resolvers } from './marketing.resolvers';

export const marketingResolvers: Resolvers[] = [resolvers];
