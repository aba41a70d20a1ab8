// Audit streaming: each account's audit sinks receive every audit event, in chain order (seq), as a
// signed HTTPS POST. Delivery runs in a background loop on every replica, never in the request that
// wrote the event; a sink is delivered by one replica at a time (a lease per sink and time slot, a
// unique insert), from the seq after the last one its receiver acknowledged, so a restart on either
// side resumes where it stopped. Failures are retried with exponential backoff (at-least-once: a
// receiver dedupes by `X-Postern-Event-Seq`).
//
// Each request: `POST <url>`, body = the event as JSON (secrets already redacted by the recorder),
// headers `X-Postern-Event-Seq`, `X-Postern-Timestamp` (unix seconds) and
// `X-Postern-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Context } from '../graphql';
import { secretBox, randomSecret } from '../crypto';
import { newId, isDuplicateKey } from '../db';
import { BadInputError, NotFoundError } from '../errors';
import { assertPublicUrl, egressFetch, egressRefusal, isLoopbackHostname, type EgressPolicy } from '../http';
import { AuditEvent, exportedEvent, type AuditEventDoc } from './model';
import { AuditRetention } from './retention-window';
import { AuditSink, AuditSinkLease, type AuditSinkDoc } from './sink-model';

export const SINK_LEASE_MS = 30_000;
const BATCH = 50;
const TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 10 * 60_000;
const MAX_SINKS_PER_ACCOUNT = 5;

const settings = { intervalMs: 1_000, retryBaseMs: 1_000, allowLoopbackHttp: false };
/** From the configuration (POSTERN_AUDIT_SINK_*), at start-up. */
export function configureAuditSinks(c: typeof settings): void {
  Object.assign(settings, c);
}

/** https:// only; http:// to a loopback address when POSTERN_AUDIT_SINK_ALLOW_HTTP_LOOPBACK (development). */
export function cleanSinkUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(String(raw).trim());
  } catch {
    throw new BadInputError('url must be an absolute https:// URL', 'url');
  }
  if (String(raw).length > 2000) throw new BadInputError('url must be at most 2000 characters', 'url');
  if (url.username || url.password) throw new BadInputError('url must not carry credentials: deliveries are signed instead', 'url');
  const loopbackHttp = url.protocol === 'http:' && settings.allowLoopbackHttp && isLoopbackHostname(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) {
    throw new BadInputError(
      'url must use https:// (http:// only to a loopback address, with POSTERN_AUDIT_SINK_ALLOW_HTTP_LOOPBACK in development)',
      'url',
    );
  }
  return url.toString();
}

/** Deliveries connect to public addresses only (src/http/egress.ts); loopback with the development setting. */
function sinkEgressPolicy(): EgressPolicy {
  return { allowLoopback: settings.allowLoopbackHttp };
}

export function signDelivery(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export async function createAuditSink(
  ctx: Context,
  input: { accountId: string; url: string; fromSeq?: number | null },
): Promise<AuditSinkDoc> {
  const url = cleanSinkUrl(input.url);
  await assertPublicUrl(url, sinkEgressPolicy()).catch((err: Error) => {
    throw new BadInputError(`url is not on the public internet: ${err.message}`, 'url');
  });
  if (input.fromSeq !== undefined && input.fromSeq !== null && (!Number.isInteger(input.fromSeq) || input.fromSeq < 1)) {
    throw new BadInputError('fromSeq must be a whole number from 1', 'fromSeq');
  }
  if ((await AuditSink.countDocuments({ accountId: input.accountId })) >= MAX_SINKS_PER_ACCOUNT) {
    throw new BadInputError(`An account has at most ${MAX_SINKS_PER_ACCOUNT} audit sinks`, 'accountId');
  }
  const secret = randomSecret(32);
  const sink = (
    await AuditSink.create({
      accountId: input.accountId,
      createdBy: ctx.actorId,
      url,
      secretEnc: secretBox().seal(secret),
      lastAckedSeq: (input.fromSeq ?? 1) - 1,
    })
  ).toObject<AuditSinkDoc>();
  await ctx.audit.change({
    accountId: input.accountId,
    action: 'auditSink.created',
    target: { type: 'AuditSink', id: sink._id },
    after: { url, fromSeq: sink.lastAckedSeq + 1 },
  });
  return sink;
}

export async function deleteAuditSink(ctx: Context, input: { accountId: string; sinkId: string }): Promise<boolean> {
  const sink = await AuditSink.findOne({ _id: input.sinkId, accountId: input.accountId }).lean<AuditSinkDoc>();
  if (!sink) throw new NotFoundError('audit sink', input.sinkId);
  await AuditSink.deleteOne({ _id: sink._id });
  await AuditSinkLease.deleteMany({ accountId: input.accountId, _id: { $regex: `^${sink._id}:` } });
  await ctx.audit.change({
    accountId: input.accountId,
    action: 'auditSink.deleted',
    target: { type: 'AuditSink', id: sink._id },
    before: { url: sink.url, lastAckedSeq: sink.lastAckedSeq },
  });
  return true;
}

export const sinkSecret = (s: AuditSinkDoc): string => secretBox().open(s.secretEnc);

// ---------------------------------------------------------------------------------------------
// Delivery

const RUNNER = newId();

/** True when this replica delivers the sink in the current slot (it inserted the slot's lease, now or earlier). */
async function holdLease(sink: AuditSinkDoc, slot: number): Promise<boolean> {
  const _id = `${sink._id}:${slot}`;
  try {
    await AuditSinkLease.create({ _id, accountId: sink.accountId, owner: RUNNER });
    await AuditSinkLease.deleteOne({ _id: `${sink._id}:${slot - 1}` });
    return true;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return (await AuditSinkLease.findById(_id).select({ owner: 1 }).lean())?.owner === RUNNER;
  }
}

function backoff(attempts: number): number {
  return Math.min(settings.retryBaseMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

/** The events after the last acknowledged one, consecutive from it (equality look-ups on the unique (accountId, seq) key). */
async function nextEvents(sink: AuditSinkDoc): Promise<AuditEventDoc[]> {
  let from = sink.lastAckedSeq + 1;
  const retention = await AuditRetention.findById(sink.accountId).select({ keptFromSeq: 1 }).lean();
  if (retention?.keptFromSeq && retention.keptFromSeq > from) from = retention.keptFromSeq; // purged before delivery
  const seqs = Array.from({ length: BATCH }, (_, i) => from + i);
  const found = await AuditEvent.find({ accountId: sink.accountId, seq: { $in: seqs } }).lean<AuditEventDoc[]>();
  const bySeq = new Map(found.map((e) => [e.seq, e]));
  const out: AuditEventDoc[] = [];
  for (const seq of seqs) {
    const e = bySeq.get(seq);
    if (!e) break;
    out.push(e);
  }
  return out;
}

function payload(e: AuditEventDoc): string {
  return JSON.stringify({ ...exportedEvent(e), accountId: e.accountId });
}

/**
 * Delivers one sink's pending events in order until one fails; returns how many were acknowledged. When
 * the lease slot turns, the next slot is claimed before going on (or another replica has it: stop). A
 * request in flight across the turn may be repeated by the next holder: delivery is at least once.
 */
async function deliverSink(sink: AuditSinkDoc, startSlot: number, log?: Logger): Promise<number> {
  const events = await nextEvents(sink);
  if (!events.length) return 0;
  const secret = sinkSecret(sink);
  let acked = sink.lastAckedSeq;
  let delivered = 0;
  let slot = startSlot;
  for (const e of events) {
    const current = Math.floor(Date.now() / SINK_LEASE_MS);
    if (current !== slot) {
      if (!(await holdLease(sink, current))) break;
      slot = current;
    }
    const body = payload(e);
    const timestamp = Math.floor(Date.now() / 1000);
    let failure: string | null = null;
    try {
      const res = await egressFetch(sinkEgressPolicy())(sink.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Postern-Audit-Sink/1',
          'x-postern-event-seq': String(e.seq),
          'x-postern-timestamp': String(timestamp),
          'x-postern-signature': signDelivery(secret, timestamp, body),
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) failure = `HTTP ${res.status}`;
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      failure = egressRefusal(err)?.message ?? cause?.code ?? cause?.message ?? (err as Error).name;
    }
    if (failure) {
      const attempts = sink.attempts + 1;
      await AuditSink.updateOne(
        { _id: sink._id },
        { $set: { lastError: `seq ${e.seq}: ${failure}`, attempts, nextAttemptAt: new Date(Date.now() + backoff(attempts)) } },
      );
      log?.warn({ sinkId: sink._id, accountId: sink.accountId, seq: e.seq, failure, attempts }, 'audit sink delivery failed: will retry');
      return delivered;
    }
    // Only forward, and only from where this run started: an overlapping runner never moves it back.
    const r = await AuditSink.updateOne(
      { _id: sink._id, lastAckedSeq: acked },
      { $set: { lastAckedSeq: e.seq, lastDeliveredAt: new Date(), lastError: null, attempts: 0, nextAttemptAt: null } },
    );
    if (!r.modifiedCount) return delivered;
    sink.attempts = 0;
    acked = e.seq;
    delivered++;
  }
  return delivered;
}

/** One pass over every active sink (every replica runs it; the leases keep one deliverer per sink). */
export async function deliverAuditSinks(log?: Logger, now = Date.now()): Promise<number> {
  const slot = Math.floor(now / SINK_LEASE_MS);
  let total = 0;
  for (const sink of await AuditSink.find({ active: true }).lean<AuditSinkDoc[]>()) {
    if (sink.nextAttemptAt && sink.nextAttemptAt.getTime() > now) continue;
    try {
      if (!(await holdLease(sink, slot))) continue;
      total += await deliverSink(sink, slot, log);
    } catch (err) {
      log?.error({ err, sinkId: sink._id }, 'audit sink delivery pass failed');
    }
  }
  return total;
}

export interface SinkDelivery {
  stop(): Promise<void>;
  /** One pass now (tests and operators); resolves when it is done. */
  tick(): Promise<number>;
}

/** The background loop of one replica: a pass every POSTERN_AUDIT_SINK_INTERVAL_MS (0: none), never overlapping itself. */
export function startSinkDelivery(log: Logger): SinkDelivery {
  let running: Promise<number> | null = null;
  let stopped = false;
  const tick = (): Promise<number> => {
    if (!running) {
      running = deliverAuditSinks(log)
        .catch((err: unknown) => {
          log.error({ err }, 'audit sink delivery failed');
          return 0;
        })
        .finally(() => {
          running = null;
        });
    }
    return running;
  };
  const timer = settings.intervalMs > 0 ? setInterval(() => void (stopped || tick()), settings.intervalMs) : null;
  timer?.unref();
  return {
    tick,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
