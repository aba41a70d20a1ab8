// Query cost limit (graphql-query-complexity), computed with the request's variables once the
// operation is known, before any resolver runs. The cost counts objects, as GitHub's node limit does:
// an object field costs 1 plus what it selects, a scalar nothing, and a connection its page size
// (`first`, default 50, capped at 500) times one item, so nested pages multiply as in the database.
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, getNamedType, isLeafType, type DocumentNode } from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { Context } from '../context';
import { DEFAULT_PAGE, MAX_PAGE } from '../connection';
import { ErrorCode } from '../../errors';

export const connectionEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (!field.args.some((a) => a.name === 'first')) return undefined;
  const first = typeof args.first === 'number' && Number.isFinite(args.first) ? Math.min(Math.max(args.first, 0), MAX_PAGE) : DEFAULT_PAGE;
  return 1 + first * childComplexity;
};

/** Scalars and enums cost nothing: the limit is on objects fetched. */
export const leafEstimator: ComplexityEstimator = ({ field }) => (isLeafType(getNamedType(field.type)) ? 0 : undefined);

const ESTIMATORS = [connectionEstimator, leafEstimator, simpleEstimator({ defaultComplexity: 1 })];
/** Costs per variables a document was run with (at most this many kept per document). */
const COSTS_PER_DOCUMENT = 32;

export function complexityPlugin(maxCost: number): ApolloServerPlugin<Context> {
  // The cost depends only on the schema, the document, the operation and the variables. Apollo hands
  // the same parsed document to every request of the same query (its document cache), so a query run
  // again with the same variables (a dashboard polled) is costed once, not walked on every request.
  const costs = new WeakMap<DocumentNode, Map<string, number>>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operationName }) {
          let known = costs.get(document);
          const key = `${operationName ?? ''}\u0000${JSON.stringify(request.variables ?? {})}`;
          let cost = known?.get(key);
          if (cost === undefined) {
            try {
              cost = getComplexity({
                schema,
                query: document,
                variables: request.variables ?? {},
                operationName: operationName ?? undefined,
                estimators: ESTIMATORS,
              });
            } catch {
              // Variables that do not coerce: execution reports them as BAD_USER_INPUT.
              return;
            }
            if (!known) costs.set(document, (known = new Map()));
            if (known.size >= COSTS_PER_DOCUMENT) known.delete(known.keys().next().value!);
            known.set(key, cost);
          }
          if (cost > maxCost) {
            throw new GraphQLError(
              `Query is too costly: ${cost} exceeds the limit of ${maxCost}. Ask for smaller pages (first) or fewer nested lists.`,
              {
                extensions: { code: ErrorCode.BAD_USER_INPUT, cost, maxCost, http: { status: 400 } },
              },
            );
          }
        },
      };
    },
  };
}
