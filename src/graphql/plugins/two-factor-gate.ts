// Accounts that require two-factor (Account.requireTwoFactor): a signed-in member without a confirmed
// second factor may only enrol (and sign out) until they have one. Decided per operation before any
// resolver runs, from the database, so a change of the setting is in force on the next request.
// Partner API tokens are held to it through their maker, in the accounts that require it (src/identity/gate.ts).
import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context';
import { operationRootFields } from './authentication';

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
 * The identity module's rule (given in src/composition/registry.ts, `requestPolicies`): throws when the user
 * has no second factor and an account of theirs requires one.
 */
export type SecondFactorCheck = (ctx: Context, userId: string) => Promise<void>;

/** A refusal of the gate, in the audit log of each account the person owes a second factor to. */
export async function auditRefusal(ctx: Context, accountIds: string[], userId: string): Promise<void> {
  await Promise.all(
    accountIds.map((accountId) =>
      ctx.audit.record({
        accountId,
        action: 'auth.refused',
        target: { type: 'User', id: userId },
        meta: { reason: 'TWO_FACTOR_ENROLMENT_REQUIRED', method: ctx.principal?.method ?? null },
      }),
    ),
  );
}

export function twoFactorGatePlugin(assertEnrolled: SecondFactorCheck): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document }) {
          const p = contextValue.principal;
          // People with a second factor owe nothing (known with the principal: no read here).
          if (!p || p.kind !== 'user' || p.twoFactorEnabled !== false || !operation) return;
          if (operationRootFields(document, operation).every((n) => ENROLMENT_ROOT_FIELDS.has(n))) return;
          try {
            await assertEnrolled(contextValue, p.userId);
          } catch (err) {
            const ids = (err as { extensions?: { accountIds?: unknown } }).extensions?.accountIds;
            if (Array.isArray(ids)) await auditRefusal(contextValue, ids.map(String), p.userId);
            throw err;
          }
        },
      };
    },
  };
}
