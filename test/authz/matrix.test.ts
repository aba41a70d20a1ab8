// Table-driven from the schema itself: for every directive use, a user holding only that permission at
// the account passes the central check on a document of the guarded type, and a user holding every
// other permission does not. Then the same through the real gateway for a representative sample.
import { getNamedType, isInputObjectType, isObjectType, type GraphQLSchema } from 'graphql';
import { allowed } from '../../src/authz/check';
import { PERMISSIONS, permissionBit } from '../../src/authz/catalogue';
import { compilePermissions, type CompiledPermissions } from '../../src/authz/compile';
import { directiveUses, INPUT_ARGS, locateTarget, type DirectiveUse } from '../../src/graphql/authz/directives';
import { RESOURCE_TYPES } from '../../src/authz/resources';
import { OWNER_ONLY } from '../../src/authz/roles';
import { newId } from '../../src/db/ids';
import { buildSchema } from '../../src/composition/schema';
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { addMember, allBut, errorsOf } from './fixtures';

const ACCOUNT = newId();
const USER = newId();

/** A member holding `permissions` on the account — the owner, for the owner-only ones (rule 8). */
function compiledHolding(permissions: readonly string[]): CompiledPermissions {
  return compilePermissions({
    userId: USER,
    accountId: ACCOUNT,
    version: 1,
    isOwner: permissions.length === 1 && OWNER_ONLY.includes(permissions[0]!),
    bindings: [{ _id: newId(), roleId: 'r', scopeType: 'ACCOUNT', scopeId: ACCOUNT }],
    roles: new Map([['r', { _id: 'r', permissions }]]),
  });
}

/** Arguments a client could send to a root field, with fresh ids (enough for locateTarget). */
function sampleArgs(schema: GraphQLSchema, use: DirectiveUse): Record<string, unknown> {
  const root = use.type === 'Query' ? schema.getQueryType()! : schema.getMutationType()!;
  const field = root.getFields()[use.field]!;
  const args: Record<string, unknown> = {};
  for (const a of field.args) {
    const t = getNamedType(a.type);
    if (INPUT_ARGS.includes(a.name) && isInputObjectType(t)) {
      const input: Record<string, unknown> = {};
      for (const f of Object.values(t.getFields())) {
        input[f.name] = f.name === 'scope' ? { type: 'WORKSPACE', id: newId() } : newId();
      }
      args[a.name] = input;
    } else {
      args[a.name] = a.name === 'scope' ? { type: 'WORKSPACE', id: newId() } : newId();
    }
  }
  return args;
}

/** The document type a use checks: the parent for fields of a type, the located target for root fields. */
function targetType(schema: GraphQLSchema, use: DirectiveUse): string {
  if (use.mode !== 'root') return use.type;
  const target = locateTarget(use.field, use.permission, sampleArgs(schema, use));
  if (!target) throw new Error(`${use.type}.${use.field}: no target located`);
  return target.type;
}

/** A document of `type` in ACCOUNT, with every id of its scope chain filled in. */
function syntheticDoc(type: string): Record<string, unknown> {
  const doc: Record<string, unknown> = { _id: type === 'Account' ? ACCOUNT : newId(), accountId: ACCOUNT, createdBy: newId() };
  for (const key of RESOURCE_TYPES[type]!.chain) if (doc[key] === undefined) doc[key] = newId();
  if (type === 'RoleBinding' || type === 'AccessRequest') doc.scopeType = 'WORKSPACE';
  return doc;
}

const schema = buildSchema();
const uses = directiveUses(schema);
const table = uses.map((u) => [`${u.type}.${u.field} (${u.directive} ${u.permission})`, u] as const);
const only = new Map<string, CompiledPermissions>();
const others = new Map<string, CompiledPermissions>();

describe('every directive use, from the schema', () => {
  it('covers a good share of the catalogue', () => {
    expect(new Set(uses.map((u) => u.permission)).size).toBeGreaterThan(60);
  });

  it.each(table)('%s: only that permission passes, every other one is denied', (_name, use) => {
    const type = targetType(schema, use);
    const rt = RESOURCE_TYPES[type];
    expect(rt).toBeDefined();
    const doc = syntheticDoc(type);
    const bit = permissionBit(use.permission);
    if (!only.has(use.permission)) {
      only.set(use.permission, compiledHolding([use.permission]));
      others.set(use.permission, compiledHolding(allBut(use.permission)));
    }
    expect(allowed(only.get(use.permission)!, bit, doc, rt!.chain, false)).toBe(true);
    expect(allowed(others.get(use.permission)!, bit, doc, rt!.chain, false)).toBe(false);
    // And not in another account.
    const foreign: Record<string, unknown> = { ...doc, _id: newId(), accountId: newId() };
    if (type !== 'Account') for (const k of rt!.chain) if (k !== 'accountId') foreign[k] = newId();
    expect(allowed(only.get(use.permission)!, bit, foreign, rt!.chain, false)).toBe(false);
  });

  it('the owner-only permissions pass for the owner alone, never through a role that lists them', () => {
    for (const p of OWNER_ONLY) {
      const viaRole = compilePermissions({
        userId: USER,
        accountId: ACCOUNT,
        version: 1,
        isOwner: false,
        bindings: [{ _id: newId(), roleId: 'r', scopeType: 'ACCOUNT', scopeId: ACCOUNT, grant: [p] }],
        roles: new Map([['r', { _id: 'r', permissions: [p] }]]),
      });
      expect(allowed(viaRole, permissionBit(p), { _id: ACCOUNT }, ['_id'], false)).toBe(false);
    }
  });

  it('uses only object types that exist', () => {
    for (const u of uses) expect(isObjectType(schema.getType(u.type))).toBe(true);
    expect(PERMISSIONS.length).toBeGreaterThan(100);
  });
});

// ---------------------------------------------------------------------------------------------

interface Case {
  permission: string;
  /** Also held by the single-permission user, to reach the parent (never the permission tested). */
  reach: string[];
  query: string;
  vars: (o: TestOwner) => Record<string, unknown>;
  path: string;
}

const CASES: Case[] = [
  {
    permission: 'account:view',
    reach: [],
    query: `query($a: ID!) { account(id: $a) { id name } }`,
    vars: (o) => ({ a: o.accountId }),
    path: 'account',
  },
  {
    permission: 'workspaces:view',
    reach: [],
    query: `query($w: ID!) { workspace(id: $w) { id name } }`,
    vars: (o) => ({ w: o.workspaceId }),
    path: 'workspace',
  },
  {
    permission: 'workspaces:view',
    reach: ['account:view'],
    query: `query($a: ID!) { account(id: $a) { workspaces { edges { node { id } } } } }`,
    vars: (o) => ({ a: o.accountId }),
    path: 'account.workspaces',
  },
  {
    permission: 'apiTokens:view',
    reach: ['account:view'],
    query: `query($a: ID!) { account(id: $a) { apiTokens { edges { node { id } } } } }`,
    vars: (o) => ({ a: o.accountId }),
    path: 'account.apiTokens',
  },
  {
    permission: 'accessRequests:view',
    reach: ['account:view'],
    query: `query($a: ID!) { account(id: $a) { accessRequests { edges { node { id } } } } }`,
    vars: (o) => ({ a: o.accountId }),
    path: 'account.accessRequests',
  },
  {
    permission: 'workspaces:create',
    reach: [],
    query: `mutation($a: ID!) { createWorkspace(input: { accountId: $a, name: "Made" }) { id } }`,
    vars: (o) => ({ a: o.accountId }),
    path: 'createWorkspace',
  },
  {
    permission: 'campaigns:view',
    reach: ['workspaces:view'],
    query: `query($w: ID!) { workspace(id: $w) { campaigns { edges { node { id } } } } }`,
    vars: (o) => ({ w: o.workspaceId }),
    path: 'workspace.campaigns',
  },
  {
    permission: 'domains:view',
    reach: ['workspaces:view'],
    query: `query($w: ID!) { workspace(id: $w) { domains { edges { node { id } } } } }`,
    vars: (o) => ({ w: o.workspaceId }),
    path: 'workspace.domains',
  },
];

describe('through the gateway: a custom role with exactly one permission vs one with all but it', () => {
  let gw: TestGateway;
  let owner: TestOwner;
  beforeAll(async () => {
    gw = await startTestGateway();
    owner = await gw.signUp();
  });
  afterAll(() => gw.stop());

  function at(data: unknown, path: string): unknown {
    return path.split('.').reduce<unknown>((d, k) => (d && typeof d === 'object' ? (d as Record<string, unknown>)[k] : undefined), data);
  }

  it.each(CASES.map((c) => [`${c.path} needs ${c.permission}`, c] as const))('%s', async (_name, c) => {
    const one = await addMember(owner.accountId, owner.userId, [c.permission, ...c.reach]);
    const rest = await addMember(owner.accountId, owner.userId, allBut(c.permission));
    const ok = await gw.gql(c.query, c.vars(owner), one.token);
    expect(errorsOf(ok)).toEqual([]);
    expect(at(ok.body.data, c.path)).toBeTruthy();
    const denied = await gw.gql(c.query, c.vars(owner), rest.token);
    expect(errorsOf(denied)).toEqual([{ code: 'FORBIDDEN', permission: c.permission, path: c.path, field: undefined }]);
    expect(at(denied.body.data, c.path) ?? null).toBeNull();
  });
});
