// The sending area's resolvers, merged into the schema by src/modules/index.ts.
import type { Resolvers } from '../../generated';
import { sendingResolvers as resolvers } from './sending.resolvers';

export const sendingResolvers: Resolvers[] = [resolvers];
export { deleteDomainChildren } from './domain.service';
