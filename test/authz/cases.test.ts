// The rules as data: test/authz/cases.yaml describes worlds (roles, bindings, overrides, grants,
// tokens) and the answers expected of the compiler, the checker and the rule functions. Every case runs
// against both access stores — the in-memory one (what previews of access changes run on) and the
// mongoose one the gateway uses — as OpenFGA runs one storage suite against every backend
// (its tests/check/tests.yaml plays the same part there). If the two stores drift, a case fails on one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { GraphQLError } from 'graphql';
import { permissionBit, parsePermission } from '../../src/authz/catalogue';
import { allowed, ownHeldOn } from '../../src/authz/check';
import { compileFor } from '../../src/authz/compile-for';
import { contactVisibleIn } from '../../src/authz/contact';
import { PERMISSION_TARGET, RESOURCE_TYPES, SCOPE_MODEL, type ScopeType } from '../../src/authz/resources';
import { ADMIN_ROLE, OWNER_ROLE } from '../../src/authz/roles';
import {
  assertInviterMayStillGrant,
  assertGrantable,
  assertMayChangeAccessOf,
  checkAssignRole,
  checkOverrides,
  checkRoleEdit,
  cleanPermissions,
  type Actor,
} from '../../src/authz/rules';
import { DuplicateError, type AccessStore, type InvitationDoc } from '../../src/authz/store';
import { memoryBackend, mongoBackend, type Backend } from '../helpers/access-stores';
import { ForbiddenError } from '../../src/errors';
import { validateScopes } from '../../src/modules/access/tokens.service';

const ACCOUNT = 'acct';
const FOREIGN = 'acct2';

type Doc = Record<string, unknown> & { _id: string };
interface NodeDoc {
  type: ScopeType;
  doc: Doc;
  chain: readonly string[];
}

interface World {
  owner: string;
  members?: string[];
  tree?: Record<string, string>;
  roles?: Record<string, string[] | { permissions: string[]; customisable?: boolean }>;
  bindings?: { id?: string; user: string; role?: string; at?: string; grant?: string[]; revoke?: string[]; expires?: string }[];
  tokens?: Record<string, { user: string; scopes: string[]; workspaces?: string[] }>;
}

interface Check {
  who: string;
  can?: string;
  cannot?: string;
  notFound?: string;
  on: string | { type: string; in: string; createdBy?: string };
  canRequestAccess?: boolean;
}

interface Action {
  who?: string;
  do: string;
  then: 'allow' | 'refuse';
  code?: string;
  field?: string;
  message?: string;
  version?: number;
  [k: string]: unknown;
}

interface Case {
  name: string;
  rules: string;
  world: World;
  checks?: Check[];
  actions?: Action[];
  /** Checks made after the actions. */
  after?: Check[];
}

const file = parse(readFileSync(join(__dirname, 'cases.yaml'), 'utf8')) as { cases: Case[] };

function parseTime(s: string | undefined): Date | null {
  if (!s) return null;
  const m = /^([+-])(\d+)([smhd])$/.exec(s);
  if (!m) throw new Error(`bad time ${s} (use +1h, -5m, …)`);
  const unit = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[3] as 's' | 'm' | 'h' | 'd'];
  return new Date(Date.now() + (m[1] === '-' ? -1 : 1) * Number(m[2]) * unit);
}

/** Builds the world in a fresh store; returns it with the node docs. */
async function build(backend: Backend, world: World) {
  const store = await backend.fresh({ [ACCOUNT]: world.owner, [FOREIGN]: 'stranger' });
  const nodes = new Map<string, NodeDoc>();
  const node = (type: ScopeType, doc: Doc): NodeDoc => ({ type, doc, chain: RESOURCE_TYPES[SCOPE_MODEL[type]]!.chain });
  nodes.set(ACCOUNT, node('ACCOUNT', { _id: ACCOUNT }));
  nodes.set(FOREIGN, node('ACCOUNT', { _id: FOREIGN }));
  nodes.set('other:ws', node('WORKSPACE', { _id: 'other:ws', accountId: FOREIGN }));
  for (const [id, spec] of Object.entries(world.tree ?? {})) {
    const [type, parentId] = spec.split(/\s+/) as [ScopeType, string | undefined];
    const parent = parentId ? nodes.get(parentId) : nodes.get(ACCOUNT);
    if (!parent) throw new Error(`${id}: unknown parent ${parentId}`);
    const p = parent.doc;
    const doc: Doc = { _id: id, accountId: (p.accountId as string) ?? p._id };
    if (type !== 'WORKSPACE') doc.workspaceId = parent.type === 'WORKSPACE' ? p._id : p.workspaceId;
    if (type === 'INBOX') doc.projectId = parent.type === 'PROJECT' ? p._id : p.projectId;
    nodes.set(id, node(type, doc));
  }
  await store.createRoles(
    [OWNER_ROLE, ADMIN_ROLE].map((r) => ({
      _id: r.key,
      accountId: ACCOUNT,
      key: r.key,
      name: r.name,
      description: '',
      permissions: [...r.permissions],
      system: true,
      customisable: false,
      pack: null,
      createdBy: world.owner,
    })),
  );
  for (const [id, spec] of Object.entries(world.roles ?? {})) {
    const s = Array.isArray(spec) ? { permissions: spec } : spec;
    await store.createRoles([
      {
        _id: id,
        accountId: ACCOUNT,
        key: id,
        name: id,
        description: '',
        permissions: s.permissions,
        system: false,
        customisable: s.customisable ?? true,
        pack: null,
        createdBy: world.owner,
      },
    ]);
  }
  for (const m of world.members ?? []) await store.addMember({ accountId: ACCOUNT, userId: m, createdBy: world.owner });
  await store.createBinding(
    { accountId: ACCOUNT, userId: world.owner, roleId: 'owner', scopeType: 'ACCOUNT', scopeId: ACCOUNT, createdBy: world.owner },
    new Date(),
  );
  for (const b of world.bindings ?? []) {
    const at = nodes.get(b.at ?? ACCOUNT)!;
    await store.createBinding(
      {
        _id: b.id,
        ...placement(at),
        userId: b.user,
        roleId: b.role ?? null,
        grant: b.grant,
        revoke: b.revoke,
        expiresAt: parseTime(b.expires),
        createdBy: world.owner,
      },
      new Date(),
    );
  }
  for (const [id, t] of Object.entries(world.tokens ?? {})) {
    await store.createToken({
      _id: id,
      accountId: ACCOUNT,
      userId: t.user,
      scopes: t.scopes,
      workspaceIds: t.workspaces ?? null,
      expiresAt: parseTime('+1d')!,
      // What a stored partner token also carries (the MongoDB model requires them).
      name: id,
      tokenHash: `hash-${id}`,
      prefix: 'pst_test',
      createdBy: t.user,
    } as Parameters<AccessStore['createToken']>[0]);
  }
  return { store, nodes };
}

function placement(at: NodeDoc) {
  const d = at.doc;
  const pick = (type: ScopeType, field: string) => (at.type === type ? d._id : ((d[field] as string | undefined) ?? null));
  return {
    accountId: (d.accountId as string) ?? d._id,
    scopeType: at.type,
    scopeId: d._id,
    workspaceId: pick('WORKSPACE', 'workspaceId'),
    domainId: pick('DOMAIN', 'domainId'),
    projectId: pick('PROJECT', 'projectId'),
    inboxId: pick('INBOX', 'inboxId'),
  };
}

type Built = Awaited<ReturnType<typeof build>>;

async function principal(w: Built, world: World, who: string) {
  const t = world.tokens?.[who];
  const token = t ? (await w.store.tokensOf(ACCOUNT, new Date())).find((x) => x._id === who) : null;
  return { userId: t ? t.user : who, token: token ? { scopes: token.scopes, workspaceIds: token.workspaceIds } : null };
}

async function actor(w: Built, world: World, who: string): Promise<Actor> {
  const p = await principal(w, world, who);
  return {
    userId: p.userId,
    viaToken: !!p.token,
    grantable: await compileFor(w.store, { accountId: ACCOUNT, userId: p.userId, token: p.token, grantable: true }),
  };
}

async function runCheck(w: Built, world: World, c: Check): Promise<void> {
  const permission = c.can ?? c.cannot ?? c.notFound!;
  let target: { doc: Doc; chain: readonly string[]; type: string };
  if (typeof c.on === 'string') {
    const n = w.nodes.get(c.on);
    if (!n) throw new Error(`unknown node ${c.on}`);
    target = { ...n, type: SCOPE_MODEL[n.type] };
  } else {
    const parent = w.nodes.get(c.on.in)!;
    const p = placement(parent);
    target = {
      type: c.on.type,
      chain: RESOURCE_TYPES[c.on.type]!.chain,
      doc: {
        _id: `${c.on.type}-1`,
        ...p,
        listId: parent.type === 'LIST' ? parent.doc._id : undefined,
        createdBy: c.on.createdBy ?? 'someone',
      },
    };
  }
  const accountId = (target.doc.accountId as string | undefined) ?? target.doc._id;
  const p = await principal(w, world, c.who);
  const compiled = await compileFor(w.store, { accountId, userId: p.userId, token: p.token });
  if (c.notFound) {
    expect(compiled).toBeNull();
    return;
  }
  expect(compiled).not.toBeNull();
  const parsed = parsePermission(permission, { allowOwn: true });
  const ownApplies = PERMISSION_TARGET[permission.split(':')[0] as keyof typeof PERMISSION_TARGET] === target.type;
  const held = parsed.own
    ? ownHeldOn(compiled!, parsed.bits[0]!, target.doc, target.chain)
    : allowed(compiled!, permissionBit(parsed.text), target.doc, target.chain, ownApplies);
  expect({ who: c.who, permission, on: c.on, allowed: held }).toEqual({ who: c.who, permission, on: c.on, allowed: !!c.can });
  if (c.canRequestAccess !== undefined) {
    const e = new ForbiddenError(permission, { type: 'ACCOUNT', id: accountId }, { kind: p.token ? 'token' : 'user' });
    expect(e.extensions.canRequestAccess).toBe(c.canRequestAccess);
  }
}

const invitations = new Map<string, InvitationDoc>();

async function perform(w: Built, world: World, a: Action): Promise<void> {
  const who = a.who ?? world.owner;
  const node = (id: unknown) => {
    const n = w.nodes.get(String(id ?? ACCOUNT));
    if (!n) throw new Error(`unknown node ${String(id)}`);
    return n;
  };
  switch (a.do) {
    case 'assignRole': {
      const role = (await w.store.roles([String(a.role)]))[0]!;
      const at = node(a.at);
      await checkAssignRole(w.store, await actor(w, world, who), { accountId: ACCOUNT, targetUserId: String(a.user), role, node: at });
      try {
        await w.store.createBinding(
          { ...placement(at), userId: String(a.user), roleId: role._id, expiresAt: parseTime(a.expires as string), createdBy: who },
          new Date(),
        );
      } catch (err) {
        if (err instanceof DuplicateError)
          throw Object.assign(new Error('already holds it'), { extensions: { code: 'BAD_USER_INPUT', field: 'roleId' } });
        throw err;
      }
      return;
    }
    case 'unassign': {
      const b = (await w.store.binding(String(a.binding)))!;
      await assertMayChangeAccessOf(w.store, {
        accountId: ACCOUNT,
        actorId: (await actor(w, world, who)).userId,
        targetUserId: b.userId,
        field: 'id',
      });
      await w.store.deleteBinding(b._id);
      return;
    }
    case 'setOverrides': {
      const binding = (await w.store.binding(String(a.binding)))!;
      const role = binding.roleId ? ((await w.store.roles([binding.roleId]))[0] ?? null) : null;
      const lists = await checkOverrides(w.store, await actor(w, world, who), {
        binding,
        role,
        grant: (a.grant as string[]) ?? [],
        revoke: (a.revoke as string[]) ?? [],
      });
      await w.store.setOverrides(binding._id, lists.grant, lists.revoke);
      return;
    }
    case 'updateRole': {
      const role = (await w.store.roles([String(a.role)]))[0]!;
      const permissions = await checkRoleEdit(w.store, await actor(w, world, who), role, a.permissions as string[]);
      await w.store.updateRole(role._id, { permissions });
      return;
    }
    case 'createRole':
      cleanPermissions(a.permissions as string[], 'permissions', { allowWildcard: true });
      return;
    case 'invite': {
      const role = (await w.store.roles([String(a.role)]))[0]!;
      const at = node(a.at);
      assertGrantable((await actor(w, world, who)).grantable, role.permissions, at, 'roleId');
      const inv = await w.store.createInvitation(
        {
          ...placement(at),
          email: `${String(a.id)}@example.com`,
          roleId: role._id,
          tokenHash: String(a.id),
          expiresAt: parseTime('+7d')!,
          createdBy: who,
        },
        new Date(),
      );
      invitations.set(String(a.id), inv);
      return;
    }
    case 'accept': {
      const inv = invitations.get(String(a.invitation))!;
      const role = (await w.store.roles([inv.roleId!]))[0]!;
      await assertInviterMayStillGrant(w.store, inv, role);
      if (!(await w.store.acceptInvitation(inv._id, String(a.user ?? 'invitee'), new Date()))) {
        throw Object.assign(new Error('used'), { extensions: { code: 'BAD_USER_INPUT', field: 'token' } });
      }
      return;
    }
    case 'transferOwnership':
      if (!(await w.store.transferOwnership(ACCOUNT, who, String(a.to), who))) {
        throw Object.assign(new Error('ownership changed meanwhile'), { extensions: { code: 'BAD_USER_INPUT', field: 'accountId' } });
      }
      return;
    case 'tokenScopes':
      validateScopes(a.scopes as string[]);
      return;
    case 'requestPermission':
      cleanPermissions([String(a.permission)], 'permission', { allowWildcard: false, allowOwn: false });
      return;
    case 'readContact': {
      const p = await principal(w, world, who);
      const c = await compileFor(w.store, { accountId: ACCOUNT, userId: p.userId, token: p.token });
      if (!(await contactVisibleIn(w.store, c, String(a.of)))) {
        throw Object.assign(new Error('contact data hidden'), { extensions: { code: 'HIDDEN' } });
      }
      return;
    }
    default:
      throw new Error(`unknown action ${a.do}`);
  }
}

async function runAction(w: Built, world: World, a: Action): Promise<void> {
  const before = await w.store.version(ACCOUNT);
  let error: (Error & { extensions?: Record<string, unknown> }) | null = null;
  try {
    await perform(w, world, a);
  } catch (err) {
    error = err as GraphQLError;
  }
  const label = `${a.who ?? world.owner} ${a.do} ${JSON.stringify(a)}`;
  if (a.then === 'allow') {
    expect({ label, error: error?.message ?? null }).toEqual({ label, error: null });
  } else {
    expect({ label, refused: !!error }).toEqual({ label, refused: true });
    if (!error?.extensions) throw error!;
    expect(error.extensions.code).toBe(a.code ?? 'BAD_USER_INPUT');
    if (a.field) expect(error.extensions.field).toBe(a.field);
    if (a.message) expect(error.message).toContain(a.message);
    // A refused change changes nothing.
    expect(await w.store.version(ACCOUNT)).toBe(before);
  }
  if (a.version !== undefined) expect((await w.store.version(ACCOUNT)) - before).toBe(a.version);
}

it('names every rule of docs/permissions-rules.md and every hole the attack suite found at least once', () => {
  const named = new Set(file.cases.flatMap((c) => String(c.rules).split(/[\s,]+/)));
  for (const r of [
    'rule1',
    'rule2',
    'rule3',
    'rule4',
    'rule5',
    'rule6',
    'rule7',
    'rule8',
    'rule9',
    'hole1',
    'hole2',
    'hole3',
    'hole4',
    'hole5',
    'hole10',
    'hole11',
  ]) {
    expect(named).toContain(r);
  }
});

describe.each([memoryBackend, mongoBackend()])('conformance cases (test/authz/cases.yaml) on the $name', (backend) => {
  beforeAll(() => backend.open());
  afterAll(() => backend.close());

  it.each(file.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const w = await build(backend, c.world);
    for (const check of c.checks ?? []) await runCheck(w, c.world, check);
    for (const action of c.actions ?? []) await runAction(w, c.world, action);
    for (const check of c.after ?? []) await runCheck(w, c.world, check);
  });
});
