// Relay's `node(id:)`: finds which Node type an id belongs to, then answers through that type's own
// root field (`domain(id:)`, `campaign(id:)`, …), so the @requires check on that field decides —
// NOT_FOUND for another account's id, FORBIDDEN without the permission — and nothing here repeats it.
import { getNamedType, isInterfaceType, isNonNullType, type GraphQLField, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import type { IResolvers } from '@graphql-tools/utils';
import type { Context } from './context';
import { RESOURCE_TYPES } from '../authz';
import { isId } from '../db';
import { BadInputError, NotFoundError } from '../errors';

interface NodeRoute {
  typeName: string;
  model: string;
  field: GraphQLField<unknown, Context>;
}

const routesBySchema = new WeakMap<GraphQLSchema, NodeRoute[]>();

/** For each type implementing Node: its model and the root field `x(id: ID!): X` that fetches it. */
export function nodeRoutes(schema: GraphQLSchema): NodeRoute[] {
  const cached = routesBySchema.get(schema);
  if (cached) return cached;
  const node = schema.getType('Node');
  if (!node || !isInterfaceType(node)) throw new Error('the schema has no Node interface');
  const fields = Object.values(schema.getQueryType()!.getFields());
  const routes = schema.getImplementations(node).objects.map((type) => {
    const field = fields.find(
      (f) => getNamedType(f.type) === type && f.args.length === 1 && f.args[0]!.name === 'id' && isNonNullType(f.args[0]!.type),
    );
    const model = RESOURCE_TYPES[type.name]?.model;
    if (!field || !model) throw new Error(`${type.name} implements Node but has no root field ${type.name}(id: ID!) or no model`);
    return { typeName: type.name, model, field: field as GraphQLField<unknown, Context> };
  });
  routesBySchema.set(schema, routes);
  return routes;
}

const TYPENAME = '__typename';

async function node(id: string, ctx: Context, info: GraphQLResolveInfo): Promise<unknown> {
  if (typeof id !== 'string' || id.length > 100) throw new BadInputError('id is not an id of this API', 'id');
  if (!isId(id)) throw new NotFoundError('node', id);
  const routes = nodeRoutes(info.schema);
  // One point read per Node model, batched with the request's other loads of the same model.
  const found = await Promise.all(routes.map((r) => ctx.loaders.load(r.model, id)));
  const route = routes[found.findIndex((doc) => doc)];
  if (!route) throw new NotFoundError('node', id);
  const value = await route.field.resolve!(undefined, { id }, ctx, info);
  return value ? { ...(value as object), [TYPENAME]: route.typeName } : null;
}

// Typed by hand rather than with the generated resolver types: those map GraphQL types to module
// documents (src/generated, a layer above this one: ARCHITECTURE.md "Layers").
export const nodeResolvers: IResolvers<unknown, Context> = {
  Query: {
    node: (_: unknown, { id }: { id: string }, ctx: Context, info: GraphQLResolveInfo) => node(id, ctx, info),
  },
  Node: {
    __resolveType: (obj: { [TYPENAME]?: string }) => obj[TYPENAME] ?? null,
  },
};
