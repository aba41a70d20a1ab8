// Per GraphQL operation: count and latency by name, type and outcome; FORBIDDEN answers by the
// missing permission (also an `authz.denied` event on the trace); resolvers that met a database error
// (src/observability/metrics.ts).
import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context';
import { traceDenial, countDenial, dbErrors, graphqlDuration, graphqlOperations, operationLabel } from '../../observability';
import { ErrorCode } from '../../errors';

export function metricsPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors }) {
          for (const e of errors) {
            const name = e.originalError?.name ?? '';
            if (name.startsWith('Mongo')) dbErrors.inc({ kind: 'query_failed' });
          }
        },
        async willSendResponse({ contextValue, operation, operationName, response }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const errors = body?.errors ?? [];
          for (const e of errors) {
            if (e.extensions?.code !== ErrorCode.FORBIDDEN) continue;
            countDenial(e.extensions.permission);
            traceDenial(String(e.extensions.permission), e.path?.join('.'));
          }
          const labels = {
            operation: operationLabel(operationName, contextValue.principal?.id),
            type: operation?.operation ?? 'unknown',
            outcome: errors.length ? (body?.data ? 'partial' : 'error') : 'ok',
          };
          graphqlOperations.inc(labels);
          graphqlDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}
