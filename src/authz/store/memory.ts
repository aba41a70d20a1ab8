// The access store in memory (OpenFGA's memory backend plays the same part): the same contract as
// MongoAccessStore, used by the conformance cases (test/authz/cases.yaml) to run the compiler, the
// checker and the rules in milliseconds. Unique keys are kept in maps; operations are synchronous
// between awaits, so they are atomic as a database's single-document writes are.
import { randomBytes } from 'node:crypto';
import { bindingKey, DuplicateError } from './types';
import type * as Store from './types';

let counter = randomBytes(3).readUIntBE(0, 3);
const processPart = randomBytes(5).toString('hex');

/** Ids as the database makes them (src/db/ids.ts): 24 hex characters, ordered by creation (an ObjectId's layout). */
function newId(): string {
  counter = (counter + 1) % 0x1000000;
  const seconds = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0');
  return seconds + processPart + counter.toString(16).padStart(6, '0');
}

interface AccountState {
  ownerId: string;
  ownerEpoch: number;
  version: number;
  members: Set<string>;
}

const clone = <T>(v: T): T => structuredClone(v);
const isCurrent = (b: { expiresAt?: Date | null }, now: Date) => !b.expiresAt || b.expiresAt.getTime() > now.getTime();

export class MemoryAccessStore implements Store.AccessStore {
  private readonly accounts = new Map<string, AccountState>();
  private readonly roleDocs = new Map<string, Store.RoleDoc>();
  private readonly bindingDocs = new Map<string, Store.RoleBindingDoc>();
  private readonly bindingByKey = new Map<string, string>();
  private readonly invitations = new Map<string, Store.InvitationDoc>();
  private readonly tokens = new Map<string, Store.TokenDoc>();
  private readonly claims = new Set<string>();

  /** Creates an account with its owner as a member (the memory store's stand-in for the Account document). */
  addAccount(accountId: string, ownerId: string): void {
    this.accounts.set(accountId, { ownerId, ownerEpoch: 0, version: 0, members: new Set([ownerId]) });
  }

  private account(accountId: string): AccountState {
    const a = this.accounts.get(accountId);
    if (!a) throw new Error(`no account ${accountId} in the memory store`);
    return a;
  }

  private bump(accountId: string): void {
    const a = this.accounts.get(accountId);
    if (a) a.version++;
  }

  async version(accountId: string) {
    return this.accounts.get(accountId)?.version ?? 0;
  }

  async ownerOf(accountId: string) {
    return this.accounts.get(accountId)?.ownerId ?? null;
  }

  async isMember(accountId: string, userId: string) {
    return this.accounts.get(accountId)?.members.has(userId) ?? false;
  }

  async accountsOf(userIds: readonly string[]) {
    const out: { userId: string; accountId: string }[] = [];
    for (const [accountId, a] of this.accounts) for (const userId of userIds) if (a.members.has(userId)) out.push({ userId, accountId });
    return out;
  }

  async membersOf(accountId: string) {
    return [...(this.accounts.get(accountId)?.members ?? [])];
  }

  async addMember(m: { accountId: string; userId: string; createdBy: string }) {
    const a = this.account(m.accountId);
    if (a.members.has(m.userId)) return false;
    a.members.add(m.userId);
    this.bump(m.accountId);
    return true;
  }

  async removeMember(accountId: string, userId: string, now: Date) {
    const a = this.account(accountId);
    const removed = a.members.delete(userId);
    const bindings = [...this.bindingDocs.values()].filter((b) => b.accountId === accountId && b.userId === userId);
    for (const b of bindings) this.dropBinding(b);
    const invitationsRevoked = await this.revokeInvitations(accountId, { createdBy: userId }, now);
    let tokensRevoked = 0;
    for (const t of this.tokens.values()) {
      if (t.accountId === accountId && t.userId === userId && !t.revokedAt) {
        t.revokedAt = now;
        tokensRevoked++;
      }
    }
    this.bump(accountId);
    return { removed, bindings: clone(bindings), invitationsRevoked, tokensRevoked };
  }

  async transferOwnership(accountId: string, from: string, to: string, by: string) {
    const a = this.account(accountId);
    if (a.ownerId !== from) return false;
    const claim = `owner:${accountId}:${a.ownerEpoch}`;
    if (this.claims.has(claim)) return false;
    this.claims.add(claim);
    a.ownerId = to;
    a.ownerEpoch++;
    const ownerKey = `owner|${accountId}`;
    const ownerBinding = this.bindingDocs.get(this.bindingByKey.get(ownerKey) ?? '');
    if (ownerBinding) Object.assign(ownerBinding, { userId: to, grant: [], revoke: [], expiresAt: null });
    const admin = await this.roleByKey(accountId, 'admin');
    if (admin) {
      try {
        this.insert({ accountId, userId: from, roleId: admin._id, scopeType: 'ACCOUNT', scopeId: accountId, createdBy: by }, false);
      } catch (err) {
        if (!(err instanceof DuplicateError)) throw err;
      }
    }
    this.bump(accountId);
    return true;
  }

  // --- roles ---------------------------------------------------------------------------------

  async roles(ids: readonly string[]) {
    return ids.flatMap((id) => (this.roleDocs.has(id) ? [clone(this.roleDocs.get(id)!)] : []));
  }

  async roleByKey(accountId: string, key: string) {
    for (const r of this.roleDocs.values()) if (r.accountId === accountId && r.key === key) return clone(r);
    return null;
  }

  async rolesOf(accountId: string, opts: { keys?: readonly string[]; keyPrefix?: string } = {}) {
    return [...this.roleDocs.values()]
      .filter(
        (r) =>
          r.accountId === accountId &&
          (opts.keys ? opts.keys.includes(r.key) : opts.keyPrefix === undefined || r.key.startsWith(opts.keyPrefix)),
      )
      .map(clone);
  }

  async roleNamed(accountId: string, name: string) {
    for (const r of this.roleDocs.values()) if (r.accountId === accountId && r.name.toLowerCase() === name.toLowerCase()) return clone(r);
    return null;
  }

  async createRoles(roles: readonly Store.NewRole[]) {
    for (const r of roles) if (await this.roleByKey(r.accountId, r.key)) throw new DuplicateError('role key');
    const docs = roles.map((r) => ({ pack: null, ...r, _id: r._id ?? newId() }) as Store.RoleDoc);
    for (const d of docs) this.roleDocs.set(d._id, clone(d));
    if (docs.length) this.bump(docs[0]!.accountId);
    return docs.map(clone);
  }

  async updateRole(id: string, set: Partial<Pick<Store.RoleDoc, 'name' | 'description' | 'permissions'>>) {
    const r = this.roleDocs.get(id);
    if (!r || r.system) return null;
    Object.assign(r, clone(set));
    this.bump(r.accountId);
    return clone(r);
  }

  async deleteRole(id: string) {
    const r = this.roleDocs.get(id);
    if (!r || r.system) return false;
    this.roleDocs.delete(id);
    this.bump(r.accountId);
    return true;
  }

  // --- bindings ------------------------------------------------------------------------------

  async binding(id: string) {
    const b = this.bindingDocs.get(id);
    return b ? clone(b) : null;
  }

  async bindingsOf(accountId: string, userIds: readonly string[]) {
    return [...this.bindingDocs.values()].filter((b) => b.accountId === accountId && userIds.includes(b.userId)).map(clone);
  }

  async bindingsOfAccount(accountId: string) {
    return [...this.bindingDocs.values()].filter((b) => b.accountId === accountId).map(clone);
  }

  async bindingsOfRole(accountId: string, roleId: string, limit: number) {
    return [...this.bindingDocs.values()]
      .filter((b) => b.accountId === accountId && b.roleId === roleId)
      .slice(0, limit)
      .map(clone);
  }

  async usersBoundBelow(accountId: string, nodeIds: readonly string[], now: Date) {
    const under = (b: Store.RoleBindingDoc) =>
      [b.scopeId, b.workspaceId, b.domainId, b.projectId, b.inboxId].some((id) => !!id && nodeIds.includes(id));
    return [
      ...new Set(
        [...this.bindingDocs.values()].filter((b) => b.accountId === accountId && under(b) && isCurrent(b, now)).map((b) => b.userId),
      ),
    ];
  }

  private insert(b: Store.NewBinding, ownerRole: boolean): Store.RoleBindingDoc {
    const key = bindingKey({ ...b, grant: b.grant ?? [] }, ownerRole);
    if (this.bindingByKey.has(key)) throw new DuplicateError('binding');
    const doc: Store.RoleBindingDoc = {
      workspaceId: null,
      domainId: null,
      projectId: null,
      inboxId: null,
      expiresAt: null,
      ...clone(b),
      _id: b._id ?? newId(),
      grant: [...(b.grant ?? [])],
      revoke: [...(b.revoke ?? [])],
      key,
    };
    this.bindingDocs.set(doc._id, doc);
    this.bindingByKey.set(key, doc._id);
    return doc;
  }

  private dropBinding(b: Store.RoleBindingDoc): void {
    this.bindingDocs.delete(b._id);
    if (this.bindingByKey.get(b.key) === b._id) this.bindingByKey.delete(b.key);
  }

  async createBinding(b: Store.NewBinding, now: Date) {
    const ownerRole = !!b.roleId && this.roleDocs.get(b.roleId)?.key === 'owner';
    const twinId = this.bindingByKey.get(bindingKey({ ...b, grant: b.grant ?? [] }, ownerRole));
    const twin = twinId ? this.bindingDocs.get(twinId) : undefined;
    if (twin && !isCurrent(twin, now)) this.dropBinding(twin);
    const doc = this.insert(b, ownerRole);
    this.bump(b.accountId);
    return clone(doc);
  }

  async deleteBinding(id: string) {
    const b = this.bindingDocs.get(id);
    if (!b) return null;
    this.dropBinding(b);
    this.bump(b.accountId);
    return clone(b);
  }

  async deleteBindingsAt(accountId: string, where: Store.PlacementFilter) {
    const gone = [...this.bindingDocs.values()].filter(
      (b) =>
        b.accountId === accountId &&
        where.ids.includes(String(b[where.field] ?? '')) &&
        (!where.scopeType || b.scopeType === where.scopeType),
    );
    for (const b of gone) this.dropBinding(b);
    if (gone.length) this.bump(accountId);
    return gone.length;
  }

  async setOverrides(id: string, grant: string[], revoke: string[]) {
    const b = this.bindingDocs.get(id);
    if (!b) return null;
    b.grant = [...grant];
    b.revoke = [...revoke];
    this.bump(b.accountId);
    return clone(b);
  }

  // --- invitations ---------------------------------------------------------------------------

  async invitation(id: string) {
    const i = this.invitations.get(id);
    return i ? clone(i) : null;
  }

  async invitationByTokenHash(tokenHash: string) {
    for (const i of this.invitations.values()) if (i.tokenHash === tokenHash) return clone(i);
    return null;
  }

  async createInvitation(inv: Store.NewInvitation, now: Date) {
    for (const i of this.invitations.values()) {
      if (i.accountId === inv.accountId && i.email === inv.email && !i.acceptedAt && !i.revokedAt) i.revokedAt = now;
    }
    const doc: Store.InvitationDoc = { ...clone(inv), _id: newId(), acceptedAt: null, acceptedBy: null, revokedAt: null };
    this.invitations.set(doc._id, doc);
    return clone(doc);
  }

  async acceptInvitation(id: string, userId: string, now: Date) {
    const i = this.invitations.get(id);
    if (!i || i.acceptedAt || i.revokedAt || this.claims.has(`invitation:${id}`)) return false;
    this.claims.add(`invitation:${id}`);
    i.acceptedAt = now;
    i.acceptedBy = userId;
    return true;
  }

  async revokeInvitations(
    accountId: string,
    where: { ids?: readonly string[]; createdBy?: string; placement?: Store.PlacementFilter },
    now: Date,
  ) {
    let n = 0;
    for (const i of this.invitations.values()) {
      if (i.accountId !== accountId || i.acceptedAt || i.revokedAt) continue;
      if (where.ids && !where.ids.includes(i._id)) continue;
      if (where.createdBy && i.createdBy !== where.createdBy) continue;
      const p = where.placement;
      if (p && (!p.ids.includes(String(i[p.field] ?? '')) || (p.scopeType && i.scopeType !== p.scopeType))) continue;
      i.revokedAt = now;
      n++;
    }
    return n;
  }

  async pendingOffersOfRole(roleId: string, now: Date, limit: number) {
    return [...this.invitations.values()]
      .filter((i) => i.roleId === roleId && !i.acceptedAt && !i.revokedAt && i.expiresAt.getTime() > now.getTime())
      .slice(0, limit)
      .map(clone);
  }

  // --- tokens --------------------------------------------------------------------------------

  async createToken<T extends Store.TokenDoc>(token: T) {
    this.tokens.set(token._id, clone(token));
    this.bump(token.accountId);
    return clone(token);
  }

  async revokeToken<T extends Store.TokenDoc>(id: string, now: Date) {
    const t = this.tokens.get(id);
    if (!t || t.revokedAt) return null;
    t.revokedAt = now;
    this.bump(t.accountId);
    return clone(t) as T;
  }

  async tokensOf(accountId: string, now: Date) {
    return [...this.tokens.values()]
      .filter((t) => t.accountId === accountId && !t.revokedAt && new Date(t.expiresAt).getTime() > now.getTime())
      .map(clone);
  }

  /** A token as stored (the conformance cases compile tokens from it). */
  token(id: string): Store.TokenDoc | null {
    const t = this.tokens.get(id);
    return t ? clone(t) : null;
  }

  async dropAccount(accountId: string) {
    for (const b of [...this.bindingDocs.values()]) if (b.accountId === accountId) this.dropBinding(b);
    for (const r of [...this.roleDocs.values()]) if (r.accountId === accountId) this.roleDocs.delete(r._id);
    for (const i of [...this.invitations.values()]) if (i.accountId === accountId) this.invitations.delete(i._id);
    this.accounts.delete(accountId);
  }
}
