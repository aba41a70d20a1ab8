// Helpers shared by the sending services.

/** A document as written to an audit diff: sealed fields and their mask hints dropped (the recorder also redacts them by name). */
export function auditView<T extends object>(doc: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) if (!k.endsWith('Enc') && !k.endsWith('Hint')) out[k] = v;
  return out;
}

/** The entries of `set` whose value differs from `before` (so a no-op update writes and audits nothing). */
export function changedOnly<T extends object>(before: T, set: Partial<T>): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(set) as [keyof T, T[keyof T]][]) {
    if (JSON.stringify(before[k] ?? null) !== JSON.stringify(v ?? null)) out[k] = v;
  }
  return out;
}
