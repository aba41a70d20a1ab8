// Role bindings and per-user overrides. The directive has checked roles:assign at the scope node;
// these services enforce the rules no role can break (docs/permissions-rules.md "Rules no role can break", src/authz/rules.ts): no owner
// assignment, no self-edits, no granting what one may not grant, no overrides on owner/admin, admins
// changed by admins. Every write goes through the access store, which bumps permissionsVersion.
import type { Context } from '../../graphql/context';
import { ancestorIds, loadScopeNode } from '../../authz/introspect';
import type { ScopeType } from '../../authz/resources';
import { assertMayChangeAccessOf, checkAssignRole, checkOverrides } from '../../authz/rules';
import { isAdminRole } from '../../authz/packs';
import { accessStore, DuplicateError, type RoleBindingDoc, type RoleDoc } from '../../authz/store';
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

export async function assignRole(
  ctx: Context,
  input: { userId: string; roleId: string; scope: { type: ScopeType; id: string }; expiresAt?: Date | null },
): Promise<RoleBindingDoc> {
  const node = await loadScopeNode(ctx, input.scope);
  if (!node) throw new NotFoundError(input.scope.type.toLowerCase(), input.scope.id);
  const account = await ctx.loaders.existing<AccountDoc>('Account', node.accountId);
  const role = await ctx.loaders.load<RoleDoc>('Role', input.roleId);
  if (!role || role.accountId !== account._id) throw new NotFoundError('role', input.roleId);
  const expiresAt = cleanExpiry(input.expiresAt);
  assertVerified(await ctx.loaders.existing<UserDoc>('User', input.userId), 'userId');
  await checkAssignRole(accessStore, await ctx.authz.actor(account._id), {
    accountId: account._id,
    targetUserId: input.userId,
    role,
    node,
  });

  const ids = ancestorIds(node);
  let binding: RoleBindingDoc;
  try {
    // Rule 9: the binding's natural key is unique, so identical concurrent assignments make one binding.
    binding = await accessStore.createBinding(
      {
        ...ids,
        userId: input.userId,
        roleId: role._id,
        scopeType: node.type,
        scopeId: node.doc._id,
        expiresAt,
        createdBy: ctx.actorId,
      },
      new Date(),
    );
  } catch (err) {
    if (err instanceof DuplicateError) {
      throw new BadInputError(`This member already holds "${role.name}" on this ${node.type.toLowerCase()}`, 'roleId');
    }
    throw err;
  }
  try {
    await ctx.audit.change({
      accountId: account._id,
      workspaceId: ids.workspaceId,
      action: 'role.assigned',
      target: { type: 'RoleBinding', id: binding._id },
      after: summary(binding),
    });
  } catch (err) {
    await accessStore.deleteBinding(binding._id); // no unaudited access
    throw err;
  }
  return binding;
}

export async function unassignRole(ctx: Context, id: string): Promise<boolean> {
  const binding = (await ctx.loaders.load<RoleBindingDoc>('RoleBinding', id))!;
  const role = binding.roleId ? await ctx.loaders.load<RoleDoc>('Role', binding.roleId) : null;
  if (role?.key === 'owner') {
    throw new BadInputError("The owner's binding is never removed: the owner transfers ownership with transferOwnership", 'id');
  }
  await assertMayChangeAccessOf(accessStore, {
    accountId: binding.accountId,
    actorId: ctx.actorId,
    targetUserId: binding.userId,
    field: 'id',
    adminRole: !!role && isAdminRole(role),
  });
  const gone = await accessStore.deleteBinding(binding._id);
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

export async function setPermissionOverrides(
  ctx: Context,
  input: { bindingId: string; grant: string[]; revoke: string[] },
): Promise<RoleBindingDoc> {
  const binding = (await ctx.loaders.load<RoleBindingDoc>('RoleBinding', input.bindingId))!;
  const role = binding.roleId ? await ctx.loaders.load<RoleDoc>('Role', binding.roleId) : null;
  const { grant, revoke } = await checkOverrides(accessStore, await ctx.authz.actor(binding.accountId), {
    binding,
    role,
    grant: input.grant,
    revoke: input.revoke,
  });

  const updated = await accessStore.setOverrides(binding._id, grant, revoke);
  if (!updated) throw new NotFoundError('binding', binding._id);
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
      await accessStore.setOverrides(binding._id, binding.grant, binding.revoke); // no unaudited access
      throw err;
    });
  return updated;
}
