// Appends events to an account's hash chain in O(1): no sort, no retry loop in the normal case.
//
// Within a process, each account has one queue: events of every request wait there and are written
// by one writer at a time as one ordered insertMany with consecutive seqs and linked hashes, after a
// chain head held in memory. So within a replica appends never contend. The head is also stored
// (AuditHead, by the account id) and moved forward after each write, for restarts and other
// replicas; a missing head is rebuilt from the last event, found by the unique (accountId, seq) index.
//
// The unique (accountId, seq) index is what keeps the chain from forking, on MongoDB and on the
// embedded store alike (an update-based compare-and-set is not: FerretDB applies updates as read,
// modify, write, and a writer dying between moving the head and inserting would leave a gap). When
// another replica appended first, our first seq collides: we keep whatever part of our run made it
// in, reload the head once (the stored one, or the last event by index) and chain the rest after it.
import { createHash } from 'node:crypto';
import { AuditEvent, AuditHead, type AuditEventDoc } from './model';
import { isDuplicateKey, placeKey } from '../db';

export const GENESIS_HASH = '0'.repeat(64);

/** An event before it has a place in the chain. */
export type UnchainedEvent = Omit<AuditEventDoc, 'seq' | 'prevHash' | 'hash' | 'createdAt' | 'updatedAt'>;

interface Head {
  seq: number;
  hash: string;
}

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

/** Events chained after `head`, in order. */
function chainAfter(head: Head, events: UnchainedEvent[]): AuditEventDoc[] {
  let seq = head.seq;
  let prev = head.hash;
  return events.map((e) => {
    seq += 1;
    const withSeq = { ...e, seq };
    const hash = eventHash(prev, withSeq);
    const doc = { ...withSeq, place: placeKey(e.accountId, seq), prevHash: prev, hash } as AuditEventDoc;
    prev = hash;
    return doc;
  });
}

/** The last stored event of the account (the unique (accountId, seq) index serves the sort). */
async function storedTail(accountId: string): Promise<Head> {
  const last = await AuditEvent.findOne({ accountId }).sort({ seq: -1 }).select({ seq: 1, hash: 1 }).lean();
  return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
}

/** The stored head; created from the tail when missing (accounts whose chain predates heads). */
async function loadHead(accountId: string): Promise<Head> {
  const head = await AuditHead.findById(accountId).lean();
  if (head) return { seq: head.seq, hash: head.hash };
  const tail = await storedTail(accountId);
  try {
    await AuditHead.create({ _id: accountId, accountId, ...tail });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err; // another writer made it meanwhile: fine, it only ever lags
  }
  return tail;
}

/** Replicas appending to the same account at the same moment: how many collisions one write tolerates. */
const MAX_COLLISIONS = 8;

class AccountChain {
  private head: Head | null = null;
  private pending: { events: UnchainedEvent[]; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private running = false;

  constructor(readonly accountId: string) {}

  get idle(): boolean {
    return !this.running && this.pending.length === 0;
  }

  append(events: UnchainedEvent[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ events, resolve, reject });
      if (!this.running) {
        this.running = true;
        // A microtask later: events recorded in the same tick join the first write.
        queueMicrotask(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0, this.pending.length);
      try {
        await this.write(batch.flatMap((p) => p.events));
        for (const p of batch) p.resolve();
      } catch (err) {
        this.head = null; // reload from the database next time
        for (const p of batch) p.reject(err);
      }
    }
    this.running = false;
  }

  /**
   * After a collision at `stale.seq + 1`: the stored head when another writer moved it past ours (it
   * moves it right after writing), else the last stored event. `err` is rethrown when the chain did
   * not move at all: the collision was on another unique key, retrying cannot help.
   */
  private async reload(stale: Head, partlyOurs: boolean, err: unknown): Promise<Head> {
    if (!partlyOurs) {
      const stored = await AuditHead.findById(this.accountId).lean();
      if (stored && stored.seq > stale.seq) return { seq: stored.seq, hash: stored.hash };
    }
    const tail = await storedTail(this.accountId);
    if (!partlyOurs && tail.seq === stale.seq) throw err;
    return tail;
  }

  private async write(events: UnchainedEvent[], retries = 0): Promise<void> {
    let head = this.head ?? (await loadHead(this.accountId));
    let rest = events;
    for (let collisions = 0; ; collisions++) {
      const docs = chainAfter(head, rest);
      try {
        await AuditEvent.insertMany(docs, { ordered: true, lean: true });
        head = { seq: docs[docs.length - 1]!.seq, hash: docs[docs.length - 1]!.hash };
        break;
      } catch (err) {
        if (!isDuplicateKey(err) || collisions >= MAX_COLLISIONS) throw err;
        // Another replica appended first. Ours that made it in (an ordered insert stops at the
        // first collision) stay: they are a valid run of the chain. The rest go after the new head.
        const stored = new Set(
          (
            await AuditEvent.find({ _id: { $in: docs.map((d) => d._id) } })
              .select({ _id: 1 })
              .lean()
          ).map((d) => d._id),
        );
        rest = rest.filter((e) => !stored.has(e._id));
        head = await this.reload(head, stored.size > 0, err);
        if (rest.length === 0) break;
      }
    }
    // Forward only: a slower writer never moves it back.
    const moved = await AuditHead.updateOne({ _id: this.accountId, seq: { $lt: head.seq } }, { $set: { seq: head.seq, hash: head.hash } });
    if (moved.matchedCount === 0 && (await this.forked(head))) {
      // Our cached head was stale and the seqs after it had been purged by retention (src/audit/retention.ts),
      // so nothing collided: our events sit before the chain's head, a fork. Take them back and append
      // them after the stored head.
      await AuditEvent.deleteMany({ _id: { $in: events.map((e) => e._id) } });
      this.head = null;
      if (retries >= MAX_COLLISIONS) throw new Error(`The audit chain of ${this.accountId} kept moving under its writer`);
      return this.write(events, retries + 1);
    }
    this.head = head;
  }

  /**
   * The stored head did not move: either a writer already moved it past ours (it appended right after
   * us, so the event after our last one links to it), or we wrote where retention had deleted events.
   */
  private async forked(head: Head): Promise<boolean> {
    const next = await AuditEvent.findOne({ place: placeKey(this.accountId, head.seq + 1) })
      .select({ prevHash: 1 })
      .lean();
    return next?.prevHash !== head.hash;
  }
}

/** Accounts whose head stays cached when idle; beyond that, idle ones are forgotten oldest first. */
const MAX_IDLE_CHAINS = 10_000;

/** The appender of one process (a replica): one queue and cached head per account. */
export class ChainWriter {
  private readonly chains = new Map<string, AccountChain>();

  /** Appends `events` (all of `accountId`) as one consecutive run; resolves once they are stored. */
  append(accountId: string, events: UnchainedEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    let chain = this.chains.get(accountId);
    if (!chain) {
      for (const [id, c] of this.chains) {
        if (this.chains.size < MAX_IDLE_CHAINS) break;
        if (c.idle) this.chains.delete(id);
      }
      chain = new AccountChain(accountId);
      this.chains.set(accountId, chain);
    }
    return chain.append(events);
  }

  /** Forgets every cached head (the next append reads the stored head). */
  forgetHeads(): void {
    for (const [id, c] of this.chains) if (c.idle) this.chains.delete(id);
  }
}

/** This process's writer, used by every AuditRecorder. */
export const chainWriter = new ChainWriter();

/** Recomputes an account's chain; returns the seq of the first broken event, or null when intact. */
export async function verifyChain(accountId: string): Promise<number | null> {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  // After a retention purge the chain starts later: at the event after the purged ones, whose
  // predecessor the purge recorded (src/audit/retention.ts).
  const first = await AuditEvent.findOne({ accountId }).sort({ seq: 1 }).select({ seq: 1, prevHash: 1 }).lean();
  if (first && first.seq > 1) {
    const purge = await AuditEvent.findOne({ accountId, action: 'audit.purged', 'meta.throughSeq': first.seq - 1 }).lean();
    if (!purge || (purge.meta as { lastHash?: string } | null)?.lastHash !== first.prevHash) return first.seq;
    prev = first.prevHash;
    expectedSeq = first.seq;
  }
  for await (const e of AuditEvent.find({ accountId }).sort({ seq: 1 }).lean().cursor()) {
    const { hash, prevHash, createdAt: _c, updatedAt: _u, place: _p, ...rest } = e as AuditEventDoc;
    if (e.seq !== expectedSeq || prevHash !== prev || eventHash(prev, { ...rest, at: new Date(e.at) }) !== hash) return e.seq;
    prev = hash;
    expectedSeq += 1;
  }
  return null;
}
