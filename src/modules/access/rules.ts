// Shared pieces of the rules no role can break (DESIGN.md §4): who counts as an admin, rule 3's
// "no granting what you lack", and validation of permission lists as written by users.
import type { Context } from '../../graphql/context';
import { parsePermission, permissionBit, UnknownPermissionError } from '../../authz/catalogue';
import type { CompiledPermissions } from '../../authz/compile';
import { missingAt } from '../../authz/introspect';
import { BadInputError, NotFoundError } from '../../errors';
import type { AccountDoc } from '../accounts/model';
import { Role, RoleBinding, type RoleDoc } from './model';
import { ADMIN_EQUIVALENT_KEYS } from '../../authz/packs';

/** Permissions only the owner exercises (rule 1): never in a role or an override. */
export const OWNER_ONLY = ['account:delete', 'account:transferOwnership'];
const OWNER_ONLY_BITS = new Set(OWNER_ONLY.map(permissionBit));

export const MAX_PERMISSIONS = 300;

/** The principal's compiled permissions in the account (the directive has loaded them already). */
export async function compiledOf(ctx: Context, accountId: string): Promise<CompiledPermissions> {
  const c = await ctx.authz.load(accountId);
  if (!c) throw new NotFoundError('account', accountId);
  return c;
}

/**
 * Validates a permission list as written in a role (wildcards allowed) or an override (not):
 * unknown strings and owner-only permissions are BAD_USER_INPUT on `field`. Returns it deduplicated.
 */
export function cleanPermissions(list: readonly string[], field: string, opts: { allowWildcard: boolean }): string[] {
  if (list.length > MAX_PERMISSIONS) throw new BadInputError(`${field} may hold at most ${MAX_PERMISSIONS} permissions`, field);
  const out: string[] = [];
  for (const raw of list) {
    const text = raw.trim();
    if (text.length > 100) throw new BadInputError(`${field}: a permission is at most 100 characters`, field);
    let parsed;
    try {
      parsed = parsePermission(text, { allowWildcard: opts.allowWildcard, allowOwn: true });
    } catch (err) {
      if (err instanceof UnknownPermissionError) throw new BadInputError(err.message, field);
      throw err;
    }
    if (parsed.bits.some((b) => OWNER_ONLY_BITS.has(b))) {
      throw new BadInputError(
        `"${text}" cannot be granted: only the account owner deletes the account or transfers its ownership (use account:view or account:edit)`,
        field,
      );
    }
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

/** The account's role with a given key (owner, admin). */
export async function systemRole(accountId: string, key: 'owner' | 'admin'): Promise<RoleDoc | null> {
  return Role.findOne({ accountId, key }).lean<RoleDoc>();
}

/** Whether the user is the owner or holds the admin role on the account itself (not expired). */
export async function isAccountAdmin(account: AccountDoc, userId: string): Promise<boolean> {
  if (account.ownerId === userId) return true;
  // The system admin and the pack roles standing for it (Mailtrap's Account Admin, …).
  const admins = await Role.find({ accountId: account._id, key: { $in: ['admin', ...ADMIN_EQUIVALENT_KEYS] } })
    .select({ _id: 1 })
    .lean();
  if (!admins.length) return false;
  const bindings = await RoleBinding.find({
    accountId: account._id,
    userId,
    roleId: { $in: admins.map((r) => r._id) },
    scopeType: 'ACCOUNT',
  }).lean();
  return bindings.some((b) => !b.expiresAt || new Date(b.expiresAt).getTime() > Date.now());
}

/**
 * Rule 4: admins are bound and unbound (and their access changed) only by the owner and other
 * admins; nobody alters the owner's access. Rule 2: nobody changes their own access.
 */
export async function assertMayChangeAccessOf(
  ctx: Context,
  account: AccountDoc,
  targetUserId: string,
  opts: { field: string; adminRole?: boolean },
): Promise<void> {
  const me = ctx.actorId;
  if (targetUserId === me) throw new BadInputError('You cannot change your own access: ask another admin', opts.field);
  if (targetUserId === account.ownerId) {
    throw new BadInputError("Nobody can alter the account owner's access (ownership moves only by transferOwnership)", opts.field);
  }
  const targetIsAdmin = opts.adminRole || (await isAccountAdmin(account, targetUserId));
  if (targetIsAdmin && !(await isAccountAdmin(account, me))) {
    throw new BadInputError('Admins are bound, unbound and changed only by the owner and other admins', opts.field);
  }
}

/** Rule 3: every permission in `list` must be held by the principal at the node. */
export function assertHolds(
  c: CompiledPermissions,
  list: readonly string[],
  node: { doc: Record<string, unknown> & { _id: string }; chain: readonly string[] },
  field: string,
): void {
  const missing = missingAt(c, list, node);
  if (missing.length) {
    const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? `, … (${missing.length} in all)` : '');
    throw new BadInputError(`You cannot grant what you do not hold at this scope: missing ${shown}`, field);
  }
}
