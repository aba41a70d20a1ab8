// Reports (Mailtrap MT7/MT9, Mailercloud MC3/MC11, Mautic MA7): per domain or per campaign, sends
// from the email logs and delivery events from what providers posted back — by day and in total for
// a date range. Two aggregations ($match + $group only) on indexed fields; no content is read.
import type { PipelineStage } from 'mongoose';
import { BadInputError } from '../../errors';
import { EmailLog } from '../sending/email-log.model';
import { DeliveryEvent, type DeliveryEventType } from './event.model';

export const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

export interface Counts {
  sent: number;
  delivered: number;
  bounced: number;
  opened: number;
  clicked: number;
  complained: number;
  unsubscribed: number;
}

export interface Report {
  from: Date;
  to: Date;
  total: Counts;
  days: ({ day: string } & Counts)[];
}

export const COUNT_KEYS: readonly (keyof Counts)[] = ['sent', 'delivered', 'bounced', 'opened', 'clicked', 'complained', 'unsubscribed'];

const KEY_OF: Record<DeliveryEventType, keyof Counts> = {
  DELIVERED: 'delivered',
  BOUNCED: 'bounced',
  OPENED: 'opened',
  CLICKED: 'clicked',
  COMPLAINED: 'complained',
  UNSUBSCRIBED: 'unsubscribed',
};

export const zero = (): Counts => ({ sent: 0, delivered: 0, bounced: 0, opened: 0, clicked: 0, complained: 0, unsubscribed: 0 });

/** A date range [from, to): `to` defaults to now, `from` to 30 days before `to`; at most 366 days. */
export function reportRange(
  from: Date | string | null | undefined,
  to: Date | string | null | undefined,
  now = new Date(),
): { from: Date; to: Date } {
  const t = to === null || to === undefined ? now : new Date(to);
  if (Number.isNaN(t.getTime())) throw new BadInputError('to must be a date-time', 'to');
  const f = from === null || from === undefined ? new Date(t.getTime() - 30 * DAY_MS) : new Date(from);
  if (Number.isNaN(f.getTime())) throw new BadInputError('from must be a date-time', 'from');
  if (f.getTime() >= t.getTime()) throw new BadInputError('from must be before to', 'from');
  if (t.getTime() - f.getTime() > MAX_RANGE_DAYS * DAY_MS)
    throw new BadInputError(`A report covers at most ${MAX_RANGE_DAYS} days`, 'from');
  return { from: f, to: t };
}

/** What a report is about: one domain, one campaign, or (dashboards) any of several scope nodes. */
export type ReportSubject = Record<string, unknown>;

/** The report of the logs and events matching `subject` (e.g. `{ domainId }`) in the range. */
export async function buildReport(subject: ReportSubject, range: { from: Date; to: Date }): Promise<Report> {
  const sends: PipelineStage[] = [
    { $match: { ...subject, createdAt: { $gte: range.from, $lt: range.to } } },
    { $group: { _id: '$day', n: { $sum: 1 } } },
  ];
  const events: PipelineStage[] = [
    { $match: { ...subject, at: { $gte: range.from, $lt: range.to } } },
    { $group: { _id: { day: '$day', type: '$type' }, n: { $sum: 1 } } },
  ];
  const [sent, happened] = await Promise.all([
    EmailLog.aggregate<{ _id: string | null; n: number }>(sends),
    DeliveryEvent.aggregate<{ _id: { day: string; type: DeliveryEventType }; n: number }>(events),
  ]);
  const days = new Map<string, Counts>();
  const dayOf = (d: string) => {
    let c = days.get(d);
    if (!c) days.set(d, (c = zero()));
    return c;
  };
  const total = zero();
  for (const s of sent) {
    const day = s._id ?? range.from.toISOString().slice(0, 10);
    dayOf(day).sent += s.n;
    total.sent += s.n;
  }
  for (const e of happened) {
    const key = KEY_OF[e._id.type];
    if (!key) continue;
    dayOf(e._id.day)[key] += e.n;
    total[key] += e.n;
  }
  return {
    from: range.from,
    to: range.to,
    total,
    days: [...days.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, c]) => ({ day, ...c })),
  };
}
