// PATCH (RFC 7644 §3.5.2): add/replace/remove operations applied by scim-patch to a resource's JSON
// representation; the caller then cleans, validates and stores the result like a PUT. scim-patch
// handles paths (`attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`, schema-URN prefixed ones like
// `urn:…:enterprise:2.0:User:department`) and operations without a path carrying an object. Postern adds:
// `op` in any letter case (Entra ID sends "Replace"), read-only attributes refused with `mutability`,
// and scim-patch's errors in SCIM's format.
import { scimPatch, type ScimPatchOperation } from 'scim-patch';
import { ScimError, type ScimType } from './errors';

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path?: string;
  value?: unknown;
}

export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type Json = Record<string, unknown>;

const READ_ONLY = /^(?:urn:ietf:params:scim:schemas:core:2\.0:(?:user|group):)?(id|meta|schemas)(?:$|[.[])/i;

export function patchOperations(body: Json): PatchOperation[] {
  if (!Array.isArray(body.schemas) || !body.schemas.includes(PATCH_SCHEMA)) {
    throw new ScimError(400, `A PATCH request names the schema ${PATCH_SCHEMA}`, 'invalidSyntax');
  }
  const ops = body.Operations;
  if (!Array.isArray(ops) || ops.length === 0) throw new ScimError(400, 'Operations must be a non-empty list', 'invalidSyntax');
  if (ops.length > 100) throw new ScimError(400, 'At most 100 operations per request', 'tooMany');
  return ops.map((o) => {
    if (!o || typeof o !== 'object' || typeof o.op !== 'string') throw new ScimError(400, 'Each operation has an op', 'invalidSyntax');
    const op = o.op.toLowerCase();
    if (!['add', 'replace', 'remove'].includes(op)) throw new ScimError(400, `Unknown op ${JSON.stringify(o.op)}`, 'invalidSyntax');
    if (o.path !== undefined && (typeof o.path !== 'string' || o.path.length > 500))
      throw new ScimError(400, 'path must be a string', 'invalidPath');
    if (op === 'remove' && !o.path) throw new ScimError(400, 'A remove operation needs a path', 'noTarget');
    if (op !== 'remove' && o.value === undefined) throw new ScimError(400, `An ${op} operation needs a value`, 'invalidValue');
    if (o.path && READ_ONLY.test(o.path)) throw new ScimError(400, `${o.path} is read-only`, 'mutability');
    return { op, path: o.path, value: o.value } as PatchOperation;
  });
}

const SCIM_TYPES: ScimType[] = ['invalidFilter', 'invalidPath', 'invalidSyntax', 'invalidValue', 'mutability', 'noTarget', 'tooMany'];

/**
 * Operations on a whole extension (`path: "urn:…:enterprise:2.0:User"`, or a path-less value holding that
 * key) as operations on each of its attributes (`urn:…:User:department`), which scim-patch resolves; it
 * would split a bare URN at its last colon. A replace or remove of the whole extension drops it first.
 */
function expandExtensions(resource: Json, ops: PatchOperation[], extensions: string[]): PatchOperation[] {
  const ext = (name: string | undefined) => extensions.find((e) => e.toLowerCase() === name?.toLowerCase());
  const out: PatchOperation[] = [];
  const each = (op: PatchOperation['op'], urn: string, value: unknown) => {
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw new ScimError(400, `The value of ${urn} is an object`, 'invalidValue');
    for (const [k, v] of Object.entries(value as Json)) out.push({ op, path: `${urn}:${k}`, value: v });
  };
  for (const o of ops) {
    // Entra ID removes members with { op: Remove, path: members, value: [{ value: id }] }: each value names an
    // entry by its `value`, whatever else the stored entry holds ($ref, type).
    if (o.op === 'remove' && o.path && /^[A-Za-z][\w.:-]*$/.test(o.path) && Array.isArray(o.value)) {
      for (const v of o.value) {
        const id = (v as Json | null)?.value;
        if (typeof id !== 'string') throw new ScimError(400, 'Each value to remove names its value', 'invalidValue');
        out.push({ op: 'remove', path: `${o.path}[value eq ${JSON.stringify(id)}]`, value: undefined });
      }
      continue;
    }
    const whole = ext(o.path);
    if (whole) {
      if (o.op !== 'add') out.push({ op: 'remove', path: whole, value: undefined });
      if (o.op !== 'remove') each(o.op === 'replace' ? 'add' : o.op, whole, o.value);
      continue;
    }
    if (!o.path && o.value && typeof o.value === 'object' && !Array.isArray(o.value)) {
      const rest: Json = {};
      for (const [k, v] of Object.entries(o.value as Json)) {
        // Okta renames a group with { op: replace, value: { id, displayName } }: the id it names must be this one.
        if (/^(id|schemas|meta)$/i.test(k)) {
          if (k.toLowerCase() === 'id' && v !== resource.id) throw new ScimError(400, 'id is read-only', 'mutability');
          continue;
        }
        const urn = ext(k);
        if (urn) each(o.op, urn, v);
        else rest[k] = v;
      }
      if (Object.keys(rest).length) out.push({ ...o, value: rest });
      continue;
    }
    out.push(o);
  }
  return out;
}

/** The resource after the operations (a copy); `extensions` are the schema URNs of its extensions. */
export function applyPatch(resource: Json, ops: PatchOperation[], extensions: string[] = []): Json {
  const copy = structuredClone(resource);
  try {
    for (const op of expandExtensions(resource, ops, extensions)) {
      // Removing a whole extension: scim-patch cannot name it (see expandExtensions).
      const whole = op.op === 'remove' && extensions.find((e) => e.toLowerCase() === op.path?.toLowerCase());
      if (whole) {
        const key = Object.keys(copy).find((k) => k.toLowerCase() === whole.toLowerCase());
        if (key) delete copy[key];
        continue;
      }
      scimPatch(copy as never, [op] as ScimPatchOperation[], { mutateDocument: true, treatMissingAsAdd: true });
    }
    return copy;
  } catch (err) {
    if (err instanceof ScimError) throw err;
    const code = (err as { scimCode?: string }).scimCode;
    const message = String((err as Error).message ?? 'Invalid PATCH').replace(/^Invalid SCIM Patch: /, '');
    const scimType = SCIM_TYPES.find((t) => t === code) ?? 'invalidPath';
    if (/doesn't exist|no record match/i.test(message)) throw new ScimError(400, message, 'noTarget');
    throw new ScimError(400, message.slice(0, 300), scimType);
  }
}
