// The rules no role can break (docs/permissions-rules.md "Rules no role can break", rules 1–4, 7 and 8), as functions of the access store
// and compiled permissions — so the services call them and the conformance cases
// (test/authz/cases.yaml) run them on the in-memory store. Each refusal is a BadInputError that says
// what to do instead.
import { ADMIN_EQUIVALENT_KEYS, isAdminRole } from './packs';
import { parsePermission, UnknownPermissionError } from './catalogue';
import type { CompiledPermissions } from './compile';
import { compileFor } from './compile-for';
import { missingAt } from './scope-node';
import { RESOURCE_TYPES } from './resources';
import { OWNER_ONLY } from './roles';
import type { AccessStore, InvitationDoc, RoleBindingDoc, RoleDoc } from './store/types';
import { BadInputError, NotFoundError } from '../errors';

export { OWNER_ONLY };
export const MAX_PERMISSIONS = 300;

type Doc = { _id: string };
export interface GrantNode {
  doc: Doc;
  chain: readonly string[];
}

/** Where a binding, invitation or access request grants: its scope node and that node's ancestors. */
export const PLACED_CHAIN = RESOURCE_TYPES.RoleBinding!.chain;

const OWNER_ONLY_MESSAGE = 'only the account owner deletes the account or transfers its ownership';

/** Rule 8 for one permission as written (wildcards expanded): true when it names an owner-only permission. */
export function namesOwnerOnly(text: string): boolean {
  const p = parsePermission(text, { allowWildcard: true, allowOwn: true });
  const bits = new Set(OWNER_ONLY.flatMap((o) => parsePermission(o).bits));
  return p.bits.some((b) => bits.has(b));
}

/**
 * Validates a permission list as written in a role (wildcards allowed), an override, a token's scopes
 * or an access request (not): unknown strings and owner-only permissions are BAD_USER_INPUT on
 * `field`. Returns it deduplicated.
 */
export function cleanPermissions(list: readonly string[], field: string, opts: { allowWildcard: boolean; allowOwn?: boolean }): string[] {
  if (list.length > MAX_PERMISSIONS) throw new BadInputError(`${field} may hold at most ${MAX_PERMISSIONS} permissions`, field);
  const out: string[] = [];
  for (const raw of list) {
    const text = String(raw).trim();
    if (text.length > 100) throw new BadInputError(`${field}: a permission is at most 100 characters`, field);
    let parsed;
    try {
      parsed = parsePermission(text, { allowWildcard: opts.allowWildcard, allowOwn: opts.allowOwn ?? true });
    } catch (err) {
      if (err instanceof UnknownPermissionError) throw new BadInputError(err.message, field);
      throw err;
    }
    if (namesOwnerOnly(parsed.text)) {
      throw new BadInputError(`"${text}" cannot be granted: ${OWNER_ONLY_MESSAGE} (use account:view or account:edit)`, field);
    }
    if (!out.includes(parsed.text)) out.push(parsed.text);
  }
  return out;
}

/** Whether the user is the owner or holds the admin role on the account itself (not expired). */
export async function isAccountAdmin(store: AccessStore, accountId: string, userId: string, now = new Date()): Promise<boolean> {
  if ((await store.ownerOf(accountId)) === userId) return true;
  // The system admin and the pack roles standing for it (Mailtrap's Account Admin, …: MT4).
  const admins = (await Promise.all(['admin', ...ADMIN_EQUIVALENT_KEYS].map((k) => store.roleByKey(accountId, k)))).filter((r) => !!r);
  if (!admins.length) return false;
  const ids = new Set(admins.map((r) => r!._id));
  const bindings = await store.bindingsOf(accountId, [userId]);
  return bindings.some(
    (b) =>
      !!b.roleId && ids.has(b.roleId) && b.scopeType === 'ACCOUNT' && (!b.expiresAt || new Date(b.expiresAt).getTime() > now.getTime()),
  );
}

/**
 * Rule 2: nobody changes their own access. Rule 4: nobody alters the owner's; admins are bound,
 * unbound and changed only by the owner and other admins.
 */
export async function assertMayChangeAccessOf(
  store: AccessStore,
  input: { accountId: string; actorId: string; targetUserId: string; field: string; adminRole?: boolean },
): Promise<void> {
  const { accountId, actorId, targetUserId, field } = input;
  if (targetUserId === actorId) throw new BadInputError('You cannot change your own access: ask another admin', field);
  if (targetUserId === (await store.ownerOf(accountId))) {
    throw new BadInputError("Nobody can alter the account owner's access (ownership moves only by transferOwnership)", field);
  }
  const targetIsAdmin = input.adminRole || (await isAccountAdmin(store, accountId, targetUserId));
  if (targetIsAdmin && !(await isAccountAdmin(store, accountId, actorId))) {
    throw new BadInputError('Admins are bound, unbound and changed only by the owner and other admins', field);
  }
}

/**
 * Rules 3 and 7: every permission in `list` must be held at the node through what may be granted
 * onward — bindings without expiry, never a token. `grantable` comes from compileFor(…, grantable).
 */
export function assertGrantable(
  grantable: CompiledPermissions | null,
  list: readonly string[],
  node: GrantNode,
  field: string,
  opts: { viaToken?: boolean } = {},
): void {
  if (!list.length) return;
  if (opts.viaToken) throw new BadInputError('Access is granted by people: sign in rather than use an API token', field);
  const missing = grantable ? missingAt(grantable, list, node) : [...list];
  if (missing.length) {
    const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? `, … (${missing.length} in all)` : '');
    throw new BadInputError(
      `You cannot grant what you do not hold at this scope (access held only through a time-bound grant is usable, not grantable): missing ${shown}`,
      field,
    );
  }
}

/** Rule 7: nobody edits a role bound to themselves (widening it would widen their own access). */
export async function assertNotBoundToSelf(store: AccessStore, role: RoleDoc, actorId: string): Promise<void> {
  const mine = await store.bindingsOf(role.accountId, [actorId]);
  if (mine.some((b) => b.roleId === role._id)) {
    throw new BadInputError(`You cannot edit "${role.name}": it is bound to you. Ask another admin`, 'id');
  }
}

/**
 * Rule 7: what a change of overrides grants — permissions newly in `grant`, and permissions taken out
 * of `revoke` (clearing a revoke hands the permission back).
 */
export function grantedByOverrides(
  binding: Pick<RoleBindingDoc, 'grant' | 'revoke'>,
  grant: readonly string[],
  revoke: readonly string[],
): string[] {
  const added = grant.filter((p) => !binding.grant.includes(p));
  const unrevoked = binding.revoke.filter((p) => !revoke.includes(p));
  return [...new Set([...added, ...unrevoked])];
}

/**
 * Rule 3 at acceptance: the inviter must still be a member who may grant the offered role at the
 * invitation's scope (an admin role: still the owner or an admin). Refuses with BAD_USER_INPUT.
 */
export async function assertInviterMayStillGrant(store: AccessStore, inv: InvitationDoc, role: RoleDoc, now = new Date()): Promise<void> {
  const lost = () =>
    new BadInputError(
      `This invitation offered "${role.name}", which the person who invited you may no longer grant: ask them (or another admin) for a new invitation`,
      'token',
    );
  const grantable = await compileFor(store, { accountId: inv.accountId, userId: inv.createdBy, grantable: true, now: now.getTime() });
  if (!grantable) throw lost();
  if (isAdminRole(role) && !(await isAccountAdmin(store, inv.accountId, inv.createdBy, now))) throw lost();
  if (missingAt(grantable, role.permissions, { doc: inv, chain: PLACED_CHAIN }).length) throw lost();
}

/** Who is acting: their id, what they may grant onward (compileFor(…, grantable)), and whether through a token. */
export interface Actor {
  userId: string;
  grantable: CompiledPermissions | null;
  viaToken: boolean;
}

/** assignRole's rules (1–4, 7): refuses with BAD_USER_INPUT, or returns when the binding may be made. */
export async function checkAssignRole(
  store: AccessStore,
  actor: Actor,
  input: { accountId: string; targetUserId: string; role: RoleDoc; node: GrantNode },
): Promise<void> {
  if (input.role.key === 'owner') {
    throw new BadInputError('The owner role is never assigned: the owner transfers ownership with transferOwnership', 'roleId');
  }
  if (!(await store.isMember(input.accountId, input.targetUserId))) throw new NotFoundError('member', input.targetUserId);
  await assertMayChangeAccessOf(store, {
    accountId: input.accountId,
    actorId: actor.userId,
    targetUserId: input.targetUserId,
    field: 'userId',
    adminRole: isAdminRole(input.role),
  });
  assertGrantable(actor.grantable, input.role.permissions, input.node, 'roleId', { viaToken: actor.viaToken });
}

/**
 * setPermissionOverrides' rules (2–4, 7, 8): returns the cleaned lists. Newly granted permissions,
 * and permissions taken off the revoke list, must be grantable by the actor at the binding's scope.
 */
export async function checkOverrides(
  store: AccessStore,
  actor: Actor,
  input: { binding: RoleBindingDoc; role: RoleDoc | null; grant: readonly string[]; revoke: readonly string[] },
): Promise<{ grant: string[]; revoke: string[] }> {
  const { binding, role } = input;
  if (!role || role.system || !role.customisable) {
    throw new BadInputError(
      role ? `"${role.name}" is not customisable: its bindings take no overrides` : 'Only bindings of a customisable role take overrides',
      'bindingId',
    );
  }
  const grant = cleanPermissions(input.grant, 'grant', { allowWildcard: false });
  const revoke = cleanPermissions(input.revoke, 'revoke', { allowWildcard: false });
  const both = grant.filter((p) => revoke.includes(p));
  if (both.length) throw new BadInputError(`A permission cannot be both granted and revoked: ${both.join(', ')}`, 'revoke');
  await assertMayChangeAccessOf(store, {
    accountId: binding.accountId,
    actorId: actor.userId,
    targetUserId: binding.userId,
    field: 'bindingId',
  });
  const node = { doc: binding, chain: PLACED_CHAIN };
  const granted = grantedByOverrides(binding, grant, revoke);
  assertGrantable(
    actor.grantable,
    granted.filter((p) => grant.includes(p)),
    node,
    'grant',
    { viaToken: actor.viaToken },
  );
  assertGrantable(
    actor.grantable,
    granted.filter((p) => !grant.includes(p)),
    node,
    'revoke',
    { viaToken: actor.viaToken },
  );
  return { grant, revoke };
}

/**
 * updateRole's rules for a new permission list (3, 7, 8): not a system role, not bound to the editor,
 * and what is added grantable by the editor on the account. Returns the cleaned list.
 */
export async function checkRoleEdit(store: AccessStore, actor: Actor, role: RoleDoc, permissions: readonly string[]): Promise<string[]> {
  if (role.system) throw new BadInputError(`The system role "${role.name}" cannot be edited`, 'id');
  await assertNotBoundToSelf(store, role, actor.userId);
  const cleaned = cleanPermissions(permissions, 'permissions', { allowWildcard: true });
  // Widening a role grants to everyone bound to it: the editor must be able to grant what is added.
  const added = cleaned.filter((p) => !role.permissions.includes(p));
  const account = { doc: { _id: role.accountId } as Doc, chain: ['_id'] };
  assertGrantable(actor.grantable, added, account, 'permissions', { viaToken: actor.viaToken });
  return cleaned;
}
