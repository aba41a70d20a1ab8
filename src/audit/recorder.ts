// Appends audit events. Each event carries the hash of the previous one in its account's chain; the
// unique (accountId, seq) index makes concurrent writers (other requests, other replicas) retry
// instead of forking the chain. Writes are awaited by the caller: an event is never dropped silently.
import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import { AuditEvent, type AuditEventDoc } from './model';
import { diff } from './redact';
import { newId } from '../db/ids';
import { isDuplicateKey } from '../db/errors';

export interface AuditInput {
  accountId: string;
  workspaceId?: string | null;
  action: string;
  target: { type: string; id: string };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  meta?: Record<string, unknown> | null;
}

export interface AuditActor {
  type: 'user' | 'token' | 'system';
  id: string;
  userId?: string | null;
}

export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted at every level: a stored document may come back with its keys in
 * another order (FerretDB and MongoDB move `_id` first), and the hash must not depend on that.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v as Record<string, unknown>).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

export function eventHash(prevHash: string, e: Omit<AuditEventDoc, 'hash' | 'prevHash' | 'createdAt' | 'updatedAt'>): string {
  const canonical = canonicalJson([
    prevHash,
    e._id,
    e.accountId,
    e.workspaceId ?? null,
    e.seq,
    e.at.toISOString(),
    e.actor,
    e.action,
    e.target,
    e.before ?? null,
    e.after ?? null,
    e.meta ?? null,
    e.requestId ?? null,
    e.ip ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

const MAX_ATTEMPTS = 20;

/** Appends events of one account as one consecutive run of the chain. */
async function appendRun(
  accountId: string,
  events: Omit<AuditEventDoc, 'seq' | 'prevHash' | 'hash' | 'createdAt' | 'updatedAt'>[],
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const last = await AuditEvent.findOne({ accountId }).sort({ seq: -1 }).select({ seq: 1, hash: 1 }).lean();
    let seq = last?.seq ?? 0;
    let prev = last?.hash ?? GENESIS_HASH;
    const docs = events.map((e) => {
      seq += 1;
      const withSeq = { ...e, seq };
      const hash = eventHash(prev, withSeq);
      const doc = { ...withSeq, prevHash: prev, hash };
      prev = hash;
      return doc;
    });
    try {
      await AuditEvent.insertMany(docs, { ordered: true });
      return;
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= MAX_ATTEMPTS) throw err;
      // Someone appended first. Remove whatever part of our run made it in, then retry after the new tail.
      await AuditEvent.deleteMany({ _id: { $in: docs.map((d) => d._id) } });
      await new Promise((r) => setTimeout(r, Math.random() * 10 * (attempt + 1)));
    }
  }
}

export class AuditRecorder {
  private readonly batcher: DataLoader<AuditInput, true>;

  constructor(
    private readonly actor: () => AuditActor,
    private readonly requestId: string | null,
    private readonly ip: string | null,
  ) {
    // Events recorded in the same tick (a list of revealed secrets, say) are written together.
    this.batcher = new DataLoader<AuditInput, true>((inputs) => this.flush(inputs), { cache: false });
  }

  /** Records one event; resolves once it is stored. */
  record(input: AuditInput): Promise<true> {
    return this.batcher.load(input);
  }

  /** Records a change of a document: the diff keeps only changed fields, secrets redacted. */
  change(input: Omit<AuditInput, 'before' | 'after'> & { before?: object | null; after?: object | null }): Promise<true> {
    const d = diff(input.before as Record<string, unknown> | null, input.after as Record<string, unknown> | null);
    return this.record({ ...input, before: d.before, after: d.after });
  }

  private async flush(inputs: readonly AuditInput[]): Promise<true[]> {
    const actor = this.actor();
    const at = new Date();
    const byAccount = new Map<string, AuditInput[]>();
    for (const i of inputs) byAccount.set(i.accountId, [...(byAccount.get(i.accountId) ?? []), i]);
    await Promise.all(
      [...byAccount].map(([accountId, list]) =>
        appendRun(
          accountId,
          list.map((i) => ({
            _id: newId(),
            accountId,
            workspaceId: i.workspaceId ?? null,
            at,
            actor,
            action: i.action,
            target: i.target,
            before: i.before ?? null,
            after: i.after ?? null,
            meta: i.meta ?? null,
            requestId: this.requestId,
            ip: this.ip,
          })),
        ),
      ),
    );
    return inputs.map(() => true as const);
  }
}

/** Recomputes an account's chain; returns the seq of the first broken event, or null when intact. */
export async function verifyChain(accountId: string): Promise<number | null> {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for await (const e of AuditEvent.find({ accountId }).sort({ seq: 1 }).lean().cursor()) {
    const { hash, prevHash, createdAt: _c, updatedAt: _u, ...rest } = e as AuditEventDoc;
    if (e.seq !== expectedSeq || prevHash !== prev || eventHash(prev, { ...rest, at: new Date(e.at) }) !== hash) return e.seq;
    prev = hash;
    expectedSeq += 1;
  }
  return null;
}
