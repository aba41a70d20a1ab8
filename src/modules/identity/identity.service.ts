// Sign-up, login and logout (email ownership: src/modules/identity/email.service.ts). Passwords: scrypt
// (src/crypto/passwords.ts). Sessions (session.service.ts): random tokens stored only as SHA-256 hashes,
// with an expiry; logout revokes at once.
import type { Context } from '../../graphql';
import type { LoginInput, SignUpInput } from '../../generated';
import { assertStrongPassword, dummyHash, hashPassword, verifyPassword } from '../../crypto';
import { BadInputError, UnauthenticatedError } from '../../errors';
import { Member, type AccountDoc } from '../accounts/account.model';
import { createAccount, cleanName } from '../accounts/accounts.service';
import { Session, User, type UserDoc } from './user.model';
import { mailVerification, verifiedHolder } from './email.service';
import { issueSession, type AuthResult } from './gate.service';

/**
 * A new account, its owner and a session, for any address: a new address is mailed a verification
 * link; an address already verified by someone gets them a notice instead, and the new user can never
 * verify it. The answer is the same either way (no account enumeration).
 */
export async function signUp(ctx: Context, input: SignUpInput): Promise<AuthResult> {
  const email = input.email.trim().toLowerCase();
  if (email.length > 254) throw new BadInputError('email must be at most 254 characters', 'email');
  assertStrongPassword(input.password);
  const name = cleanName(input.name, 'name');
  const accountName = cleanName(input.accountName, 'accountName');
  const holder = await verifiedHolder(email);
  const user = (await User.create({ email, name, passwordHash: await hashPassword(input.password) })).toObject();
  let account: AccountDoc;
  try {
    ({ account } = await createAccount(ctx.access, user._id, accountName));
  } catch (err) {
    await User.deleteOne({ _id: user._id });
    throw err;
  }
  // The gate issues the session (and records auth.login, method signup, in the new account).
  const result = await issueSession(ctx, user, 'signup', {
    account,
    beforeLoginRecorded: () =>
      ctx.audit.record({
        accountId: account._id,
        action: 'account.created',
        target: { type: 'Account', id: account._id },
        after: { name: account.name, ownerId: user._id },
      }),
  });
  await mailVerification(ctx, user, holder);
  return result;
}

/** Users a password is tried against: the verified holder of the address first, then the newest unverified ones. */
const LOGIN_CANDIDATES = 5;

export const LOGIN_FAILED = 'Invalid email or password';

/** The one user with this username (none when unknown, too long, or not unique). */
async function usernameCandidates(username: string): Promise<UserDoc[]> {
  if (username.length > 40) return [];
  const users = await User.find({ username }).limit(2).lean<UserDoc[]>();
  return users.length === 1 ? users : [];
}

export async function login(ctx: Context, input: LoginInput): Promise<AuthResult> {
  // Mautic: the username signs in as well as the email (the rate limits key on whichever is given).
  const hasEmail = typeof input.email === 'string' && input.email.trim() !== '';
  const hasUsername = typeof input.username === 'string' && input.username.trim() !== '';
  if (hasEmail === hasUsername) throw new BadInputError('Sign in with an email or a username (one of them)', 'email');
  const username = hasUsername ? input.username!.trim() : '';
  const email = hasEmail ? input.email!.trim().toLowerCase() : `username:${username}`;
  const candidates = hasEmail
    ? await User.find({ email }).sort({ emailVerifiedAt: -1, _id: -1 }).limit(LOGIN_CANDIDATES).lean<UserDoc[]>()
    : await usernameCandidates(username);
  // One lockout counter per login, whatever identifier was typed: a known login counts under its
  // user id (its email and its username share it); an unknown identifier under itself.
  const lockKey = candidates[0] ? `user:${candidates[0]._id}` : email;
  // Locked out (too many failures from this address for this login, or from this address at all):
  // refused before the password is even checked, so a right guess during a lockout tells nothing.
  await ctx.limits.assertLoginAllowed(lockKey, ctx.ip);
  // Unknown email and wrong password give the same error (and an unknown email costs one hash too).
  let user: UserDoc | undefined;
  for (const c of candidates) {
    if (await verifyPassword(input.password, c.passwordHash)) {
      user = c;
      break;
    }
  }
  if (!candidates.length) await verifyPassword(input.password, await dummyHash());
  if (!user) {
    const refusal = await ctx.limits.loginFailed(lockKey, ctx.ip);
    if (candidates[0]) await auditLoginFailure(ctx, candidates[0]._id, refusal?.lockedOut ?? false);
    throw refusal?.error ?? new UnauthenticatedError(LOGIN_FAILED);
  }
  await ctx.limits.loginSucceeded(lockKey, ctx.ip);
  // The gate: a user with a second factor gets a challenge instead of a session; members of accounts
  // requiring SSO sign in there (their owner keeps a password: break-glass).
  return issueSession(ctx, user, 'password');
}

/**
 * A failed login (and the failure that starts a lockout) in the audit log of every account the user
 * belongs to; the client IP and request id come with every event. Never the password tried.
 */
async function auditLoginFailure(ctx: Context, userId: string, lockedOut: boolean): Promise<void> {
  const memberships = await Member.find({ userId }).select({ accountId: 1 }).lean();
  await Promise.all(
    memberships.flatMap((m) => [
      ctx.audit.record({
        accountId: m.accountId,
        action: 'auth.loginFailed',
        target: { type: 'User', id: userId },
        meta: { method: 'password' },
      }),
      ...(lockedOut
        ? [
            ctx.audit.record({
              accountId: m.accountId,
              action: 'auth.lockedOut',
              target: { type: 'User', id: userId },
              meta: { minutes: ctx.limits.config.lockoutMinutes },
            }),
          ]
        : []),
    ]),
  );
}

export async function logout(ctx: Context): Promise<boolean> {
  const p = ctx.principal;
  if (!p) throw new UnauthenticatedError();
  if (p.kind !== 'user') throw new BadInputError('Partner API tokens are ended with revokeApiToken, not logout');
  await Session.updateOne({ _id: p.sessionId }, { $set: { revokedAt: new Date() } });
  return true;
}
