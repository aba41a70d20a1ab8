// The access store (modelled on OpenFGA's storage interface): the one owner of authorization data —
// roles, bindings (with their overrides and the time-bound grants of approved access requests),
// memberships and the owner, invitations' role offers, partner tokens — and of each account's
// permissionsVersion. Every write goes through it and bumps the version itself (an atomic `$inc`), so
// a change is in force on every replica's next request (docs/permissions-rules.md, rule 6). Services ask the
// store they are handed (`ctx.access`); only src/store/access touches the models. Two implementations:
// MongoAccessStore (src/store/access) and MemoryAccessStore (memory.ts: the dry runs of previews and
// access plans). One contract suite and the conformance cases run on both (test/authz/store.test.ts,
// test/authz/cases.test.ts), so a preview on the memory copy answers what the database store would do.
import type { ScopeType } from '../resources';
import type { ScopePlacement } from './placement';

export type { ScopePlacement };

export interface RoleDoc {
  _id: string;
  accountId: string;
  key: string;
  name: string;
  description: string;
  permissions: string[];
  system: boolean;
  customisable: boolean;
  /** Set for roles installed from a role pack (mailgun, mailtrap, …). */
  pack?: string | null;
  createdBy: string;
  createdAt?: Date;
  updatedAt?: Date;
}

/**
 * (user, role, scope node). Carries the ids of the scope node's ancestors so the checker and the
 * filters find its place in the tree without reading the node. `roleId` null: a time-bound grant
 * made by an approved access request (`grant` then names its one permission).
 */
export interface RoleBindingDoc extends ScopePlacement {
  _id: string;
  accountId: string;
  userId: string;
  roleId: string | null;
  grant: string[];
  revoke: string[];
  expiresAt?: Date | null;
  /** The natural unique key: one binding per (user, role, scope); one grant per (user, permission, scope). */
  key: string;
  createdBy: string;
  createdAt?: Date;
  updatedAt?: Date;
}

/** An invitation to join an account with a role at a scope (only the token's SHA-256 is stored). */
export interface InvitationDoc extends ScopePlacement {
  _id: string;
  accountId: string;
  email: string;
  /** Null: the invited user joins with no binding. */
  roleId: string | null;
  tokenHash: string;
  expiresAt: Date;
  acceptedAt?: Date | null;
  acceptedBy?: string | null;
  revokedAt?: Date | null;
  createdBy: string;
  createdAt?: Date;
  updatedAt?: Date;
}

/** What the store needs of a partner token (the full document lives in the access module). */
export interface TokenDoc {
  _id: string;
  accountId: string;
  userId: string;
  name?: string;
  scopes: string[];
  workspaceIds: string[] | null;
  expiresAt: Date;
  revokedAt?: Date | null;
}

export type NewRole = Omit<RoleDoc, 'createdAt' | 'updatedAt' | '_id'> & { _id?: string };
export type NewBinding = Omit<RoleBindingDoc, 'createdAt' | 'updatedAt' | '_id' | 'key' | 'grant' | 'revoke'> & {
  _id?: string;
  grant?: string[];
  revoke?: string[];
};
export type NewInvitation = Omit<InvitationDoc, 'createdAt' | 'updatedAt' | '_id' | 'acceptedAt' | 'acceptedBy' | 'revokedAt'>;

/** Which placement field a bulk removal matches (`scopeId`: bindings on exactly these nodes). */
export type PlacementField = 'scopeId' | 'workspaceId' | 'domainId' | 'projectId' | 'inboxId';
export interface PlacementFilter {
  field: PlacementField;
  ids: readonly string[];
  /** Only bindings placed on nodes of this type (e.g. SENDING_SERVER). */
  scopeType?: ScopeType;
}

/** A unique fact already holds (same binding, same role key): nothing was written. */
export class DuplicateError extends Error {
  constructor(what: string) {
    super(`duplicate ${what}`);
    this.name = 'DuplicateError';
  }
}

export interface AccessStore {
  /** The account's permissionsVersion (0 for an unknown account). */
  version(accountId: string): Promise<number>;

  // --- owner and members ----------------------------------------------------------------------
  ownerOf(accountId: string): Promise<string | null>;
  isMember(accountId: string, userId: string): Promise<boolean>;
  /** The accounts each of these users is a member of. */
  accountsOf(userIds: readonly string[]): Promise<{ userId: string; accountId: string }[]>;
  /** User ids of every member of the account. */
  membersOf(accountId: string): Promise<string[]>;
  /** Adds a membership; false when it existed already (unique per account and user). */
  addMember(member: { accountId: string; userId: string; createdBy: string }): Promise<boolean>;
  /**
   * Ends a membership: the member record, every binding, the pending invitations they sent and their
   * tokens in the account. Returns what was removed.
   */
  removeMember(
    accountId: string,
    userId: string,
    now: Date,
  ): Promise<{ removed: boolean; bindings: RoleBindingDoc[]; invitationsRevoked: number; tokensRevoked: number }>;
  /**
   * Moves ownership from `from` to `to`, once: a claim on the account's owner epoch makes every
   * concurrent transfer but one fail (false). The owner binding moves; the old owner keeps admin.
   */
  transferOwnership(accountId: string, from: string, to: string, by: string): Promise<boolean>;

  // --- roles ---------------------------------------------------------------------------------
  roles(ids: readonly string[]): Promise<RoleDoc[]>;
  roleByKey(accountId: string, key: string): Promise<RoleDoc | null>;
  /** Roles of an account, optionally only these keys or keys starting with a prefix. */
  rolesOf(accountId: string, opts?: { keys?: readonly string[]; keyPrefix?: string }): Promise<RoleDoc[]>;
  /** The account's role with this name, compared case-insensitively. */
  roleNamed(accountId: string, name: string): Promise<RoleDoc | null>;
  /** Creates roles (all or nothing); DuplicateError when a key is taken. */
  createRoles(roles: readonly NewRole[]): Promise<RoleDoc[]>;
  /** Changes a non-system role; null when it is gone or a system role. */
  updateRole(id: string, set: Partial<Pick<RoleDoc, 'name' | 'description' | 'permissions'>>): Promise<RoleDoc | null>;
  deleteRole(id: string): Promise<boolean>;

  // --- bindings, overrides, grants ----------------------------------------------------------
  binding(id: string): Promise<RoleBindingDoc | null>;
  bindingsOf(accountId: string, userIds: readonly string[]): Promise<RoleBindingDoc[]>;
  bindingsOfAccount(accountId: string): Promise<RoleBindingDoc[]>;
  bindingsOfRole(accountId: string, roleId: string, limit: number): Promise<RoleBindingDoc[]>;
  /** Users with a binding current at `now` on one of `nodeIds` or below it. */
  usersBoundBelow(accountId: string, nodeIds: readonly string[], now: Date): Promise<string[]>;
  /**
   * Creates a binding, unique per (user, role, scope) — per (user, permission, scope) for a grant. An
   * expired twin is replaced; a current one makes it fail with DuplicateError.
   */
  createBinding(binding: NewBinding, now: Date): Promise<RoleBindingDoc>;
  deleteBinding(id: string): Promise<RoleBindingDoc | null>;
  /** Removes bindings placed on (or below) deleted nodes; returns how many. */
  deleteBindingsAt(accountId: string, where: PlacementFilter): Promise<number>;
  setOverrides(id: string, grant: string[], revoke: string[]): Promise<RoleBindingDoc | null>;

  // --- invitations' role offers -------------------------------------------------------------
  invitation(id: string): Promise<InvitationDoc | null>;
  invitationByTokenHash(tokenHash: string): Promise<InvitationDoc | null>;
  /** A new invitation; those still pending for the same address are revoked (one valid offer per address). */
  createInvitation(inv: NewInvitation, now: Date): Promise<InvitationDoc>;
  /** The one acceptance of an invitation: true for exactly one caller. */
  acceptInvitation(id: string, userId: string, now: Date): Promise<boolean>;
  /** Revokes pending invitations (by id, by who sent them, or placed on or below deleted nodes); returns how many. */
  revokeInvitations(
    accountId: string,
    where: { ids?: readonly string[]; createdBy?: string; placement?: PlacementFilter },
    now: Date,
  ): Promise<number>;
  pendingOffersOfRole(roleId: string, now: Date, limit: number): Promise<InvitationDoc[]>;

  // --- partner tokens (their scopes are access too) -------------------------------------------
  createToken<T extends TokenDoc>(token: T): Promise<T>;
  /** Revokes a token; null when it was revoked already (or concurrently). */
  revokeToken<T extends TokenDoc>(id: string, now: Date): Promise<T | null>;
  /** The account's tokens in force at `now` (neither revoked nor expired), in one read. */
  tokensOf(accountId: string, now: Date): Promise<TokenDoc[]>;

  // --- account life cycle ------------------------------------------------------------------
  /** Deletes every role, binding, membership and invitation of a deleted account. */
  dropAccount(accountId: string): Promise<void>;
}

/** The natural unique key of a binding. The owner binding is one per account, whoever holds it. */
export function bindingKey(
  b: { accountId: string; userId: string; roleId: string | null; scopeId: string; grant?: readonly string[] },
  ownerRole: boolean,
): string {
  if (ownerRole) return `owner|${b.accountId}`;
  const what = b.roleId ? `role:${b.roleId}` : `grant:${[...(b.grant ?? [])].sort().join(',')}`;
  return `${b.userId}|${what}|${b.scopeId}`;
}
