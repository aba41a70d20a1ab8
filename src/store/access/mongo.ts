// The access store on mongoose. Unique facts rest on unique keys (binding key, role key, member
// (account, user)) and one-time claims (src/db/claims.ts), never on a read-then-write; the version is
// bumped by `$inc` after every write that changes what someone may do.
import { claimOnce, releaseClaim, isDuplicateKey, newId } from '../../db';
import { Invitation, Role, RoleBinding } from './models';
import type { StoreModels } from './registered';
import {
  bindingKey,
  DuplicateError,
  type AccessStore,
  type InvitationDoc,
  type NewBinding,
  type NewInvitation,
  type NewRole,
  type PlacementFilter,
  type RoleBindingDoc,
  type RoleDoc,
  type TokenDoc,
} from '../../authz';

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function placementQuery(where: PlacementFilter): Record<string, unknown> {
  const q: Record<string, unknown> = { [where.field]: { $in: [...where.ids] } };
  if (where.scopeType) q.scopeType = where.scopeType;
  return q;
}

const current = (now: Date) => ({ $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] });

export class MongoAccessStore implements AccessStore {
  /** `models`: the module documents the store keeps facts in (accounts, members, tokens), handed over by the composition root (src/composition/registry.ts). */
  constructor(readonly models: StoreModels) {}

  /** The one place the version moves: an atomic `$inc` (exact on MongoDB and mongo-java-server). */
  private async bump(accountId: string): Promise<void> {
    await this.models.Account.updateOne({ _id: accountId }, { $inc: { permissionsVersion: 1 } });
  }

  async version(accountId: string): Promise<number> {
    const a = await this.models.Account.findById(accountId).select({ permissionsVersion: 1 }).lean();
    return a?.permissionsVersion ?? 0;
  }

  async ownerOf(accountId: string): Promise<string | null> {
    const a = await this.models.Account.findById(accountId).select({ ownerId: 1 }).lean();
    return a?.ownerId ?? null;
  }

  async isMember(accountId: string, userId: string): Promise<boolean> {
    return !!(await this.models.Member.exists({ accountId, userId }));
  }

  async accountsOf(userIds: readonly string[]): Promise<{ userId: string; accountId: string }[]> {
    const rows = await this.models.Member.find({ userId: { $in: [...userIds] } })
      .select({ userId: 1, accountId: 1 })
      .sort({ _id: 1 }) // in the order they joined
      .lean();
    // The pairs the interface promises, as the in-memory store answers them (not the member's _id too).
    return rows.map((r) => ({ userId: r.userId, accountId: r.accountId }));
  }

  async membersOf(accountId: string): Promise<string[]> {
    return (await this.models.Member.find({ accountId }).select({ userId: 1 }).lean()).map((m) => m.userId);
  }

  async addMember(m: { accountId: string; userId: string; createdBy: string }): Promise<boolean> {
    try {
      await this.models.Member.create(m);
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
    await this.bump(m.accountId);
    return true;
  }

  async removeMember(accountId: string, userId: string, now: Date) {
    const bindings = await RoleBinding.find({ accountId, userId }).lean<RoleBindingDoc[]>();
    const member = await this.models.Member.deleteOne({ accountId, userId });
    await RoleBinding.deleteMany({ accountId, userId });
    // Invitations they sent offer nothing more once they are gone; their tokens end.
    const invitations = await Invitation.updateMany(
      { accountId, createdBy: userId, acceptedAt: null, revokedAt: null },
      { $set: { revokedAt: now } },
    );
    const tokens = await this.models.ApiToken.updateMany({ accountId, userId, revokedAt: null }, { $set: { revokedAt: now } });
    await this.bump(accountId);
    return {
      removed: member.deletedCount > 0,
      bindings,
      invitationsRevoked: invitations.modifiedCount,
      tokensRevoked: tokens.modifiedCount,
    };
  }

  async transferOwnership(accountId: string, from: string, to: string, by: string): Promise<boolean> {
    const account = await this.models.Account.findById(accountId).select({ ownerId: 1, ownerEpoch: 1 }).lean();
    if (!account || account.ownerId !== from) return false;
    const epoch = account.ownerEpoch ?? 0;
    // One transfer per owner epoch: concurrent transfers read the same epoch, and all but one lose the claim.
    const claim = `owner:${accountId}:${epoch}`;
    if (!(await claimOnce(claim, accountId))) return false;
    const [ownerRole, adminRole] = await Promise.all([this.roleByKey(accountId, 'owner'), this.roleByKey(accountId, 'admin')]);
    if (!ownerRole || !adminRole) {
      await releaseClaim(claim);
      throw new Error(`account ${accountId} lacks its system roles`);
    }
    await this.models.Account.updateOne({ _id: accountId, ownerId: from }, { $set: { ownerId: to, ownerEpoch: epoch + 1 } });
    try {
      const moved = await RoleBinding.updateOne(
        { key: bindingKey({ accountId, userId: from, roleId: ownerRole._id, scopeId: accountId }, true) },
        { $set: { userId: to, grant: [], revoke: [], expiresAt: null } },
      );
      if (moved.matchedCount === 0) {
        await this.insertBinding(
          { accountId, userId: to, roleId: ownerRole._id, scopeType: 'ACCOUNT', scopeId: accountId, createdBy: by },
          true,
        );
      }
      try {
        await this.insertBinding(
          { accountId, userId: from, roleId: adminRole._id, scopeType: 'ACCOUNT', scopeId: accountId, createdBy: by },
          false,
        );
      } catch (err) {
        if (!(err instanceof DuplicateError)) throw err; // already an admin
      }
    } catch (err) {
      await this.models.Account.updateOne({ _id: accountId }, { $set: { ownerId: from, ownerEpoch: epoch } });
      await RoleBinding.updateOne({ key: `owner|${accountId}` }, { $set: { userId: from } });
      await releaseClaim(claim);
      throw err;
    }
    await this.bump(accountId);
    return true;
  }

  // --- roles ---------------------------------------------------------------------------------

  async roles(ids: readonly string[]): Promise<RoleDoc[]> {
    return ids.length ? Role.find({ _id: { $in: [...ids] } }).lean<RoleDoc[]>() : [];
  }

  async roleByKey(accountId: string, key: string): Promise<RoleDoc | null> {
    return Role.findOne({ accountId, key }).lean<RoleDoc>();
  }

  async rolesOf(accountId: string, opts: { keys?: readonly string[]; keyPrefix?: string } = {}): Promise<RoleDoc[]> {
    const q: Record<string, unknown> = { accountId };
    if (opts.keys) q.key = { $in: [...opts.keys] };
    else if (opts.keyPrefix !== undefined) q.key = { $regex: `^${escapeRegex(opts.keyPrefix)}` };
    return Role.find(q).lean<RoleDoc[]>();
  }

  async roleNamed(accountId: string, name: string): Promise<RoleDoc | null> {
    return Role.findOne({ accountId, name: { $regex: `^${escapeRegex(name)}$`, $options: 'i' } }).lean<RoleDoc>();
  }

  async createRoles(roles: readonly NewRole[]): Promise<RoleDoc[]> {
    if (!roles.length) return [];
    const docs = roles.map((r) => ({ ...r, _id: r._id ?? newId() }));
    try {
      await Role.insertMany(docs, { ordered: true });
    } catch (err) {
      await Role.deleteMany({ _id: { $in: docs.map((d) => d._id) } });
      if (isDuplicateKey(err)) throw new DuplicateError('role key');
      throw err;
    }
    await this.bump(roles[0]!.accountId);
    return this.roles(docs.map((d) => d._id));
  }

  async updateRole(id: string, set: Partial<Pick<RoleDoc, 'name' | 'description' | 'permissions'>>): Promise<RoleDoc | null> {
    const updated = await Role.findOneAndUpdate({ _id: id, system: false }, { $set: set }, { returnDocument: 'after' }).lean<RoleDoc>();
    if (updated) await this.bump(updated.accountId);
    return updated;
  }

  async deleteRole(id: string): Promise<boolean> {
    const role = await Role.findOneAndDelete({ _id: id, system: false }).lean<RoleDoc>();
    if (role) await this.bump(role.accountId);
    return !!role;
  }

  // --- bindings ------------------------------------------------------------------------------

  async binding(id: string): Promise<RoleBindingDoc | null> {
    return RoleBinding.findById(id).lean<RoleBindingDoc>();
  }

  async bindingsOf(accountId: string, userIds: readonly string[]): Promise<RoleBindingDoc[]> {
    const userId = userIds.length === 1 ? userIds[0] : { $in: [...userIds] };
    return RoleBinding.find({ accountId, userId }).sort({ _id: 1 }).lean<RoleBindingDoc[]>();
  }

  async bindingsOfAccount(accountId: string): Promise<RoleBindingDoc[]> {
    return RoleBinding.find({ accountId }).lean<RoleBindingDoc[]>();
  }

  async bindingsOfRole(accountId: string, roleId: string, limit: number): Promise<RoleBindingDoc[]> {
    return RoleBinding.find({ accountId, roleId }).limit(limit).lean<RoleBindingDoc[]>();
  }

  async usersBoundBelow(accountId: string, nodeIds: readonly string[], now: Date): Promise<string[]> {
    const ids = { $in: [...nodeIds] };
    const found = await RoleBinding.find({
      $and: [
        { accountId },
        { $or: [{ scopeId: ids }, { workspaceId: ids }, { domainId: ids }, { projectId: ids }, { inboxId: ids }] },
        current(now),
      ],
    })
      .select({ userId: 1 })
      .lean();
    return [...new Set(found.map((b) => b.userId))];
  }

  private async insertBinding(b: NewBinding, ownerRole: boolean): Promise<RoleBindingDoc> {
    const doc = {
      workspaceId: null,
      domainId: null,
      projectId: null,
      inboxId: null,
      expiresAt: null,
      ...b,
      _id: b._id ?? newId(),
      grant: b.grant ?? [],
      revoke: b.revoke ?? [],
      key: bindingKey({ ...b, grant: b.grant ?? [] }, ownerRole),
    };
    try {
      return (await RoleBinding.create(doc)).toObject() as RoleBindingDoc;
    } catch (err) {
      if (isDuplicateKey(err)) throw new DuplicateError('binding');
      throw err;
    }
  }

  async createBinding(b: NewBinding, now: Date): Promise<RoleBindingDoc> {
    const role = b.roleId ? await Role.findById(b.roleId).select({ key: 1 }).lean() : null;
    const ownerRole = role?.key === 'owner';
    const key = bindingKey({ ...b, grant: b.grant ?? [] }, ownerRole);
    // An expired twin holds the key but grants nothing: it makes room (deleting by key and expiry,
    // so a current twin is never removed).
    await RoleBinding.deleteOne({ key, expiresAt: { $ne: null, $lte: now } });
    const created = await this.insertBinding(b, ownerRole);
    await this.bump(b.accountId);
    return created;
  }

  async deleteBinding(id: string): Promise<RoleBindingDoc | null> {
    const gone = await RoleBinding.findOneAndDelete({ _id: id }).lean<RoleBindingDoc>();
    if (gone) await this.bump(gone.accountId);
    return gone;
  }

  async deleteBindingsAt(accountId: string, where: PlacementFilter): Promise<number> {
    if (!where.ids.length) return 0;
    const r = await RoleBinding.deleteMany({ accountId, ...placementQuery(where) });
    if (r.deletedCount) await this.bump(accountId);
    return r.deletedCount;
  }

  async setOverrides(id: string, grant: string[], revoke: string[]): Promise<RoleBindingDoc | null> {
    const updated = await RoleBinding.findOneAndUpdate(
      { _id: id },
      { $set: { grant, revoke } },
      { returnDocument: 'after' },
    ).lean<RoleBindingDoc>();
    if (updated) await this.bump(updated.accountId);
    return updated;
  }

  // --- invitations ---------------------------------------------------------------------------

  async invitation(id: string): Promise<InvitationDoc | null> {
    return Invitation.findById(id).lean<InvitationDoc>();
  }

  async invitationByTokenHash(tokenHash: string): Promise<InvitationDoc | null> {
    return Invitation.findOne({ tokenHash }).lean<InvitationDoc>();
  }

  async createInvitation(inv: NewInvitation, now: Date): Promise<InvitationDoc> {
    await Invitation.updateMany(
      { accountId: inv.accountId, email: inv.email, acceptedAt: null, revokedAt: null },
      { $set: { revokedAt: now } },
    );
    return (await Invitation.create(inv)).toObject() as InvitationDoc;
  }

  async acceptInvitation(id: string, userId: string, now: Date): Promise<boolean> {
    const inv = await Invitation.findById(id).select({ accountId: 1 }).lean();
    if (!inv) return false;
    // The claim makes it once-only whatever the store does with the conditional update below.
    if (!(await claimOnce(`invitation:${id}`, inv.accountId))) return false;
    const done = await Invitation.findOneAndUpdate(
      { _id: id, acceptedAt: null, revokedAt: null },
      { $set: { acceptedAt: now, acceptedBy: userId } },
      { returnDocument: 'after' },
    ).lean();
    return !!done;
  }

  async revokeInvitations(
    accountId: string,
    where: { ids?: readonly string[]; createdBy?: string; placement?: PlacementFilter },
    now: Date,
  ): Promise<number> {
    const q: Record<string, unknown> = { accountId, acceptedAt: null, revokedAt: null };
    if (where.ids) q._id = { $in: [...where.ids] };
    if (where.createdBy) q.createdBy = where.createdBy;
    if (where.placement) Object.assign(q, placementQuery(where.placement));
    const r = await Invitation.updateMany(q, { $set: { revokedAt: now } });
    return r.modifiedCount;
  }

  async pendingOffersOfRole(roleId: string, now: Date, limit: number): Promise<InvitationDoc[]> {
    return Invitation.find({ roleId, acceptedAt: null, revokedAt: null, expiresAt: { $gt: now } })
      .limit(limit)
      .lean<InvitationDoc[]>();
  }

  // --- tokens --------------------------------------------------------------------------------

  async createToken<T extends TokenDoc>(token: T): Promise<T> {
    const doc = (await this.models.ApiToken.create(token)).toObject() as unknown as T;
    try {
      await this.bump(doc.accountId);
    } catch (err) {
      await this.models.ApiToken.deleteOne({ _id: doc._id });
      throw err;
    }
    return doc;
  }

  async revokeToken<T extends TokenDoc>(id: string, now: Date): Promise<T | null> {
    const after = await this.models.ApiToken.findOneAndUpdate(
      { _id: id, revokedAt: null },
      { $set: { revokedAt: now } },
      { returnDocument: 'after' },
    ).lean<T>();
    if (after) await this.bump(after.accountId);
    return after;
  }

  async tokensOf(accountId: string, now: Date): Promise<TokenDoc[]> {
    return this.models.ApiToken.find({ accountId, revokedAt: null, expiresAt: { $gt: now } })
      .select({ tokenHash: 0 })
      .lean<TokenDoc[]>();
  }

  async dropAccount(accountId: string): Promise<void> {
    await Promise.all([
      RoleBinding.deleteMany({ accountId }),
      Role.deleteMany({ accountId }),
      Invitation.deleteMany({ accountId }),
      this.models.Member.deleteMany({ accountId }),
    ]);
  }
}
