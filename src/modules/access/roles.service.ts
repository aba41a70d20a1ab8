// Custom and preset roles: create, edit, delete, install role packs. System roles never change.
import { type Context, performChange, type AccessChange, type PreparedChange } from '../../graphql';
import type {
  CreateRoleInput,
  InstallRolePackInput,
  SetAccessRequestRecipientsInput,
  UpdateAccountSettingsInput,
  UpdateRoleInput,
} from '../../generated';
import {
  ROLE_PACKS,
  isAdminRole,
  type RolePack,
  type RolePackName,
  assertNotBoundToSelf,
  checkRoleEdit,
  cleanPermissions,
  isAccountAdmin,
  DuplicateError,
  type AccessStore,
  type RoleDoc,
} from '../../authz';
import { BadInputError, NotFoundError } from '../../errors';
import { Account, type AccountDoc } from '../accounts/account.model';
import { cleanName } from '../accounts/accounts.service';
import { User, type UserDoc } from '../identity/user.model';

export const DESCRIPTION_MAX = 1000;

function cleanDescription(value: string | null | undefined): string {
  const d = (value ?? '').trim();
  if (d.length > DESCRIPTION_MAX) throw new BadInputError(`description must be at most ${DESCRIPTION_MAX} characters`, 'description');
  return d;
}

/** Role names are unique in an account (case-insensitive), so people pick the right one. */
async function assertNameFree(store: AccessStore, accountId: string, name: string, exceptId?: string): Promise<void> {
  const same = await store.roleNamed(accountId, name);
  if (same && same._id !== exceptId) throw new BadInputError(`A role named "${name}" already exists in this account`, 'name');
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'role'
  );
}

async function freeKey(store: AccessStore, accountId: string, base: string): Promise<string> {
  const taken = new Set((await store.rolesOf(accountId, { keyPrefix: base })).map((r) => r.key));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

export async function createRole(ctx: Context, input: CreateRoleInput): Promise<RoleDoc> {
  const name = cleanName(input.name, 'name');
  const description = cleanDescription(input.description);
  const permissions = cleanPermissions(input.permissions, 'permissions', { allowWildcard: true });
  await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  await assertNameFree(ctx.access, input.accountId, name);
  let role: RoleDoc | undefined;
  for (let attempt = 0; !role; attempt++) {
    const key = await freeKey(ctx.access, input.accountId, `custom-${slug(name)}`);
    try {
      [role] = await ctx.access.createRoles([
        {
          accountId: input.accountId,
          key,
          name,
          description,
          permissions,
          system: false,
          customisable: true,
          pack: null,
          createdBy: ctx.actorId,
        },
      ]);
    } catch (err) {
      if (!(err instanceof DuplicateError) || attempt > 5) throw err;
    }
  }
  await ctx.audit.change({ accountId: role.accountId, action: 'role.created', target: { type: 'Role', id: role._id }, after: role });
  return role;
}

interface UpdatePrepared extends PreparedChange {
  role: RoleDoc;
  set: Partial<Pick<RoleDoc, 'name' | 'description' | 'permissions'>>;
}

/** updateRole, as the mutation and previewAccessChange run it: everyone bound to the role gains or loses with it. */
export const updateRoleChange: AccessChange<{ id: string; input: UpdateRoleInput }, UpdatePrepared, RoleDoc> = {
  async prepare(ctx, { id, input }) {
    const role = await ctx.loaders.existing<RoleDoc>('Role', id);
    const set: UpdatePrepared['set'] = {};
    if (input.name !== undefined && input.name !== null) set.name = cleanName(input.name, 'name');
    if (input.description !== undefined) set.description = cleanDescription(input.description);
    if (input.permissions !== undefined && input.permissions !== null) {
      set.permissions = cleanPermissions(input.permissions, 'permissions', { allowWildcard: true });
    }
    return { accountId: role.accountId, subject: null, role, set };
  },
  async check(store, actor, { role, set }) {
    if (role.system) throw new BadInputError(`The system role "${role.name}" cannot be edited`, 'id');
    if (isAdminRole(role))
      throw new BadInputError(`"${role.name}" stands for the administrator: it cannot be edited, as the admin role cannot`, 'id');
    // Rule 7: nobody edits a role bound to themselves.
    await assertNotBoundToSelf(store, role, actor.userId);
    if (set.name !== undefined) await assertNameFree(store, role.accountId, set.name, role._id);
    if (set.permissions) await checkRoleEdit(store, actor, role, set.permissions);
  },
  async write(store, { role, set }) {
    const updated = await store.updateRole(role._id, set);
    if (!updated) throw new BadInputError('The role changed meanwhile: try again', 'id');
    return updated;
  },
};

export async function updateRole(ctx: Context, id: string, input: UpdateRoleInput): Promise<RoleDoc> {
  const { prepared, result: updated } = await performChange(ctx, ctx.access, updateRoleChange, { id, input });
  const { role } = prepared;
  ctx.loaders.forget('Role', role._id);
  await ctx.audit.change({
    accountId: role.accountId,
    action: 'role.updated',
    target: { type: 'Role', id: role._id },
    before: role,
    after: updated,
  });
  return updated;
}

export async function deleteRole(ctx: Context, id: string): Promise<boolean> {
  const role = (await ctx.loaders.load<RoleDoc>('Role', id))!;
  if (role.system) throw new BadInputError(`The system role "${role.name}" cannot be deleted`, 'id');
  const account = await ctx.loaders.existing<AccountDoc>('Account', role.accountId);
  if (account.defaultRoleId === role._id) {
    throw new BadInputError(`"${role.name}" is the account's default role: choose another default first`, 'id');
  }
  const bindings = await ctx.access.bindingsOfRole(role.accountId, role._id, 20);
  if (bindings.length) {
    const users = await User.find({ _id: { $in: [...new Set(bindings.map((b) => b.userId))] } })
      .select({ email: 1 })
      .lean<Pick<UserDoc, '_id' | 'email'>[]>();
    const email = new Map(users.map((u) => [u._id, u.email]));
    const list = bindings.map((b) => `${email.get(b.userId) ?? b.userId} on ${b.scopeType} ${b.scopeId}`).join('; ');
    throw new BadInputError(`Role "${role.name}" is still bound — unassign it first: ${list}`, 'id');
  }
  const pending = await ctx.access.pendingOffersOfRole(role._id, new Date(), 20);
  if (pending.length) {
    throw new BadInputError(
      `Role "${role.name}" is offered by pending invitations — revoke them first: ${pending.map((i) => i.email).join(', ')}`,
      'id',
    );
  }
  await ctx.access.deleteRole(role._id);
  ctx.loaders.forget('Role', role._id);
  await ctx.audit.change({ accountId: role.accountId, action: 'role.deleted', target: { type: 'Role', id: role._id }, before: role });
  return true;
}

export const PACK_BY_ENUM: Record<string, RolePackName> = {
  MAILGUN: 'mailgun',
  MAILTRAP: 'mailtrap',
  MAILERCLOUD: 'mailercloud',
  MAILERS_IO: 'mailersio',
  MAUTIC: 'mautic',
};

interface PackPrepared extends PreparedChange {
  pack: RolePack;
  actorId: string;
}

/** installRolePack, as the mutation and previewAccessChange run it: new roles, bound to nobody yet. */
export const installRolePackChange: AccessChange<InstallRolePackInput, PackPrepared, RoleDoc[]> = {
  async prepare(ctx, input) {
    const packName = PACK_BY_ENUM[input.pack];
    const pack = packName ? ROLE_PACKS[packName] : undefined;
    if (!pack) throw new BadInputError(`Unknown role pack ${input.pack}`, 'pack');
    await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
    return { accountId: input.accountId, subject: null, pack, actorId: ctx.actorId };
  },
  async check() {
    // Only roles:create (the directive): the roles it adds grant nothing until someone binds them.
  },
  /** The roles it created; those already installed are left as they are. */
  async write(store, { accountId, pack, actorId }) {
    const existing = new Set((await store.rolesOf(accountId, { keys: pack.roles.map((r) => r.key) })).map((r) => r.key));
    const missing = pack.roles.filter((r) => !existing.has(r.key));
    try {
      return await store.createRoles(
        missing.map((r) => ({
          accountId,
          key: r.key,
          name: r.name,
          description: r.description,
          permissions: [...r.permissions],
          system: false,
          customisable: !r.standsForAdmin,
          pack: pack.name,
          createdBy: actorId,
        })),
      );
    } catch (err) {
      // Installed concurrently: the roles are there, which is what was asked.
      if (!(err instanceof DuplicateError)) throw err;
      return [];
    }
  },
};

/** Installs a pack's roles as customisable presets; roles already installed are left as they are. */
export async function installRolePack(ctx: Context, input: InstallRolePackInput): Promise<RoleDoc[]> {
  const { prepared, result: created } = await performChange(ctx, ctx.access, installRolePackChange, input);
  const { pack } = prepared;
  if (pack.settings?.accessRequestRecipients) {
    await Account.updateOne({ _id: input.accountId }, { $set: { accessRequestRecipients: pack.settings.accessRequestRecipients } });
    ctx.loaders.forget('Account', input.accountId);
  }
  const defaultKey = pack.settings?.defaultRoleKey;
  const defaultRole = defaultKey ? await ctx.access.roleByKey(input.accountId, defaultKey) : null;
  // The product's default role becomes the account's (MG13, MA8); invitations still bind it only for
  // those who may grant it (invitations.service.ts).
  if (defaultRole && created.some((r) => r._id === defaultRole._id)) {
    const account = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
    await saveAccountSettings(ctx, account, { defaultRoleId: account.defaultRoleId ?? null }, { defaultRoleId: defaultRole._id });
  }
  if (created.length) {
    await ctx.audit.record({
      accountId: input.accountId,
      action: 'rolePack.installed',
      target: { type: 'Account', id: input.accountId },
      meta: { pack: pack.name, created: created.length, keys: created.map((r) => r.key) },
    });
  }
  const keys = pack.roles.map((r) => r.key);
  const roles = await ctx.access.rolesOf(input.accountId, { keys });
  const order = new Map(keys.map((k, i) => [k, i]));
  return roles.sort((a, b) => order.get(a.key)! - order.get(b.key)!);
}

/**
 * Sets the role inviteUser binds when none is named: any role but the owner's. An admin role (the
 * system admin, or a pack role standing for it) is set only by the owner and other admins (rule 4);
 * whoever invites receives it only if they may grant it themselves (rule 7).
 */
export async function updateAccountSettings(ctx: Context, input: UpdateAccountSettingsInput): Promise<AccountDoc> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  let defaultRoleId: string | null = null;
  if (input.defaultRoleId) {
    const role = await ctx.loaders.load<RoleDoc>('Role', input.defaultRoleId);
    if (!role || role.accountId !== account._id) throw new NotFoundError('role', input.defaultRoleId);
    if (role.key === 'owner')
      throw new BadInputError('The default role cannot be the owner role: ownership is transferred, never assigned', 'defaultRoleId');
    if ((role.key === 'admin' || isAdminRole(role)) && !(await isAccountAdmin(ctx.access, account._id, ctx.actorId)))
      throw new BadInputError(`Only the owner and admins make "${role.name}", an admin role, the default`, 'defaultRoleId');
    defaultRoleId = role._id;
  }
  return saveAccountSettings(ctx, account, { defaultRoleId: account.defaultRoleId ?? null }, { defaultRoleId });
}

/** Sets account-level access settings and records `account.settingsUpdated` with their values before and after. */
async function saveAccountSettings(
  ctx: Context,
  account: AccountDoc,
  before: Partial<AccountDoc>,
  after: Partial<AccountDoc>,
): Promise<AccountDoc> {
  const updated = await Account.findOneAndUpdate({ _id: account._id }, { $set: after }, { returnDocument: 'after' }).lean<AccountDoc>();
  ctx.loaders.forget('Account', account._id);
  await ctx.audit.change({
    accountId: account._id,
    action: 'account.settingsUpdated',
    target: { type: 'Account', id: account._id },
    before,
    after,
  });
  return updated!;
}

/** Who receives access requests (MC8): OWNER, or RESOLVERS (every holder of accessRequests:resolve there). */
export async function setAccessRequestRecipients(ctx: Context, input: SetAccessRequestRecipientsInput): Promise<AccountDoc> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  const before = account.accessRequestRecipients ?? 'RESOLVERS';
  if (before === input.recipients) return account;
  return saveAccountSettings(ctx, account, { accessRequestRecipients: before }, { accessRequestRecipients: input.recipients });
}
