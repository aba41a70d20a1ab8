// The testing area's resolvers, merged into the schema by src/modules/index.ts.
import type { Resolvers } from '../../generated';
import { testingResolvers as testing } from './testing.resolvers';

export const testingResolvers: Resolvers[] = [testing];
