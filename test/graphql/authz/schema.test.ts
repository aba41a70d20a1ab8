// Static checks over the built schema (docs/design.md "Where the checks live"): guarded fields are nullable, directives name
// catalogue permissions, a bad directive stops the start, and nothing reaches account data unguarded
// except the fields reviewed below.
import { getNamedType, isNonNullType, isObjectType, type GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { isPermission } from '../../../src/authz/catalogue';
import { applyAuthzDirectives, directiveUses, SchemaDirectiveError } from '../../../src/graphql/authz/directives';
import { RESOURCE_TYPES } from '../../../src/authz/resources';
import { buildBareSchema, buildSchema } from '../../../src/composition/schema';

/**
 * Root fields without @requires, each reviewed. Adding one to the schema fails this test until it is
 * guarded or added here with its reason.
 */
const UNGUARDED_ROOT_FIELDS: Record<string, string> = {
  viewer: 'the caller themself; null without a valid token',
  node: "answers through the object's own guarded root field (domain(id:), …), whose @requires decides",
  permissionCatalogue: 'public: the static list of permissions (src/authz/catalogue.ts), no account data',
  signUp: 'public: creates a new account',
  login: 'public',
  verifyEmail: 'public: the mailed one-time token is the credential',
  requestPasswordReset: 'public: answers the same for every address; mails only the verified holder',
  resetPassword: 'public: the mailed one-time token is the credential',
  logout: "ends the caller's own session",
  acceptInvitation: 'public: the invitation token is the credential',
  updateMySettings: "the caller's own profile",
  addDashboardWidget: "the caller's own dashboard; the service refuses a kind whose permission the caller holds nowhere in the account",
  removeDashboardWidget: "the caller's own widgets only; anyone else's is NOT_FOUND",
  enableTwoFactor: "the caller's own second factor",
  confirmTwoFactor: "the caller's own second factor",
  disableTwoFactor: "the caller's own second factor (needs a current code)",
  loginWithTwoFactor: 'public: the login challenge and the code are the credentials',
  confirmSsoLink: "the caller's own login only (a claim made for another user is unknown); needs the caller's current password",
  markNotificationRead: "the caller's own notifications only; anyone else's is NOT_FOUND",
  requestAccess:
    'no permission exists for asking; the scope node is loaded through the loaders and is NOT_FOUND unless it is in an account the caller belongs to',
};

/** Non-root fields that return account data without @requires, each reviewed. */
const UNGUARDED_ACCOUNT_DATA_FIELDS: Record<string, string> = {
  'Viewer.accounts': 'accounts the caller is a member of (their names only; every field below is guarded)',
  'Viewer.notifications': "the caller's own notifications",
  'Viewer.token': 'the partner token the request is made with: the caller itself (null for a person)',
  'Viewer.reachable':
    "nodes where the caller's compiled permissions hold the type's :view (or :own on nodes it created); names and paths only",
  'AuthPayload.account': 'the account signUp just created for the caller',
  'ApiTokenCreated.apiToken': 'the token createApiToken (apiTokens:create) just made',
  'ImportResult.list': 'the list importContacts (contacts:import on it) just filled',
  'AccountSettings.defaultRole': 'reached only through Account.settings (roles:view)',
  'SsoConfiguration.defaultRole': 'reached only through Account.sso (security:view)',
  'Member.bindings': 'reached only through Account.members (members:view), which narrows to visible members',
  'RoleBinding.role': 'the role of a binding the viewer may see',
  'Invitation.role': 'the role of an invitation the viewer may see (members:view)',
  'AccessReviewEntry.bindings': 'reached only through accessReview (access:review on the reviewed scope): the bindings giving access there',
  // Parent links: from an object the viewer may see, up to the node that contains it.
  'Workspace.account': 'parent link',
  'MailingList.workspace': 'parent link',
  'Template.workspace': 'parent link',
  'Campaign.workspace': 'parent link',
  'Automation.workspace': 'parent link',
  'Form.workspace': 'parent link',
  'Domain.workspace': 'parent link',
  'SmtpCredential.domain': 'parent link',
  'SendingServer.workspace': 'parent link',
  'Webhook.domain': 'parent link',
  'Route.workspace': 'parent link',
  'Project.workspace': 'parent link',
  'Inbox.project': 'parent link',
  'Message.inbox': 'parent link',
};

let schema: GraphQLSchema;
beforeAll(() => {
  schema = buildSchema();
});

function requiresKeys(): Set<string> {
  return new Set(
    directiveUses(schema)
      .filter((u) => u.directive === 'requires')
      .map((u) => `${u.type}.${u.field}`),
  );
}

describe('directives in the built schema', () => {
  it('guard fields that are all nullable', () => {
    const uses = directiveUses(schema).filter((u) => u.directive === 'requires');
    expect(uses.length).toBeGreaterThan(20);
    const nonNull = uses.filter((u) => {
      const t = schema.getType(u.type);
      return isObjectType(t) && isNonNullType(t.getFields()[u.field]!.type);
    });
    expect(nonNull.map((u) => `${u.type}.${u.field}`)).toEqual([]);
  });

  it('name only catalogue permissions', () => {
    const uses = directiveUses(schema);
    expect(uses.filter((u) => !isPermission(u.permission)).map((u) => `${u.type}.${u.field}: ${u.permission}`)).toEqual([]);
  });

  it('sit only on types registered with a scope chain that ends at the account', () => {
    const bad = directiveUses(schema)
      .filter((u) => u.mode !== 'root')
      .filter((u) => {
        const chain = RESOURCE_TYPES[u.type]?.chain;
        return !chain || !(u.type === 'Account' || chain.includes('accountId'));
      });
    expect(bad.map((u) => `${u.type}.${u.field}`)).toEqual([]);
  });

  it('leave no root field unguarded but the reviewed ones', () => {
    const guarded = requiresKeys();
    const roots = [schema.getQueryType()!, schema.getMutationType()!];
    const unguarded = roots.flatMap((t) =>
      Object.keys(t.getFields())
        .filter((f) => !guarded.has(`${t.name}.${f}`))
        .map((f) => f),
    );
    expect(unguarded.sort()).toEqual(Object.keys(UNGUARDED_ROOT_FIELDS).sort());
  });

  it('leave no field returning account data unguarded but the reviewed ones', () => {
    const guarded = requiresKeys();
    const found: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      if ([schema.getQueryType()?.name, schema.getMutationType()?.name].includes(type.name)) continue;
      // Connection and edge types only wrap the guarded field that returns them.
      if (/(Connection|Edge)$/.test(type.name)) continue;
      for (const field of Object.values(type.getFields())) {
        const key = `${type.name}.${field.name}`;
        const named = getNamedType(field.type).name;
        const accountData = named.endsWith('Connection') || !!RESOURCE_TYPES[named];
        if (accountData && !guarded.has(key)) found.push(key);
      }
    }
    expect(found.sort()).toEqual(Object.keys(UNGUARDED_ACCOUNT_DATA_FIELDS).sort());
  });

  it('are all applied by buildSchema and absent from the bare schema', async () => {
    // The bare schema runs resolvers untouched: the account field resolves without a principal.
    const { graphql } = await import('graphql');
    const bare = buildBareSchema();
    const guarded = buildSchema();
    const query = `{ account(id: "not-an-id") { id } }`;
    const bareResult = await graphql({ schema: bare, source: query, contextValue: { loaders: { load: async () => null } } });
    expect(bareResult.errors).toBeUndefined();
    const guardedResult = await graphql({ schema: guarded, source: query, contextValue: { principal: null } });
    expect(guardedResult.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

const TINY = `
  directive @requires(permission: String!) on FIELD_DEFINITION | OBJECT
  directive @sensitive(permission: String!, mask: MaskStyle = FULL) on FIELD_DEFINITION
  enum MaskStyle { PARTIAL FULL NULL }
  type Workspace { id: ID! name: String }
`;

describe('applyAuthzDirectives at start-up', () => {
  it('throws SchemaDirectiveError naming the field and the unknown permission', () => {
    const s = makeExecutableSchema({
      typeDefs: `${TINY} type Query { workspace(id: ID!): Workspace @requires(permission: "workspaces:fly") }`,
    });
    expect(() => applyAuthzDirectives(s)).toThrow(SchemaDirectiveError);
    expect(() => applyAuthzDirectives(s)).toThrow(/Query\.workspace.*workspaces:fly/);
  });

  it('throws for an unknown resource, a wildcard and an :own qualifier', () => {
    for (const p of ['rockets:view', 'workspaces:*', 'workspaces:view:own', 'workspaces']) {
      const s = makeExecutableSchema({ typeDefs: `${TINY} type Query { workspace(id: ID!): Workspace @requires(permission: "${p}") }` });
      expect(() => applyAuthzDirectives(s)).toThrow(SchemaDirectiveError);
    }
  });

  it('throws for a guarded non-null field', () => {
    const s = makeExecutableSchema({
      typeDefs: `${TINY} type Query { workspace(id: ID!): Workspace! @requires(permission: "workspaces:view") }`,
    });
    expect(() => applyAuthzDirectives(s)).toThrow(/must be nullable/);
  });

  it('throws for a guarded root field whose arguments name no resource', () => {
    const s = makeExecutableSchema({ typeDefs: `${TINY} type Query { workspaces: [Workspace] @requires(permission: "workspaces:view") }` });
    expect(() => applyAuthzDirectives(s)).toThrow(/name no resource/);
  });

  it('throws for @sensitive on a type that is not a resource', () => {
    const s = makeExecutableSchema({
      typeDefs: `${TINY} type Thing { secret: String @sensitive(permission: "apiKeys:reveal") } type Query { thing: Thing }`,
    });
    expect(() => applyAuthzDirectives(s)).toThrow(/not a resource type/);
  });

  it('accepts a valid tiny schema', () => {
    const s = makeExecutableSchema({
      typeDefs: `${TINY} type Query { workspace(id: ID!): Workspace @requires(permission: "workspaces:view") }`,
    });
    expect(() => applyAuthzDirectives(s)).not.toThrow();
    expect(directiveUses(s)).toEqual([
      { type: 'Query', field: 'workspace', directive: 'requires', permission: 'workspaces:view', mode: 'root' },
    ]);
  });
});
