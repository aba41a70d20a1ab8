// The same authorization rules as Postern's directives, written the way a graphql-shield user would:
// shield rules (graphql-shield) for allow/deny, and graphql-middleware field middlewares for what a
// rule cannot express (narrowing a connection to the visible items, masking or revealing a secret).
// Built on the bare schema (same SDL, same resolvers); the benchmark compares its throughput with
// buildSchema()'s on the same query and data.
import { getNamedType, isObjectType, type GraphQLSchema } from 'graphql';
import { getDirective } from '@graphql-tools/utils';
import { applyMiddleware, type IMiddlewareFunction } from 'graphql-middleware';
import { allow, and, rule, shield } from 'graphql-shield';
import {
  permissionBit,
  permissionResource,
  allowed,
  type CompiledPermissions,
  accountIdOf,
  PERMISSION_TARGET,
  RESOURCE_TYPES,
  scopeOf,
  ACCESS_VISIBILITY,
  defaultVisibility,
} from '../src/authz';
import { directiveUses, locateTarget, mask, type MaskStyle } from '../src/graphql/authz';
import { moduleVisibility } from '../src/composition/registry';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../src/errors';
import { VISIBILITY, visibilityFilter } from '../src/graphql/connection';
import type { Context } from '../src/graphql/context';
import { buildBareSchema } from '../src/composition/schema';

type Doc = Record<string, unknown> & { _id: string };
type Rule = ReturnType<ReturnType<typeof rule>>;

async function compiledFor(ctx: Context, accountId: string | undefined): Promise<CompiledPermissions | null> {
  if (!accountId) return null;
  const c = ctx.authz.peek(accountId);
  return c !== undefined ? c : ctx.authz.load(accountId);
}

/** Root field: the object named by the arguments, loaded through the request's loaders. */
function rootRule(fieldName: string, permission: string): Rule {
  const bit = permissionBit(permission);
  const ownType = PERMISSION_TARGET[permissionResource(permission)];
  return rule(`root:${fieldName}:${permission}`, { cache: 'no_cache' })(async (_parent, args: Record<string, unknown>, ctx: Context) => {
    if (!ctx.principal) return new UnauthenticatedError();
    const target = locateTarget(fieldName, permission, args);
    const rt = target && RESOURCE_TYPES[target.type];
    const doc = target && rt ? await ctx.loaders.load<Doc>(rt.model, target.id) : null;
    if (!target || !rt || !doc) return new NotFoundError();
    const compiled = await compiledFor(ctx, accountIdOf(target.type, doc));
    if (!compiled) return new NotFoundError(target.type, doc._id);
    return allowed(compiled, bit, doc, rt.chain, target.type === ownType) || new ForbiddenError(permission, scopeOf(target.type, doc));
  });
}

/** Field of a resource type: the parent object. One rule per (type, permission): graphql-shield refuses two rules of one name. */
const fieldRules = new Map<string, Rule>();
function fieldRule(typeName: string, permission: string): Rule {
  const key = `${typeName}:${permission}`;
  let made = fieldRules.get(key);
  if (!made) fieldRules.set(key, (made = newFieldRule(typeName, permission)));
  return made;
}

function newFieldRule(typeName: string, permission: string): Rule {
  const bit = permissionBit(permission);
  const chain = RESOURCE_TYPES[typeName]!.chain;
  const own = PERMISSION_TARGET[permissionResource(permission)] === typeName;
  return rule(`field:${typeName}:${permission}`, { cache: 'no_cache' })(async (parent: Doc, _args, ctx: Context) => {
    if (!ctx.principal) return new UnauthenticatedError();
    const compiled = await compiledFor(ctx, accountIdOf(typeName, parent));
    if (!compiled) return new NotFoundError(typeName, parent._id);
    return allowed(compiled, bit, parent, chain, own) || new ForbiddenError(permission, scopeOf(typeName, parent));
  });
}

/** Connection: everything when held on the parent, the visible items when held on some, else FORBIDDEN. */
function connectionMiddleware(typeName: string, itemType: string, permission: string): IMiddlewareFunction {
  const bit = permissionBit(permission);
  const chain = RESOURCE_TYPES[typeName]!.chain;
  return async (resolve, parent: Doc, args: Record<string | symbol, unknown>, ctx: Context, info) => {
    if (!ctx.principal) throw new UnauthenticatedError();
    const compiled = await compiledFor(ctx, accountIdOf(typeName, parent));
    if (!compiled) throw new NotFoundError(typeName, parent._id);
    if (allowed(compiled, bit, parent, chain, false)) return resolve(parent, args, ctx, info);
    const strategy = moduleVisibility[itemType] ?? ACCESS_VISIBILITY[itemType] ?? defaultVisibility;
    const visible = await strategy({ compiled, bit, parent, parentChain: chain, itemType, store: ctx.access });
    if (!visible) throw new ForbiddenError(permission, scopeOf(typeName, parent));
    return resolve(parent, { ...args, [VISIBILITY]: visibilityFilter(visible) }, ctx, info);
  };
}

/** @sensitive: masked without the permission, revealed (and audited) with it. */
function sensitiveMiddleware(typeName: string, fieldName: string, permission: string, style: MaskStyle): IMiddlewareFunction {
  const bit = permissionBit(permission);
  const chain = RESOURCE_TYPES[typeName]!.chain;
  return async (resolve, parent: Doc, args, ctx: Context, info) => {
    if (!ctx.principal) throw new UnauthenticatedError();
    const accountId = accountIdOf(typeName, parent);
    const compiled = await compiledFor(ctx, accountId);
    const value: unknown = await resolve(parent, args, ctx, info);
    if (!compiled || !allowed(compiled, bit, parent, chain, false)) return mask(value, style);
    if (value !== null && value !== undefined && accountId) {
      await ctx.audit.record({
        accountId,
        workspaceId: (parent.workspaceId as string | undefined) ?? null,
        action: 'secret.revealed',
        target: { type: typeName, id: parent._id },
        meta: { field: fieldName, permission, scope: scopeOf(typeName, parent) },
      });
    }
    return value;
  };
}

/** The bare schema with graphql-shield rules and graphql-middleware middlewares implementing Postern's directives. */
export function buildShieldSchema(): GraphQLSchema {
  const bare = buildBareSchema();
  const rules: Record<string, Record<string, Rule[]>> = {};
  const middlewares: Record<string, Record<string, IMiddlewareFunction>> = {};
  for (const use of directiveUses(bare)) {
    const type = bare.getType(use.type);
    const fieldDef = isObjectType(type) ? type.getFields()[use.field] : undefined;
    if (!fieldDef) continue;
    const addRule = (r: Rule) => ((rules[use.type] ??= {})[use.field] ??= []).push(r);
    if (use.mode === 'root') addRule(rootRule(use.field, use.permission));
    else if (use.mode === 'field') addRule(fieldRule(use.type, use.permission));
    else if (use.mode === 'connection') {
      const itemType = getNamedType(fieldDef.type).name.slice(0, -'Connection'.length);
      (middlewares[use.type] ??= {})[use.field] = connectionMiddleware(use.type, itemType, use.permission);
    } else {
      const style = (getDirective(bare, fieldDef, 'sensitive')?.[0]?.mask as MaskStyle | undefined) ?? 'FULL';
      (middlewares[use.type] ??= {})[use.field] = sensitiveMiddleware(use.type, use.field, use.permission, style);
    }
  }
  const ruleTree = Object.fromEntries(
    Object.entries(rules).map(([type, fields]) => [
      type,
      Object.fromEntries(Object.entries(fields).map(([field, rs]) => [field, rs.length === 1 ? rs[0]! : and(...rs)])),
    ]),
  );
  const permissions = shield(ruleTree, { fallbackRule: allow, allowExternalErrors: true });
  return applyMiddleware(bare, permissions, middlewares);
}
