// updateMySettings carries no @requires: everyone may edit their own profile (docs/design.md "Rules no role can break"). The
// authentication plugin refuses it without a valid token; the service acts only on the caller.
import type { Resolvers } from '../../generated';
import { updateMySettings } from './settings.service';

export const settingsResolvers: Resolvers = {
  Mutation: {
    updateMySettings: (_, { input }, ctx) => updateMySettings(ctx, input),
  },
};
