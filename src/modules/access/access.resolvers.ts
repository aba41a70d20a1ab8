// Roles, bindings, overrides, members, invitations, ownership: thin resolvers over the services.
import DataLoader from 'dataloader';
import type { Resolvers } from '../../generated';
import {
  type Context,
  paginate,
  type ConnectionArgs,
  can,
  effectivePermissions,
  visibleBindings,
  invitationsPage,
  rolesPage,
} from '../../graphql';
import { type RoleBindingDoc, type RoleDoc, type AccessStore } from '../../authz';
import { Member, type AccountDoc } from '../accounts/account.model';
import type { UserDoc } from '../identity/user.model';
import { assignRole, setPermissionOverrides, unassignRole } from './bindings.service';
import { createUser, removeMember } from './members.service';
import { acceptInvitation, inviteUser, revokeInvitation } from './invitations.service';
import { deleteAccount, transferOwnership } from './ownership.service';
import { explainAccess, explainMine } from './explain.service';
import type { ApiTokenDoc } from './token.model';
import { createRole, deleteRole, installRolePack, setAccessRequestRecipients, updateAccountSettings, updateRole } from './roles.service';

async function user(ctx: Context, id: string): Promise<UserDoc> {
  const u = await ctx.loaders.existing<UserDoc>('User', id);
  return u;
}

/** Members with a current binding at or below a node. */
async function membersBelow(store: AccessStore, accountId: string, id: string, args: ConnectionArgs) {
  const userIds = await store.usersBoundBelow(accountId, [id], new Date());
  return paginate(Member, { accountId, userId: { $in: userIds } }, args);
}

export const accessManagementResolvers: Resolvers = {
  Query: {
    role: (_, { id }, ctx) => ctx.loaders.load<RoleDoc>('Role', id),
    explainAccess: (_, args, ctx) => explainAccess(ctx, args),
  },
  Mutation: {
    createRole: (_, { input }, ctx) => createRole(ctx, input),
    updateRole: (_, { id, input }, ctx) => updateRole(ctx, id, input),
    deleteRole: (_, { id }, ctx) => deleteRole(ctx, id),
    installRolePack: (_, { input }, ctx) => installRolePack(ctx, input),
    assignRole: (_, { input }, ctx) => assignRole(ctx, input),
    unassignRole: (_, { id }, ctx) => unassignRole(ctx, id),
    setPermissionOverrides: (_, { input }, ctx) => setPermissionOverrides(ctx, input),
    createUser: (_, { input }, ctx) => createUser(ctx, input),
    inviteUser: (_, { input }, ctx) => inviteUser(ctx, input),
    revokeInvitation: (_, { input }, ctx) => revokeInvitation(ctx, input),
    acceptInvitation: (_, { input }, ctx) => acceptInvitation(ctx, input),
    removeMember: (_, { input }, ctx) => removeMember(ctx, input),
    transferOwnership: (_, { input }, ctx) => transferOwnership(ctx, input),
    deleteAccount: (_, { id }, ctx) => deleteAccount(ctx, id),
    updateAccountSettings: (_, { input }, ctx) => updateAccountSettings(ctx, input),
    setAccessRequestRecipients: (_, { input }, ctx) => setAccessRequestRecipients(ctx, input),
  },
  Account: {
    members: (a, args) => paginate(Member, { accountId: a._id }, args),
    roles: (a, args) => rolesPage(a._id, args),
    invitations: (a, args) => invitationsPage(a._id, args),
    settings: (a) => a,
  },
  Workspace: { members: (w, args, ctx) => membersBelow(ctx.access, w.accountId, w._id, args) },
  Domain: { members: (d, args, ctx) => membersBelow(ctx.access, d.accountId, d._id, args) },
  Project: { members: (p, args, ctx) => membersBelow(ctx.access, p.accountId, p._id, args) },
  Inbox: { members: (i, args, ctx) => membersBelow(ctx.access, i.accountId, i._id, args) },
  AccountSettings: {
    accessRequestRecipients: (a: AccountDoc) => a.accessRequestRecipients ?? 'RESOLVERS',
    defaultRole: (a: AccountDoc, _, ctx) => (a.defaultRoleId ? ctx.loaders.load<RoleDoc>('Role', a.defaultRoleId) : null),
  },
  Viewer: {
    can: (_, { permission, scope }, ctx) => can(ctx, permission, scope),
    permissions: (_, { scope }, ctx) => effectivePermissions(ctx, scope),
    explain: (_, { permission, scope }, ctx) => explainMine(ctx, permission, scope),
    token: (_, __, ctx) => (ctx.principal?.kind === 'token' ? ctx.loaders.load<ApiTokenDoc>('ApiToken', ctx.principal.tokenId) : null),
  },
  Role: {
    description: (r) => r.description ?? '',
    pack: (r) => r.pack ?? null,
  },
  RoleBinding: {
    user: (b, _, ctx) => user(ctx, b.userId),
    role: (b, _, ctx) => (b.roleId ? ctx.loaders.load<RoleDoc>('Role', b.roleId) : null),
    scope: (b) => ({ type: b.scopeType, id: b.scopeId }),
    grant: (b) => b.grant ?? [],
    revoke: (b) => b.revoke ?? [],
    expiresAt: (b) => b.expiresAt ?? null,
  },
  Member: {
    user: (m, _, ctx) => user(ctx, m.userId),
    bindings: async (m, _, ctx) => {
      // One query for every member on the page.
      const loader = ctx.loaders.keyed(`bindingsOf:${m.accountId}`, () => {
        return new DataLoader<string, RoleBindingDoc[]>(async (userIds) => {
          const all = await ctx.access.bindingsOf(m.accountId, userIds);
          return userIds.map((id) => all.filter((b) => b.userId === id));
        });
      });
      return visibleBindings(ctx, m.accountId, await loader.load(m.userId));
    },
  },
  Invitation: {
    role: (i, _, ctx) => (i.roleId ? ctx.loaders.load<RoleDoc>('Role', i.roleId) : null),
    scope: (i) => ({ type: i.scopeType, id: i.scopeId }),
    status: (i) =>
      i.acceptedAt ? 'ACCEPTED' : i.revokedAt ? 'REVOKED' : new Date(i.expiresAt).getTime() <= Date.now() ? 'EXPIRED' : 'PENDING',
    invitedBy: (i, _, ctx) => ctx.loaders.load<UserDoc>('User', i.createdBy),
  },
};
