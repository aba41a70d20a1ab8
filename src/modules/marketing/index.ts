// The marketing area's resolvers, merged into the schema by src/modules/index.ts.
import type { Resolvers } from '../../generated';
import { marketingResolvers as resolvers } from './marketing.resolvers';
import { verifierResolvers } from './verifier.resolvers';

export const marketingResolvers: Resolvers[] = [resolvers, verifierResolvers];
