// How a connection is narrowed when the viewer does not hold its permission on the parent itself
// (DESIGN.md §5: a Project Viewer sees their projects, not all of them).
import type { CompiledPermissions } from './compile';
import { nodesHolding, nodesHoldingOwn, ownHeldOn } from './check';
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
