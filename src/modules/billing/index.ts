// The billing area's resolvers (billing, support tickets) and the user's own settings
// (updateMySettings), merged into the schema by src/modules/index.ts.
import type { Resolvers } from '../../generated';
import { billingResolvers as billing } from './billing.resolvers';
import { settingsResolvers } from '../identity/settings.resolvers';

export const billingResolvers: Resolvers[] = [billing, settingsResolvers];
