// PATCH (RFC 7644 §3.5.2): applies add/replace/remove operations to a resource's JSON representation;
// the caller then validates and stores the result like a PUT. Paths: `attr`, `attr.sub`,
// `attr[sub eq "v"]` and `attr[sub eq "v"].sub`, or no path with an object value.
import { ScimError } from './errors';

export interface PatchOperation {
  op: string;
  path?: string;
  value?: unknown;
}

export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type Json = Record<string, unknown>;

const PATH = /^([A-Za-z][\w]*)(?:\[\s*([A-Za-z][\w.]*)\s+eq\s+("(?:[^"\\]|\\.)*"|true|false)\s*\])?(?:\.([A-Za-z][\w]*))?$/i;

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
    if (o.path !== undefined && typeof o.path !== 'string') throw new ScimError(400, 'path must be a string', 'invalidPath');
    return { op, path: o.path, value: o.value };
  });
}

/** The attribute name as the resource spells it (attribute names are case-insensitive). */
function canonical(name: string, allowed: readonly string[]): string {
  const found = allowed.find((a) => a.toLowerCase() === name.toLowerCase());
  if (!found) throw new ScimError(400, `Attribute ${name} cannot be changed`, 'mutability');
  return found;
}

function booleanish(attr: string, value: unknown): unknown {
  // Some providers send "True"/"False" for booleans.
  if (attr === 'active' && typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return value;
}

function matches(item: unknown, sub: string, want: unknown): boolean {
  if (!item || typeof item !== 'object') return false;
  const key = Object.keys(item).find((k) => k.toLowerCase() === sub.toLowerCase());
  const v = key ? (item as Json)[key] : undefined;
  return typeof v === 'string' && typeof want === 'string' ? v.toLowerCase() === want.toLowerCase() : v === want;
}

function applyOne(resource: Json, op: PatchOperation, allowed: readonly string[]): void {
  if (!op.path) {
    if (op.op === 'remove') throw new ScimError(400, 'remove needs a path', 'noTarget');
    if (!op.value || typeof op.value !== 'object' || Array.isArray(op.value)) {
      throw new ScimError(400, 'Without a path, value must be an object of attributes', 'invalidValue');
    }
    for (const [k, v] of Object.entries(op.value as Json)) {
      // `name.givenName` style keys inside the value (sent by some providers) are paths too.
      applyOne(resource, { op: op.op, path: k, value: v }, allowed);
    }
    return;
  }
  const path = op.path.replace(/^urn:ietf:params:scim:schemas:core:2\.0:(User|Group):/i, '');
  const m = PATH.exec(path);
  if (!m) throw new ScimError(400, `Unsupported path ${JSON.stringify(op.path)}`, 'invalidPath');
  const attr = canonical(m[1]!, allowed);
  const [, , filterAttr, filterRaw, sub] = m;
  const value = booleanish(attr, op.value);

  if (filterAttr) {
    const want = filterRaw!.startsWith('"') ? JSON.parse(filterRaw!) : filterRaw!.toLowerCase() === 'true';
    const list = Array.isArray(resource[attr]) ? (resource[attr] as unknown[]) : [];
    const hits = list.filter((item) => matches(item, filterAttr, want));
    if (op.op === 'remove' && !sub) {
      resource[attr] = list.filter((item) => !hits.includes(item));
      return;
    }
    if (!hits.length) throw new ScimError(400, `No ${attr} matches ${op.path}`, 'noTarget');
    for (const item of hits) {
      if (sub) {
        if (op.op === 'remove') delete (item as Json)[sub];
        else (item as Json)[sub] = value;
      } else Object.assign(item as Json, value as Json);
    }
    return;
  }
  if (sub) {
    const parent = (resource[attr] && typeof resource[attr] === 'object' ? resource[attr] : {}) as Json;
    if (op.op === 'remove') delete parent[sub];
    else parent[sub] = value;
    resource[attr] = parent;
    return;
  }
  if (op.op === 'remove') {
    // Removing listed values from a multi-valued attribute (`members` with `value: [{value}]`), or all of it.
    if (Array.isArray(resource[attr]) && Array.isArray(value)) {
      const gone = value.map((v) => (v as Json)?.value);
      resource[attr] = (resource[attr] as Json[]).filter((item) => !gone.includes(item?.value));
    } else delete resource[attr];
    return;
  }
  if (op.op === 'add' && Array.isArray(resource[attr])) {
    const add = Array.isArray(value) ? value : [value];
    const list = resource[attr] as Json[];
    for (const v of add) if (!list.some((item) => item?.value !== undefined && item.value === (v as Json)?.value)) list.push(v as Json);
    return;
  }
  if (
    op.op === 'add' &&
    value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    resource[attr] &&
    typeof resource[attr] === 'object'
  ) {
    resource[attr] = { ...(resource[attr] as Json), ...(value as Json) };
    return;
  }
  resource[attr] = value;
}

/** The resource after the operations (a copy); attributes outside `allowed` are refused. */
export function applyPatch(resource: Json, ops: PatchOperation[], allowed: readonly string[]): Json {
  const copy = structuredClone(resource);
  for (const op of ops) applyOne(copy, op, allowed);
  return copy;
}
