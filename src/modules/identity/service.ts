// Sign-up, login and logout. Passwords: scrypt (src/crypto/passwords.ts). Sessions: random tokens
// stored only as SHA-256 hashes, with an expiry; logout revokes at once.
import type { Context } from '../../graphql/context';
import { assertStrongPassword, dummyHash, hashPassword, verifyPassword } from '../../crypto/passwords';
import { randomSecret, tokenHash } from '../../crypto/tokens';
import { BadInputError, UnauthenticatedError } from '../../errors';
import { Member, type AccountDoc } from '../accounts/model';
import { createAccount, cleanName } from '../accounts/service';
import { Session, User, type UserDoc } from './model';
import { requireSecondFactor } from './two-factor.service';
import { assertPasswordLoginAllowed } from '../../sso/service';
import { isDuplicateKey } from '../../db/errors';

let sessionTtlMs = 14 * 24 * 3600 * 1000;
export function setSessionTtlHours(hours: number): void {
  sessionTtlMs = hours * 3600 * 1000;
}

export interface AuthResult {
  token: string;
  user: UserDoc;
  account: AccountDoc | null;
}

export async function startSession(userId: string): Promise<string> {
  const token = randomSecret(32);
  await Session.create({ userId, tokenHash: tokenHash(token), expiresAt: new Date(Date.now() + sessionTtlMs) });
  return token;
}

export async function signUp(
  ctx: Context,
  input: { email: string; password: string; name: string; accountName: string },
): Promise<AuthResult> {
  const email = input.email.trim().toLowerCase();
  if (email.length > 254) throw new BadInputError('email must be at most 254 characters', 'email');
  assertStrongPassword(input.password);
  const name = cleanName(input.name, 'name');
  const accountName = cleanName(input.accountName, 'accountName');
  if (await User.exists({ email })) throw new BadInputError('An account with this email already exists', 'email');
  let user: UserDoc;
  try {
    user = (await User.create({ email, name, passwordHash: await hashPassword(input.password) })).toObject();
  } catch (err) {
    if (isDuplicateKey(err)) throw new BadInputError('An account with this email already exists', 'email');
    throw err;
  }
  let account: AccountDoc;
  try {
    ({ account } = await createAccount(user._id, accountName));
  } catch (err) {
    await User.deleteOne({ _id: user._id });
    throw err;
  }
  const token = await startSession(user._id);
  ctx.principal = { kind: 'user', id: user._id, userId: user._id, sessionId: 'new' };
  await ctx.audit.record({
    accountId: account._id,
    action: 'account.created',
    target: { type: 'Account', id: account._id },
    after: { name: account.name, ownerId: user._id },
  });
  await ctx.audit.record({
    accountId: account._id,
    action: 'auth.login',
    target: { type: 'User', id: user._id },
    meta: { method: 'signUp' },
  });
  return { token, user, account };
}

export const LOGIN_FAILED = 'Invalid email or password';

export async function login(ctx: Context, input: { email: string; password: string }): Promise<AuthResult> {
  const email = input.email.trim().toLowerCase();
  const user = await User.findOne({ email }).lean<UserDoc>();
  // Unknown email and wrong password take the same time and give the same error.
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyHash()));
  if (!user || !ok) throw new UnauthenticatedError(LOGIN_FAILED);
  // Members of an account that requires SSO sign in there (its owner keeps a password: break-glass);
  // users with a second factor get a short-lived challenge instead of a session.
  await assertPasswordLoginAllowed(user);
  await requireSecondFactor(user);
  return completeLogin(ctx, user, 'password');
}

/** Starts the session of a user whose credentials were all checked, and audits the login in each of their accounts. */
export async function completeLogin(ctx: Context, user: UserDoc, method: string): Promise<AuthResult> {
  const token = await startSession(user._id);
  ctx.principal = { kind: 'user', id: user._id, userId: user._id, sessionId: 'new' };
  const memberships = await Member.find({ userId: user._id }).select({ accountId: 1 }).lean();
  await Promise.all(
    memberships.map((m) =>
      ctx.audit.record({
        accountId: m.accountId,
        action: 'auth.login',
        target: { type: 'User', id: user._id },
        meta: { method },
      }),
    ),
  );
  return { token, user, account: null };
}

export async function logout(ctx: Context): Promise<boolean> {
  const p = ctx.principal;
  if (!p) throw new UnauthenticatedError();
  if (p.kind !== 'user') throw new BadInputError('Partner API tokens are ended with revokeApiToken, not logout');
  await Session.updateOne({ _id: p.sessionId }, { $set: { revokedAt: new Date() } });
  return true;
}
