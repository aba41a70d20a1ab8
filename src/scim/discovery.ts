// The discovery endpoints (RFC 7644 §4): ServiceProviderConfig, ResourceTypes and Schemas, describing
// what this server does (PATCH, filter and ETags yes; bulk, sort and password changes no).
import {
  ENTERPRISE_USER_DEF,
  ENTERPRISE_USER_SCHEMA,
  GROUP_DEF,
  GROUP_ROLE_SCHEMA,
  GROUP_SCHEMA,
  groupRoleDef,
  USER_DEF,
  USER_SCHEMA,
  type AttributeDef,
  type SchemaDef,
} from './attributes';

export const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RT_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
export const MAX_RESULTS = 200;

const meta = (baseUrl: string, resourceType: string, path: string) => ({ resourceType, location: `${baseUrl}${path}` });

export function serviceProviderConfig(baseUrl: string): Record<string, unknown> {
  return {
    schemas: [SPC_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'SCIM bearer token',
        description: 'The account\'s SCIM token (scim_…), made by createScimToken, as "Authorization: Bearer scim_…"',
        primary: true,
      },
    ],
    meta: meta(baseUrl, 'ServiceProviderConfig', '/ServiceProviderConfig'),
  };
}

export function resourceTypes(baseUrl: string): Record<string, unknown>[] {
  return [
    {
      schemas: [RT_SCHEMA],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'People of the account',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
      meta: meta(baseUrl, 'ResourceType', '/ResourceTypes/User'),
    },
    {
      schemas: [RT_SCHEMA],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Groups, each mapped to a role at a scope of the account',
      schema: GROUP_SCHEMA,
      schemaExtensions: [{ schema: GROUP_ROLE_SCHEMA, required: false }],
      meta: meta(baseUrl, 'ResourceType', '/ResourceTypes/Group'),
    },
  ];
}

/** An attribute as /Schemas publishes it (RFC 7643 §7): every characteristic spelled out. */
function published(a: AttributeDef): Record<string, unknown> {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued ?? false,
    ...(a.description ? { description: a.description } : {}),
    required: a.required ?? false,
    caseExact: a.caseExact ?? false,
    mutability: a.mutability ?? 'readWrite',
    returned: a.returned ?? 'default',
    uniqueness: a.uniqueness ?? 'none',
    ...(a.canonicalValues ? { canonicalValues: a.canonicalValues } : {}),
    ...(a.type === 'reference' ? { referenceTypes: a.referenceTypes ?? ['external'] } : {}),
    ...(a.subAttributes ? { subAttributes: a.subAttributes.map(published) } : {}),
  };
}

function schemaResource(baseUrl: string, def: SchemaDef): Record<string, unknown> {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: def.id,
    name: def.name,
    description: def.description,
    attributes: def.attributes.map(published),
    meta: meta(baseUrl, 'Schema', `/Schemas/${def.id}`),
  };
}

/** The schemas; the Group extension lists the roles of the account a group may map to, and suggested scopes. */
export function schemas(baseUrl: string, roleIds: string[], scopes: string[]): Record<string, unknown>[] {
  return [USER_DEF, ENTERPRISE_USER_DEF, GROUP_DEF, groupRoleDef(roleIds, scopes)].map((d) => schemaResource(baseUrl, d));
}
