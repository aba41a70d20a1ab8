// Two-factor authentication with TOTP (RFC 6238, otplib): enrolment, recovery codes, the second step
// of login, and the account setting that requires a second factor of every member.
//
// Once-only facts (a time step used, a recovery code used, a login challenge used) are claims
// (src/db/claims.ts), never a read-then-write.
import { randomInt } from 'node:crypto';
import type { LoginWithTwoFactorInput, SetRequireTwoFactorInput } from '../../graphql/generated';
import { GraphQLError } from 'graphql';
import { generateSecret, generateURI, verify } from 'otplib';
import type { Context } from '../../graphql/context';
import { accountIdsOf } from '../../authz/people';
import { secretBox } from '../../crypto/secrets';
import { randomSecret, tokenHash } from '../../crypto/tokens';
import { claimOnce } from '../../db/claims';
import { BadInputError, UnauthenticatedError, ErrorCode } from '../../errors';
import { Account, Member, type AccountDoc } from '../accounts/account.model';
import { User, type UserDoc } from './user.model';
import { completeLogin, type AuthResult } from './session.service';
import { LoginChallenge, TwoFactor, type TwoFactorDoc } from './two-factor.model';

export const TOTP_ISSUER = 'Postern';
const CHALLENGE_TTL_MS = 5 * 60 * 1000;
const CHALLENGE_MAX_FAILURES = 5;
const RECOVERY_CODE_COUNT = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
/** One step either side of now: clocks of phones drift. */
const EPOCH_TOLERANCE_S = 30;

export interface TwoFactorEnrolment {
  otpauthUri: string;
  secret: string;
}

/** The answer to `login` for a user with a second factor: UNAUTHENTICATED, carrying the challenge for loginWithTwoFactor. */
export class TwoFactorRequiredError extends GraphQLError {
  constructor(challenge: string, expiresAt: Date) {
    super('Two-factor authentication required: send a code from your authenticator app (or a recovery code) to loginWithTwoFactor.', {
      extensions: {
        code: ErrorCode.UNAUTHENTICATED,
        twoFactorRequired: true,
        challenge,
        challengeExpiresAt: expiresAt.toISOString(),
        http: { status: 200 },
      },
    });
  }
}

/** FORBIDDEN for a member of an account that requires two-factor, until they enrol. */
export class TwoFactorEnrolmentRequiredError extends GraphQLError {
  constructor(accounts: { _id: string; name: string }[]) {
    const names = accounts.map((a) => a.name).join(', ');
    super(`${names} requires two-factor authentication: enrol with enableTwoFactor and confirmTwoFactor before anything else.`, {
      extensions: {
        code: ErrorCode.FORBIDDEN,
        reason: 'TWO_FACTOR_ENROLMENT_REQUIRED',
        accountIds: accounts.map((a) => a._id),
        canRequestAccess: false,
      },
    });
  }
}

export async function twoFactorEnabled(userId: string): Promise<boolean> {
  return !!(await TwoFactor.exists({ _id: userId, enabledAt: { $ne: null } }));
}

/** The accounts the user belongs to that require two-factor (read through the request's loaders). */
export async function accountsRequiringTwoFactor(ctx: Context, userId: string): Promise<AccountDoc[]> {
  const accountIds = await accountIdsOf(ctx, userId); // the request's loader: viewer.accounts reads the same
  const accounts = await Promise.all(accountIds.map((id) => ctx.loaders.load<AccountDoc>('Account', id)));
  return accounts.filter((a): a is AccountDoc => !!a?.requireTwoFactor);
}

function sealedSecret(doc: TwoFactorDoc): string {
  return secretBox().open(doc.secretEnc);
}

function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

/** The TOTP step `code` is valid for, or null. A step is accepted once per user (no replay). */
async function acceptTotp(userId: string, doc: TwoFactorDoc, code: string): Promise<boolean> {
  const token = normalizeCode(code);
  if (!/^\d{6}$/.test(token)) return false;
  const result = await verify({
    secret: sealedSecret(doc),
    token,
    epochTolerance: EPOCH_TOLERANCE_S,
    afterTimeStep: doc.lastTimeStep || undefined,
  });
  if (!result.valid || !('timeStep' in result)) return false;
  const step = result.timeStep;
  if (!(await claimOnce(`totp:${userId}:${step}`, userId))) return false;
  await TwoFactor.updateOne({ _id: userId, lastTimeStep: { $lt: step } }, { $set: { lastTimeStep: step } });
  return true;
}

/** Spends a recovery code: each works once. */
async function acceptRecoveryCode(userId: string, doc: TwoFactorDoc, code: string): Promise<boolean> {
  const hash = tokenHash(normalizeCode(code));
  if (!doc.recoveryCodeHashes.includes(hash)) return false;
  if (!(await claimOnce(`recovery:${userId}:${hash}`, userId))) return false;
  await TwoFactor.updateOne({ _id: userId }, { $pull: { recoveryCodeHashes: hash } });
  return true;
}

/** Which factor `code` proved (a TOTP code or a recovery code), or null. */
async function checkSecondFactor(doc: TwoFactorDoc, code: string): Promise<'totp' | 'recoveryCode' | null> {
  if (await acceptTotp(doc._id, doc, code)) return 'totp';
  if (await acceptRecoveryCode(doc._id, doc, code)) return 'recoveryCode';
  return null;
}

function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** A user-level event, recorded in the audit log of every account the user belongs to. */
async function auditForUser(ctx: Context, userId: string, action: string, meta: Record<string, unknown> | null = null): Promise<void> {
  const memberships = await Member.find({ userId }).select({ accountId: 1 }).lean();
  await Promise.all(
    memberships.map((m) => ctx.audit.record({ accountId: m.accountId, action, target: { type: 'User', id: userId }, meta })),
  );
}

function signedInUser(ctx: Context): string {
  const p = ctx.principal;
  if (!p) throw new UnauthenticatedError();
  if (p.kind !== 'user')
    throw new BadInputError('Two-factor authentication is managed by the user signed in, not with a partner API token');
  return p.userId;
}

/**
 * Throws TWO_FACTOR_ENROLMENT_REQUIRED when the user has no second factor and an account of theirs
 * requires one: the rule of the request gate (src/graphql/plugins/two-factor-gate.ts).
 */
export async function assertEnrolledWhereRequired(ctx: Context, userId: string): Promise<void> {
  if (await twoFactorEnabled(userId)) return;
  const requiring = await accountsRequiringTwoFactor(ctx, userId);
  if (requiring.length) throw new TwoFactorEnrolmentRequiredError(requiring);
}

export async function enableTwoFactor(ctx: Context): Promise<TwoFactorEnrolment> {
  const userId = signedInUser(ctx);
  const user = await ctx.loaders.existing<UserDoc>('User', userId);
  if (await twoFactorEnabled(userId)) {
    throw new BadInputError('Two-factor authentication is already on; disable it first to enrol a new device');
  }
  const secret = generateSecret();
  // A pending enrolment is replaced: only the newest secret can be confirmed.
  await TwoFactor.updateOne(
    { _id: userId, enabledAt: null },
    { $set: { secretEnc: secretBox().seal(secret), recoveryCodeHashes: [], lastTimeStep: 0 } },
    { upsert: true },
  );
  await auditForUser(ctx, userId, 'user.twoFactorEnrolmentStarted');
  return { secret, otpauthUri: generateURI({ issuer: TOTP_ISSUER, label: user.email, secret }) };
}

export async function confirmTwoFactor(ctx: Context, code: string): Promise<{ recoveryCodes: string[] }> {
  const userId = signedInUser(ctx);
  const doc = await TwoFactor.findById(userId).lean<TwoFactorDoc>();
  if (!doc) throw new BadInputError('Start with enableTwoFactor, then confirm with a code from your authenticator app', 'code');
  if (doc.enabledAt) throw new BadInputError('Two-factor authentication is already on', 'code');
  if (!(await acceptTotp(userId, doc, code)))
    throw new BadInputError('That code is not valid: check the time on your device and try the next code', 'code');
  const recoveryCodes = newRecoveryCodes();
  const res = await TwoFactor.updateOne(
    { _id: userId, enabledAt: null, secretEnc: doc.secretEnc },
    { $set: { enabledAt: new Date(), recoveryCodeHashes: recoveryCodes.map((c) => tokenHash(normalizeCode(c))) } },
  );
  if (res.modifiedCount !== 1) throw new BadInputError('This enrolment changed meanwhile: start again with enableTwoFactor', 'code');
  await auditForUser(ctx, userId, 'user.twoFactorEnabled', { recoveryCodes: recoveryCodes.length });
  return { recoveryCodes };
}

export async function disableTwoFactor(ctx: Context, code: string): Promise<boolean> {
  const userId = signedInUser(ctx);
  const doc = await TwoFactor.findById(userId).lean<TwoFactorDoc>();
  if (!doc?.enabledAt) throw new BadInputError('Two-factor authentication is not on', 'code');
  const requiring = await accountsRequiringTwoFactor(ctx, userId);
  if (requiring.length) {
    throw new BadInputError(
      `${requiring.map((a) => a.name).join(', ')} requires two-factor authentication: it cannot be turned off`,
      'code',
    );
  }
  const factor = await checkSecondFactor(doc, code);
  if (!factor) throw new BadInputError('That code is not valid', 'code');
  await TwoFactor.deleteOne({ _id: userId, secretEnc: doc.secretEnc });
  await auditForUser(ctx, userId, 'user.twoFactorDisabled', { factor });
  return true;
}

/** The login hook: a user with a second factor gets a challenge, not a session. */
export async function requireSecondFactor(user: UserDoc): Promise<void> {
  if (!(await twoFactorEnabled(user._id))) return;
  const challenge = randomSecret(32);
  const expiresAt = new Date(Date.now() + CHALLENGE_TTL_MS);
  await LoginChallenge.create({ userId: user._id, tokenHash: tokenHash(challenge), expiresAt });
  throw new TwoFactorRequiredError(challenge, expiresAt);
}

const CHALLENGE_FAILED = 'The login challenge is unknown, expired or used up: log in again with your password.';

export async function loginWithTwoFactor(ctx: Context, input: LoginWithTwoFactorInput): Promise<AuthResult> {
  const found = await LoginChallenge.findOne({ tokenHash: tokenHash(input.challenge) }).lean();
  if (!found || found.expiresAt <= new Date() || found.failedAttempts >= CHALLENGE_MAX_FAILURES) {
    throw new UnauthenticatedError(CHALLENGE_FAILED);
  }
  const doc = await TwoFactor.findById(found.userId).lean<TwoFactorDoc>();
  const user = await User.findById(found.userId).lean<UserDoc>();
  if (!doc?.enabledAt || !user) throw new UnauthenticatedError(CHALLENGE_FAILED);
  const factor = await checkSecondFactor(doc, input.code);
  if (!factor) {
    await LoginChallenge.updateOne({ _id: found._id }, { $inc: { failedAttempts: 1 } });
    await auditForUser(ctx, user._id, 'auth.twoFactorFailed');
    throw new BadInputError('That code is not valid', 'code');
  }
  if (!(await claimOnce(`login-challenge:${found._id}`, user._id))) throw new UnauthenticatedError(CHALLENGE_FAILED);
  await LoginChallenge.deleteOne({ _id: found._id });
  if (factor === 'recoveryCode') {
    const left = (await TwoFactor.findById(user._id).lean<TwoFactorDoc>())?.recoveryCodeHashes.length ?? 0;
    await auditForUser(ctx, user._id, 'user.recoveryCodeUsed', { recoveryCodesLeft: left });
  }
  return completeLogin(ctx, user, factor === 'totp' ? 'password+totp' : 'password+recoveryCode');
}

/** Turns the account's two-factor requirement on or off; in force on every member's next request. */
export async function setRequireTwoFactor(ctx: Context, input: SetRequireTwoFactorInput): Promise<AccountDoc> {
  const before = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  if (input.requireTwoFactor && ctx.principal?.kind === 'user' && !(await twoFactorEnabled(ctx.principal.userId))) {
    throw new BadInputError('Turn on two-factor authentication for yourself before requiring it of every member', 'requireTwoFactor');
  }
  const after = await Account.findOneAndUpdate(
    { _id: before._id },
    { $set: { requireTwoFactor: input.requireTwoFactor } },
    { returnDocument: 'after' },
  ).lean<AccountDoc>();
  if (!after) throw new BadInputError('The account was deleted', 'accountId');
  ctx.loaders.prime('Account', after);
  await ctx.audit.change({
    accountId: after._id,
    action: 'account.securityUpdated',
    target: { type: 'Account', id: after._id },
    before: { requireTwoFactor: !!before.requireTwoFactor },
    after: { requireTwoFactor: !!after.requireTwoFactor },
  });
  return after;
}
