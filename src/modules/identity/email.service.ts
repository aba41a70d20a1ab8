// Email ownership: verification links, password reset by mail, and who holds a verified address.
//
// An address may belong to several UNVERIFIED users (signUp never says whether an address is taken)
// but to one VERIFIED user at most: verifying takes the address's unique key (VerifiedEmail), and a
// later verification by another user is refused. Mailed tokens are random, stored as SHA-256 only,
// expire, and are used once (a unique claim, whatever the store underneath).
import type { Context } from '../../graphql';
import { assertStrongPassword, hashPassword, randomSecret, tokenHash } from '../../crypto';
import { claimOnce } from '../../db';
import { BadInputError, ErrorCode } from '../../errors';
import { Member } from '../accounts/account.model';
import { EmailToken, Session, User, VerifiedEmail, type EmailTokenDoc, type EmailTokenPurpose, type UserDoc } from './user.model';

export const VERIFY_TTL_MS = 48 * 3600 * 1000;
export const RESET_TTL_MS = 3600 * 1000;
export const SYSTEM_FROM = 'Postern <no-reply@postern.invalid>';
export const INVALID_LINK = 'This link is invalid, used or expired: ask for a new one';

let appUrl = 'http://127.0.0.1:4000';
/** Base of the links in mails (APP_URL): your frontend's pages /verify-email and /reset-password. */
export function setAppUrl(url: string): void {
  appUrl = url.replace(/\/+$/, '');
}

function isDuplicate(err: unknown): boolean {
  return (err as { code?: number }).code === 11000 || /duplicate key/i.test(String((err as Error)?.message));
}

export function isVerified(user: Pick<UserDoc, 'emailVerifiedAt'>): boolean {
  return !!user.emailVerifiedAt;
}

/** Refuses to bind or admit a user whose address is not verified. */
export function assertVerified(user: Pick<UserDoc, 'email' | 'emailVerifiedAt'>, field: string, what = 'be given access'): void {
  if (!isVerified(user)) {
    throw new BadInputError(
      `${user.email} has not verified their email address yet: they cannot ${what} until they follow the link mailed to them`,
      field,
    );
  }
}

/** The user holding `email` as a verified address, if any. */
export async function verifiedHolder(email: string): Promise<UserDoc | null> {
  const key = await VerifiedEmail.findById(email).lean();
  return key ? await User.findById(key.userId).lean<UserDoc>() : null;
}

/**
 * Makes `user`'s address verified: takes the address's unique key. False when another user holds it.
 */
export async function claimAddress(user: Pick<UserDoc, '_id' | 'email'>): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await VerifiedEmail.create({ _id: user.email, userId: user._id });
      break;
    } catch (err) {
      if (!isDuplicate(err)) throw err;
      const holder = await VerifiedEmail.findById(user.email).lean();
      if (holder?.userId === user._id) break;
      // A key whose user is gone (a half-made login undone) is freed; a live holder keeps it.
      if (attempt > 0 || !holder || (await User.exists({ _id: holder.userId }))) return false;
      await VerifiedEmail.deleteOne({ _id: user.email, userId: holder.userId });
    }
  }
  await User.updateOne({ _id: user._id, emailVerifiedAt: null }, { $set: { emailVerifiedAt: new Date() } });
  return true;
}

async function issueToken(user: Pick<UserDoc, '_id' | 'email'>, purpose: EmailTokenPurpose, ttlMs: number) {
  const token = randomSecret(32);
  const now = new Date();
  // One live token per user and purpose: a new mail spends the older links.
  await EmailToken.updateMany({ userId: user._id, purpose, usedAt: null }, { $set: { usedAt: now } });
  const doc = await EmailToken.create({
    userId: user._id,
    email: user.email,
    purpose,
    tokenHash: tokenHash(token),
    expiresAt: new Date(now.getTime() + ttlMs),
  });
  return { token, expiresAt: doc.expiresAt };
}

async function send(ctx: Context, to: string, subject: string, lines: string[]): Promise<void> {
  const sent = await ctx.mailer.send({ from: SYSTEM_FROM, to, subject, text: lines.join('\n') });
  if (!sent.delivered && sent.error) ctx.log.warn({ error: sent.error, subject }, 'account mail not delivered');
}

/**
 * Issues `user` a verification token and mails the link — or, when `takenBy` already holds the
 * address, mails its owner a notice instead: the token is made either way, so both cases cost the same.
 */
export async function mailVerification(
  ctx: Context,
  user: Pick<UserDoc, '_id' | 'email'>,
  takenBy: Pick<UserDoc, '_id'> | null = null,
): Promise<void> {
  const { token, expiresAt } = await issueToken(user, 'VERIFY_EMAIL', VERIFY_TTL_MS);
  if (takenBy) return mailAddressTaken(ctx, user.email);
  await send(ctx, user.email, 'Confirm your email address for Postern', [
    'Confirm that this address is yours by opening this link:',
    '',
    `${appUrl}/verify-email?token=${token}`,
    '',
    `It works once, until ${expiresAt.toISOString()}. (API: verifyEmail(token: "…") with the token above.)`,
    'If you did not sign up to Postern, ignore this mail.',
  ]);
}

/** Told to the owner of a verified address when someone signs up with it. */
async function mailAddressTaken(ctx: Context, email: string): Promise<void> {
  await send(ctx, email, 'Someone signed up to Postern with your address', [
    'Someone just signed up to Postern with this address, which already has a verified login.',
    '',
    'If it was you: sign in with your password, or reset it with requestPasswordReset.',
    'If it was not: nothing was given to them. The new login can never verify this address.',
  ]);
}

/** The live token of `purpose`, spent by this call and no other (a unique claim). */
async function useToken(token: string, purpose: EmailTokenPurpose): Promise<EmailTokenDoc> {
  if (typeof token !== 'string' || token.length < 20 || token.length > 200) throw new BadInputError(INVALID_LINK, 'token');
  const doc = await EmailToken.findOne({ tokenHash: tokenHash(token), purpose }).lean<EmailTokenDoc>();
  if (!doc || doc.usedAt || new Date(doc.expiresAt) <= new Date()) throw new BadInputError(INVALID_LINK, 'token');
  // Claims outside any account carry the user's id in place of the account's.
  if (!(await claimOnce(`email-token:${doc._id}`, doc.userId))) throw new BadInputError(INVALID_LINK, 'token');
  await EmailToken.updateOne({ _id: doc._id }, { $set: { usedAt: new Date() } });
  return doc;
}

async function auditInAccountsOf(ctx: Context, userId: string, action: string, meta: Record<string, unknown> | null = null): Promise<void> {
  const memberships = await Member.find({ userId }).select({ accountId: 1 }).lean();
  await Promise.all(
    memberships.map((m) => ctx.audit.record({ accountId: m.accountId, action, target: { type: 'User', id: userId }, meta })),
  );
}

export async function verifyEmail(ctx: Context, token: string): Promise<boolean> {
  const t = await useToken(token, 'VERIFY_EMAIL');
  const user = await User.findById(t.userId).lean<UserDoc>();
  if (!user || user.email !== t.email) throw new BadInputError(INVALID_LINK, 'token');
  if (isVerified(user)) return true;
  if (!(await claimAddress(user))) {
    throw new BadInputError(
      `${user.email} is already verified by another Postern login: sign in with it, or reset its password with requestPasswordReset`,
      'token',
    );
  }
  ctx.loaders.forget('User', user._id);
  await auditInAccountsOf(ctx, user._id, 'user.emailVerified');
  return true;
}

/**
 * Mails a reset link to the verified holder of the address. The answer is the same whether or not
 * the address is known, and the mail goes out after the answer, so timing does not tell either.
 */
export async function requestPasswordReset(ctx: Context, email: string): Promise<boolean> {
  const address = email.trim().toLowerCase();
  const holder = address.length <= 254 ? await verifiedHolder(address) : null;
  // Limited per address as well as per client IP (the rate-limit plugin): counted for every address,
  // known or not, so the refusal tells nothing; audited in the holder's accounts.
  try {
    await ctx.limits.resetMailRequested(address);
  } catch (err) {
    if (holder)
      await auditInAccountsOf(ctx, holder._id, 'auth.refused', { method: 'requestPasswordReset', reason: ErrorCode.RATE_LIMITED });
    throw err;
  }
  if (holder) {
    void (async () => {
      const { token, expiresAt } = await issueToken(holder, 'RESET_PASSWORD', RESET_TTL_MS);
      await send(ctx, holder.email, 'Reset your Postern password', [
        'Someone (hopefully you) asked to reset the password of your Postern login. Choose a new one here:',
        '',
        `${appUrl}/reset-password?token=${token}`,
        '',
        `It works once, until ${expiresAt.toISOString()}, and signs you out everywhere. (API: resetPassword(token, password).)`,
        'If you did not ask for it, ignore this mail: your password stays as it is.',
      ]);
    })().catch((err: unknown) => ctx.log.error({ err }, 'password reset mail failed'));
  }
  return true;
}

/** Sets a new password with a mailed reset token, once; every session of the user ends. */
export async function resetPassword(ctx: Context, token: string, password: string): Promise<boolean> {
  // Checked first, so a weak password does not spend the link.
  assertStrongPassword(password);
  const t = await useToken(token, 'RESET_PASSWORD');
  const holder = await verifiedHolder(t.email);
  if (!holder || holder._id !== t.userId) throw new BadInputError(INVALID_LINK, 'token');
  await User.updateOne({ _id: holder._id }, { $set: { passwordHash: await hashPassword(password) } });
  ctx.loaders.forget('User', holder._id);
  const ended = await Session.updateMany({ userId: holder._id, revokedAt: null }, { $set: { revokedAt: new Date() } });
  await auditInAccountsOf(ctx, holder._id, 'user.passwordReset', { sessionsEnded: ended.modifiedCount });
  return true;
}
