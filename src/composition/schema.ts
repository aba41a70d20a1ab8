// Builds the executable schema: SDL from schema/*.graphql, resolvers from each module, scalars from
// graphql-scalars, then the permission notes in descriptions (permission-docs.ts) and the authorization
// directives (src/graphql/authz/directives.ts).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { mergeResolvers } from '@graphql-tools/merge';
import { isObjectType, type GraphQLSchema } from 'graphql';
import { DateTimeResolver, EmailAddressResolver, JSONResolver, NonEmptyStringResolver, URLResolver } from 'graphql-scalars';
import { applyAuthzDirectives, describePermissions } from '../graphql';
import { schemaDir } from '../paths';
import { moduleResolvers, moduleVisibility, registerModules } from './registry';

export function loadTypeDefs(dir = schemaDir): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'));
}

const scalars = {
  DateTime: DateTimeResolver,
  EmailAddress: EmailAddressResolver,
  URL: URLResolver,
  NonEmptyString: NonEmptyStringResolver,
  JSON: JSONResolver,
};

/** Documents keep their id in `_id`: every `id` field without a resolver of its own reads it. */
function idResolvers(schema: GraphQLSchema, resolvers: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    if (type.getFields().id && !resolvers[type.name]?.id) {
      out[type.name] = { id: (d: { _id?: string; id?: string }) => d._id ?? d.id };
    }
  }
  return out;
}

/** The schema without authorization wrappers (benchmarks compare against it). */
export function buildBareSchema(): GraphQLSchema {
  registerModules();
  const typeDefs = loadTypeDefs();
  const resolvers = mergeResolvers([scalars, ...moduleResolvers]) as Record<string, Record<string, unknown>>;
  const untyped = makeExecutableSchema({ typeDefs });
  return makeExecutableSchema({
    typeDefs,
    resolvers: mergeResolvers([resolvers, idResolvers(untyped, resolvers)]),
    inheritResolversFromInterfaces: true,
  });
}

/** The served schema: descriptions name each field's permission, and the directives enforce it. */
export function buildSchema(): GraphQLSchema {
  return applyAuthzDirectives(describePermissions(buildBareSchema()), { visibility: moduleVisibility });
}
