// UNAUTHENTICATED, decided once per operation before any resolver runs (docs/api.md "Authentication", "Errors"):
// - without a token, for every root field but the public ones;
// - with a token that is unknown, expired or revoked, for every operation but those that issue new
//   credentials (signing in again must work): `viewer` and introspection too, so a client learns at
//   once that its token is dead instead of reading a null viewer.
// One message for all of these (src/errors.ts).
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Context } from '../context';
import { UnauthenticatedError } from '../../errors';

/** Root fields that work without a token. */
export const PUBLIC_ROOT_FIELDS = new Set([
  'signUp',
  'login',
  'loginWithTwoFactor',
  'acceptInvitation',
  'verifyEmail',
  'requestPasswordReset',
  'resetPassword',
  'viewer',
  'permissionCatalogue',
  '__typename',
  '__schema',
  '__type',
]);

/** Public root fields that read rather than sign in: refused when a dead token is sent. */
const READ_ONLY_PUBLIC = new Set(['viewer', 'permissionCatalogue', '__typename', '__schema', '__type']);

/** Root fields that work even with a dead token: they issue new credentials. */
export function issuesCredentials(field: string): boolean {
  return PUBLIC_ROOT_FIELDS.has(field) && !READ_ONLY_PUBLIC.has(field);
}

function rootFieldNames(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, seen = new Set<string>()): string[] {
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

const rootFieldsOf = new WeakMap<OperationDefinitionNode, readonly string[]>();

/**
 * The root fields an operation selects, through its fragments: worked out once per operation and shared
 * by the plugins that decide by them (authentication, the rate limit, the two-factor gate).
 */
export function operationRootFields(document: DocumentNode, operation: OperationDefinitionNode): readonly string[] {
  let names = rootFieldsOf.get(operation);
  if (!names) {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
    names = rootFieldNames(operation.selectionSet, fragments);
    rootFieldsOf.set(operation, names);
  }
  return names;
}

export function authenticationPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document }) {
          if (contextValue.principal || !operation) return;
          const fields = operationRootFields(document, operation);
          const refused = contextValue.authRejected ? !fields.every(issuesCredentials) : fields.some((n) => !PUBLIC_ROOT_FIELDS.has(n));
          if (refused) throw new UnauthenticatedError();
        },
      };
    },
  };
}
