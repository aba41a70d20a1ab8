// Account life cycle: a new account gets its roles, its owner's membership and owner binding, and a
// workspace named Default. Without multi-document transactions, a failure undoes what was written.
import type { Context } from '../../graphql/context';
import { DEFAULT_ROLES, OWNER_ROLE } from '../../authz/roles';
import { Role, RoleBinding } from '../access/model';
import { Account, Member, Workspace, type AccountDoc, type WorkspaceDoc } from './model';
import { newId } from '../../db/ids';
import { BadInputError } from '../../errors';

export const NAME_MAX = 100;

export function cleanName(value: string, field: string, max = NAME_MAX): string {
  const name = value.trim();
  if (!name) throw new BadInputError(`${field} must not be empty`, field);
  if (name.length > max) throw new BadInputError(`${field} must be at most ${max} characters`, field);
  return name;
}

export async function createAccount(ownerId: string, name: string): Promise<{ account: AccountDoc; workspace: WorkspaceDoc }> {
  const accountId = newId();
  const roleIds = new Map(DEFAULT_ROLES.map((r) => [r.key, newId()]));
  try {
    const account = (
      await Account.create({ _id: accountId, name, ownerId, createdBy: ownerId, defaultRoleId: roleIds.get('viewer') })
    ).toObject();
    await Role.insertMany(
      DEFAULT_ROLES.map((r) => ({
        _id: roleIds.get(r.key),
        accountId,
        key: r.key,
        name: r.name,
        description: r.description,
        permissions: [...r.permissions],
        system: r.system,
        customisable: r.customisable,
        createdBy: ownerId,
      })),
    );
    await Member.create({ accountId, userId: ownerId, createdBy: ownerId });
    await RoleBinding.create({
      accountId,
      userId: ownerId,
      roleId: roleIds.get(OWNER_ROLE.key),
      scopeType: 'ACCOUNT',
      scopeId: accountId,
      createdBy: ownerId,
    });
    const workspace = (await Workspace.create({ accountId, name: 'Default', createdBy: ownerId })).toObject();
    return { account, workspace };
  } catch (err) {
    await Promise.all([
      Account.deleteOne({ _id: accountId }),
      Role.deleteMany({ accountId }),
      Member.deleteMany({ accountId }),
      RoleBinding.deleteMany({ accountId }),
      Workspace.deleteMany({ accountId }),
    ]);
    throw err;
  }
}

export async function createWorkspace(ctx: Context, input: { accountId: string; name: string }): Promise<WorkspaceDoc> {
  const name = cleanName(input.name, 'name');
  const ws = (await Workspace.create({ accountId: input.accountId, name, createdBy: ctx.principal!.userId })).toObject();
  await ctx.audit.change({
    accountId: ws.accountId,
    workspaceId: ws._id,
    action: 'workspace.created',
    target: { type: 'Workspace', id: ws._id },
    after: ws,
  });
  return ws;
}
