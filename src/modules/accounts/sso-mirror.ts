// Accounts keep a mirror of their SSO setting `ssoRequired` (AccountDoc.ssoRequired), so the account
// gate (src/identity/gate.ts) decides from the account document alone. Databases written before the
// mirror get it from the SSO settings once, before the indexes are built (src/db/connect.ts). A
// database already mirrored has nothing to do: one read of the accounts requiring SSO.
import mongoose from 'mongoose';
import { Account } from './account.model';

/** The SSO settings' collection (src/sso/sso.model.ts), read by name: accounts import nothing of src/sso. */
const SSO_CONFIGS = 'ssoconfigs';

export async function backfillSsoRequiredMirror(): Promise<number> {
  const db = mongoose.connection.db;
  if (!db) return 0;
  const required = await db
    .collection<{ accountId: string }>(SSO_CONFIGS)
    .find({ ssoRequired: true }, { projection: { accountId: 1 } })
    .toArray();
  if (!required.length) return 0;
  const res = await Account.updateMany(
    { _id: { $in: required.map((c) => c.accountId) }, ssoRequired: { $ne: true } },
    { $set: { ssoRequired: true } },
  );
  return res.modifiedCount;
}
