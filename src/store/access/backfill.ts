// Databases written before the access store lack the natural unique key of bindings (`key`) and may
// hold the duplicates it now forbids (the races of concurrent grants: docs/permissions-rules.md). Run before the unique indexes are built
// (through backfillAccessKeys(), src/modules/access/backfill.ts): it sets the keys and removes duplicate
// bindings (identical user, role and scope: one is kept). A database written by this version has
// nothing to do: one indexed read.
import { ADMIN_EQUIVALENT_KEYS, ADMIN_ROLE, bindingKey, type RoleBindingDoc } from '../../authz';
import { Role, RoleBinding } from './models';

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

/**
 * Roles standing for the admin (the system admin, and pack roles standing for it: MT4) hold every
 * permission but the owner's, permissions added to the catalogue since included (`access:apply`):
 * stored roles of older accounts gain them. Idempotent; one update.
 */
export async function backfillAdminPermissions(): Promise<number> {
  const { modifiedCount } = await Role.updateMany(
    { key: { $in: ['admin', ...ADMIN_EQUIVALENT_KEYS] }, permissions: { $not: { $all: [...ADMIN_ROLE.permissions] } } },
    { $addToSet: { permissions: { $each: [...ADMIN_ROLE.permissions] } } },
  );
  return modifiedCount;
}
