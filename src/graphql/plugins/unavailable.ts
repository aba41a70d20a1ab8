// A request that failed because the database is unreachable is answered with HTTP 503 (and
// Retry-After), not 200-with-errors or 500: the client should retry, nothing was done for it.
// The errors themselves carry SERVICE_UNAVAILABLE (src/graphql/format-error.ts).
import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context';
import { ErrorCode } from '../../errors';

export function unavailablePlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (!errors?.some((e) => e.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE)) return;
          response.http.status = 503;
          response.http.headers.set('retry-after', '1');
        },
      };
    },
  };
}
