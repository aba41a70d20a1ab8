// Role bindings and per-user overrides. The directive has checked roles:assign at the scope node;
// these services enforce the rules no role can break (DESIGN.md §4): no owner assignment, no
// self-edits, no granting what one lacks, no overrides on owner/admin, admins changed by admins.
import type { Context } from '../../graphql/context';
import { loadScopeNode } from '../../authz/introspect';
import { ancestorIds } from '../../authz/introspect';
import { RESOURCE_TYPES, type ScopeType } from '../../authz/resources';
import { isAdminRole } from '../../authz/packs';
import { BadInputError, NotFoundError } from '../../errors';
import { bumpPermissionsVersion, Member, type AccountDoc } from '../accounts/model';
import { RoleBinding, type RoleBindingDoc, type RoleDoc } from './model';
import { assertHolds, assertMayChangeAccessOf, cleanPermissions, compiledOf } from './rules';

const BINDING_CHAIN = RESOURCE_TYPES.RoleBinding!.chain;

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
  if (role.key === 'owner') {
    throw new BadInputError('The owner role is never assigned: the owner transfers ownership with transferOwnership', 'roleId');
  }
  if (!(await Member.exists({ accountId: account._id, userId: input.userId }))) throw new NotFoundError('member', input.userId);
  await assertMayChangeAccessOf(ctx, account, input.userId, { field: 'userId', adminRole: isAdminRole(role) });
  assertHolds(await compiledOf(ctx, account._id), role.permissions, node, 'roleId');

  const ids = ancestorIds(node);
  const same = await RoleBinding.findOne({ accountId: account._id, userId: input.userId, roleId: role._id, scopeId: node.doc._id }).lean();
  if (same && (!same.expiresAt || new Date(same.expiresAt).getTime() > Date.now())) {
    throw new BadInputError(`This member already holds "${role.name}" on this ${node.type.toLowerCase()}`, 'roleId');
  }
  const binding = (
    await RoleBinding.create({
      ...ids,
      userId: input.userId,
      roleId: role._id,
      scopeType: node.type,
      scopeId: node.doc._id,
      grant: [],
      revoke: [],
      expiresAt,
      createdBy: ctx.actorId,
    })
  ).toObject();
  if (same) await RoleBinding.deleteOne({ _id: same._id }); // an expired twin is replaced
  await bumpPermissionsVersion(account._id);
  await ctx.audit.change({
    accountId: account._id,
    workspaceId: ids.workspaceId,
    action: 'role.assigned',
    target: { type: 'RoleBinding', id: binding._id },
    after: summary(binding),
  });
  return binding;
}

export async function unassignRole(ctx: Context, id: string): Promise<boolean> {
  const binding = (await ctx.loaders.load<RoleBindingDoc>('RoleBinding', id))!;
  const account = await ctx.loaders.existing<AccountDoc>('Account', binding.accountId);
  const role = binding.roleId ? await ctx.loaders.load<RoleDoc>('Role', binding.roleId) : null;
  if (role?.key === 'owner') {
    throw new BadInputError("The owner's binding is never removed: the owner transfers ownership with transferOwnership", 'id');
  }
  await assertMayChangeAccessOf(ctx, account, binding.userId, { field: 'id', adminRole: !!role && isAdminRole(role) });
  await RoleBinding.deleteOne({ _id: binding._id });
  ctx.loaders.forget('RoleBinding', binding._id);
  await bumpPermissionsVersion(account._id);
  await ctx.audit.change({
    accountId: account._id,
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
  const account = await ctx.loaders.existing<AccountDoc>('Account', binding.accountId);
  const role = binding.roleId ? await ctx.loaders.load<RoleDoc>('Role', binding.roleId) : null;
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
  await assertMayChangeAccessOf(ctx, account, binding.userId, { field: 'bindingId' });
  // Rule 3: only newly granted permissions need holding (keeping an existing grant is no new grant).
  const added = grant.filter((p) => !binding.grant.includes(p));
  if (added.length) assertHolds(await compiledOf(ctx, account._id), added, { doc: binding as never, chain: BINDING_CHAIN }, 'grant');

  const updated = await RoleBinding.findOneAndUpdate(
    { _id: binding._id },
    { $set: { grant, revoke } },
    { returnDocument: 'after' },
  ).lean<RoleBindingDoc>();
  if (!updated) throw new NotFoundError('binding', binding._id);
  ctx.loaders.forget('RoleBinding', binding._id);
  await bumpPermissionsVersion(account._id);
  await ctx.audit.change({
    accountId: account._id,
    workspaceId: binding.workspaceId ?? null,
    action: 'role.overridesSet',
    target: { type: 'RoleBinding', id: binding._id },
    before: { grant: binding.grant, revoke: binding.revoke },
    after: { grant, revoke },
  });
  return updated;
}
