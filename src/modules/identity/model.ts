import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../../db/schema';

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
});
userSchema.index({ email: 1 }, { unique: true });
// Usernames are optional, so uniqueness is checked by the settings service (no sparse indexes on FerretDB).
userSchema.index({ username: 1 });

export const User: Model<UserDoc> = model<UserDoc>('User', userSchema);

/** A login session: the token is given to the client once; only its SHA-256 is stored. */
export interface SessionDoc extends BaseDoc {
  userId: string;
  tokenHash: string;
  expiresAt: Date;
  revokedAt?: Date | null;
}

const sessionSchema = docSchema<SessionDoc>({
  userId: { type: String, required: true },
  tokenHash: { type: String, required: true },
  expiresAt: { type: Date, required: true },
  revokedAt: { type: Date, default: null },
});
sessionSchema.index({ tokenHash: 1 }, { unique: true });
sessionSchema.index({ userId: 1 });
sessionSchema.index({ expiresAt: 1 });

export const Session: Model<SessionDoc> = model<SessionDoc>('Session', sessionSchema);
