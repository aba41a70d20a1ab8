// Role bindings and per-user overrides. The directive has checked roles:assign at the scope node. Each
// change is an AccessChange (prepare, check, write: src/authz/changes.ts) that previewAccessChange runs
// too; its check enforces the rules no role can break (docs/permissions-rules.md, src/authz/rules.ts): no owner
// assignment, no self-edits, no granting what one may not grant, no overrides on owner/admin, admins
// changed by admins. Every write goes through the access store, which bumps permissionsVersion.
import { type Context, performChange, type AccessChange, type PreparedChange, loadScopeNode } from '../../graphql';
import type { AssignRoleInput, SetPermissionOverridesInput } from '../../generated';
import {
  ancestorIds,
  type ScopeNode,
  assertMayChangeAccessOf,
  checkAssignRole,
  checkOverrides,
  cleanPermissions,
  isAdminRole,
  DuplicateError,
  type RoleBindingDoc,
  type RoleDoc,
} from '../../authz';
import { BadInputError, NotFoundError } from '../../errors';
import type { AccountDoc } from '../accounts/account.model';
import type { UserDoc } from '../identity/user.model';
import { assertVerified } from '../identity/email.service';

/** What the audit log keeps of a binding. */
function summary(b: RoleBindingDoc): Record<string, unknown> {
  return {
    userId: b.userId,
    roleId: b.roleId,
    scope: { type: b.scopeType, id: b.scopeId },
    grant: b.grant,
    revoke: b.revoke,
    expiresAt: b.expiresAt ?? null,
  };
}

function cleanExpiry(expiresAt: Date | null | undefined): Date | null {
  if (expiresAt === undefined || expiresAt === null) return null;
  const d = new Date(expiresAt);
  if (Number.isNaN(d.getTime()) || d.getTime() <= Date.now()) throw new BadInputError('expiresAt must be in the future', 'expiresAt');
  return d;
}

interface AssignPrepared extends PreparedChange {
  node: ScopeNode;
  role: RoleDoc;
  user: UserDoc;
  expiresAt: Date | null;
  actorId: string;
}

/** assignRole, as the mutation and previewAccessChange run it. */
export const assignRoleChange: AccessChange<AssignRoleInput, AssignPrepared, RoleBindingDoc> = {
  async prepare(ctx, input) {
    const node = await loadScopeNode(ctx, input.scope);
    if (!node) throw new NotFoundError(input.scope.type.toLowerCase(), input.scope.id);
    const account = await ctx.loaders.existing<AccountDoc>('Account', node.accountId);
    const role = await ctx.loaders.load<RoleDoc>('Role', input.roleId);
    if (!role || role.accountId !== account._id) throw new NotFoundError('role', input.roleId);
    const expiresAt = cleanExpiry(input.expiresAt);
    const user = await ctx.loaders.existing<UserDoc>('User', input.userId);
    const subject = { userId: input.userId, scope: { type: node.type, id: node.doc._id } };
    return { accountId: account._id, subject, node, role, user, expiresAt, actorId: ctx.actorId };
  },
  async check(store, actor, p) {
    assertVerified(p.user, 'userId');
    await checkAssignRole(store, actor, { accountId: p.accountId, targetUserId: p.user._id, role: p.role, node: p.node });
  },
  async write(store, p, now) {
    try {
      // Rule 9: the binding's natural key is unique, so identical concurrent assignments make one binding.
      return await store.createBinding(
        {
          ...ancestorIds(p.node),
          userId: p.user._id,
          roleId: p.role._id,
          scopeType: p.node.type,
          scopeId: p.node.doc._id,
          expiresAt: p.expiresAt,
          createdBy: p.actorId,
        },
        now,
      );
    } catch (err) {
      if (err instanceof DuplicateError) {
        throw new BadInputError(`This member already holds "${p.role.name}" on this ${p.node.type.toLowerCase()}`, 'roleId');
      }
      throw err;
    }
  },
};

export async function assignRole(ctx: Context, input: AssignRoleInput): Promise<RoleBindingDoc> {
  const { result: binding } = await performChange(ctx, ctx.access, assignRoleChange, input);
  try {
    await ctx.audit.change({
      accountId: binding.accountId,
      workspaceId: binding.workspaceId ?? null,
      action: 'role.assigned',
      target: { type: 'RoleBinding', id: binding._id },
      after: summary(binding),
    });
  } catch (err) {
    await ctx.access.deleteBinding(binding._id); // no unaudited access
    throw err;
  }
  return binding;
}

interface BindingPrepared extends PreparedChange {
  binding: RoleBindingDoc;
  role: RoleDoc | null;
}

/** The binding a change names (the directive has found it) and its role. */
async function bindingOf(ctx: Context, id: string): Promise<BindingPrepared> {
  const binding = await ctx.loaders.existing<RoleBindingDoc>('RoleBinding', id);
  const role = binding.roleId ? await ctx.loaders.load<RoleDoc>('Role', binding.roleId) : null;
  const subject = { userId: binding.userId, scope: { type: binding.scopeType, id: binding.scopeId } };
  return { accountId: binding.accountId, subject, binding, role };
}

/** unassignRole, as the mutation and previewAccessChange run it. */
export const unassignRoleChange: AccessChange<{ id: string }, BindingPrepared, RoleBindingDoc | null> = {
  prepare: (ctx, input) => bindingOf(ctx, input.id),
  async check(store, actor, { binding, role }) {
    if (role?.key === 'owner') {
      throw new BadInputError("The owner's binding is never removed: the owner transfers ownership with transferOwnership", 'id');
    }
    await assertMayChangeAccessOf(store, {
      accountId: binding.accountId,
      actorId: actor.userId,
      targetUserId: binding.userId,
      field: 'id',
      adminRole: !!role && isAdminRole(role),
    });
  },
  write: (store, { binding }) => store.deleteBinding(binding._id),
};

export async function unassignRole(ctx: Context, id: string): Promise<boolean> {
  const { prepared, result: gone } = await performChange(ctx, ctx.access, unassignRoleChange, { id });
  const { binding } = prepared;
  ctx.loaders.forget('RoleBinding', binding._id);
  if (!gone) return true; // removed concurrently
  await ctx.audit.change({
    accountId: binding.accountId,
    workspaceId: binding.workspaceId ?? null,
    action: 'role.unassigned',
    target: { type: 'RoleBinding', id: binding._id },
    before: summary(binding),
  });
  return true;
}

interface OverridesPrepared extends BindingPrepared {
  grant: string[];
  revoke: string[];
}

/** setPermissionOverrides, as the mutation and previewAccessChange run it. */
export const setPermissionOverridesChange: AccessChange<SetPermissionOverridesInput, OverridesPrepared, RoleBindingDoc> = {
  async prepare(ctx, input) {
    const found = await bindingOf(ctx, input.bindingId);
    const grant = cleanPermissions(input.grant, 'grant', { allowWildcard: false });
    const revoke = cleanPermissions(input.revoke, 'revoke', { allowWildcard: false });
    return { ...found, grant, revoke };
  },
  async check(store, actor, p) {
    await checkOverrides(store, actor, { binding: p.binding, role: p.role, grant: p.grant, revoke: p.revoke });
  },
  async write(store, p) {
    const updated = await store.setOverrides(p.binding._id, p.grant, p.revoke);
    if (!updated) throw new NotFoundError('binding', p.binding._id);
    return updated;
  },
};

export async function setPermissionOverrides(ctx: Context, input: SetPermissionOverridesInput): Promise<RoleBindingDoc> {
  const { prepared, result: updated } = await performChange(ctx, ctx.access, setPermissionOverridesChange, input);
  const { binding, grant, revoke } = prepared;
  ctx.loaders.forget('RoleBinding', binding._id);
  await ctx.audit
    .change({
      accountId: binding.accountId,
      workspaceId: binding.workspaceId ?? null,
      action: 'role.overridesSet',
      target: { type: 'RoleBinding', id: binding._id },
      before: { grant: binding.grant, revoke: binding.revoke },
      after: { grant, revoke },
    })
    .catch(async (err: unknown) => {
      await ctx.access.setOverrides(binding._id, binding.grant, binding.revoke); // no unaudited access
      throw err;
    });
  return updated;
}
