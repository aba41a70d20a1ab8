// UNAUTHENTICATED for every root field but the public ones (CONTRACT.md "Errors"), decided once per
// operation before any resolver runs.
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Context } from '../context';
import { UnauthenticatedError } from '../../errors';

/** Root fields that work without a valid token. */
export const PUBLIC_ROOT_FIELDS = new Set([
  'signUp',
  'login',
  'acceptInvitation',
  'verifyEmail',
  'requestPasswordReset',
  'resetPassword',
  'viewer',
  '__typename',
  '__schema',
  '__type',
]);

export function rootFieldNames(
  set: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): string[] {
  const names: string[] = [];
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) names.push(sel.name.value);
    else if (sel.kind === Kind.INLINE_FRAGMENT) names.push(...rootFieldNames(sel.selectionSet, fragments, seen));
    else if (sel.kind === Kind.FRAGMENT_SPREAD && !seen.has(sel.name.value)) {
      seen.add(sel.name.value);
      const frag = fragments[sel.name.value];
      if (frag) names.push(...rootFieldNames(frag.selectionSet, fragments, seen));
    }
  }
  return names;
}

export function authenticationPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document }) {
          if (contextValue.principal || !operation) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
          const needsLogin = rootFieldNames(operation.selectionSet, fragments).some((n) => !PUBLIC_ROOT_FIELDS.has(n));
          if (needsLogin) {
            throw new UnauthenticatedError(
              contextValue.authRejected ? 'The bearer token is unknown, expired or revoked: sign in again.' : undefined,
            );
          }
        },
      };
    },
  };
}
