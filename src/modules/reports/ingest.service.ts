// Event ingestion: what a sending provider posts back about mail Postern sent. Each event names the
// email log it is about (Postern's id, carried by the provider as a custom variable) and the
// provider's event id; re-posting an event changes nothing (unique key, not a read-then-write).
// Events also move their email log's status forward (never back: STATUS_RANK in email-log.model.ts,
// one conditional update per log), and a bounce (providers post permanent failures only) or a
// complaint suppresses the recipient on the sending domain (the suppression's unique key makes it once).
import { newId, isDuplicateKey } from '../../db';
import { BadInputError } from '../../errors';
import { EmailLog, statusesBelow, STATUS_RANK, utcDay, type EmailStatus } from '../sending/email-log.model';
import { suppressFromEvents, type EventLog } from './suppress.service';
import { DELIVERY_EVENT_TYPES, DeliveryEvent, type DeliveryEventDoc, type DeliveryEventType } from './event.model';

export const MAX_EVENTS_PER_POST = 1000;
const EVENT_ID_MAX = 200;

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: { index: number; field: string; message: string }[];
}

interface Parsed {
  index: number;
  eventId: string;
  type: DeliveryEventType;
  emailLogId: string;
  at: Date;
}

function parseEvent(raw: unknown, index: number, now: Date): Parsed | { index: number; field: string; message: string } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { index, field: 'events', message: 'each event must be an object' };
  const e = raw as Record<string, unknown>;
  if (typeof e.id !== 'string' || e.id.length === 0 || e.id.length > EVENT_ID_MAX)
    return { index, field: 'id', message: `id must be a string of 1–${EVENT_ID_MAX} characters` };
  const type = typeof e.type === 'string' ? e.type.toUpperCase() : '';
  if (!(DELIVERY_EVENT_TYPES as readonly string[]).includes(type))
    return { index, field: 'type', message: `type must be one of ${DELIVERY_EVENT_TYPES.join(', ')}` };
  if (typeof e.emailLogId !== 'string' || e.emailLogId.length > 100)
    return { index, field: 'emailLogId', message: 'emailLogId is required' };
  const at =
    e.timestamp === undefined ? now : typeof e.timestamp === 'number' ? new Date(e.timestamp * 1000) : new Date(String(e.timestamp));
  if (Number.isNaN(at.getTime()) || at.getTime() > now.getTime() + 5 * 60_000 || at.getFullYear() < 2000)
    return { index, field: 'timestamp', message: 'timestamp must be an ISO 8601 date-time or epoch seconds, not in the future' };
  return { index, eventId: e.id, type: type as DeliveryEventType, emailLogId: e.emailLogId, at };
}

/** The status an event moves its log to. */
const EVENT_STATUS: Record<DeliveryEventType, EmailStatus> = {
  DELIVERED: 'DELIVERED',
  OPENED: 'OPENED',
  CLICKED: 'CLICKED',
  UNSUBSCRIBED: 'UNSUBSCRIBED',
  COMPLAINED: 'COMPLAINED',
  BOUNCED: 'BOUNCED',
};

/** Each log moves to the furthest status its events reach, only if it is not further already. */
async function advanceStatuses(accountId: string, events: readonly Pick<DeliveryEventDoc, 'emailLogId' | 'type'>[]): Promise<void> {
  const furthest = new Map<string, EmailStatus>();
  for (const e of events) {
    const status = EVENT_STATUS[e.type];
    const current = furthest.get(e.emailLogId);
    if (!current || STATUS_RANK[status] > STATUS_RANK[current]) furthest.set(e.emailLogId, status);
  }
  if (!furthest.size) return;
  await EmailLog.bulkWrite(
    [...furthest].map(([_id, status]) => ({
      updateOne: { filter: { _id, accountId, status: { $in: statusesBelow(status) } }, update: { $set: { status } } },
    })),
    { ordered: false },
  );
}

/** Records a provider's post of events for one account (already authenticated). */
export async function ingestEvents(accountId: string, body: unknown, now = new Date()): Promise<IngestResult> {
  const events = (body as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) throw new BadInputError('The body must be {"events": [...]}', 'events');
  if (events.length > MAX_EVENTS_PER_POST) throw new BadInputError(`At most ${MAX_EVENTS_PER_POST} events per post`, 'events');
  const rejected: IngestResult['rejected'] = [];
  const parsed: Parsed[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  events.forEach((raw, i) => {
    const p = parseEvent(raw, i, now);
    if ('message' in p) rejected.push(p);
    else if (seen.has(p.eventId)) duplicates++;
    else {
      seen.add(p.eventId);
      parsed.push(p);
    }
  });

  // The logs the events are about: of this account only (another account's id reads as unknown).
  const logIds = [...new Set(parsed.map((p) => p.emailLogId))];
  const logs = logIds.length
    ? await EmailLog.find({ _id: { $in: logIds }, accountId })
        .select({ workspaceId: 1, domainId: 1, campaignId: 1, from: 1, to: 1 })
        .lean<EventLog[]>()
    : [];
  const byId = new Map(logs.map((l) => [l._id, l]));
  const batchId = newId();
  const docs: Omit<DeliveryEventDoc, 'createdAt' | 'updatedAt'>[] = [];
  for (const p of parsed) {
    const log = byId.get(p.emailLogId);
    if (!log) {
      rejected.push({ index: p.index, field: 'emailLogId', message: `No email log ${JSON.stringify(p.emailLogId)} in this account` });
      continue;
    }
    docs.push({
      _id: newId(),
      accountId,
      workspaceId: log.workspaceId,
      domainId: log.domainId,
      campaignId: log.campaignId,
      emailLogId: log._id,
      eventId: p.eventId,
      type: p.type,
      at: p.at,
      day: utcDay(p.at),
      batchId,
    });
  }
  if (docs.length) {
    try {
      await DeliveryEvent.insertMany(docs, { ordered: false });
    } catch (err) {
      // Duplicates of events recorded before fail on the unique key; anything else is a real failure.
      if (!isDuplicateKey(err)) throw err;
    }
  }
  // Which of this post's events were written by it: the others were already there.
  const accepted = docs.length ? await DeliveryEvent.countDocuments({ accountId, batchId }) : 0;
  // Applied for every known event, re-posted ones too: both steps are idempotent, so a post that
  // failed halfway is completed by posting it again.
  await advanceStatuses(accountId, docs);
  await suppressFromEvents(accountId, docs, byId);
  rejected.sort((a, b) => a.index - b.index);
  return { accepted, duplicates: duplicates + docs.length - accepted, rejected };
}
