// explainAccess (docs/access-insight.md): why a person or token may or may not do something at a scope node, as
// the steps the compiler and checker took — bindings (role, scope, expiry), overrides, access grants,
// ownership, token scopes and workspaces, and the rules that decided. The decision itself comes from
// the same compile and check as every request (compilePermissions + allowed), so the explanation cannot
// disagree with what the gateway does. explainFrom() is the pure part, shared with whoCan (who-can.ts).
import { hasBit } from './bitset';
import { parsePermission, permissionBit } from './catalogue';
import { allowed } from './check';
import { compilePermissions, roleBits, type CompiledPermissions } from './compile';
import { OWNER_ONLY } from './roles';
import type { AccessStore, RoleBindingDoc, RoleDoc } from './store/types';
import { cachedAccountAccess } from './account-access';
import { NotFoundError } from '../errors';

export type AccessStepKind =
  'OWNER' | 'BINDING' | 'GRANT' | 'OVERRIDE_GRANT' | 'OVERRIDE_REVOKE' | 'EXPIRED' | 'TOKEN' | 'RULE' | 'DECISION';

export interface AccessStep {
  kind: AccessStepKind;
  /** Whether this step gives the permission (true), takes it away or withholds it (false), or only informs (null). */
  grants: boolean | null;
  description: string;
  bindingId?: string | null;
}

export interface AccessExplanation {
  allowed: boolean;
  steps: AccessStep[];
}

type Doc = Record<string, unknown> & { _id: string };

/** A partner token as explain and whoCan see it. */
export interface ExplainToken {
  id: string;
  scopes: readonly string[];
  workspaceIds: readonly string[] | null;
  /** A revoked or expired token is denied before anything else (explainAccess). */
  revokedAt?: Date | null;
  expiresAt?: Date;
}

/** What one principal's explanation is made of, read from the store once (explainAccess) or taken from an account-wide read (whoCan). */
export interface PrincipalAccess {
  accountId: string;
  userId: string;
  ownerId: string | null;
  member: boolean;
  version: number;
  /** The user's bindings in the account (any scope, expired ones too). */
  bindings: readonly RoleBindingDoc[];
  roles: ReadonlyMap<string, RoleDoc>;
  token?: ExplainToken | null;
}

function yields(list: readonly string[], bit: number): boolean {
  return list.some((p) => {
    const parsed = parsePermission(p, { allowOwn: true });
    return !parsed.own && parsed.bits.includes(bit);
  });
}

function where(b: RoleBindingDoc): string {
  return `${b.scopeType} ${b.scopeId}`;
}

/** The ids of a scope node and its ancestors. */
export function chainIdsOf(node: { doc: Doc; chain: readonly string[] }): Set<string> {
  return new Set(node.chain.map((k) => node.doc[k]).filter((v): v is string => typeof v === 'string'));
}

/** The compiled permissions of a principal (null: not a member), through the gateway's own compiler. */
export function compilePrincipal(data: PrincipalAccess, now: number): CompiledPermissions | null {
  if (!data.member) return null;
  return compilePermissions({
    userId: data.userId,
    accountId: data.accountId,
    version: data.version,
    isOwner: data.ownerId === data.userId,
    bindings: data.bindings,
    roles: data.roles,
    now,
    token: data.token ? { scopes: data.token.scopes, workspaceIds: data.token.workspaceIds } : null,
  });
}

/**
 * The steps and the decision from data already read. Pure: no I/O. `compiled` is the principal's
 * compiled permissions when the caller has them (whoCan compiles each principal once), else they are
 * compiled here, by the same compiler as every request.
 */
export function explainFrom(
  data: PrincipalAccess,
  input: { permission: string; bit: number; node: { doc: Doc; chain: readonly string[] }; now: number; chainIds?: ReadonlySet<string> },
  compiled?: CompiledPermissions | null,
): AccessExplanation {
  const { permission, bit, now } = input;
  const steps: AccessStep[] = [];
  const chainIds = input.chainIds ?? chainIdsOf(input.node);
  const ownerOnly = OWNER_ONLY.includes(permission);

  if (data.ownerId === data.userId) {
    steps.push({ kind: 'OWNER', grants: true, description: `${data.userId} owns the account: every permission in it` });
  } else if (ownerOnly) {
    steps.push({
      kind: 'RULE',
      grants: false,
      description: `Rule 8: ${permission} belongs to the account owner alone; no role, override, grant or token carries it`,
    });
  }
  for (const b of data.bindings) {
    if (!chainIds.has(b.scopeId)) continue;
    const role = b.roleId ? data.roles.get(b.roleId) : undefined;
    const expired = !!b.expiresAt && new Date(b.expiresAt).getTime() <= now;
    const until = b.expiresAt ? ` until ${new Date(b.expiresAt).toISOString()}` : '';
    const fromRole = !!role && hasBit(roleBits(role).full, bit);
    const granted = !!b.grant?.length && yields(b.grant, bit);
    const revoked = !!b.revoke?.length && yields(b.revoke, bit);
    if (!fromRole && !granted && !revoked) continue;
    if (expired) {
      steps.push({
        kind: 'EXPIRED',
        grants: false,
        bindingId: b._id,
        description: `${role ? `Role "${role.name}"` : 'Access grant'} on ${where(b)} expired at ${new Date(b.expiresAt!).toISOString()}: it grants nothing`,
      });
      continue;
    }
    if (fromRole) {
      steps.push({
        kind: 'BINDING',
        grants: true,
        bindingId: b._id,
        description: `Role "${role!.name}" on ${where(b)}${until} includes ${permission}`,
      });
    }
    if (granted) {
      steps.push(
        role
          ? {
              kind: 'OVERRIDE_GRANT',
              grants: true,
              bindingId: b._id,
              description: `An override on the "${role.name}" binding on ${where(b)} grants ${permission}`,
            }
          : { kind: 'GRANT', grants: true, bindingId: b._id, description: `An access grant on ${where(b)}${until} gives ${permission}` },
      );
    }
    if (revoked) {
      steps.push({
        kind: 'OVERRIDE_REVOKE',
        grants: false,
        bindingId: b._id,
        description: `An override on the ${role ? `"${role.name}" ` : ''}binding on ${where(b)} revokes ${permission} from that binding`,
      });
    }
  }
  if (data.token) {
    const t = data.token;
    steps.push({
      kind: 'TOKEN',
      grants: t.scopes.includes(permission) ? null : false,
      description: t.scopes.includes(permission)
        ? `Token ${t.id} has ${permission} among its scopes (it never exceeds its creator)`
        : `Token ${t.id} lacks ${permission} among its scopes`,
    });
    if (t.workspaceIds) {
      const inside = t.workspaceIds.some((w) => chainIds.has(w));
      steps.push({
        kind: 'TOKEN',
        grants: inside ? null : false,
        description: inside
          ? `Token ${t.id} is restricted to workspaces ${t.workspaceIds.join(', ')}, which include this scope`
          : `Token ${t.id} is restricted to workspaces ${t.workspaceIds.join(', ')}: this scope is outside them`,
      });
    }
  }
  const c = compiled !== undefined ? compiled : compilePrincipal(data, now);
  const isAllowed = !!c && allowed(c, bit, input.node.doc, input.node.chain, false);
  if (!c) steps.push({ kind: 'RULE', grants: false, description: `${data.userId} is not a member of this account` });
  else if (!steps.some((s) => s.grants)) {
    steps.push({ kind: 'RULE', grants: false, description: `No binding on this scope or above it yields ${permission}` });
  }
  steps.push({
    kind: 'DECISION',
    grants: isAllowed,
    description: isAllowed ? `Allowed: ${permission}` : `Denied: ${permission} (a person may ask for it with requestAccess)`,
  });
  return { allowed: isAllowed, steps };
}

export async function explainAccess(
  store: AccessStore,
  input: {
    accountId: string;
    userId: string;
    token?: ExplainToken | null;
    permission: string;
    node: { doc: Doc; chain: readonly string[] };
    now?: Date;
    /** The account's permissionsVersion as this request read it: the account's facts are reused when whoCan or a review read them at it. */
    version?: number;
  },
): Promise<AccessExplanation> {
  const now = (input.now ?? new Date()).getTime();
  const permission = parsePermission(input.permission).text;
  const bit = permissionBit(permission);
  const t = input.token;
  const lapsed = !t ? null : t.revokedAt ? 'revoked' : t.expiresAt && new Date(t.expiresAt).getTime() <= now ? 'expired' : null;
  if (lapsed) return { allowed: false, steps: [{ kind: 'DECISION', grants: false, description: `Denied: token ${t!.id} is ${lapsed}` }] };
  const acc = input.version !== undefined ? cachedAccountAccess(store, input.accountId, input.version, now) : undefined;
  // A person is explained only in an account they belong to (a token: its maker, whoever that is now).
  const notMember = () => new NotFoundError('member', input.userId);
  if (acc) {
    if (!t && !acc.members.includes(input.userId)) throw notMember();
    const data: PrincipalAccess = {
      accountId: input.accountId,
      userId: input.userId,
      ownerId: acc.ownerId,
      member: acc.members.includes(input.userId),
      version: acc.version,
      bindings: acc.bindingsByUser.get(input.userId) ?? [],
      roles: acc.roles,
      token: input.token ?? null,
    };
    return explainFrom(data, { permission, bit, node: input.node, now });
  }
  const [ownerId, member, bindings, version] = await Promise.all([
    store.ownerOf(input.accountId),
    store.isMember(input.accountId, input.userId),
    store.bindingsOf(input.accountId, [input.userId]),
    store.version(input.accountId),
  ]);
  if (!t && !member) throw notMember();
  const roleIds = [...new Set(bindings.map((b) => b.roleId).filter((id): id is string => !!id))];
  const roles = new Map((roleIds.length ? await store.roles(roleIds) : []).map((r) => [r._id, r]));
  const data: PrincipalAccess = {
    accountId: input.accountId,
    userId: input.userId,
    ownerId,
    member,
    version,
    bindings,
    roles,
    token: input.token ?? null,
  };
  return explainFrom(data, { permission, bit, node: input.node, now });
}
