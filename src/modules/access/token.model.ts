// Partner API tokens. Roles, bindings and invitations live behind the access store (src/authz/store).
import { model, type Model } from 'mongoose';
import { docSchema, issuedToken, inAccount, type BaseDoc, type InAccount, type IssuedToken } from '../../db';

/** Partner API token (`pst_…`): shown once, stored as a hash, always expiring. */
export interface ApiTokenDoc extends BaseDoc, InAccount, IssuedToken {
  userId: string;
  scopes: string[];
  workspaceIds: string[] | null;
  expiresAt: Date;
  /** The account whose identity provider minted the session the token was made in (accounts requiring SSO honour only those). */
  ssoAccountId?: string | null;
}

const apiTokenSchema = docSchema<ApiTokenDoc>({
  ...inAccount(),
  userId: { type: String, required: true },
  ...issuedToken(),
  scopes: { type: [String], default: [] },
  workspaceIds: { type: [String], default: null },
  expiresAt: { type: Date, required: true },
  ssoAccountId: { type: String, default: null },
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

/** What creating or rotating a token answers (ApiTokenCreated): the token, shown this once, and its document. */
export interface ApiTokenCreatedResult {
  token: string;
  apiToken: ApiTokenDoc;
}
