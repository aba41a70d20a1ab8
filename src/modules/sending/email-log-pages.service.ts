// A domain's and a campaign's email logs (Domain.emailLogs, Campaign.emailLogs: one log per
// recipient) paged by their places (src/db/places.ts) rather than a scan: the embedded database uses
// no index for `find({campaignId}).sort({_id}).limit()`, only the unique `place`. Each log gets
// `"<domainId or campaignId>:<n>"`, with `n` reserved on its parent (`logSeq`, one `$inc` for a whole
// batch of a campaign's send), so a page is the next places after the cursor's log. Places reserved
// by a write that was refused (a resumed send's log written before) or deleted logs are gaps the walk
// skips; a campaign whose logs were all deleted (an undone send) starts its next ones at `logFrom`.
//
// A parent without `logSeq` (older data; never sent) is read the old way; logs written without a
// place (older data, the demo seed, tests) carry `~<_id>` and are numbered by placeEmailLogs, which
// the gateway runs as a data upgrade at start.
import type { Model } from 'mongoose';
import {
  type Context,
  connectionOf,
  decodeCursor,
  pageSize,
  paginate,
  VISIBILITY,
  type Connection,
  type ConnectionArgs,
} from '../../graphql';
import { placeKey, placeNumber, walkPlaces } from '../../db';
import { EmailLog, type EmailLogDoc } from './email-log.model';

/** What a parent of email logs carries: the next place to reserve, and where its live logs start. */
export interface LogParent {
  _id: string;
  logSeq?: number | null;
  logFrom?: number | null;
}

export type LogParentField = 'domainId' | 'campaignId';

/** `n` places on the parent, one `$inc`: the first one, or null when the parent is gone. */
export async function reserveLogPlaces(parents: Model<LogParent>, parentId: string, n: number): Promise<number | null> {
  const after = await parents
    // Not an edit of the parent: its updatedAt stays.
    .findOneAndUpdate({ _id: parentId }, { $inc: { logSeq: n } }, { returnDocument: 'after', projection: { logSeq: 1 }, timestamps: false })
    .lean<LogParent | null>();
  return typeof after?.logSeq === 'number' ? after.logSeq - n : null;
}

/** Places `docs` (all of one parent) in their order; logs of a parent that is gone keep an unnumbered one. */
export async function placeLogs(
  parents: Model<LogParent>,
  parentId: string,
  docs: { place?: string | null; _id: string }[],
): Promise<void> {
  if (!docs.length) return;
  const first = await reserveLogPlaces(parents, parentId, docs.length);
  docs.forEach((d, i) => (d.place = first === null ? `~${d._id}` : placeKey(parentId, first + i)));
}

/** A parent's logs, oldest first: by places when the parent has them, else the old query. */
export async function emailLogPage(
  ctx: Context,
  field: LogParentField,
  parent: LogParent,
  args: ConnectionArgs,
): Promise<Connection<EmailLogDoc>> {
  if (typeof parent.logSeq !== 'number' || args[VISIBILITY]) return ctx.loaders.page(EmailLog, field, parent._id, args);
  const limit = pageSize(args.first);
  let from = parent.logFrom ?? 0;
  if (args.after) {
    const at = await ctx.loaders.load<EmailLogDoc>('EmailLog', decodeCursor(args.after));
    const n = at && at[field] === parent._id ? placeNumber(at.place) : null;
    // A cursor whose log is gone, of another parent or unplaced: where it stood is unknown, read the old way.
    if (n === null) return paginate(EmailLog, { [field]: parent._id } as never, args);
    from = Math.max(from, n + 1);
  }
  const docs = await walkPlaces<EmailLogDoc>({ model: EmailLog, parentId: parent._id, from, to: parent.logSeq, want: limit + 1 });
  if (!docs) return paginate(EmailLog, { [field]: parent._id } as never, args);
  const byId = ctx.loaders.byId<EmailLogDoc>('EmailLog');
  for (const d of docs) byId.clear(d._id).prime(d._id, d);
  return connectionOf(docs, limit, {
    after: args.after,
    totalCount: () => EmailLog.countDocuments({ [field]: parent._id } as never).exec(),
  });
}

/**
 * Data upgrade: numbers every log without a numbered place (older data; the demo seed) after its
 * parent's placed ones, in `_id` order, parent by parent.
 */
export async function placeEmailLogs(parents: Record<LogParentField, Model<LogParent>>): Promise<number> {
  const unplaced = await EmailLog.find({ $or: [{ place: { $exists: false } }, { place: null }, { place: { $regex: '^~' } }] })
    .select({ _id: 1, domainId: 1, campaignId: 1 })
    .sort({ _id: 1 })
    .lean();
  const groups = new Map<string, { field: LogParentField; ids: { _id: string; place?: string | null }[] }>();
  for (const l of unplaced) {
    const field: LogParentField | null = l.domainId ? 'domainId' : l.campaignId ? 'campaignId' : null;
    if (!field) continue;
    const key = `${field}|${l[field]}`;
    const g = groups.get(key) ?? { field, ids: [] };
    g.ids.push({ _id: l._id });
    groups.set(key, g);
  }
  let placed = 0;
  for (const [key, g] of groups) {
    const parentId = key.slice(key.indexOf('|') + 1);
    await placeLogs(parents[g.field], parentId, g.ids);
    for (let i = 0; i < g.ids.length; i += 1000) {
      await EmailLog.bulkWrite(
        g.ids.slice(i, i + 1000).map((d) => ({ updateOne: { filter: { _id: d._id }, update: { $set: { place: d.place } } } })),
        { ordered: false },
      );
    }
    placed += g.ids.length;
  }
  return placed;
}
