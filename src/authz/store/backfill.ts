// Databases written before the access store lack the natural unique key of bindings (`key`) and may
// hold the duplicates it now forbids (the races of concurrent grants: docs/permissions-rules.md). Run before the unique indexes are built
// (through backfillAccessKeys(), src/modules/access/backfill.ts): it sets the keys and removes duplicate
// bindings (identical user, role and scope: one is kept). A database written by this version has
// nothing to do: one indexed read.
import { Role, RoleBinding } from './models';
import { bindingKey, type RoleBindingDoc } from './types';

export async function backfillBindingKeys(): Promise<{ bindings: number; duplicates: number }> {
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
  return { bindings: legacy.length, duplicates };
}
