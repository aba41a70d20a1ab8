// The discovery endpoints (RFC 7644 §4): ServiceProviderConfig, ResourceTypes and Schemas, describing
// what this server does (PATCH and filter yes; bulk, sort, ETags and password changes no).
import { GROUP_ROLE_SCHEMA, GROUP_SCHEMA } from './groups';
import { USER_SCHEMA } from './users';

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
    etag: { supported: false },
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

type Attr = Record<string, unknown>;
const attr = (name: string, extra: Attr = {}): Attr => ({
  name,
  type: 'string',
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...extra,
});

export function schemas(baseUrl: string): Record<string, unknown>[] {
  return [
    {
      schemas: [SCHEMA_SCHEMA],
      id: USER_SCHEMA,
      name: 'User',
      description: 'User Account',
      attributes: [
        attr('userName', { required: true, uniqueness: 'server' }),
        attr('name', {
          type: 'complex',
          subAttributes: [attr('formatted', { mutability: 'readOnly' }), attr('familyName'), attr('givenName')],
        }),
        attr('displayName'),
        attr('active', { type: 'boolean' }),
        attr('emails', {
          type: 'complex',
          multiValued: true,
          subAttributes: [attr('value', { mutability: 'immutable' }), attr('type'), attr('primary', { type: 'boolean' })],
        }),
      ],
      meta: meta(baseUrl, 'Schema', `/Schemas/${USER_SCHEMA}`),
    },
    {
      schemas: [SCHEMA_SCHEMA],
      id: GROUP_SCHEMA,
      name: 'Group',
      description: 'Group',
      attributes: [
        attr('displayName', { required: true, uniqueness: 'server' }),
        attr('members', {
          type: 'complex',
          multiValued: true,
          subAttributes: [
            attr('value', { mutability: 'immutable' }),
            attr('$ref', { type: 'reference', referenceTypes: ['User'], mutability: 'immutable' }),
            attr('type', { mutability: 'immutable', canonicalValues: ['User'] }),
          ],
        }),
      ],
      meta: meta(baseUrl, 'Schema', `/Schemas/${GROUP_SCHEMA}`),
    },
    {
      schemas: [SCHEMA_SCHEMA],
      id: GROUP_ROLE_SCHEMA,
      name: 'PosternGroupRole',
      description: 'The role the members of a group hold, and the scope node where they hold it',
      attributes: [
        attr('roleId', { caseExact: true }),
        attr('scope', {
          type: 'complex',
          subAttributes: [
            attr('type', {
              canonicalValues: ['ACCOUNT', 'WORKSPACE', 'DOMAIN', 'PROJECT', 'INBOX', 'SENDING_SERVER', 'CAMPAIGN', 'LIST', 'TEMPLATE'],
            }),
            attr('id', { caseExact: true }),
          ],
        }),
      ],
      meta: meta(baseUrl, 'Schema', `/Schemas/${GROUP_ROLE_SCHEMA}`),
    },
  ];
}
