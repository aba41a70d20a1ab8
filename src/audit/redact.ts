// Secrets never reach an audit diff, a log line or an error: these keys are replaced wherever they occur.

export const SECRET_KEYS = new Set([
  'password',
  'passwordHash',
  'passwordEnc',
  'secret',
  'secretEnc',
  'secretHint',
  'token',
  'tokenHash',
  'number',
  'cardNumber',
  'cvc',
  'html',
  'text',
]);

export const REDACTED = '[REDACTED]';

/** A plain copy of `value` with secret keys replaced and `.`/`$` keys avoided; depth-bounded. */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => (Array.isArray(v) ? String(v) : redact(v, depth + 1)));
  if (typeof value === 'object') {
    if (depth > 4) return '[…]';
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const key = k.replace(/^\$/, '_').replace(/\./g, '_');
      out[key] = SECRET_KEYS.has(k) ? REDACTED : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

/** The fields that changed between two documents, each side redacted. */
export function diff(
  before: Record<string, unknown> | null | undefined,
  after: Record<string, unknown> | null | undefined,
): { before: Record<string, unknown> | null; after: Record<string, unknown> | null } {
  if (!before || !after) {
    return {
      before: before ? (redact(stripMeta(before)) as Record<string, unknown>) : null,
      after: after ? (redact(stripMeta(after)) as Record<string, unknown>) : null,
    };
  }
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (key === 'updatedAt') continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key];
      a[key] = after[key];
    }
  }
  return { before: redact(b) as Record<string, unknown>, after: redact(a) as Record<string, unknown> };
}

function stripMeta(doc: Record<string, unknown>): Record<string, unknown> {
  const { updatedAt: _u, ...rest } = doc;
  return rest;
}
