// The attributes Postern keeps for SCIM Users and Groups (RFC 7643 §2, §4), declared once: /Schemas
// publishes these definitions, and incoming representations are cleaned by the same ones, so what the
// schema says is required, typed or closed is exactly what the server enforces. Attributes the schema
// does not define are ignored (RFC 7643 §3: the resource is what its schemas define).
import { badValue, ScimError } from './errors';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** Postern's extension: the role the group's members hold, and where. */
export const GROUP_ROLE_SCHEMA = 'urn:postern:params:scim:schemas:extension:2.0:Group';

export interface AttributeDef {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference' | 'integer' | 'dateTime';
  multiValued?: boolean;
  required?: boolean;
  caseExact?: boolean;
  mutability?: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned?: 'always' | 'never' | 'default' | 'request';
  uniqueness?: 'none' | 'server' | 'global';
  description?: string;
  canonicalValues?: string[];
  /** canonicalValues is the whole set: any other value is refused (400 invalidValue). */
  closed?: boolean;
  referenceTypes?: string[];
  subAttributes?: AttributeDef[];
  /** Longest string accepted. */
  max?: number;
}

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDef[];
}

export const SCOPE_TYPES = ['ACCOUNT', 'WORKSPACE', 'DOMAIN', 'PROJECT', 'INBOX', 'SENDING_SERVER', 'CAMPAIGN', 'LIST', 'TEMPLATE'];

export const USER_DEF: SchemaDef = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'A person of the account',
  attributes: [
    {
      name: 'userName',
      type: 'string',
      required: true,
      uniqueness: 'server',
      max: 254,
      description: 'Unique within the account, case-insensitive; often the work email address.',
    },
    {
      name: 'name',
      type: 'complex',
      subAttributes: [
        { name: 'formatted', type: 'string', max: 300 },
        { name: 'familyName', type: 'string', max: 100 },
        { name: 'givenName', type: 'string', max: 100 },
        { name: 'middleName', type: 'string', max: 100 },
        { name: 'honorificPrefix', type: 'string', max: 100 },
        { name: 'honorificSuffix', type: 'string', max: 100 },
      ],
    },
    { name: 'displayName', type: 'string', max: 200 },
    { name: 'nickName', type: 'string', max: 100 },
    { name: 'title', type: 'string', max: 200 },
    { name: 'preferredLanguage', type: 'string', max: 100 },
    { name: 'locale', type: 'string', max: 100 },
    { name: 'timezone', type: 'string', max: 100 },
    {
      name: 'active',
      type: 'boolean',
      description: 'false ends the membership in the account (sessions and tokens at once); true gives it back.',
    },
    {
      name: 'emails',
      type: 'complex',
      multiValued: true,
      required: true,
      description:
        'At least one address, each under a domain the account proved through DNS. The primary one (else the first) is ' +
        'the sign-in address: it is fixed once the user is provisioned.',
      subAttributes: [
        { name: 'value', type: 'string', required: true, max: 254 },
        { name: 'type', type: 'string', canonicalValues: ['work', 'home', 'other'], max: 100 },
        { name: 'primary', type: 'boolean' },
        { name: 'display', type: 'string', max: 254 },
      ],
    },
  ],
};

export const ENTERPRISE_USER_DEF: SchemaDef = {
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User (RFC 7643 §4.3)',
  attributes: [
    { name: 'employeeNumber', type: 'string', max: 100 },
    { name: 'costCenter', type: 'string', max: 100 },
    { name: 'organization', type: 'string', max: 200 },
    { name: 'division', type: 'string', max: 200 },
    { name: 'department', type: 'string', max: 200 },
    {
      name: 'manager',
      type: 'complex',
      subAttributes: [
        { name: 'value', type: 'string', max: 254, description: 'The id of the manager, as the identity provider names them.' },
        { name: '$ref', type: 'reference', referenceTypes: ['User'], max: 1000 },
      ],
    },
  ],
};

export const GROUP_DEF: SchemaDef = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'A group of provisioned users; with the Postern extension, mapped to a role',
  attributes: [
    { name: 'displayName', type: 'string', required: true, uniqueness: 'server', max: 200 },
    {
      name: 'members',
      type: 'complex',
      multiValued: true,
      description: 'Provisioned users (value: their id).',
      subAttributes: [
        { name: 'value', type: 'string', mutability: 'immutable', caseExact: true, max: 64 },
        { name: '$ref', type: 'reference', referenceTypes: ['User'], mutability: 'immutable', max: 1000 },
        { name: 'type', type: 'string', mutability: 'immutable', canonicalValues: ['User'], closed: true },
      ],
    },
  ],
};

/**
 * The Group extension. roleId is one of the account's roles a group may map to (all listed); scope is
 * `ACCOUNT` or `<TYPE>:<id>` of a node of the account (the account and its workspaces are listed; any node of
 * the account is accepted).
 */
export function groupRoleDef(roleIds: string[], scopes: string[]): SchemaDef {
  return {
    id: GROUP_ROLE_SCHEMA,
    name: 'PosternGroupRole',
    description: 'The role the members of a group hold, and where they hold it',
    attributes: [
      {
        name: 'roleId',
        type: 'string',
        caseExact: true,
        canonicalValues: roleIds,
        closed: true,
        description: "The id of one of the account's roles (never the owner's): each active member holds it.",
      },
      {
        name: 'scope',
        type: 'string',
        caseExact: true,
        canonicalValues: scopes,
        max: 100,
        description: `Where the role is held: ACCOUNT (when omitted too) or <TYPE>:<id> of a node of the account, TYPE one of ${SCOPE_TYPES.join(', ')}.`,
      },
    ],
  };
}

type Json = Record<string, unknown>;

/** The key of `obj` that names `name` (attribute names are case-insensitive, RFC 7643 §2.1). */
export function keyOf(obj: Json, name: string): string | undefined {
  const want = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === want);
}

function cleanValue(def: AttributeDef, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  switch (def.type) {
    case 'boolean':
      // Microsoft Entra ID sends booleans as "True"/"False".
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
      if (typeof value !== 'boolean') throw badValue(`${path} must be true or false`);
      return value;
    case 'complex': {
      if (typeof value !== 'object' || Array.isArray(value)) throw badValue(`${path} must be an object`);
      const out = cleanAttributes(def.subAttributes ?? [], value as Json, `${path}.`);
      return Object.keys(out).length ? out : undefined;
    }
    default: {
      if (typeof value !== 'string') throw badValue(`${path} must be a string`);
      const v = value.trim();
      if (def.max && v.length > def.max) throw badValue(`${path} must be at most ${def.max} characters`);
      if (def.closed && v && !def.canonicalValues!.includes(v)) {
        throw badValue(`${path} must be one of: ${def.canonicalValues!.join(', ') || '(none available)'}`);
      }
      return v === '' ? undefined : v;
    }
  }
}

/**
 * The attributes `defs` define, taken from `input` (any letter case) and checked for type, length and
 * closed sets; everything else is dropped. Read-only attributes are ignored (RFC 7643 §2.2).
 */
export function cleanAttributes(defs: AttributeDef[], input: Json, prefix = ''): Json {
  const out: Json = {};
  for (const def of defs) {
    if (def.mutability === 'readOnly') continue;
    const key = keyOf(input, def.name);
    if (key === undefined) continue;
    const path = `${prefix}${def.name}`;
    const raw = input[key];
    if (def.multiValued) {
      if (raw === null || raw === undefined) continue;
      const list = Array.isArray(raw) ? raw : [raw];
      if (list.length > 100) throw new ScimError(400, `${path} holds at most 100 values`, 'tooMany');
      const values = list.map((v) => cleanValue({ ...def, multiValued: false }, v, path)).filter((v) => v !== undefined);
      if (values.length) out[def.name] = values;
    } else {
      const v = cleanValue(def, raw, path);
      if (v !== undefined) out[def.name] = v;
    }
  }
  return out;
}

/** Refuses a representation without a required attribute (or a value without a required sub-attribute). */
export function assertRequired(defs: AttributeDef[], resource: Json, prefix = ''): void {
  for (const def of defs) {
    const v = resource[def.name];
    const path = `${prefix}${def.name}`;
    if (def.required && (v === undefined || (Array.isArray(v) && v.length === 0))) throw badValue(`${path} is required`);
    if (v !== undefined && def.type === 'complex' && def.subAttributes) {
      for (const item of Array.isArray(v) ? v : [v]) assertRequired(def.subAttributes, item as Json, `${path}.`);
    }
  }
}
