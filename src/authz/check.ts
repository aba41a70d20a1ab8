// The central check (docs/design.md "The check"): a walk up a resource's scope chain with a bit test per node.
// Synchronous and allocation-free: it reads fields of the document and the compiled maps only.
import { hasBit } from './bitset';
import type { CompiledPermissions } from './compile';

/** A field of a document the check reads (a scope-chain id, `createdBy`): any document type will do. */
export function docField(doc: object, name: string): unknown {
  return (doc as Readonly<Record<string, unknown>>)[name];
}

/**
 * Whether `compiled` allows permission `bit` on `doc`, whose scope chain is `chain` (field names,
 * nearest first). `ownApplies`: the permission is about this document itself, so `:own` grants count
 * when the document's `createdBy` is the principal.
 */
export function allowed(compiled: CompiledPermissions, bit: number, doc: object, chain: readonly string[], ownApplies: boolean): boolean {
  const { full, own } = compiled;
  const mine = ownApplies && own.size > 0 && docField(doc, 'createdBy') === compiled.userId;
  for (let i = 0; i < chain.length; i++) {
    const id = docField(doc, chain[i]!);
    if (typeof id !== 'string') continue;
    const f = full.get(id);
    if (f !== undefined && hasBit(f, bit)) return true;
    if (mine) {
      const o = own.get(id);
      if (o !== undefined && hasBit(o, bit)) return true;
    }
  }
  return false;
}

/** Whether the principal holds `bit` on some node at all (for "can they see any of these?"). */
export function heldAnywhere(compiled: CompiledPermissions, bit: number): boolean {
  return hasBit(compiled.anywhere, bit);
}

/** Ids of bound nodes where `bit` is held in full (for filtering lists of scope-node resources). */
export function nodesHolding(compiled: CompiledPermissions, bit: number): string[] {
  const ids: string[] = [];
  for (const [id, bits] of compiled.full) if (hasBit(bits, bit)) ids.push(id);
  return ids;
}

/** Ids of bound nodes where `bit` is held for own resources only. */
export function nodesHoldingOwn(compiled: CompiledPermissions, bit: number): string[] {
  const ids: string[] = [];
  for (const [id, bits] of compiled.own) if (hasBit(bits, bit)) ids.push(id);
  return ids;
}

/** Whether `bit` is held for own resources somewhere on `doc`'s chain (lists then show only the principal's). */
export function ownHeldOn(compiled: CompiledPermissions, bit: number, doc: object, chain: readonly string[]): boolean {
  if (compiled.own.size === 0) return false;
  for (let i = 0; i < chain.length; i++) {
    const id = docField(doc, chain[i]!);
    if (typeof id !== 'string') continue;
    const o = compiled.own.get(id);
    if (o !== undefined && hasBit(o, bit)) return true;
  }
  return false;
}
