// `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which attributes of a resource a
// response holds. Names are case-insensitive, may carry their schema URN (`urn:…:User:userName`), name
// a sub-attribute (`name.givenName`) or a whole extension (`urn:…:enterprise:2.0:User`). `id` and
// `schemas` are returned always (RFC 7643 §3.1); `meta` is returned unless excluded.
import { ScimError } from './errors';

type Json = Record<string, unknown>;

export interface Projection {
  attributes?: string[];
  excludedAttributes?: string[];
}

const ALWAYS = ['id', 'schemas'];

/** `a,b, c` or an array (the body of POST /.search) into a list of names; undefined when absent. */
export function attributeList(raw: unknown, name: string): string[] | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : null;
  if (!list || list.some((a) => typeof a !== 'string'))
    throw new ScimError(400, `${name} must be a comma-separated list of attribute names`, 'invalidValue');
  const names = (list as string[]).map((a) => a.trim()).filter(Boolean);
  if (names.length > 100) throw new ScimError(400, `${name} names at most 100 attributes`, 'tooMany');
  return names;
}

/** A name split into the key in the resource (a core attribute or an extension URN) and the sub-path. */
function split(name: string, schemas: string[]): string[] {
  const lower = name.toLowerCase();
  // The longest schema URN the name starts with: the core one is dropped, an extension's is a key.
  const urn = schemas
    .filter((s) => lower === s.toLowerCase() || lower.startsWith(`${s.toLowerCase()}:`))
    .sort((a, b) => b.length - a.length)[0];
  if (!urn) return name.split('.');
  const rest = name.slice(urn.length + 1);
  const core = schemas[0]!;
  if (urn === core) return rest ? rest.split('.') : [];
  return rest ? [urn, ...rest.split('.')] : [urn];
}

function keyIn(obj: Json, name: string): string | undefined {
  const want = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === want);
}

function pick(source: Json, target: Json, path: string[]): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const key = keyIn(source, head);
  if (key === undefined) return;
  const value = source[key];
  if (!rest.length || value === null || typeof value !== 'object') {
    target[key] = value;
    return;
  }
  if (Array.isArray(value)) {
    // A sub-attribute of a multi-valued attribute: that sub-attribute of each value.
    const existing = (Array.isArray(target[key]) ? target[key] : value.map(() => ({}))) as Json[];
    value.forEach((item, i) => {
      if (item && typeof item === 'object') pick(item as Json, existing[i]!, rest);
    });
    target[key] = existing;
    return;
  }
  const child = (target[key] && typeof target[key] === 'object' ? target[key] : {}) as Json;
  pick(value as Json, child, rest);
  target[key] = child;
}

function drop(target: Json, path: string[]): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const key = keyIn(target, head);
  if (key === undefined || ALWAYS.includes(key)) return;
  if (!rest.length) {
    delete target[key];
    return;
  }
  const value = target[key];
  if (Array.isArray(value)) {
    for (const item of value) if (item && typeof item === 'object') drop(item as Json, rest);
  } else if (value && typeof value === 'object') drop(value as Json, rest);
}

/** The resource as the request asked for it. `schemas` lists the core schema first, then extensions. */
export function project(resource: Json, p: Projection, schemas: string[]): Json {
  if (p.attributes?.length) {
    const out: Json = {};
    for (const k of ALWAYS) if (resource[k] !== undefined) out[k] = resource[k];
    for (const name of p.attributes) pick(resource, out, split(name, schemas));
    return out;
  }
  if (p.excludedAttributes?.length) {
    const out = structuredClone(resource);
    for (const name of p.excludedAttributes) drop(out, split(name, schemas));
    return out;
  }
  return resource;
}
