// Databases written before the access store lack the natural unique keys of bindings (`key`) and of
// pending access requests (`pendingKey`), and may hold the duplicates those keys now forbid (the races
// of issue #8). Run before the unique indexes are built: it sets the keys, removes duplicate bindings
// (identical user, role and scope: one is kept) and closes duplicate pending requests. A database
// written by this version has nothing to do: two indexed reads.
import type { Logger } from 'pino';
import { AccessRequest, pendingKey } from '../../modules/access/requests.model';
import { Role, RoleBinding } from './models';
import { bindingKey, type RoleBindingDoc } from './types';

export async function backfillAccessKeys(log?: Pick<Logger, 'warn'>): Promise<{ bindings: number; duplicates: number; requests: number }> {
  const legacy = await RoleBinding.find({ key: null }).sort({ _id: 1 }).lean<RoleBindingDoc[]>();
  let duplicates = 0;
  if (legacy.length) {
    const ownerRoles = new Set((await Role.find({ key: 'owner' }).select({ _id: 1 }).lean()).map((r) => r._id));
    for (const b of legacy) {
      const key = bindingKey(b, !!b.roleId && ownerRoles.has(b.roleId));
      if (await RoleBinding.exists({ key })) {
        await RoleBinding.deleteOne({ _id: b._id });
        duplicates++;
      } else {
        await RoleBinding.updateOne({ _id: b._id }, { $set: { key } });
      }
    }
  }
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
  if (legacy.length || requests.length) {
    log?.warn({ bindings: legacy.length, duplicates, requests: requests.length }, 'access store: unique keys backfilled');
  }
  return { bindings: legacy.length, duplicates, requests: requests.length };
}
