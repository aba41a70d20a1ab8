// Account life cycle: a new account gets its roles, its owner's membership and owner binding, and a
// workspace named Default. Without multi-document transactions, a failure undoes what was written.
import type { Context } from '../../graphql';
import type { CreateWorkspaceInput, UpdateAccountInput, UpdateWorkspaceInput } from '../../generated';
import { createRecorded, saveChanges } from '../save';
import { DEFAULT_ROLES, OWNER_ROLE, type AccessStore } from '../../authz';
import mongoose from 'mongoose';
import { Account, Workspace, type AccountDoc, type WorkspaceDoc } from './account.model';
import { newId } from '../../db';
import { BadInputError, NotFoundError } from '../../errors';

export const NAME_MAX = 100;

export function cleanName(value: string, field: string, max = NAME_MAX): string {
  const name = value.trim();
  if (!name) throw new BadInputError(`${field} must not be empty`, field);
  if (name.length > max) throw new BadInputError(`${field} must be at most ${max} characters`, field);
  return name;
}

export async function createAccount(
  store: AccessStore,
  ownerId: string,
  name: string,
): Promise<{ account: AccountDoc; workspace: WorkspaceDoc }> {
  const accountId = newId();
  const roleIds = new Map(DEFAULT_ROLES.map((r) => [r.key, newId()]));
  try {
    const account = (
      await Account.create({ _id: accountId, name, ownerId, createdBy: ownerId, defaultRoleId: roleIds.get('viewer') })
    ).toObject();
    await store.createRoles(
      DEFAULT_ROLES.map((r) => ({
        _id: roleIds.get(r.key),
        accountId,
        key: r.key,
        name: r.name,
        description: r.description,
        permissions: [...r.permissions],
        system: r.system,
        customisable: r.customisable,
        pack: null,
        createdBy: ownerId,
      })),
    );
    await store.addMember({ accountId, userId: ownerId, createdBy: ownerId });
    await store.createBinding(
      { accountId, userId: ownerId, roleId: roleIds.get(OWNER_ROLE.key)!, scopeType: 'ACCOUNT', scopeId: accountId, createdBy: ownerId },
      new Date(),
    );
    const workspace = (await Workspace.create({ accountId, name: 'Default', createdBy: ownerId })).toObject();
    return { account, workspace };
  } catch (err) {
    await Promise.all([Account.deleteOne({ _id: accountId }), store.dropAccount(accountId), Workspace.deleteMany({ accountId })]);
    throw err;
  }
}

export async function createWorkspace(ctx: Context, input: CreateWorkspaceInput): Promise<WorkspaceDoc> {
  const name = cleanName(input.name, 'name');
  // The event belongs to the workspace itself: its id is chosen here.
  const id = newId();
  return createRecorded(
    ctx,
    Workspace,
    { _id: id, accountId: input.accountId, name, createdBy: ctx.actorId },
    { action: 'workspace.created', workspaceId: id },
  );
}

export async function updateWorkspace(ctx: Context, id: string, input: UpdateWorkspaceInput): Promise<WorkspaceDoc> {
  const before = await ctx.loaders.existing<WorkspaceDoc>('Workspace', id);
  if (input.name === undefined || input.name === null) return before;
  const name = cleanName(input.name, 'name');
  if (name === before.name) return before;
  return saveChanges(ctx, Workspace, before, { name }, { action: 'workspace.updated', workspaceId: id });
}

/** Collections kept when a workspace goes: the audit trail is append-only; access goes through the store. */
const KEPT_ON_WORKSPACE_DELETE = new Set(['AuditEvent', 'Workspace', 'RoleBinding', 'Invitation']);

/**
 * Deletes a workspace and everything under it: every document of every model that carries its
 * `workspaceId` (domains and their children, servers, lists and contacts, campaigns, projects,
 * inboxes and messages, bindings on nodes inside it, …). The account's last workspace stays.
 */
export async function deleteWorkspace(ctx: Context, id: string): Promise<boolean> {
  const ws = await ctx.loaders.existing<WorkspaceDoc>('Workspace', id);
  if ((await Workspace.countDocuments({ accountId: ws.accountId })) <= 1) {
    throw new BadInputError('An account keeps at least one workspace: create another before deleting this one', 'id');
  }
  const deleted: Record<string, number> = {};
  // Access placed on the workspace or inside it goes first (the store bumps permissionsVersion).
  const bindings =
    (await ctx.access.deleteBindingsAt(ws.accountId, { field: 'workspaceId', ids: [id] })) +
    (await ctx.access.deleteBindingsAt(ws.accountId, { field: 'scopeId', ids: [id] }));
  if (bindings) deleted.RoleBinding = bindings;
  const invitations = await ctx.access.revokeInvitations(ws.accountId, { placement: { field: 'workspaceId', ids: [id] } }, new Date());
  if (invitations) deleted.Invitation = invitations;
  for (const name of mongoose.modelNames()) {
    const M = mongoose.model(name);
    if (KEPT_ON_WORKSPACE_DELETE.has(name) || !M.schema.path('workspaceId')) continue;
    const r = await M.deleteMany({ accountId: ws.accountId, workspaceId: id });
    if (r.deletedCount) deleted[name] = r.deletedCount;
  }
  await Workspace.deleteOne({ _id: id });
  ctx.loaders.forget('Workspace', id);
  await ctx.audit.record({
    accountId: ws.accountId,
    workspaceId: id,
    action: 'workspace.deleted',
    target: { type: 'Workspace', id },
    before: { name: ws.name },
    meta: { deleted },
  });
  return true;
}

/** Renames the account (account:edit): audited with the old and new name. */
export async function updateAccount(ctx: Context, id: string, input: UpdateAccountInput): Promise<AccountDoc> {
  const before = await ctx.loaders.existing<AccountDoc>('Account', id);
  if (input.name === undefined || input.name === null) return before;
  const name = cleanName(input.name, 'name');
  if (name === before.name) return before;
  const after = await Account.findOneAndUpdate({ _id: id }, { $set: { name } }, { returnDocument: 'after' }).lean();
  if (!after) throw new NotFoundError('Account', id);
  ctx.loaders.prime('Account', after);
  await ctx.audit.change({
    accountId: id,
    action: 'account.renamed',
    target: { type: 'Account', id },
    before: { name: before.name },
    after: { name: after.name },
  });
  return after;
}
