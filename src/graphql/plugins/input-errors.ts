// A bad value is BAD_USER_INPUT with the `field` it was given for, wherever it came from. GraphQL
// reports a value written inline in the query as a validation failure (GRAPHQL_VALIDATION_FAILED) and
// the same value sent in variables as a coercion failure (BAD_USER_INPUT, without the field): both
// are marked here with the input field (or argument) they were given for, and src/graphql/format-error.ts
// answers both as BAD_USER_INPUT.
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, visit, type ASTNode, type DocumentNode, type GraphQLError } from 'graphql';
import type { Context } from '../context';
import { ErrorCode } from '../../errors';

/** Set on a validation error about a bad value (read by formatError). */
export const BAD_VALUE = 'badUserInput';

const VALUE_KINDS = new Set<string>([Kind.STRING, Kind.INT, Kind.FLOAT, Kind.BOOLEAN, Kind.NULL, Kind.ENUM, Kind.LIST, Kind.OBJECT]);

/** The input field or argument whose value is `target` (the nearest named one). */
function fieldOf(document: DocumentNode, target: ASTNode): string | undefined {
  const names: string[] = [];
  let found: string | undefined;
  visit(document, {
    enter(node) {
      if (found) return false;
      if (node.kind === Kind.OBJECT_FIELD || node.kind === Kind.ARGUMENT) names.push(node.name.value);
      if (node === target) found = names[names.length - 1];
      return undefined;
    },
    leave(node) {
      if (node.kind === Kind.OBJECT_FIELD || node.kind === Kind.ARGUMENT) names.pop();
    },
  });
  return found;
}

/** The argument a variable is passed to. */
function argumentOf(document: DocumentNode, variable: string): string | undefined {
  let found: string | undefined;
  visit(document, {
    Argument(node) {
      if (!found && node.value.kind === Kind.VARIABLE && node.value.name.value === variable) found = node.name.value;
    },
  });
  return found;
}

function mark(error: GraphQLError, field: string | undefined): void {
  const ext = error.extensions as Record<string, unknown>;
  if (field && ext.field === undefined) ext.field = field;
}

export function inputErrorsPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async validationDidStart({ document }) {
          return async (errors?: readonly Error[]) => {
            for (const e of (errors ?? []) as readonly GraphQLError[]) {
              const node = e.nodes?.[0];
              if (!node || !VALUE_KINDS.has(node.kind)) continue;
              (e.extensions as Record<string, unknown>)[BAD_VALUE] = true;
              mark(e, fieldOf(document, node));
            }
          };
        },
        async didEncounterErrors({ errors, document }) {
          for (const e of errors) {
            if (e.extensions?.code !== ErrorCode.BAD_USER_INPUT || !document) continue;
            const m = /^Variable "\$(\w+)" got invalid value .*?(?: at "([^"]+)")?;/s.exec(e.message);
            if (!m) continue;
            const path = m[2]?.split('.') ?? [];
            mark(e, path.length > 1 ? path[path.length - 1]!.replace(/\[\d+\]$/, '') : argumentOf(document, m[1]!));
          }
        },
      };
    },
  };
}
