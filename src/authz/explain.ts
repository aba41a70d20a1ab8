// explainAccess (issue #12): why a person or token may or may not do something at a scope node, as
// the steps the compiler and checker took — bindings (role, scope, expiry), overrides, access grants,
// ownership, token scopes and workspaces, and the rules that decided. The decision itself comes from
// the same compile and check as every request (compileFor + allowed), so the explanation cannot
// disagree with what the gateway does.
import { parsePermission, permissionBit } from './catalogue';
import { allowed } from './check';
import { compileFor } from './compile-for';
import { OWNER_ONLY } from './roles';
import type { AccessStore, RoleBindingDoc } from './store/types';

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

function yields(list: readonly string[], bit: number, opts: { wildcard: boolean }): boolean {
  return list.some((p) => {
    const parsed = parsePermission(p, { allowWildcard: opts.wildcard, allowOwn: true });
    return !parsed.own && parsed.bits.includes(bit);
  });
}

function where(b: RoleBindingDoc): string {
  return `${b.scopeType} ${b.scopeId}`;
}

export async function explainAccess(
  store: AccessStore,
  input: {
    accountId: string;
    userId: string;
    token?: { id: string; scopes: string[]; workspaceIds: string[] | null } | null;
    permission: string;
    node: { doc: Doc; chain: readonly string[] };
    now?: Date;
  },
): Promise<AccessExplanation> {
  const now = input.now ?? new Date();
  const permission = parsePermission(input.permission).text;
  const bit = permissionBit(permission);
  const steps: AccessStep[] = [];
  const chainIds = new Set(input.node.chain.map((k) => input.node.doc[k]).filter((v): v is string => typeof v === 'string'));
  const [ownerId, bindings] = await Promise.all([store.ownerOf(input.accountId), store.bindingsOf(input.accountId, [input.userId])]);
  const roles = new Map(
    (await store.roles([...new Set(bindings.map((b) => b.roleId).filter((id): id is string => !!id))])).map((r) => [r._id, r]),
  );
  const ownerOnly = OWNER_ONLY.includes(permission);

  if (ownerId === input.userId) {
    steps.push({ kind: 'OWNER', grants: true, description: `${input.userId} owns the account: every permission in it` });
  } else if (ownerOnly) {
    steps.push({
      kind: 'RULE',
      grants: false,
      description: `Rule 8: ${permission} belongs to the account owner alone; no role, override, grant or token carries it`,
    });
  }
  for (const b of bindings) {
    if (!chainIds.has(b.scopeId)) continue;
    const role = b.roleId ? roles.get(b.roleId) : undefined;
    const expired = !!b.expiresAt && new Date(b.expiresAt).getTime() <= now.getTime();
    const until = b.expiresAt ? ` until ${new Date(b.expiresAt).toISOString()}` : '';
    const fromRole = !!role && yields(role.permissions, bit, { wildcard: true });
    const granted = yields(b.grant ?? [], bit, { wildcard: false });
    const revoked = yields(b.revoke ?? [], bit, { wildcard: false });
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
  if (input.token) {
    const t = input.token;
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
  const compiled = await compileFor(store, {
    accountId: input.accountId,
    userId: input.userId,
    ownerId,
    token: input.token ? { scopes: input.token.scopes, workspaceIds: input.token.workspaceIds } : null,
    now: now.getTime(),
  });
  const isAllowed = !!compiled && allowed(compiled, bit, input.node.doc, input.node.chain, false);
  if (!compiled) steps.push({ kind: 'RULE', grants: false, description: `${input.userId} is not a member of this account` });
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
