// @requires and @sensitive (docs/design.md "Where the checks live"; docs/api.md "Permissions on fields", "Masking"), applied with mapSchema/getDirective. Only annotated fields
// are wrapped; every other field runs untouched. The wrappers are the only callers of the checker on
// the read path: resolvers contain no permission logic.
import {
  defaultFieldResolver,
  getNamedType,
  responsePathAsArray,
  isNonNullType,
  type GraphQLFieldConfig,
  type GraphQLSchema,
} from 'graphql';
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  parsePermission,
  permissionBit,
  permissionResource,
  UnknownPermissionError,
  allowed,
  type CompiledPermissions,
  GENERAL_KEYS,
  ID_TARGET_BY_FIELD,
  KEY_MODEL,
  PARENT_KEYS,
  PERMISSION_TARGET,
  RESOURCE_TYPES,
  SCOPE_MODEL,
  accountIdOf,
  scopeOf,
  type ScopeType,
  ACCESS_VISIBILITY,
  defaultVisibility,
  type VisibilityStrategy,
} from '../../authz';
import { VISIBILITY, visibilityFilter } from '../connection';
import type { Context } from '../context';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../../errors';
import { secretReveals, traceReveal } from '../../observability';

type Doc = Record<string, unknown> & { _id: string };
type Resolver = NonNullable<GraphQLFieldConfig<unknown, Context>['resolve']>;

export class SchemaDirectiveError extends Error {
  constructor(message: string) {
    super(`Schema directive error: ${message}`);
    this.name = 'SchemaDirectiveError';
  }
}

export const MASKS = { PARTIAL: 'PARTIAL', FULL: 'FULL', NULL: 'NULL' } as const;
export type MaskStyle = keyof typeof MASKS;

const MASKED_FULL = '••••••••';
const MASK_PREFIX = '••••';

export function mask(value: unknown, style: MaskStyle): string | null {
  if (value === null || value === undefined || style === 'NULL') return null;
  if (style === 'FULL') return MASKED_FULL;
  const s = String(value);
  return `${MASK_PREFIX}${s.length > 4 ? s.slice(-4) : ''}`;
}

function checkedPermission(permission: unknown, where: string): { text: string; bit: number } {
  try {
    const p = parsePermission(String(permission));
    return { text: p.text, bit: permissionBit(p.text) };
  } catch (err) {
    if (err instanceof UnknownPermissionError) throw new SchemaDirectiveError(`${where}: ${err.message}`);
    throw err;
  }
}

function requireLogin(ctx: Context): void {
  if (!ctx.principal) throw new UnauthenticatedError();
}

/** The compiled permissions for a document's account: synchronous once loaded in this request. */
function compiledFor(ctx: Context, accountId: string | undefined): CompiledPermissions | null | Promise<CompiledPermissions | null> {
  if (!accountId) return null;
  const c = ctx.authz.peek(accountId);
  return c !== undefined ? c : ctx.authz.load(accountId);
}

// ---------------------------------------------------------------------------------------------
// Root fields: the resource is the object named by the arguments.

export interface TargetRef {
  type: string;
  id: unknown;
}

/** The input-object arguments a root field's target is looked up in (previewAccessChange takes a `change`). */
export const INPUT_ARGS: readonly string[] = ['input', 'change'];

export function locateTarget(fieldName: string, permission: string, args: Record<string, unknown>): TargetRef | null {
  const res = permissionResource(permission);
  const named = INPUT_ARGS.map((k) => args[k]).find((v) => !!v && typeof v === 'object');
  const input = (named as Record<string, unknown> | undefined) ?? args;
  const id = args.id ?? input.id;
  if (id !== undefined) {
    const type = ID_TARGET_BY_FIELD[fieldName] ?? PERMISSION_TARGET[res];
    return type ? { type, id } : null;
  }
  const scope = input.scope as { type?: ScopeType; id?: unknown } | undefined;
  if (scope && typeof scope === 'object' && scope.type && SCOPE_MODEL[scope.type]) {
    return { type: SCOPE_MODEL[scope.type], id: scope.id };
  }
  for (const key of PARENT_KEYS[res] ?? []) if (input[key] !== undefined) return { type: KEY_MODEL[key]!, id: input[key] };
  for (const [key, type] of GENERAL_KEYS) if (input[key] !== undefined) return { type, id: input[key] };
  return null;
}

function hasLocatableArgs(field: GraphQLFieldConfig<unknown, Context>, schema: GraphQLSchema): boolean {
  const names = new Set<string>(Object.keys(field.args ?? {}));
  for (const arg of INPUT_ARGS) {
    const input = field.args?.[arg];
    if (!input) continue;
    const t = getNamedType(input.type);
    if ('getFields' in t) for (const n of Object.keys(t.getFields())) names.add(n);
  }
  void schema;
  return names.has('id') || names.has('scope') || GENERAL_KEYS.some(([k]) => names.has(k));
}

/**
 * What @requires decides for a root field called with `args`, without running it: UNAUTHENTICATED and
 * NOT_FOUND are thrown as the field would throw them; a denial is returned as the FORBIDDEN error the
 * field would raise (`denied`), with the account of the target either way. previewAccessChange asks
 * it about the mutation it previews.
 */
export async function decideRoot(
  ctx: Context,
  fieldName: string,
  perm: { text: string; bit: number },
  args: Record<string, unknown>,
): Promise<{ accountId: string; denied: ForbiddenError | null }> {
  requireLogin(ctx);
  const target = locateTarget(fieldName, perm.text, args);
  if (!target) throw new NotFoundError();
  const rt = RESOURCE_TYPES[target.type];
  const doc = rt ? await ctx.loaders.load<Doc>(rt.model, target.id) : null;
  if (!doc || !rt) throw new NotFoundError(target.type, typeof target.id === 'string' ? target.id : undefined);
  const compiled = await compiledFor(ctx, accountIdOf(target.type, doc));
  if (!compiled) throw new NotFoundError(target.type, doc._id);
  const ownApplies = target.type === PERMISSION_TARGET[permissionResource(perm.text)];
  const denied = allowed(compiled, perm.bit, doc, rt.chain, ownApplies)
    ? null
    : new ForbiddenError(perm.text, scopeOf(target.type, doc), ctx.principal);
  return { accountId: compiled.accountId, denied };
}

/** The permission a root field's @requires names, as decideRoot takes it (null: the field is not guarded). */
export function rootPermission(
  schema: GraphQLSchema,
  typeName: 'Query' | 'Mutation',
  fieldName: string,
): { text: string; bit: number } | null {
  const root = typeName === 'Query' ? schema.getQueryType() : schema.getMutationType();
  const field = root?.getFields()[fieldName];
  const req = field ? getDirective(schema, field, 'requires')?.[0] : undefined;
  return req ? checkedPermission(req.permission, `@requires on ${typeName}.${fieldName}`) : null;
}

function wrapRoot(fieldName: string, perm: { text: string; bit: number }, resolve: Resolver): Resolver {
  return async (source, args, ctx, info) => {
    const { denied } = await decideRoot(ctx, fieldName, perm, args as Record<string, unknown>);
    if (denied) throw denied;
    return resolve(source, args, ctx, info);
  };
}

// ---------------------------------------------------------------------------------------------
// Fields of a type: the resource is the parent object.

function wrapField(typeName: string, perms: { text: string; bit: number }[], resolve: Resolver): Resolver {
  const chain = RESOURCE_TYPES[typeName]!.chain;
  const ownApplies = perms.map((p) => PERMISSION_TARGET[permissionResource(p.text)] === typeName);
  const decide = (parent: Doc, compiled: CompiledPermissions | null, ctx: Context): void => {
    if (!compiled) throw new NotFoundError(typeName, parent._id);
    for (let i = 0; i < perms.length; i++) {
      if (!allowed(compiled, perms[i]!.bit, parent, chain, ownApplies[i]!)) {
        throw new ForbiddenError(perms[i]!.text, scopeOf(typeName, parent), ctx.principal);
      }
    }
  };
  return (parent, args, ctx, info) => {
    requireLogin(ctx);
    const doc = parent as Doc;
    const c = compiledFor(ctx, accountIdOf(typeName, doc));
    if (c instanceof Promise) {
      return c.then((compiled) => {
        decide(doc, compiled, ctx);
        return resolve(parent, args, ctx, info);
      });
    }
    decide(doc, c, ctx);
    return resolve(parent, args, ctx, info);
  };
}

// ---------------------------------------------------------------------------------------------
// Connection fields: held on the parent → everything; held on some items → those; else FORBIDDEN.

function wrapConnection(
  typeName: string,
  itemType: string,
  perm: { text: string; bit: number },
  strategy: VisibilityStrategy,
  resolve: Resolver,
): Resolver {
  const chain = RESOURCE_TYPES[typeName]!.chain;
  return async (parent, args, ctx, info) => {
    requireLogin(ctx);
    const doc = parent as Doc;
    const compiled = await compiledFor(ctx, accountIdOf(typeName, doc));
    if (!compiled) throw new NotFoundError(typeName, doc._id);
    if (allowed(compiled, perm.bit, doc, chain, false)) return resolve(parent, args, ctx, info);
    const visible = await strategy({ compiled, bit: perm.bit, parent: doc, parentChain: chain, itemType, store: ctx.access });
    if (!visible) throw new ForbiddenError(perm.text, scopeOf(typeName, doc), ctx.principal);
    return resolve(parent, { ...(args as object), [VISIBILITY]: visibilityFilter(visible) }, ctx, info);
  };
}

// ---------------------------------------------------------------------------------------------
// @sensitive: masked for those without the permission; revealed (and audited) for those with it.
// The masked path is synchronous once the account's permissions are loaded (the parent's list loaded
// them): masks never run the field's resolver (no decryption). PARTIAL shows the last 4 characters
// stored in clear beside the sealed value as `<field>Hint` (documents without one fall back to the
// resolver). A reveal is only noted here; src/audit/reveal-plugin.ts writes one event per
// account at the end of the request.

function wrapSensitive(
  typeName: string,
  fieldName: string,
  perm: { text: string; bit: number },
  style: MaskStyle,
  resolve: Resolver,
): Resolver {
  const chain = RESOURCE_TYPES[typeName]!.chain;
  const decide: (compiled: CompiledPermissions | null, ...a: Parameters<Resolver>) => unknown = (compiled, parent, args, ctx, info) => {
    const doc = parent as Doc;
    // Viewing as someone else (src/graphql/authz/view-as.ts) reveals nothing, whatever they could reveal.
    if (!compiled || ctx.viewAs || !allowed(compiled, perm.bit, doc, chain, false)) {
      // FULL shows the same mask whatever the value (nothing about it, not even whether it is set).
      if (style === 'NULL') return null;
      if (style === 'FULL') return MASKED_FULL;
      // PARTIAL: from the stored hint (`<field>Hint`, the last 4 characters) when the document has one.
      const hint = doc[`${fieldName}Hint`];
      if (typeof hint === 'string') return `${MASK_PREFIX}${hint}`;
      const value = resolve(parent, args, ctx, info);
      return value instanceof Promise ? value.then((v) => mask(v, style)) : mask(value, style);
    }
    const note = (value: unknown) => {
      if (value !== null && value !== undefined) {
        ctx.audit.revealed({
          accountId: compiled.accountId,
          workspaceId: (doc.workspaceId as string | undefined) ?? null,
          type: typeName,
          id: doc._id,
          field: fieldName,
          permission: perm.text,
          path: responsePathAsArray(info.path),
        });
        secretReveals.inc({ type: typeName, field: fieldName });
        traceReveal(typeName, fieldName, perm.text);
      }
      return value;
    };
    const value = resolve(parent, args, ctx, info);
    return value instanceof Promise ? value.then(note) : note(value);
  };
  return (parent, args, ctx, info) => {
    requireLogin(ctx);
    const c = compiledFor(ctx, accountIdOf(typeName, parent as Doc));
    if (c instanceof Promise) return c.then((compiled) => decide(compiled, parent, args, ctx, info));
    return decide(c, parent, args, ctx, info);
  };
}

// ---------------------------------------------------------------------------------------------

export interface DirectiveUse {
  type: string;
  field: string;
  directive: 'requires' | 'sensitive';
  permission: string;
  mode: 'root' | 'field' | 'connection' | 'sensitive';
}

/** Walks the schema's directives without wrapping anything (for schema tests and tooling). */
export function directiveUses(schema: GraphQLSchema): DirectiveUse[] {
  const uses: DirectiveUse[] = [];
  applyAuthzDirectives(schema, { onUse: (u) => uses.push(u) });
  return uses;
}

export interface AuthzOptions {
  /** How lists of these item types narrow (the modules' own, from the composition root); the access lists' are built in. */
  visibility?: Readonly<Record<string, VisibilityStrategy>>;
  /** Hears every use of a directive (src/graphql/permission-docs.ts, the tests). */
  onUse?: (u: DirectiveUse) => void;
}

/** Wraps every annotated field; throws SchemaDirectiveError for an unknown permission or an unguardable field. */
export function applyAuthzDirectives(schema: GraphQLSchema, opts: AuthzOptions = {}): GraphQLSchema {
  const { onUse } = opts;
  const strategies: Readonly<Record<string, VisibilityStrategy>> = { ...ACCESS_VISIBILITY, ...opts.visibility };
  const rootTypes = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name, schema.getSubscriptionType()?.name]);
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const type = schema.getType(typeName)!;
      const where = `${typeName}.${fieldName}`;
      const fieldReq = getDirective(schema, fieldConfig, 'requires')?.[0];
      const typeReq = rootTypes.has(typeName) ? undefined : getDirective(schema, type, 'requires')?.[0];
      const sens = getDirective(schema, fieldConfig, 'sensitive')?.[0];
      if (!fieldReq && !typeReq && !sens) return fieldConfig;

      if ((fieldReq || typeReq) && isNonNullType(fieldConfig.type)) {
        throw new SchemaDirectiveError(`${where} carries @requires, so it must be nullable (a denial resolves to null)`);
      }
      let resolve: Resolver = (fieldConfig.resolve as Resolver | undefined) ?? (defaultFieldResolver as Resolver);

      if (sens) {
        const perm = checkedPermission(sens.permission, `@sensitive on ${where}`);
        if (!RESOURCE_TYPES[typeName]) throw new SchemaDirectiveError(`@sensitive on ${where}: ${typeName} is not a resource type`);
        const style = (sens.mask ?? 'FULL') as MaskStyle;
        onUse?.({ type: typeName, field: fieldName, directive: 'sensitive', permission: perm.text, mode: 'sensitive' });
        resolve = wrapSensitive(typeName, fieldName, perm, style, resolve);
      }

      if (rootTypes.has(typeName) && fieldReq) {
        const perm = checkedPermission(fieldReq.permission, `@requires on ${where}`);
        if (!hasLocatableArgs(fieldConfig as GraphQLFieldConfig<unknown, Context>, schema)) {
          throw new SchemaDirectiveError(`@requires on ${where}: its arguments name no resource (id, input.id, scope or a parent id)`);
        }
        onUse?.({ type: typeName, field: fieldName, directive: 'requires', permission: perm.text, mode: 'root' });
        resolve = wrapRoot(fieldName, perm, resolve);
      } else if (fieldReq || typeReq) {
        if (!RESOURCE_TYPES[typeName]) throw new SchemaDirectiveError(`@requires on ${where}: ${typeName} is not a resource type`);
        const named = getNamedType(fieldConfig.type).name;
        const fieldPerm = fieldReq ? checkedPermission(fieldReq.permission, `@requires on ${where}`) : undefined;
        const typePerm = typeReq ? checkedPermission(typeReq.permission, `@requires on type ${typeName}`) : undefined;
        if (fieldPerm && named.endsWith('Connection')) {
          const itemType = named.slice(0, -'Connection'.length);
          onUse?.({ type: typeName, field: fieldName, directive: 'requires', permission: fieldPerm.text, mode: 'connection' });
          resolve = wrapConnection(typeName, itemType, fieldPerm, strategies[itemType] ?? defaultVisibility, resolve);
          if (typePerm) resolve = wrapField(typeName, [typePerm], resolve);
        } else {
          const perms = [typePerm, fieldPerm].filter((p): p is { text: string; bit: number } => !!p);
          for (const p of perms) onUse?.({ type: typeName, field: fieldName, directive: 'requires', permission: p.text, mode: 'field' });
          resolve = wrapField(typeName, perms, resolve);
        }
      }
      return { ...fieldConfig, resolve };
    },
  });
}
