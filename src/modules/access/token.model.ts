// Partner API tokens. Roles, bindings and invitations live behind the access store (src/authz/store).
import { model, type Model } from 'mongoose';
import { docSchema, inAccount, type BaseDoc, type InAccount } from '../../db/schema';

/** Partner API token (`pst_…`): shown once, stored as a hash, always expiring. */
export interface ApiTokenDoc extends BaseDoc, InAccount {
  userId: string;
  name: string;
  tokenHash: string;
  prefix: string;
  scopes: string[];
  workspaceIds: string[] | null;
  expiresAt: Date;
  revokedAt?: Date | null;
  lastUsedAt?: Date | null;
}

const apiTokenSchema = docSchema<ApiTokenDoc>({
  ...inAccount(),
  userId: { type: String, required: true },
  name: { type: String, required: true },
  tokenHash: { type: String, required: true },
  prefix: { type: String, required: true },
  scopes: { type: [String], default: [] },
  workspaceIds: { type: [String], default: null },
  expiresAt: { type: Date, required: true },
  revokedAt: { type: Date, default: null },
  lastUsedAt: { type: Date, default: null },
});
apiTokenSchema.index({ tokenHash: 1 }, { unique: true });
apiTokenSchema.index({ accountId: 1 });

export const ApiToken: Model<ApiTokenDoc> = model<ApiTokenDoc>('ApiToken', apiTokenSchema);

/** The token with this hash (authentication: src/identity/principal.ts). */
export function tokenByHash(tokenHash: string): Promise<ApiTokenDoc | null> {
  return ApiToken.findOne({ tokenHash }).lean<ApiTokenDoc>().exec();
}

/** Notes when a token was last used. */
export function noteTokenUsed(id: string, at: Date): Promise<unknown> {
  return ApiToken.updateOne({ _id: id }, { $set: { lastUsedAt: at } }).exec();
}
