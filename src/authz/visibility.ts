// Which items of a list a viewer sees when they do not hold its permission on the parent itself
// (docs/design.md "Where the checks live": a Project Viewer sees their projects, not all of them).
// A strategy answers in ids — "items whose `field` is one of these", optionally "and made by the
// viewer" — never in a query language: the GraphQL edge's connection layer turns the answer into a
// database filter (src/graphql/connection.ts: visibilityFilter).
import type { CompiledPermissions } from './compile';
import { heldAnywhere, nodesHolding, nodesHoldingOwn, ownHeldOn } from './check';
import { RESOURCE_TYPES } from './resources';
import type { AccessStore } from './store/types';

/** One way an item is visible: every `field` of `in` is one of its ids, and (when set) the item was made by `createdBy`. */
export interface VisibleClause {
  in: Readonly<Record<string, readonly string[]>>;
  createdBy?: string;
}

/** The items visible: those matching any clause (never empty: nothing visible is null). */
export type Visible = readonly VisibleClause[];

export type VisibilityStrategy = (input: {
  compiled: CompiledPermissions;
  bit: number;
  parent: { _id: string } & Record<string, unknown>;
  parentChain: readonly string[];
  itemType: string;
  store: AccessStore;
}) => Promise<Visible | null> | Visible | null;

/**
 * Default: items that are scope nodes are visible where a binding on them grants the permission;
 * with `:own` on the parent's chain, the principal's own items are. Null: nothing visible.
 */
export const defaultVisibility: VisibilityStrategy = ({ compiled, bit, parent, parentChain, itemType }) => {
  const any: VisibleClause[] = [];
  if (RESOURCE_TYPES[itemType]?.scopeType) {
    const ids = nodesHolding(compiled, bit);
    if (ids.length) any.push({ in: { _id: ids } });
    const ownIds = nodesHoldingOwn(compiled, bit);
    if (ownIds.length) any.push({ in: { _id: ownIds }, createdBy: compiled.userId });
  }
  if (ownHeldOn(compiled, bit, parent, parentChain)) any.push({ in: {}, createdBy: compiled.userId });
  return any.length ? any : null;
};

/** The fields a placed document (binding, invitation, access request) stores its scope node's and ancestors' ids in. */
export const PLACEMENT_FIELDS = ['scopeId', 'workspaceId', 'domainId', 'projectId', 'inboxId'] as const;

/** Placed documents whose scope lies at or below one of `nodes`. */
export function inSubtree(nodes: readonly string[]): Visible {
  return PLACEMENT_FIELDS.map((field) => ({ in: { [field]: nodes } }));
}

/**
 * The access data's own lists (docs/design.md "Where the checks live": an Inbox admin sees only that
 * inbox's members). Modules add theirs for their list types in the composition root.
 */
export const ACCESS_VISIBILITY: Readonly<Record<string, VisibilityStrategy>> = {
  /** Members: those with a (current) binding at or below a node where the viewer holds the permission. */
  Member: async ({ compiled, bit, parent, store }) => {
    const nodes = nodesHolding(compiled, bit);
    if (!nodes.length) return null;
    return [{ in: { userId: await store.usersBoundBelow(parent._id, nodes, new Date()) } }];
  },
  /** Invitations: those to a node at or below where the viewer holds the permission. */
  Invitation: ({ compiled, bit }) => {
    const nodes = nodesHolding(compiled, bit);
    return nodes.length ? inSubtree(nodes) : null;
  },
  /** Roles are account-wide definitions: whoever may view roles somewhere (to assign them there) sees them all. */
  Role: ({ compiled, bit, parent }) => (heldAnywhere(compiled, bit) ? [{ in: { accountId: [parent._id] } }] : null),
};
