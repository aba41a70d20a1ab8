// Navigation for node-bound roles: what a principal may open, found from its compiled bindings.
// A Project Viewer holds no workspaces:view, so it cannot walk account › workspace › project; this
// lists the nodes of one type where the type's :view permission is held (or :own, on nodes the
// principal created), by querying the scope ids of the bindings — never a scan of the account.
import mongoose, { type QueryFilter } from 'mongoose';
import {
  permissionBit,
  nodesHolding,
  nodesHoldingOwn,
  RESOURCE_TYPES,
  SCOPE_MODEL,
  type ScopeType,
  type CompiledPermissions,
} from '../../authz';
import { emptyConnection, paginate, type Connection, type ConnectionArgs, type Context } from '../../graphql';
import { Member } from '../accounts/account.model';

export type ReachableType = Exclude<ScopeType, 'ACCOUNT'>;

const VIEW: Record<ReachableType, string> = {
  WORKSPACE: 'workspaces:view',
  DOMAIN: 'domains:view',
  PROJECT: 'projects:view',
  INBOX: 'inboxes:view',
  SENDING_SERVER: 'sendingServers:view',
  CAMPAIGN: 'campaigns:view',
  LIST: 'lists:view',
  TEMPLATE: 'templates:view',
};

type NodeDoc = { _id: string; accountId: string; name: string; createdBy?: string } & Record<string, unknown>;

export interface ReachableItem {
  _id: string;
  type: ReachableType;
  doc: NodeDoc;
}

/** Accounts the principal acts in: a token's one account, or every membership of a user. */
async function accountsOf(ctx: Context, only: string | null | undefined): Promise<string[]> {
  const p = ctx.principal!;
  if (p.kind === 'token') return !only || only === p.accountId ? [p.accountId] : [];
  const filter = only ? { userId: p.userId, accountId: only } : { userId: p.userId };
  return (await Member.find(filter).select({ accountId: 1 }).lean()).map((m) => m.accountId);
}

/**
 * Documents with scope chain `chain` where `bit` is held, for the given compiled permissions: those
 * under a node holding it in full, or under a node holding it `:own` and created by the principal.
 * Null when there are none. Each clause is one index lookup on a chain field.
 */
export function heldFilter(
  compiled: readonly CompiledPermissions[],
  bit: number,
  chain: readonly string[],
): Record<string, unknown> | null {
  const ors: Record<string, unknown>[] = [];
  for (const c of compiled) {
    const full = nodesHolding(c, bit);
    const own = nodesHoldingOwn(c, bit);
    if (full.length) for (const f of chain) ors.push({ [f]: { $in: full } });
    if (own.length) for (const f of chain) ors.push({ [f]: { $in: own }, createdBy: c.userId });
  }
  if (!ors.length) return null;
  return ors.length === 1 ? ors[0]! : { $or: ors };
}

/** The principal's compiled permissions in each account it acts in (or only `accountId`). */
export async function compiledAccounts(ctx: Context, accountId?: string | null): Promise<CompiledPermissions[]> {
  const out: CompiledPermissions[] = [];
  for (const id of await accountsOf(ctx, accountId)) {
    const c = await ctx.authz.loadReachable(id);
    if (c) out.push(c);
  }
  return out;
}

/** The filter of nodes of `type` the principal may view; null when none. */
export async function reachableFilter(
  ctx: Context,
  type: ReachableType,
  accountId?: string | null,
): Promise<Record<string, unknown> | null> {
  return heldFilter(await compiledAccounts(ctx, accountId), permissionBit(VIEW[type]), RESOURCE_TYPES[SCOPE_MODEL[type]]!.chain);
}

export async function reachable(
  ctx: Context,
  type: ReachableType,
  accountId: string | null | undefined,
  args: ConnectionArgs,
): Promise<Connection<ReachableItem>> {
  const filter = await reachableFilter(ctx, type, accountId);
  const Model = mongoose.model<NodeDoc>(SCOPE_MODEL[type]);
  const page = filter ? await paginate(Model, filter as QueryFilter<NodeDoc>, args) : emptyConnection<NodeDoc>();
  for (const e of page.edges) ctx.loaders.prime(SCOPE_MODEL[type], e.node);
  return {
    edges: page.edges.map((e) => ({ cursor: e.cursor, node: { _id: e.node._id, type, doc: e.node } })),
    pageInfo: page.pageInfo,
    totalCount: page.totalCount,
  };
}

/** Ancestor fields of a scope node, outermost first, with their scope type. */
const PATH_FIELDS: readonly [string, ScopeType][] = [
  ['accountId', 'ACCOUNT'],
  ['workspaceId', 'WORKSPACE'],
  ['domainId', 'DOMAIN'],
  ['projectId', 'PROJECT'],
];

export interface PathStep {
  type: ScopeType;
  id: string;
  name: string;
}

/** account › workspace › (project) › node, names read through the request's loaders (batched). */
export async function pathOf(ctx: Context, item: ReachableItem): Promise<PathStep[]> {
  const steps: { type: ScopeType; id: string }[] = [];
  for (const [field, type] of PATH_FIELDS) {
    const id = item.doc[field];
    if (typeof id === 'string') steps.push({ type, id });
  }
  const docs = await Promise.all(steps.map((s) => ctx.loaders.load<NodeDoc>(SCOPE_MODEL[s.type], s.id)));
  const path = steps.map((s, i) => ({ ...s, name: docs[i]?.name ?? '' }));
  path.push({ type: item.type, id: item._id, name: item.doc.name });
  return path;
}
