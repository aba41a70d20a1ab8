// How a connection is narrowed when the viewer does not hold its permission on the parent itself
// (docs/design.md "Where the checks live": a Project Viewer sees their projects, not all of them).
import type { CompiledPermissions } from './compile';
import { heldAnywhere, nodesHolding, nodesHoldingOwn, ownHeldOn } from './check';
import { accessStore } from './store';
import { RESOURCE_TYPES } from './resources';
import type { Context } from '../graphql/context';

export type VisibilityStrategy = (input: {
  compiled: CompiledPermissions;
  bit: number;
  parent: Record<string, unknown>;
  parentChain: readonly string[];
  itemType: string;
  ctx: Context;
}) => Promise<Record<string, unknown> | null> | Record<string, unknown> | null;

/**
 * Default: items that are scope nodes are visible where a binding on them grants the permission;
 * with `:own` on the parent's chain, the principal's own items are. Null: nothing visible.
 */
export const defaultVisibility: VisibilityStrategy = ({ compiled, bit, parent, parentChain, itemType }) => {
  const ors: Record<string, unknown>[] = [];
  const item = RESOURCE_TYPES[itemType];
  if (item?.scopeType) {
    const ids = nodesHolding(compiled, bit);
    if (ids.length) ors.push({ _id: { $in: ids } });
    const ownIds = nodesHoldingOwn(compiled, bit);
    if (ownIds.length) ors.push({ _id: { $in: ownIds }, createdBy: compiled.userId });
  }
  if (ownHeldOn(compiled, bit, parent, parentChain)) ors.push({ createdBy: compiled.userId });
  if (ors.length === 0) return null;
  return ors.length === 1 ? ors[0]! : { $or: ors };
};

/** Item types whose visibility follows other rules (members: those bound where the viewer may see members). */
export const VISIBILITY_STRATEGIES: Record<string, VisibilityStrategy> = {};

export function registerVisibility(itemType: string, strategy: VisibilityStrategy): void {
  VISIBILITY_STRATEGIES[itemType] = strategy;
}

// ---------------------------------------------------------------------------------------------
// Access management (docs/design.md "Where the checks live": an Inbox admin sees only that inbox's members).

/** Bindings and invitations whose scope lies at or below one of `nodes`. */
function inSubtree(nodes: string[]): Record<string, unknown> {
  return {
    $or: [
      { scopeId: { $in: nodes } },
      { workspaceId: { $in: nodes } },
      { domainId: { $in: nodes } },
      { projectId: { $in: nodes } },
      { inboxId: { $in: nodes } },
    ],
  };
}

/** Members: those with a (current) binding at or below a node where the viewer holds the permission. */
registerVisibility('Member', async ({ compiled, bit, parent }) => {
  const nodes = nodesHolding(compiled, bit);
  if (!nodes.length) return null;
  return { userId: { $in: await accessStore.usersBoundBelow(String(parent._id), nodes, new Date()) } };
});

/** Invitations: those to a node at or below where the viewer holds the permission. */
registerVisibility('Invitation', ({ compiled, bit }) => {
  const nodes = nodesHolding(compiled, bit);
  return nodes.length ? inSubtree(nodes) : null;
});

/** Roles are account-wide definitions: whoever may view roles somewhere (to assign them there) sees them all. */
registerVisibility('Role', ({ compiled, bit, parent }) => (heldAnywhere(compiled, bit) ? { accountId: parent._id } : null));
