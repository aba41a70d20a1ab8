// Access as code (docs/access-as-code.md): exportAccess writes an account's access as one document;
// planAccess compares a document with the account and lists the steps that would make them equal,
// each with who gains and loses what (the previewAccessChange machinery: the steps run, with the
// mutations' own rules, against an in-memory copy of the account, src/authz/access-map.ts) and the rule
// that would refuse it; applyAccess makes exactly the reviewed plan (same plan hash: the account and
// the document unchanged since) as one audited change set.
//
// No multi-document transactions: applyAccess claims the account's permissions version (one apply per
// version), writes an AccessChangeSet record first, appends each step's undo to it *before* making the
// step, and on any failure rolls back (undo last to first; every undo is idempotent). A change set left
// APPLYING by a replica that died is rolled back by the next apply on the account once its lease lapsed.
// Roll back, not forward: a half-made plan is never what anyone reviewed.
import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import type { Context } from '../../graphql';
import {
  accessOf,
  copyOfAccount,
  diffAccess,
  allowed,
  permissionBit,
  type CompiledPermissions,
  compileFor,
  ancestorIds,
  type ScopeNode,
  ROLE_PACKS,
  isAdminRole,
  type RolePackName,
  RESOURCE_TYPES,
  SCOPE_MODEL,
  type ScopeType,
  cleanPermissions,
  isAccountAdmin,
  PLACED_CHAIN,
  type Actor,
  DuplicateError,
  type AccessStore,
  type RoleBindingDoc,
  type RoleDoc,
  type TokenDoc,
} from '../../authz';
import { claimOnce, newId } from '../../db';
import { BadInputError, ForbiddenError, NotFoundError, ServiceUnavailableError } from '../../errors';
import { AuditRetention } from '../../audit/retention-window';
import { retentionWindow, type RetentionWindow } from '../../audit/retention-window';
import { Account, type AccountDoc } from '../accounts/account.model';
import { User, type UserDoc } from '../identity/user.model';
import { assignRoleChange, setPermissionOverridesChange, unassignRoleChange } from './bindings.service';
import { updateRoleChange } from './roles.service';
import {
  AccessChangeSet,
  AccessPlanApproval,
  type AccessChangeSetDoc,
  type AccessPlan,
  type PlannedStep,
  type UndoOp,
} from './access-code.model';
import {
  DOCUMENT_VERSION,
  PATH_PARENT,
  PATH_TYPES,
  PATH_TYPE_OF,
  encodeSegment,
  parseAccessDocument,
  splitPath,
  type AccessDocument,
  type DocumentBinding,
  type DocumentRole,
  type PathType,
} from './access-document';

export const APPLY_LEASE_MS = 5 * 60_000;
export const APPROVAL_TTL_MS = 24 * 3600_000;

type Doc = { _id: string; name?: string; workspaceId?: string | null; projectId?: string | null; accountId?: string };

// ---------------------------------------------------------------------------------------------
// The account as it is

interface AccountState {
  accountId: string;
  account: AccountDoc;
  version: number;
  ownerId: string | null;
  /** Members: user id → email, and back (lower case). */
  emailOf: Map<string, string>;
  userOf: Map<string, string>;
  roles: RoleDoc[];
  bindings: RoleBindingDoc[];
  tokens: TokenDoc[];
  retention: RetentionWindow;
  /** Scope path of every node a binding or token is placed on. */
  pathOf: Map<string, string>;
}

const MODEL_OF_PATH = (t: PathType): string => SCOPE_MODEL[PATH_TYPES[t]];

/** Paths of the nodes these bindings and tokens sit on: the nodes and their ancestors, one `$in` read per type. */
async function pathsOf(accountId: string, bindings: RoleBindingDoc[], tokens: TokenDoc[]): Promise<Map<string, string>> {
  const want = new Map<ScopeType, Set<string>>();
  const add = (t: ScopeType, id: string | null | undefined) => {
    if (!id || t === 'ACCOUNT') return;
    if (!want.has(t)) want.set(t, new Set());
    want.get(t)!.add(id);
  };
  for (const b of bindings) {
    add(b.scopeType, b.scopeId);
    add('WORKSPACE', b.workspaceId);
    add('PROJECT', b.projectId);
  }
  for (const t of tokens) for (const w of t.workspaceIds ?? []) add('WORKSPACE', w);
  const docs = new Map<string, { type: ScopeType; doc: Doc }>();
  await Promise.all(
    [...want].map(async ([type, ids]) => {
      const found = await mongoose
        .model(SCOPE_MODEL[type])
        .find({ _id: { $in: [...ids] }, accountId })
        .select({ name: 1, workspaceId: 1, projectId: 1 })
        .lean<Doc[]>();
      for (const d of found) docs.set(d._id, { type, doc: d });
    }),
  );
  // A name a sibling shares is written as @<id>, so every path names one node.
  const ambiguous = new Set<string>();
  await Promise.all(
    [...docs.values()].map(async ({ type, doc }) => {
      const parentField = type === 'WORKSPACE' ? 'accountId' : type === 'INBOX' ? 'projectId' : 'workspaceId';
      const parentId = type === 'WORKSPACE' ? accountId : type === 'INBOX' ? doc.projectId : doc.workspaceId;
      const same = await mongoose.model(SCOPE_MODEL[type]).countDocuments({ [parentField]: parentId, name: doc.name });
      if (same > 1) ambiguous.add(doc._id);
    }),
  );
  const seg = (type: ScopeType, id: string): string => {
    const d = docs.get(id);
    const name = !d || ambiguous.has(id) ? `@${id}` : encodeSegment(String(d.doc.name));
    return `${PATH_TYPE_OF[type]}/${name}`;
  };
  const out = new Map<string, string>();
  const pathFor = (type: ScopeType, id: string): string => {
    const d = docs.get(id)?.doc;
    if (type === 'WORKSPACE') return seg(type, id);
    if (type === 'INBOX') return `${seg('WORKSPACE', String(d?.workspaceId))}/${seg('PROJECT', String(d?.projectId))}/${seg(type, id)}`;
    return `${seg('WORKSPACE', String(d?.workspaceId))}/${seg(type, id)}`;
  };
  for (const [id, { type }] of docs) out.set(id, pathFor(type, id));
  return out;
}

async function loadState(store: AccessStore, accountId: string): Promise<AccountState> {
  const now = new Date();
  const account = await Account.findById(accountId).lean<AccountDoc>();
  if (!account) throw new NotFoundError('account', accountId);
  const [version, ownerId, members, roles, bindings, tokens, retention] = await Promise.all([
    store.version(accountId),
    store.ownerOf(accountId),
    store.membersOf(accountId),
    store.rolesOf(accountId),
    store.bindingsOfAccount(accountId),
    store.tokensOf(accountId, now),
    retentionWindow(accountId),
  ]);
  const users = await User.find({ _id: { $in: members } })
    .select({ email: 1 })
    .lean<Pick<UserDoc, '_id' | 'email'>[]>();
  const emailOf = new Map(users.map((u) => [u._id, u.email.toLowerCase()]));
  const userOf = new Map(users.map((u) => [u.email.toLowerCase(), u._id]));
  const current = bindings.filter((b) => !b.expiresAt || new Date(b.expiresAt).getTime() > now.getTime());
  return {
    accountId,
    account,
    version,
    ownerId,
    emailOf,
    userOf,
    roles,
    bindings: current,
    tokens,
    retention,
    pathOf: await pathsOf(accountId, current, tokens),
  };
}

const iso = (d: Date | string | null | undefined): string | null => (d ? new Date(d).toISOString() : null);
const sorted = (list: readonly string[]) => [...list].sort();

function documentOf(s: AccountState): AccessDocument {
  const roleById = new Map(s.roles.map((r) => [r._id, r]));
  const path = (b: { scopeType: ScopeType; scopeId: string }) =>
    b.scopeType === 'ACCOUNT' ? 'account' : (s.pathOf.get(b.scopeId) ?? `@${b.scopeId}`);
  const email = (userId: string) => s.emailOf.get(userId) ?? `@${userId}`;
  const roleBindings = s.bindings.filter((b) => b.roleId && roleById.get(b.roleId)?.key !== 'owner');
  return {
    $schema: 'https://postern.dev/schemas/access-document.schema.json',
    version: DOCUMENT_VERSION,
    account: { id: s.accountId, name: s.account.name, owner: s.ownerId ? email(s.ownerId) : undefined },
    settings: {
      defaultRole: s.account.defaultRoleId ? (roleById.get(s.account.defaultRoleId)?.key ?? null) : null,
      accessRequestRecipients: s.account.accessRequestRecipients ?? 'RESOLVERS',
      auditRetentionDays: s.retention.custom ? s.retention.days : null,
    },
    rolePacks: [...new Set(s.roles.map((r) => r.pack).filter((p): p is string => !!p))].sort() as AccessDocument['rolePacks'],
    roles: s.roles
      .filter((r) => !r.system)
      .map((r) => ({ key: r.key, name: r.name, description: r.description ?? '', permissions: [...r.permissions] }))
      .sort((a, b) => a.key.localeCompare(b.key)),
    bindings: roleBindings
      .map((b) => ({
        member: email(b.userId),
        role: roleById.get(b.roleId!)?.key ?? `@${b.roleId}`,
        scope: path(b),
        grant: sorted(b.grant ?? []),
        revoke: sorted(b.revoke ?? []),
        expiresAt: iso(b.expiresAt),
      }))
      .sort((a, b) => a.member.localeCompare(b.member) || a.scope.localeCompare(b.scope) || a.role.localeCompare(b.role)),
    tokens: s.tokens
      .map((t) => ({
        name: t.name ?? '',
        owner: email(t.userId),
        scopes: sorted(t.scopes),
        workspaces: t.workspaceIds ? t.workspaceIds.map((w) => s.pathOf.get(w) ?? `@${w}`).sort() : null,
        expiresAt: iso(t.expiresAt)!,
      }))
      .sort((a, b) => a.owner.localeCompare(b.owner) || a.name.localeCompare(b.name)),
    grants: s.bindings
      .filter((b) => !b.roleId)
      .flatMap((b) => (b.grant ?? []).map((p) => ({ member: email(b.userId), permission: p, scope: path(b), expiresAt: iso(b.expiresAt) })))
      .sort((a, b) => a.member.localeCompare(b.member) || a.permission.localeCompare(b.permission)),
  };
}

/** The document names members by email: contact data, so members:view on the account besides the directive's permission. */
async function assertMayReadMembers(ctx: Context, accountId: string): Promise<void> {
  const c = await ctx.authz.load(accountId);
  if (!c || !allowed(c, permissionBit('members:view'), { _id: accountId }, ['_id'], false)) {
    throw new ForbiddenError('members:view', { type: 'ACCOUNT', id: accountId }, ctx.principal);
  }
}

export async function exportAccess(ctx: Context, accountId: string): Promise<AccessDocument> {
  await assertMayReadMembers(ctx, accountId);
  return documentOf(await loadState(ctx.access, accountId));
}

// ---------------------------------------------------------------------------------------------
// Scope paths of a document → nodes

async function resolvePath(accountId: string, path: string, cache: Map<string, ScopeNode>): Promise<ScopeNode> {
  const hit = cache.get(path);
  if (hit) return hit;
  const segs = splitPath(path);
  let node: ScopeNode;
  if (!segs.length) {
    const account = await Account.findById(accountId).lean<AccountDoc>();
    node = { type: 'ACCOUNT', doc: account as unknown as Doc as ScopeNode['doc'], accountId, chain: RESOURCE_TYPES.Account!.chain };
  } else {
    let parent: Doc | null = null;
    let doc: Doc | null = null;
    for (const s of segs) {
      const model = mongoose.model(MODEL_OF_PATH(s.type));
      const parentType = PATH_PARENT[s.type];
      const where: Record<string, unknown> = { accountId };
      if (parentType === 'workspace') where.workspaceId = parent!._id;
      if (parentType === 'project') where.projectId = parent!._id;
      if (s.id) where._id = s.id;
      else where.name = s.name;
      const found = await model.find(where).limit(2).lean<Doc[]>();
      if (!found.length)
        throw new BadInputError(`Scope path "${path}": no ${s.type} ${s.id ? `with id ${s.id}` : `named "${s.name}"`} there`, 'document');
      if (found.length > 1) {
        throw new BadInputError(`Scope path "${path}": more than one ${s.type} is named "${s.name}" there: write @<id> for it`, 'document');
      }
      parent = doc = found[0]!;
    }
    const type = PATH_TYPES[segs[segs.length - 1]!.type];
    const model = SCOPE_MODEL[type];
    node = { type, doc: doc as ScopeNode['doc'], accountId, chain: RESOURCE_TYPES[model]!.chain };
  }
  cache.set(path, node);
  return node;
}

// ---------------------------------------------------------------------------------------------
// Steps

type Step =
  | { kind: 'installRolePack'; pack: RolePackName }
  | { kind: 'createRole'; role: DocumentRole }
  | { kind: 'updateRole'; key: string; set: { name: string; description: string; permissions: string[] } }
  | { kind: 'assignRole'; member: string; userId: string; role: string; scope: string; node: ScopeNode; expiresAt: string | null }
  | {
      kind: 'setOverrides';
      member: string;
      userId: string;
      role: string;
      scope: string;
      scopeId: string;
      grant: string[];
      revoke: string[];
    }
  | { kind: 'unassignRole'; member: string; bindingId: string; role: string; scope: string }
  | { kind: 'setDefaultRole'; role: string | null }
  | { kind: 'setAccessRequestRecipients'; recipients: 'OWNER' | 'RESOLVERS' }
  | { kind: 'setAuditRetention'; days: number | null }
  | { kind: 'deleteRole'; key: string };

function summaryOf(s: Step): string {
  switch (s.kind) {
    case 'installRolePack':
      return `install the ${s.pack} role pack`;
    case 'createRole':
      return `create role ${s.role.key} ("${s.role.name}") with ${s.role.permissions.join(', ') || 'no permissions'}`;
    case 'updateRole':
      return `update role ${s.key}: name "${s.set.name}", permissions ${s.set.permissions.join(', ') || '(none)'}`;
    case 'assignRole':
      return `assign ${s.role} to ${s.member} on ${s.scope}${s.expiresAt ? ` until ${s.expiresAt}` : ''}`;
    case 'setOverrides':
      return `set overrides of ${s.member}'s ${s.role} on ${s.scope}: grant [${s.grant.join(', ')}], revoke [${s.revoke.join(', ')}]`;
    case 'unassignRole':
      return `unassign ${s.role} from ${s.member} on ${s.scope}`;
    case 'setDefaultRole':
      return `make ${s.role ?? 'no role'} the default role`;
    case 'setAccessRequestRecipients':
      return `send access requests to ${s.recipients}`;
    case 'setAuditRetention':
      return `keep audit events ${s.days === null ? "for the plan's maximum" : `${s.days} days`}`;
    case 'deleteRole':
      return `delete role ${s.key}`;
  }
}

/** What a step is, for the plan hash: ids of nodes and members, never generated ids. */
function canonical(s: Step): Record<string, unknown> {
  if (s.kind === 'assignRole') {
    const { node, ...rest } = s;
    return { ...rest, scopeId: node.doc._id };
  }
  return { ...s };
}

const roleContent = (r: { name: string; description?: string; permissions: readonly string[] }) =>
  JSON.stringify([r.name, r.description ?? '', sorted(r.permissions)]);

/** The steps that make the account hold what the document says, in an order that keeps each step valid. */
async function stepsFor(s: AccountState, doc: AccessDocument): Promise<{ steps: Step[]; notes: string[] }> {
  const steps: Step[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  const byKey = new Map(s.roles.map((r) => [r.key, r]));
  const installed = new Set(s.roles.map((r) => r.pack).filter(Boolean));

  // Roles: packs first, then custom roles, then edits.
  const packRoles = new Map<string, DocumentRole>();
  for (const pack of new Set(doc.rolePacks)) {
    for (const r of ROLE_PACKS[pack].roles) {
      packRoles.set(r.key, { key: r.key, name: r.name, description: r.description, permissions: [...r.permissions] });
    }
    if (!installed.has(pack)) steps.push({ kind: 'installRolePack', pack });
  }
  const wanted = new Map<string, DocumentRole>();
  for (const r of doc.roles) {
    if (wanted.has(r.key)) problems.push(`role ${r.key} is listed twice`);
    wanted.set(r.key, r);
  }
  for (const [key, r] of packRoles) if (!wanted.has(key)) wanted.set(key, r);
  for (const [key, r] of wanted) {
    const have = byKey.get(key);
    if (have?.system) {
      problems.push(`role ${key} is a system role: leave it out of the document`);
      continue;
    }
    const base = have ?? (packRoles.has(key) ? packRoles.get(key)! : null);
    if (!base) {
      steps.push({ kind: 'createRole', role: { ...r, permissions: [...r.permissions] } });
    } else if (roleContent(base) !== roleContent(r)) {
      steps.push({ kind: 'updateRole', key, set: { name: r.name, description: r.description ?? '', permissions: [...r.permissions] } });
    }
  }

  // Bindings, by (member, role, scope node).
  const cache = new Map<string, ScopeNode>();
  const current = new Map<string, RoleBindingDoc>();
  const roleById = new Map(s.roles.map((r) => [r._id, r]));
  for (const b of s.bindings) {
    const role = b.roleId ? roleById.get(b.roleId) : null;
    if (!role || role.key === 'owner') continue;
    current.set(`${b.userId}|${role.key}|${b.scopeId}`, b);
  }
  const seen = new Set<string>();
  const assigns: Step[] = [];
  const overrides: Step[] = [];
  for (const b of doc.bindings as DocumentBinding[]) {
    const member = b.member.trim().toLowerCase();
    const userId = s.userOf.get(member);
    if (!userId) {
      problems.push(`${b.member} is not a member of the account (invite them first)`);
      continue;
    }
    if (!wanted.has(b.role) && !byKey.get(b.role)?.system) {
      problems.push(`binding of ${b.member}: no role ${b.role} in the document`);
      continue;
    }
    let node: ScopeNode;
    try {
      node = await resolvePath(s.accountId, b.scope, cache);
    } catch (err) {
      if (!(err instanceof BadInputError)) throw err;
      problems.push(err.message);
      continue;
    }
    const key = `${userId}|${b.role}|${node.doc._id}`;
    if (seen.has(key)) {
      problems.push(`${b.member} holds ${b.role} on ${b.scope} twice`);
      continue;
    }
    seen.add(key);
    const have = current.get(key);
    const expiresAt = b.expiresAt ? new Date(b.expiresAt).toISOString() : null;
    const grant = sorted(b.grant);
    const revoke = sorted(b.revoke);
    if (have && iso(have.expiresAt) !== expiresAt) {
      // A new expiry is a new binding: the old one goes, the new one is made.
      steps.push({ kind: 'unassignRole', member, bindingId: have._id, role: b.role, scope: b.scope });
    } else if (have) {
      if (JSON.stringify([sorted(have.grant ?? []), sorted(have.revoke ?? [])]) !== JSON.stringify([grant, revoke])) {
        overrides.push({ kind: 'setOverrides', member, userId, role: b.role, scope: b.scope, scopeId: node.doc._id, grant, revoke });
      }
      continue;
    }
    assigns.push({ kind: 'assignRole', member, userId, role: b.role, scope: b.scope, node, expiresAt });
    if (grant.length || revoke.length) {
      overrides.push({ kind: 'setOverrides', member, userId, role: b.role, scope: b.scope, scopeId: node.doc._id, grant, revoke });
    }
  }
  if (problems.length) {
    throw new BadInputError(
      `The document cannot be planned: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? ` (${problems.length} in all)` : ''}`,
      'document',
    );
  }
  steps.push(...assigns, ...overrides);
  const pathOf = (b: RoleBindingDoc) => (b.scopeType === 'ACCOUNT' ? 'account' : (s.pathOf.get(b.scopeId) ?? `@${b.scopeId}`));
  for (const [key, b] of current) {
    if (seen.has(key)) continue;
    steps.push({
      kind: 'unassignRole',
      member: s.emailOf.get(b.userId) ?? b.userId,
      bindingId: b._id,
      role: roleById.get(b.roleId!)!.key,
      scope: pathOf(b),
    });
  }

  // Settings (a setting left out stays as it is).
  const set = doc.settings ?? {};
  if (set.defaultRole !== undefined) {
    const nowKey = s.account.defaultRoleId ? (roleById.get(s.account.defaultRoleId)?.key ?? null) : null;
    if (set.defaultRole !== null && !wanted.has(set.defaultRole) && !byKey.get(set.defaultRole)?.system) {
      throw new BadInputError(`settings.defaultRole: no role ${set.defaultRole} in the document`, 'document');
    }
    if (set.defaultRole !== nowKey) steps.push({ kind: 'setDefaultRole', role: set.defaultRole });
  }
  if (set.accessRequestRecipients !== undefined && set.accessRequestRecipients !== (s.account.accessRequestRecipients ?? 'RESOLVERS')) {
    steps.push({ kind: 'setAccessRequestRecipients', recipients: set.accessRequestRecipients });
  }
  if (set.auditRetentionDays !== undefined) {
    const nowDays = s.retention.custom ? s.retention.days : null;
    if (set.auditRetentionDays !== nowDays) steps.push({ kind: 'setAuditRetention', days: set.auditRetentionDays });
  }

  // Roles the document leaves out go last, once nobody holds them.
  for (const r of s.roles) if (!r.system && !wanted.has(r.key)) steps.push({ kind: 'deleteRole', key: r.key });

  // Read-only parts: told, never applied.
  const exported = documentOf(s);
  if (JSON.stringify(normTokens(doc.tokens)) !== JSON.stringify(normTokens(exported.tokens))) {
    notes.push(
      'tokens differ from the account: partner tokens are made and revoked with createApiToken / revokeApiToken, not applied from the document',
    );
  }
  if (JSON.stringify(doc.grants) !== JSON.stringify(exported.grants)) {
    notes.push(
      'grants differ from the account: time-bound grants come from approved access requests and lapse on their own, not from the document',
    );
  }
  return { steps, notes };
}

const normTokens = (t: AccessDocument['tokens']) =>
  [...t]
    .map((x) => ({ ...x, scopes: sorted(x.scopes), owner: x.owner.toLowerCase() }))
    .sort((a, b) => (a.owner + a.name).localeCompare(b.owner + b.name));

// ---------------------------------------------------------------------------------------------
// Running steps against a store (the copy for a plan, the access store for an apply)

interface Runner {
  store: AccessStore;
  /** The account's own store (an apply), not the plan's copy: settings that are not access data are written only then. */
  live: boolean;
  accountId: string;
  actor: Actor;
  /** The actor's usable permissions: each step needs its mutation's permission, as its mutation would. */
  perms: CompiledPermissions | null;
  /** The default role key as the plan goes (deleteRole refuses the default). */
  defaultKey: string | null;
  retention: RetentionWindow;
  users: Map<string, UserDoc>;
  now: Date;
}

const ACCOUNT_NODE = (accountId: string) => ({ doc: { _id: accountId }, chain: ['_id'] as readonly string[] });

function need(r: Runner, permission: string, node: { doc: object; chain: readonly string[] }, scope: { type: string; id: string }): void {
  if (!r.perms || !allowed(r.perms, permissionBit(permission), node.doc, node.chain, false)) {
    throw new BadInputError(`Missing permission ${permission} on ${scope.type} ${scope.id}`, 'document');
  }
}

async function roleByKey(r: Runner, key: string): Promise<RoleDoc> {
  const role = await r.store.roleByKey(r.accountId, key);
  if (!role) throw new BadInputError(`No role ${key} in the account`, 'document');
  return role;
}

async function bindingFor(r: Runner, userId: string, roleId: string, scopeId: string): Promise<RoleBindingDoc> {
  const b = (await r.store.bindingsOf(r.accountId, [userId])).find((x) => x.roleId === roleId && x.scopeId === scopeId);
  if (!b) throw new BadInputError('The binding is gone', 'document');
  return b;
}

/** Checks one step against the rules as its mutation would (throws the refusal). */
async function check(r: Runner, s: Step): Promise<void> {
  const acct = { type: 'ACCOUNT', id: r.accountId };
  switch (s.kind) {
    case 'installRolePack':
      return need(r, 'roles:create', ACCOUNT_NODE(r.accountId), acct);
    case 'createRole': {
      need(r, 'roles:create', ACCOUNT_NODE(r.accountId), acct);
      cleanPermissions(s.role.permissions, 'permissions', { allowWildcard: true });
      if (await r.store.roleByKey(r.accountId, s.role.key))
        throw new BadInputError(`A role with key ${s.role.key} already exists`, 'document');
      if (await r.store.roleNamed(r.accountId, s.role.name))
        throw new BadInputError(`A role named "${s.role.name}" already exists in this account`, 'name');
      return;
    }
    case 'updateRole': {
      need(r, 'roles:edit', ACCOUNT_NODE(r.accountId), acct);
      const role = await roleByKey(r, s.key);
      const set = { ...s.set, permissions: cleanPermissions(s.set.permissions, 'permissions', { allowWildcard: true }) };
      return updateRoleChange.check(r.store, r.actor, { accountId: r.accountId, subject: null, role, set });
    }
    case 'assignRole': {
      need(r, 'roles:assign', s.node, { type: s.node.type, id: s.node.doc._id });
      const role = await roleByKey(r, s.role);
      const user = r.users.get(s.userId)!;
      return assignRoleChange.check(r.store, r.actor, {
        accountId: r.accountId,
        subject: null,
        node: s.node,
        role,
        user,
        expiresAt: s.expiresAt ? new Date(s.expiresAt) : null,
        actorId: r.actor.userId,
      });
    }
    case 'setOverrides': {
      const role = await roleByKey(r, s.role);
      const binding = await bindingFor(r, s.userId, role._id, s.scopeId);
      need(r, 'roles:assign', { doc: binding, chain: PLACED_CHAIN }, { type: binding.scopeType, id: binding.scopeId });
      return setPermissionOverridesChange.check(r.store, r.actor, {
        accountId: r.accountId,
        subject: null,
        binding,
        role,
        grant: s.grant,
        revoke: s.revoke,
      });
    }
    case 'unassignRole': {
      const binding = await r.store.binding(s.bindingId);
      if (!binding) throw new BadInputError('The binding is gone', 'document');
      need(r, 'roles:assign', { doc: binding, chain: PLACED_CHAIN }, { type: binding.scopeType, id: binding.scopeId });
      const role = binding.roleId ? ((await r.store.roles([binding.roleId]))[0] ?? null) : null;
      return unassignRoleChange.check(r.store, r.actor, { accountId: r.accountId, subject: null, binding, role });
    }
    case 'setDefaultRole': {
      need(r, 'account:edit', ACCOUNT_NODE(r.accountId), acct);
      if (s.role === 'owner') throw new BadInputError('The default role cannot be the owner role', 'defaultRoleId');
      if (s.role && isAdminRole(await roleByKey(r, s.role)) && !(await isAccountAdmin(r.store, r.accountId, r.actor.userId))) {
        throw new BadInputError(`Only the owner and admins make ${s.role}, an admin role, the default`, 'defaultRoleId');
      }
      return;
    }
    case 'setAccessRequestRecipients':
      return need(r, 'account:edit', ACCOUNT_NODE(r.accountId), acct);
    case 'setAuditRetention': {
      need(r, 'security:edit', ACCOUNT_NODE(r.accountId), acct);
      if (r.actor.viaToken)
        throw new BadInputError('The audit retention window is set by people: sign in rather than use an API token', 'days');
      const w = r.retention;
      if (s.days !== null && (s.days < w.minDays || s.days > w.maxDays)) {
        throw new BadInputError(`auditRetentionDays must be from ${w.minDays} to ${w.maxDays} on the ${w.plan} plan`, 'days');
      }
      return;
    }
    case 'deleteRole': {
      need(r, 'roles:delete', ACCOUNT_NODE(r.accountId), acct);
      const role = await roleByKey(r, s.key);
      if (role.system) throw new BadInputError(`The system role "${role.name}" cannot be deleted`, 'id');
      if (r.defaultKey === role.key)
        throw new BadInputError(`"${role.name}" is the account's default role: choose another default first`, 'id');
      if ((await r.store.bindingsOfRole(r.accountId, role._id, 1)).length)
        throw new BadInputError(`Role "${role.name}" is still bound`, 'id');
      const pending = await r.store.pendingOffersOfRole(role._id, r.now, 5);
      if (pending.length) {
        throw new BadInputError(
          `Role "${role.name}" is offered by pending invitations — revoke them first: ${pending.map((i) => i.email).join(', ')}`,
          'id',
        );
      }
      return;
    }
  }
}

/** Makes one step in `r.store`; `before(undo)` is called with its undo before anything is written. */
async function write(r: Runner, s: Step, before: (undo: UndoOp) => Promise<void>): Promise<void> {
  const { store, accountId } = r;
  const createdBy = r.actor.userId;
  switch (s.kind) {
    case 'installRolePack': {
      const existing = new Set((await store.rolesOf(accountId, { keys: ROLE_PACKS[s.pack].roles.map((x) => x.key) })).map((x) => x.key));
      const roles = ROLE_PACKS[s.pack].roles
        .filter((x) => !existing.has(x.key))
        .map((x) => ({
          _id: newId(),
          accountId,
          key: x.key,
          name: x.name,
          description: x.description,
          permissions: [...x.permissions],
          system: false,
          customisable: !x.standsForAdmin,
          pack: s.pack,
          createdBy,
        }));
      await before({ op: 'deleteRoles', ids: roles.map((x) => x._id) });
      if (roles.length) await store.createRoles(roles);
      return;
    }
    case 'createRole': {
      const _id = newId();
      await before({ op: 'deleteRoles', ids: [_id] });
      await store.createRoles([
        {
          _id,
          accountId,
          key: s.role.key,
          name: s.role.name,
          description: s.role.description ?? '',
          permissions: cleanPermissions(s.role.permissions, 'permissions', { allowWildcard: true }),
          system: false,
          customisable: true,
          pack: null,
          createdBy,
        },
      ]);
      return;
    }
    case 'updateRole': {
      const role = await roleByKey(r, s.key);
      await before({
        op: 'updateRole',
        id: role._id,
        set: { name: role.name, description: role.description ?? '', permissions: [...role.permissions] },
      });
      const set = { ...s.set, permissions: cleanPermissions(s.set.permissions, 'permissions', { allowWildcard: true }) };
      if (!(await store.updateRole(role._id, set))) throw new BadInputError(`Role ${s.key} changed meanwhile`, 'document');
      return;
    }
    case 'assignRole': {
      const role = await roleByKey(r, s.role);
      const _id = newId();
      await before({ op: 'deleteBinding', id: _id });
      await store.createBinding(
        {
          _id,
          ...ancestorIds(s.node),
          userId: s.userId,
          roleId: role._id,
          scopeType: s.node.type,
          scopeId: s.node.doc._id,
          expiresAt: s.expiresAt ? new Date(s.expiresAt) : null,
          createdBy,
        },
        r.now,
      );
      return;
    }
    case 'setOverrides': {
      const role = await roleByKey(r, s.role);
      const binding = await bindingFor(r, s.userId, role._id, s.scopeId);
      await before({ op: 'setOverrides', id: binding._id, grant: binding.grant ?? [], revoke: binding.revoke ?? [] });
      if (!(await store.setOverrides(binding._id, s.grant, s.revoke))) throw new BadInputError('The binding is gone', 'document');
      return;
    }
    case 'unassignRole': {
      const binding = await store.binding(s.bindingId);
      if (!binding) throw new BadInputError('The binding is gone', 'document');
      await before({ op: 'restoreBinding', binding: { ...binding } });
      await store.deleteBinding(binding._id);
      return;
    }
    case 'deleteRole': {
      const role = await roleByKey(r, s.key);
      await before({ op: 'restoreRole', role: { ...role } });
      await store.deleteRole(role._id);
      return;
    }
    case 'setDefaultRole':
      r.defaultKey = s.role;
      if (!r.live) return; // not access data: nothing to write on the plan's copy
      {
        const account = await Account.findById(accountId).lean<AccountDoc>();
        await before({ op: 'accountSettings', set: { defaultRoleId: account?.defaultRoleId ?? null } });
        const role = s.role ? await roleByKey(r, s.role) : null;
        await Account.updateOne({ _id: accountId }, { $set: { defaultRoleId: role?._id ?? null } });
      }
      return;
    case 'setAccessRequestRecipients':
      if (!r.live) return;
      {
        const account = await Account.findById(accountId).lean<AccountDoc>();
        await before({ op: 'accountSettings', set: { accessRequestRecipients: account?.accessRequestRecipients ?? 'RESOLVERS' } });
        await Account.updateOne({ _id: accountId }, { $set: { accessRequestRecipients: s.recipients } });
      }
      return;
    case 'setAuditRetention':
      if (!r.live) return;
      {
        const w = await retentionWindow(accountId);
        await before({ op: 'auditRetention', days: w.custom ? w.days : null });
        await AuditRetention.updateOne(
          { _id: accountId },
          {
            $set: { days: s.days, updatedBy: createdBy },
            $setOnInsert: { accountId, lastPurgeAt: null, lastPurgeDeleted: 0, keptFromSeq: null },
          },
          { upsert: true },
        );
      }
      return;
  }
}

/** Undoes one write; idempotent, so a rollback may run twice (or after a write that never happened). */
async function undo(store: AccessStore, accountId: string, u: UndoOp): Promise<void> {
  switch (u.op) {
    case 'deleteRoles':
      for (const id of u.ids) await store.deleteRole(id);
      return;
    case 'restoreRole':
      try {
        await store.createRoles([u.role as unknown as RoleDoc]);
      } catch (err) {
        if (!(err instanceof DuplicateError)) throw err;
      }
      return;
    case 'updateRole':
      await store.updateRole(u.id, u.set);
      return;
    case 'deleteBinding':
      await store.deleteBinding(u.id);
      return;
    case 'restoreBinding': {
      const b = u.binding as unknown as RoleBindingDoc;
      if (await store.binding(b._id)) return;
      try {
        await store.createBinding({ ...b, expiresAt: b.expiresAt ? new Date(b.expiresAt) : null }, new Date());
      } catch (err) {
        if (!(err instanceof DuplicateError)) throw err;
      }
      return;
    }
    case 'setOverrides':
      await store.setOverrides(u.id, u.grant, u.revoke);
      return;
    case 'accountSettings':
      await Account.updateOne({ _id: accountId }, { $set: u.set });
      return;
    case 'auditRetention':
      await AuditRetention.updateOne({ _id: accountId }, { $set: { days: u.days } });
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Plan

interface PlanAs {
  actor: Actor;
  perms: CompiledPermissions | null;
}

async function planWith(
  store: AccessStore,
  accountId: string,
  doc: AccessDocument,
  as: PlanAs,
): Promise<{ plan: AccessPlan; steps: Step[]; state: AccountState }> {
  const state = await loadState(store, accountId);
  const { steps, notes } = await stepsFor(state, doc);
  const now = new Date();
  const copy = await copyOfAccount(store, accountId, now);
  const users = new Map((await User.find({ _id: { $in: [...state.emailOf.keys()] } }).lean<UserDoc[]>()).map((u) => [u._id, u] as const));
  const defaultRole = state.account.defaultRoleId ? state.roles.find((r) => r._id === state.account.defaultRoleId) : null;
  const runner: Runner = {
    store: copy,
    live: false,
    accountId,
    actor: as.actor,
    perms: as.perms,
    defaultKey: defaultRole?.key ?? null,
    retention: state.retention,
    users,
    now,
  };
  const first = await accessOf(copy, accountId, now);
  let before = first;
  const planned: PlannedStep[] = [];
  for (const [index, step] of steps.entries()) {
    let refusedBy: string | null = null;
    try {
      await check(runner, step);
    } catch (err) {
      if (!(err instanceof BadInputError || err instanceof NotFoundError)) throw err;
      refusedBy = err.message;
    }
    try {
      await write(runner, step, async () => {});
    } catch (err) {
      if (!(err instanceof BadInputError || err instanceof DuplicateError)) throw err;
      refusedBy ??= err.message;
    }
    const after = await accessOf(copy, accountId, now);
    planned.push({
      index,
      kind: step.kind,
      summary: summaryOf(step),
      detail: canonical(step),
      deltas: diffAccess(before, after),
      refusedBy,
    });
    before = after;
  }
  const exported = documentOf(state);
  const planHash = createHash('sha256')
    .update(JSON.stringify({ accountId, version: state.version, current: exported, steps: planned.map((p) => p.detail) }))
    .digest('hex');
  return {
    plan: {
      accountId,
      planHash,
      permissionsVersion: state.version,
      steps: planned,
      deltas: diffAccess(first, before),
      refused: planned.some((p) => p.refusedBy),
      notes,
    },
    steps,
    state,
  };
}

async function asCaller(ctx: Context, accountId: string): Promise<PlanAs> {
  return { actor: await ctx.authz.actor(accountId), perms: await ctx.authz.load(accountId) };
}

/** The person a token's apply acts for: the one who approved the plan. */
async function asPerson(store: AccessStore, accountId: string, userId: string): Promise<PlanAs> {
  const [grantable, perms] = await Promise.all([
    compileFor(store, { accountId, userId, grantable: true }),
    compileFor(store, { accountId, userId }),
  ]);
  return { actor: { userId, grantable, viaToken: false }, perms };
}

export async function planAccess(ctx: Context, accountId: string, text: string): Promise<AccessPlan> {
  await assertMayReadMembers(ctx, accountId);
  const doc = parseAccessDocument(text);
  const principal = ctx.principal;
  if (principal?.kind === 'token') {
    // A token grants nothing itself (rule 7): the rules are checked as the person who made it, who (or
    // another person) approves the plan before the token applies it.
    const { plan } = await planWith(ctx.access, accountId, doc, await asPerson(ctx.access, accountId, principal.userId));
    plan.notes.push(
      'planned with a partner token: the rules were checked as the person who made it; a person approves the plan (approveAccessPlan) before a token applies it, and it is then checked as the approver',
    );
    return plan;
  }
  return (await planWith(ctx.access, accountId, doc, await asCaller(ctx, accountId))).plan;
}

// ---------------------------------------------------------------------------------------------
// Approve (people) and apply

function assertNotRefused(plan: AccessPlan): void {
  const refused = plan.steps.filter((s) => s.refusedBy);
  if (refused.length) {
    throw new BadInputError(
      `The plan would be refused: ${refused
        .slice(0, 5)
        .map((s) => `step ${s.index + 1} (${s.summary}): ${s.refusedBy}`)
        .join('; ')}`,
      'planHash',
    );
  }
}

const STALE = 'The account or the document changed since this plan was made: plan again and review the new plan';

export async function approveAccessPlan(
  ctx: Context,
  accountId: string,
  text: string,
  planHash: string,
): Promise<{ planHash: string; expiresAt: Date }> {
  if (ctx.principal?.kind !== 'user')
    throw new BadInputError('Plans are approved by people: sign in rather than use an API token', 'planHash');
  const { plan } = await planWith(ctx.access, accountId, parseAccessDocument(text), await asCaller(ctx, accountId));
  if (plan.planHash !== planHash) throw new BadInputError(STALE, 'planHash');
  assertNotRefused(plan);
  const expiresAt = new Date(Date.now() + APPROVAL_TTL_MS);
  await AccessPlanApproval.updateOne(
    { _id: `${accountId}:${planHash}` },
    { $set: { accountId, planHash, approvedBy: ctx.actorId, expiresAt } },
    { upsert: true },
  );
  await ctx.audit.record({
    accountId,
    action: 'access.planApproved',
    target: { type: 'Account', id: accountId },
    meta: { planHash, steps: plan.steps.length, expiresAt: expiresAt.toISOString() },
  });
  return { planHash, expiresAt };
}

async function rollBack(store: AccessStore, set: Pick<AccessChangeSetDoc, '_id' | 'accountId' | 'undo'>, error: string): Promise<void> {
  for (const u of [...set.undo].reverse()) await undo(store, set.accountId, u);
  await AccessChangeSet.updateOne({ _id: set._id }, { $set: { status: 'ROLLED_BACK', error, finishedAt: new Date() } });
}

/** Change sets left APPLYING by a replica that died (lease lapsed) are rolled back before anything new. */
export async function recoverChangeSets(store: AccessStore, accountId: string, now = new Date()): Promise<number> {
  const stale = await AccessChangeSet.find({ accountId, status: 'APPLYING', leaseUntil: { $lt: now } }).lean<AccessChangeSetDoc[]>();
  for (const set of stale) {
    if (!(await claimOnce(`access-rollback:${set._id}`, accountId))) continue;
    await rollBack(store, set, 'abandoned: its replica stopped before finishing; rolled back');
  }
  return stale.length;
}

export async function applyAccess(ctx: Context, accountId: string, text: string, planHash: string): Promise<AccessChangeSetDoc> {
  await assertMayReadMembers(ctx, accountId);
  const doc = parseAccessDocument(text);
  const principal = ctx.principal;
  let as: PlanAs;
  let approvedBy: string | null = null;
  if (principal?.kind === 'token') {
    // Rule 7: a token grants nothing itself; it applies a plan a person approved, checked as that person.
    const approval = await AccessPlanApproval.findById(`${accountId}:${planHash}`).lean();
    if (!approval || approval.expiresAt.getTime() <= Date.now()) {
      throw new BadInputError(
        'An API token applies only a plan a person approved (approveAccessPlan, valid 24 hours): ask for approval',
        'planHash',
      );
    }
    approvedBy = approval.approvedBy;
    as = await asPerson(ctx.access, accountId, approval.approvedBy);
  } else {
    as = await asCaller(ctx, accountId);
  }
  await recoverChangeSets(ctx.access, accountId);
  const { plan, steps, state } = await planWith(ctx.access, accountId, doc, as);
  if (plan.planHash !== planHash) throw new BadInputError(STALE, 'planHash');
  assertNotRefused(plan);
  // One apply per permissions version: of two applies of plans made at the same version, one wins.
  if (!(await claimOnce(`access-apply:${accountId}:${state.version}`, accountId))) throw new BadInputError(STALE, 'planHash');

  const set = (
    await AccessChangeSet.create({
      accountId,
      planHash,
      status: 'APPLYING',
      actorUserId: as.actor.userId,
      tokenId: principal?.kind === 'token' ? principal.tokenId : null,
      steps: plan.steps.map((s) => ({ kind: s.kind, summary: s.summary })),
      undo: [],
      leaseUntil: new Date(Date.now() + APPLY_LEASE_MS),
      createdBy: ctx.actorId,
    })
  ).toObject<AccessChangeSetDoc>();
  const undone: UndoOp[] = [];
  const runner: Runner = {
    store: ctx.access,
    live: true,
    accountId,
    actor: as.actor,
    perms: as.perms,
    defaultKey: null,
    retention: state.retention,
    users: new Map(),
    now: new Date(),
  };
  try {
    for (const step of steps) {
      await write(runner, step, async (u) => {
        undone.push(u);
        // Recorded before the write: whatever happens next, the rollback knows how to undo it.
        await AccessChangeSet.updateOne(
          { _id: set._id },
          { $push: { undo: u }, $set: { leaseUntil: new Date(Date.now() + APPLY_LEASE_MS) } },
        );
      });
    }
    await ctx.audit.change({
      accountId,
      action: 'access.applied',
      target: { type: 'AccessChangeSet', id: set._id },
      before: { permissionsVersion: state.version },
      after: { permissionsVersion: await ctx.access.version(accountId) },
      meta: { planHash, approvedBy, steps: plan.steps.map((s) => s.summary), deltas: plan.deltas.length },
    });
  } catch (err) {
    ctx.log.warn({ err, changeSetId: set._id, accountId }, 'applying an access plan failed: rolling back');
    await rollBack(ctx.access, { _id: set._id, accountId, undo: undone }, (err as Error).message);
    ctx.loaders.forget('Account', accountId);
    await ctx.audit
      .record({
        accountId,
        action: 'access.rolledBack',
        target: { type: 'AccessChangeSet', id: set._id },
        meta: { planHash, steps: plan.steps.length, error: (err as Error).message },
      })
      .catch(() => {});
    if (err instanceof BadInputError)
      throw new BadInputError(`${err.message}: nothing was applied (the change set was rolled back)`, 'planHash');
    throw new ServiceUnavailableError(
      'Applying the plan failed: nothing was applied (the change set was rolled back). Plan again and apply.',
    );
  }
  ctx.loaders.forget('Account', accountId);
  const done = await AccessChangeSet.findOneAndUpdate(
    { _id: set._id },
    { $set: { status: 'APPLIED', finishedAt: new Date() } },
    { returnDocument: 'after' },
  ).lean<AccessChangeSetDoc>();
  return done!;
}
