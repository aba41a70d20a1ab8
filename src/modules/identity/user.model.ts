import { model, Schema, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../../db';
import type { AccountDoc } from '../accounts/account.model';

export interface UserDoc extends BaseDoc {
  email: string;
  passwordHash: string;
  name: string;
  firstName?: string;
  lastName?: string;
  username?: string;
  position?: string;
  signature?: string;
  timezone?: string;
  language?: string;
  /** When the user proved the address (verifyEmail, or an accepted invitation); null: unverified. */
  emailVerifiedAt?: Date | null;
}

const userSchema = docSchema<UserDoc>({
  email: { type: String, required: true, lowercase: true, trim: true },
  passwordHash: { type: String, required: true },
  name: { type: String, required: true },
  firstName: String,
  lastName: String,
  username: String,
  position: String,
  signature: String,
  timezone: String,
  language: String,
  emailVerifiedAt: { type: Date, default: null },
});
// Not unique: an address may have several unverified users (a signUp never tells whether an address
// is taken). Uniqueness holds for VERIFIED addresses through VerifiedEmail below.
userSchema.index({ email: 1, emailVerifiedAt: 1 });
// Usernames are optional, so uniqueness is checked by the settings service (no sparse indexes on FerretDB).
userSchema.index({ username: 1 });

export const User: Model<UserDoc> = model<UserDoc>('User', userSchema);

/** What a door answers (AuthPayload): the session token, shown once; issued by src/modules/identity/gate.service.ts only. */
export interface AuthResult {
  token: string;
  user: UserDoc;
  account: AccountDoc | null;
}

/** A login session: the token is given to the client once; only its SHA-256 is stored. */
export interface SessionDoc extends BaseDoc {
  userId: string;
  tokenHash: string;
  expiresAt: Date;
  revokedAt?: Date | null;
  /** How the session was started: password, password+totp, sso:oidc, sso:saml, signup, invitation (docs/identity.md "Doors"). */
  method?: string;
  /** The account whose identity provider minted the session: it reaches that account only (src/identity/gate.ts). */
  ssoAccountId?: string | null;
  /** The second factor proven at sign-in (totp, recoveryCode, idpMfa), or null. */
  secondFactor?: string | null;
  /**
   * Mirror of the user's second-factor state (a confirmed TwoFactor), read with the session so that
   * authentication needs no second read: set when the session is issued and on every session of the
   * user when the state changes (mirrorTwoFactorOnSessions, src/modules/identity/two-factor.service.ts).
   * Absent on sessions issued before the mirror existed: authentication reads the state then.
   */
  twoFactorEnabled?: boolean;
}

const sessionSchema = docSchema<SessionDoc>({
  userId: { type: String, required: true },
  tokenHash: { type: String, required: true },
  expiresAt: { type: Date, required: true },
  revokedAt: { type: Date, default: null },
  method: { type: String },
  ssoAccountId: { type: String, default: null },
  secondFactor: { type: String, default: null },
  twoFactorEnabled: { type: Boolean },
});
sessionSchema.index({ tokenHash: 1 }, { unique: true });
sessionSchema.index({ userId: 1 });
sessionSchema.index({ expiresAt: 1 });

export const Session: Model<SessionDoc> = model<SessionDoc>('Session', sessionSchema);

/** The session with this token hash (authentication: src/identity/principal.ts). */
export function sessionByHash(tokenHash: string): Promise<SessionDoc | null> {
  return Session.findOne({ tokenHash }).lean<SessionDoc>().exec();
}

/**
 * The unique key of a verified address: `_id` is the address, held by exactly one user. Taken when
 * the address is verified; every later verification of the same address by another user fails.
 */
export interface VerifiedEmailDoc {
  _id: string;
  userId: string;
  createdAt: Date;
}

const verifiedEmailSchema = new Schema<VerifiedEmailDoc>(
  { _id: { type: String, required: true }, userId: { type: String, required: true } },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
verifiedEmailSchema.index({ userId: 1 });

export const VerifiedEmail: Model<VerifiedEmailDoc> = model<VerifiedEmailDoc>('VerifiedEmail', verifiedEmailSchema);

export type EmailTokenPurpose = 'VERIFY_EMAIL' | 'RESET_PASSWORD';

/** A one-time, expiring token mailed to an address (verification, password reset); only its SHA-256 is stored. */
export interface EmailTokenDoc extends BaseDoc {
  userId: string;
  email: string;
  purpose: EmailTokenPurpose;
  tokenHash: string;
  expiresAt: Date;
  usedAt: Date | null;
}

const emailTokenSchema = docSchema<EmailTokenDoc>({
  userId: { type: String, required: true },
  email: { type: String, required: true },
  purpose: { type: String, required: true, enum: ['VERIFY_EMAIL', 'RESET_PASSWORD'] },
  tokenHash: { type: String, required: true },
  expiresAt: { type: Date, required: true },
  usedAt: { type: Date, default: null },
});
emailTokenSchema.index({ tokenHash: 1 }, { unique: true });
emailTokenSchema.index({ userId: 1, purpose: 1 });

export const EmailToken: Model<EmailTokenDoc> = model<EmailTokenDoc>('EmailToken', emailTokenSchema);

/** Databases made before emails could be unverified carry a unique index on User.email: dropped at start. */
export async function dropLegacyUniqueEmailIndex(): Promise<void> {
  const indexes = await User.collection.indexes().catch(() => []);
  if (indexes.some((i) => i.name === 'email_1' && i.unique)) await User.collection.dropIndex('email_1');
}
