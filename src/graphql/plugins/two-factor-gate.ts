// Accounts that require two-factor (Account.requireTwoFactor): a signed-in member without a confirmed
// second factor may only enrol (and sign out) until they have one. Decided per operation before any
// resolver runs, from the database, so a change of the setting is in force on the next request.
// Partner API tokens are not people and are not held to it.
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type FragmentDefinitionNode } from 'graphql';
import type { Context } from '../context';
import { rootFieldNames } from './authentication';

/** What a member who still owes a second factor may do. */
export const ENROLMENT_ROOT_FIELDS = new Set([
  'enableTwoFactor',
  'confirmTwoFactor',
  'logout',
  // Public fields act on no session, even when a client still sends its old token.
  'signUp',
  'login',
  'loginWithTwoFactor',
  '__typename',
  '__schema',
  '__type',
]);

/**
 * The identity module's rule (given in src/graphql/registry.ts, `requestPolicies`): throws when the user
 * has no second factor and an account of theirs requires one.
 */
export type SecondFactorCheck = (ctx: Context, userId: string) => Promise<void>;

export function twoFactorGatePlugin(assertEnrolled: SecondFactorCheck): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document }) {
          const p = contextValue.principal;
          if (!p || p.kind !== 'user' || !operation) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
          if (rootFieldNames(operation.selectionSet, fragments).every((n) => ENROLMENT_ROOT_FIELDS.has(n))) return;
          await assertEnrolled(contextValue, p.userId);
        },
      };
    },
  };
}
