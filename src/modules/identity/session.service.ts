// Sessions: random tokens stored only as SHA-256 hashes, with an expiry; a login whose credentials were
// all checked (password, second factor, SSO) ends in completeLogin().
import type { Context } from '../../graphql/context';
import { randomSecret, tokenHash } from '../../crypto/tokens';
import { Member, type AccountDoc } from '../accounts/account.model';
import { Session, type UserDoc } from './user.model';

let sessionTtlMs = 14 * 24 * 3600 * 1000;
export function setSessionTtlHours(hours: number): void {
  sessionTtlMs = hours * 3600 * 1000;
}

export interface AuthResult {
  token: string;
  user: UserDoc;
  account: AccountDoc | null;
}

export async function startSession(userId: string, method: string): Promise<string> {
  const token = randomSecret(32);
  await Session.create({ userId, tokenHash: tokenHash(token), expiresAt: new Date(Date.now() + sessionTtlMs), method });
  return token;
}

/** What an SSO door tells the gate: which account's IdP minted the session, and whether it asserted MFA. */
export interface LoginOrigin {
  ssoAccountId?: string;
  idpMfa?: boolean;
}

/** Starts the session of a user whose credentials were all checked, and audits the login in each of their accounts. */
export async function completeLogin(ctx: Context, user: UserDoc, method: string, _origin?: LoginOrigin): Promise<AuthResult> {
  const token = await startSession(user._id, method);
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
