// Records what the one request log line needs (operation, principal, outcome) and logs unexpected
// errors with the request id. The line itself is written by the request middleware in src/app.ts.
import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context';
import { isUnexpected } from '../format-error';

export function loggingPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const e of errors) {
            if (isUnexpected(e)) {
              contextValue.log.error({ requestId: contextValue.requestId, err: e.originalError ?? e, path: e.path }, 'unexpected error');
            }
          }
        },
        async willSendResponse({ contextValue, operationName, response }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const codes = [...new Set((body?.errors ?? []).map((e) => String(e.extensions?.code ?? 'ERROR')))];
          Object.assign(contextValue.summary, {
            operationName: operationName ?? null,
            principalId: contextValue.principal?.id ?? null,
            outcome: codes.length ? (body?.data ? 'partial' : 'error') : 'ok',
            errorCodes: codes,
          });
        },
      };
    },
  };
}
