// Writes the request's `secret.revealed` events (one per account, listing what was revealed) once,
// when the response is ready and before it is sent: awaited, so a reveal is never sent unaudited.
// If the write fails, every revealed value is withheld: replaced by null with an error at its path
// (code SERVICE_UNAVAILABLE), while the rest of the response stands; HTTP 503 for a query (retry
// it), 200 for a mutation (its effect happened and is reported).
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { Context } from '../graphql';
import { ErrorCode } from '../errors';

export const WITHHELD_MESSAGE = 'This secret is withheld: its reveal could not be recorded in the audit log. Try again shortly.';

/** Sets the value at `path` in `data` to null (when the path still exists). */
function nullAt(data: Record<string, unknown>, path: readonly (string | number)[]): boolean {
  let node: unknown = data;
  for (let i = 0; i < path.length - 1; i++) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<string | number, unknown>)[path[i]!];
  }
  const key = path[path.length - 1]!;
  if (node === null || typeof node !== 'object' || !(key in (node as object))) return false;
  (node as Record<string | number, unknown>)[key] = null;
  return true;
}

export function revealAuditPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response, operation }) {
          const audit = contextValue.audit;
          if (audit.pendingReveals.length === 0) return;
          const reveals = [...audit.pendingReveals];
          try {
            await audit.writeReveals();
          } catch (err) {
            contextValue.log.error(
              { requestId: contextValue.requestId, err, reveals: reveals.length },
              'reveal audit failed: secrets withheld',
            );
            if (response.body.kind !== 'single') return; // no incremental delivery in this gateway
            const result = response.body.singleResult;
            const data = result.data as Record<string, unknown> | null | undefined;
            const errors: GraphQLFormattedError[] = [...(result.errors ?? [])];
            for (const r of reveals) {
              if (data && nullAt(data, r.path)) {
                errors.push({ message: WITHHELD_MESSAGE, path: r.path, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } });
              }
            }
            result.errors = errors;
            // A query did nothing that a retry would repeat: 503 like any request the database
            // failed (src/graphql/plugins/unavailable.ts). A mutation's effect stands: 200, partial.
            if (operation?.operation !== 'mutation') {
              response.http.status = 503;
              response.http.headers.set('retry-after', '1');
            }
            // The logging plugin's hook has already summed up the outcome: the request is now partial.
            const codes = new Set(contextValue.summary.errorCodes ?? []);
            codes.add(ErrorCode.SERVICE_UNAVAILABLE);
            Object.assign(contextValue.summary, { outcome: data ? 'partial' : 'error', errorCodes: [...codes] });
          }
        },
      };
    },
  };
}
