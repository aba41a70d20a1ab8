// Databases written before the access store lack the natural unique keys of bindings (`key`, set by
// the store: src/store/access/backfill.ts) and of pending access requests (`pendingKey`), and may hold
// the duplicates those keys now forbid (the races of concurrent grants: docs/permissions-rules.md). Run before the unique indexes are built
// (src/db/connect.ts): duplicate bindings are removed, duplicate pending requests closed. A database
// written by this version has nothing to do: two indexed reads.
import type { Logger } from 'pino';
import { backfillAdminPermissions, backfillBindingKeys } from '../../store';
import { AccessRequest, pendingKey } from './requests.model';

export async function backfillAccessKeys(log?: Pick<Logger, 'warn'>): Promise<{ bindings: number; duplicates: number; requests: number }> {
  const { bindings, duplicates } = await backfillBindingKeys();
  const admins = await backfillAdminPermissions();
  if (admins) log?.warn({ roles: admins }, 'admin roles: permissions added to the catalogue since granted');
  const requests = await AccessRequest.find({ pendingKey: null }).sort({ _id: 1 }).lean();
  for (const r of requests) {
    const key = r.status === 'PENDING' ? pendingKey(r.requesterId, r.permission, r.scopeId) : `done|${r._id}`;
    if (r.status === 'PENDING' && (await AccessRequest.exists({ pendingKey: key }))) {
      await AccessRequest.updateOne(
        { _id: r._id },
        { $set: { status: 'DENIED', reason: 'Duplicate of another pending request', pendingKey: `done|${r._id}` } },
      );
    } else {
      await AccessRequest.updateOne({ _id: r._id }, { $set: { pendingKey: key } });
    }
  }
  if (bindings || requests.length) {
    log?.warn({ bindings, duplicates, requests: requests.length }, 'access store: unique keys backfilled');
  }
  return { bindings, duplicates, requests: requests.length };
}
