// Two-factor authentication with TOTP (RFC 6238, otplib): enrolment, recovery codes, the second step
// of login, and the account setting that requires a second factor of every member.
//
// Once-only facts (a time step used, a recovery code used, a login challenge used) are claims
// (src/db/claims.ts), never a read-then-write.
import { randomInt } from 'node:crypto';
import type { SetRequireTwoFactorInput } from '../../generated';
import { GraphQLError } from 'graphql';
import { generateSecret, generateURI, verify } from 'otplib';
import { type Context, accountIdsOf } from '../../graphql';
import { secretBox, tokenHash } from '../../crypto';
import { PeopleOnlyError } from '../../identity';
import { claimOnce } from '../../db';
import { BadInputError, UnauthenticatedError, ErrorCode } from '../../errors';
import { Account, Member, type AccountDoc } from '../accounts/account.model';
import { Session, type UserDoc } from './user.model';
import { TwoFactor, type TwoFactorDoc } from './two-factor.model';

export const TOTP_ISSUER = 'Postern';
const RECOVERY_CODE_COUNT = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
/** One step either side of now: clocks of phones drift. */
const EPOCH_TOLERANCE_S = 30;

export interface TwoFactorEnrolment {
  otpauthUri: string;
  secret: string;
}

/** The answer of every door (src/modules/identity/gate.service.ts) for a user with a second factor: UNAUTHENTICATED, carrying the challenge for loginWithTwoFactor. */
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

/**
 * Mirrors the user's second-factor state onto every session of theirs (SessionDoc.twoFactorEnabled,
 * what authentication reads with the session): called after each change of the state (confirm,
 * disable) and by the gate after issuing a session from a state read before. The state is read, the
 * sessions that differ are set, and the state is read again: if it moved meanwhile, again. So the
 * last of any concurrent mirrors leaves the sessions agreeing with the state, on every worker and
 * replica, from the next request on.
 */
export async function mirrorTwoFactorOnSessions(userId: string): Promise<void> {
  let enabled = await twoFactorEnabled(userId);
  for (let round = 0; round < 10; round++) {
    await Session.updateMany({ userId, twoFactorEnabled: { $ne: enabled } }, { $set: { twoFactorEnabled: enabled } });
    const now = await twoFactorEnabled(userId);
    if (now === enabled) return;
    enabled = now;
  }
  throw new Error(`the second-factor state of user ${userId} kept changing while it was mirrored onto their sessions`);
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
export async function checkSecondFactor(doc: TwoFactorDoc, code: string): Promise<'totp' | 'recoveryCode' | null> {
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
export async function auditForUser(
  ctx: Context,
  userId: string,
  action: string,
  meta: Record<string, unknown> | null = null,
): Promise<void> {
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
 * Throws TWO_FACTOR_ENROLMENT_REQUIRED when an account of the user requires a second factor: the
 * rule of the request gates (src/graphql/plugins/two-factor-gate.ts, src/http/gate.ts), asked only
 * about people without one (the principal knows: src/identity/principal.ts), so a person with a
 * second factor costs no read here. Unaudited: the gates audit their refusals.
 */
export async function assertEnrolledWhereRequired(ctx: Context, userId: string): Promise<void> {
  const requiring = await accountsRequiringTwoFactor(ctx, userId);
  if (requiring.length) throw new TwoFactorEnrolmentRequiredError(requiring);
}

/** assertEnrolledWhereRequired without a request context (REST routes: src/http/gate.ts). */
export async function assertEnrolledWhereRequiredRest(userId: string): Promise<void> {
  const ids = (await Member.find({ userId }).select({ accountId: 1 }).lean()).map((m) => m.accountId);
  const requiring = ids.length
    ? await Account.find({ _id: { $in: ids }, requireTwoFactor: true })
        .select({ name: 1 })
        .lean<{ _id: string; name: string }[]>()
    : [];
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
  await mirrorTwoFactorOnSessions(userId);
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
  await mirrorTwoFactorOnSessions(userId);
  await auditForUser(ctx, userId, 'user.twoFactorDisabled', { factor });
  return true;
}

/**
 * Turns the account's two-factor requirement on or off, and whether an identity provider's MFA
 * assertion counts as the second factor at sign-in (trustIdpMfa); in force on every member's next
 * request. Security settings are changed by people: a partner token is refused (FORBIDDEN, audited).
 */
export async function setRequireTwoFactor(ctx: Context, input: SetRequireTwoFactorInput): Promise<AccountDoc> {
  const before = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  if (ctx.principal?.kind !== 'user') {
    await ctx.audit.record({
      accountId: before._id,
      action: 'auth.refused',
      target: { type: 'Account', id: before._id },
      meta: { method: 'token', reason: 'PEOPLE_ONLY', field: 'setRequireTwoFactor' },
    });
    throw new PeopleOnlyError('Two-factor settings are changed by a signed-in person, not with a partner API token');
  }
  const set: Partial<Pick<AccountDoc, 'requireTwoFactor' | 'trustIdpMfa'>> = {};
  if (typeof input.requireTwoFactor === 'boolean') set.requireTwoFactor = input.requireTwoFactor;
  if (typeof input.trustIdpMfa === 'boolean') set.trustIdpMfa = input.trustIdpMfa;
  if (!Object.keys(set).length) throw new BadInputError('Give requireTwoFactor, trustIdpMfa or both', 'requireTwoFactor');
  if (set.requireTwoFactor && !(await twoFactorEnabled(ctx.principal.userId))) {
    throw new BadInputError('Turn on two-factor authentication for yourself before requiring it of every member', 'requireTwoFactor');
  }
  const after = await Account.findOneAndUpdate({ _id: before._id }, { $set: set }, { returnDocument: 'after' }).lean<AccountDoc>();
  if (!after) throw new BadInputError('The account was deleted', 'accountId');
  ctx.loaders.prime('Account', after);
  await ctx.audit.change({
    accountId: after._id,
    action: 'account.securityUpdated',
    target: { type: 'Account', id: after._id },
    before: { requireTwoFactor: !!before.requireTwoFactor, trustIdpMfa: !!before.trustIdpMfa },
    after: { requireTwoFactor: !!after.requireTwoFactor, trustIdpMfa: !!after.trustIdpMfa },
  });
  return after;
}
