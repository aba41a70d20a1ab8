import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../../db';

/**
 * A user's TOTP factor (RFC 6238). `_id` is the user id: one factor per user. The shared secret is
 * sealed with the gateway's AES key (src/crypto/secrets.ts); recovery codes are kept as SHA-256 hashes
 * only. `enabledAt` is null while an enrolment waits for its first code (confirmTwoFactor).
 */
export interface TwoFactorDoc extends BaseDoc {
  secretEnc: string;
  enabledAt: Date | null;
  recoveryCodeHashes: string[];
  /** The newest TOTP time step accepted: older and equal steps are refused (no replay). */
  lastTimeStep: number;
}

const twoFactorSchema = docSchema<TwoFactorDoc>({
  secretEnc: { type: String, required: true },
  enabledAt: { type: Date, default: null },
  recoveryCodeHashes: { type: [String], default: [] },
  lastTimeStep: { type: Number, default: 0 },
});

export const TwoFactor: Model<TwoFactorDoc> = model<TwoFactorDoc>('TwoFactor', twoFactorSchema);

/**
 * The first step of a two-factor login: the password was right, a second factor is still owed. The
 * client holds the challenge (shown once, stored hashed); it expires in minutes, dies after a few
 * wrong codes and is used once.
 */
export interface LoginChallengeDoc extends BaseDoc {
  userId: string;
  tokenHash: string;
  expiresAt: Date;
  failedAttempts: number;
  /** The door the password (or IdP assertion) was given at: the session, once the code is right, records it. */
  method: string;
  ssoAccountId: string | null;
  idpMfa: boolean;
  /** The account the door answers with (acceptInvitation, SSO). */
  accountId: string | null;
}

const loginChallengeSchema = docSchema<LoginChallengeDoc>({
  userId: { type: String, required: true },
  tokenHash: { type: String, required: true },
  expiresAt: { type: Date, required: true },
  failedAttempts: { type: Number, default: 0 },
  method: { type: String, default: 'password' },
  ssoAccountId: { type: String, default: null },
  idpMfa: { type: Boolean, default: false },
  accountId: { type: String, default: null },
});
loginChallengeSchema.index({ tokenHash: 1 }, { unique: true });
loginChallengeSchema.index({ expiresAt: 1 });

export const LoginChallenge: Model<LoginChallengeDoc> = model<LoginChallengeDoc>('LoginChallenge', loginChallengeSchema);
