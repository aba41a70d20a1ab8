// Account.auditLog, oldest first: in the chain's order (seq), a page found by its places
// (`"<accountId>:<seq>"`, unique: src/db/places.ts) rather than by a scan of the account's events,
// which the embedded database would do for any range. The chain is dense from the first event kept
// (retention deletes the oldest first) to the stored head, so the next page is the next `limit + 1`
// seqs after the cursor's. A filter (action, actor, target, dates) or a narrowed view (a workspace
// admin) reads with the plain query, in the same order (MongoDB serves it from the compound indexes).
import type { QueryFilter } from 'mongoose';
import type { AuditFilter } from '../generated';
import { connectionOf, decodeCursor, pageSize, VISIBILITY, type Connection, type ConnectionArgs } from '../graphql';
import { BadInputError } from '../errors';
import { walkPlaces } from '../db';
import { AuditEvent, AuditHead, type AuditEventDoc } from './model';
import { auditQuery } from './query';
import { AuditRetention } from './retention-window';

export async function auditLogPage(
  accountId: string,
  filter: AuditFilter | null | undefined,
  args: ConnectionArgs,
): Promise<Connection<AuditEventDoc>> {
  const limit = pageSize(args.first);
  const query = auditQuery(accountId, filter) as Record<string, unknown>;
  const visible = args[VISIBILITY];
  let afterSeq = 0;
  if (args.after) {
    const at = await AuditEvent.findById(decodeCursor(args.after)).select({ accountId: 1, seq: 1 }).lean();
    if (at && at.accountId !== accountId) throw new BadInputError('Invalid cursor: use an endCursor returned by this API', 'after');
    // A cursor's event that is gone was purged, with every event before it: the page starts at the first kept.
    afterSeq = at?.seq ?? 0;
  }
  const all = (visible ? { $and: [query, visible] } : query) as QueryFilter<AuditEventDoc>;
  const totalCount = () => AuditEvent.countDocuments(all).exec();
  if (Object.keys(query).length === 1 && !visible) {
    const [head, window] = await Promise.all([
      AuditHead.findById(accountId).select({ seq: 1 }).lean(),
      AuditRetention.findById(accountId).select({ keptFromSeq: 1 }).lean(),
    ]);
    // No stored head: a chain older than heads (made on its next append); read it the plain way.
    if (head) {
      const docs = await walkPlaces<AuditEventDoc>({
        model: AuditEvent,
        parentId: accountId,
        from: Math.max(afterSeq + 1, window?.keptFromSeq ?? 1),
        // A little past the stored head: it is moved after the events are written, and may lag
        // (a writer that died between the two) until the next append.
        to: head.seq + 2 + limit,
        want: limit + 1,
      });
      if (docs) return connectionOf(docs, limit, { after: args.after, totalCount });
    }
  }
  const docs = await AuditEvent.find({ $and: [all, { seq: { $gt: afterSeq } }] } as QueryFilter<AuditEventDoc>)
    .sort({ seq: 1 })
    .limit(limit + 1)
    .lean<AuditEventDoc[]>();
  return connectionOf(docs, limit, { after: args.after, totalCount });
}

/** Data upgrade (src/db/connect.ts runs it at start): gives events stored before places theirs. */
export async function placeAuditEvents(): Promise<number> {
  const unplaced = await AuditEvent.find({ place: { $exists: false } })
    .select({ _id: 1, accountId: 1, seq: 1 })
    .lean();
  for (let i = 0; i < unplaced.length; i += 1000) {
    await AuditEvent.bulkWrite(
      unplaced.slice(i, i + 1000).map((e) => ({
        updateOne: { filter: { _id: e._id }, update: { $set: { place: `${e.accountId}:${e.seq}` } } },
      })),
      { ordered: false },
    );
  }
  return unplaced.length;
}
