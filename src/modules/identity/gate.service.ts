// The one gate that issues sessions (docs/identity.md "Doors and gates"). Every door — password
// login, the second-factor step, OIDC and SAML callbacks, acceptInvitation, signUp — ends in
// issueSession() (exported as completeLogin, the name the doors call), which applies in one place:
//   1. lockouts: a user whose second factor is locked out gets nothing;
//   2. the second factor: a user with one gets a challenge, never a session, unless this door proved
//      it (loginWithTwoFactor) or an identity provider asserted MFA for an account that trusts it;
//   3. ssoRequired: a session that no account of the user would take (each requires SSO through its
//      own provider, and the user is not its owner) is refused; otherwise the session is issued and
//      the accounts that would refuse it keep refusing it on every request (src/identity/gate.ts).
//      One exception, for the password door only: a member whom the account's provider just offered
//      to link (a live link claim) gets the session, so that they can confirm the link
//      (confirmSsoLink); that account still refuses the session everywhere else;
//   4. requireTwoFactor: the session is issued (it is the way to enrol) and the request gate lets it
//      do nothing but enrol (src/graphql/plugins/two-factor-gate.ts, src/identity/gate.ts);
//   5. the record: the session keeps how it started, the second factor proven, and which account's
//      provider minted it (it then reaches that account only).
// Every refusal is audited (`auth.refused`, with the door and the reason) in the user's accounts.
import type { Context } from '../../graphql';
import type { LoginWithTwoFactorInput } from '../../generated';
import { randomSecret, tokenHash } from '../../crypto';
import { claimOnce } from '../../db';
import { BadInputError, UnauthenticatedError } from '../../errors';
import { accountRefusal, type AccountGateError, type AccountGateReason, type Principal } from '../../identity';
import { Account, Member, type AccountDoc } from '../accounts/account.model';
import { Session, User, type AuthResult, type UserDoc } from './user.model';
import { LoginChallenge, TwoFactor, type TwoFactorDoc } from './two-factor.model';
import { auditForUser, checkSecondFactor, mirrorTwoFactorOnSessions, TwoFactorRequiredError, twoFactorEnabled } from './two-factor.service';
import { SYSTEM_FROM } from './email.service';
import { hasLiveLinkClaim } from '../../sso/link.service';

export type { AuthResult };

let sessionTtlMs = 14 * 24 * 3600 * 1000;
export function setSessionTtlHours(hours: number): void {
  sessionTtlMs = hours * 3600 * 1000;
}

const CHALLENGE_TTL_MS = 5 * 60 * 1000;
/** Wrong codes one challenge survives (the per-user limit across challenges is RATE_LIMIT_SECOND_FACTOR_FAILURES). */
const CHALLENGE_MAX_FAILURES = 5;
const CHALLENGE_FAILED = 'The login challenge is unknown, expired or used up: log in again with your password.';

/** What a door tells the gate beyond the user and its method. */
export interface DoorOptions {
  /** The account whose identity provider vouched for the user (SSO callbacks): the session reaches that account only. */
  ssoAccountId?: string | null;
  /** The identity provider asserted multi-factor authentication (counts only where the account trusts it: Account.trustIdpMfa). */
  idpMfa?: boolean;
  /** The second factor this door proved (loginWithTwoFactor). */
  secondFactor?: 'totp' | 'recoveryCode' | 'idpMfa' | null;
  /** The account the door answers with (AuthPayload.account); by id when only the id is at hand. */
  account?: AccountDoc | null;
  accountId?: string | null;
  /** What the door records as the new principal before the login itself (signUp: account.created). */
  beforeLoginRecorded?: () => Promise<void>;
}

type GatedAccountDoc = Pick<AccountDoc, '_id' | 'name' | 'ownerId' | 'requireTwoFactor' | 'ssoRequired' | 'trustIdpMfa'>;

async function accountsOfUser(userId: string): Promise<GatedAccountDoc[]> {
  const ids = (await Member.find({ userId }).select({ accountId: 1 }).lean()).map((m) => m.accountId);
  if (!ids.length) return [];
  return Account.find({ _id: { $in: ids } })
    .select({ name: 1, ownerId: 1, requireTwoFactor: 1, ssoRequired: 1, trustIdpMfa: 1 })
    .lean<GatedAccountDoc[]>();
}

/** A refusal of a door, in the audit log of each of the user's accounts (never a secret). */
async function auditRefusal(
  ctx: Context,
  userId: string,
  accountIds: string[],
  method: string,
  reason: AccountGateReason | 'LOCKED_OUT' | 'CHALLENGE_RATE_LIMITED',
): Promise<void> {
  await Promise.all(
    accountIds.map((accountId) =>
      ctx.audit.record({ accountId, action: 'auth.refused', target: { type: 'User', id: userId }, meta: { method, reason } }),
    ),
  );
}

/**
 * Issues a second-factor challenge in place of a session (throws TwoFactorRequiredError). The
 * challenge remembers the door, so the session loginWithTwoFactor issues records it. Rate limited per
 * user (RATE_LIMIT_CHALLENGES): a password holder cannot mint challenges without end.
 */
async function issueChallenge(ctx: Context, user: UserDoc, method: string, opts: DoorOptions, accountIds: string[]): Promise<never> {
  try {
    await ctx.limits.challengeIssued(user._id);
  } catch (err) {
    await auditRefusal(ctx, user._id, accountIds, method, 'CHALLENGE_RATE_LIMITED');
    throw err;
  }
  const challenge = randomSecret(32);
  const expiresAt = new Date(Date.now() + CHALLENGE_TTL_MS);
  await LoginChallenge.create({
    userId: user._id,
    tokenHash: tokenHash(challenge),
    expiresAt,
    method,
    ssoAccountId: opts.ssoAccountId ?? null,
    idpMfa: !!opts.idpMfa,
    accountId: opts.account?._id ?? opts.accountId ?? null,
  });
  throw new TwoFactorRequiredError(challenge, expiresAt);
}

/** The password door's doors: `login`, and `loginWithTwoFactor` after it. */
const PASSWORD_DOOR = /^password(\+(totp|recoveryCode))?$/;

/**
 * The one exception to step 3: through the password door, a member whom an account requiring SSO has
 * a live offer to link for (docs/identity-sso.md "Linked logins") gets the session, to confirm the
 * link with. The account gate refuses that session in the account (SSO_REQUIRED) all the same, so
 * confirmSsoLink, which touches no account, is all it is good for there.
 */
async function linkingThroughPasswordDoor(
  user: UserDoc,
  method: string,
  refusals: { a: GatedAccountDoc; r: AccountGateError | null }[],
): Promise<boolean> {
  if (!PASSWORD_DOOR.test(method)) return false;
  for (const { a, r } of refusals) {
    if (r?.reason === 'SSO_REQUIRED' && (await hasLiveLinkClaim(a._id, user._id))) return true;
  }
  return false;
}

/**
 * The gate: a session for `user`, who passed door `method`, or a challenge or refusal instead (see
 * the head of this file). The only function that creates a Session.
 */
export async function issueSession(ctx: Context, user: UserDoc, method: string, opts: DoorOptions = {}): Promise<AuthResult> {
  const accounts = await accountsOfUser(user._id);
  const accountIds = accounts.map((a) => a._id);
  // 1. Lockout of the second factor (too many wrong codes across challenges): no door opens meanwhile.
  try {
    await ctx.limits.assertSecondFactorNotLocked(user._id);
  } catch (err) {
    await auditRefusal(ctx, user._id, accountIds, method, 'LOCKED_OUT');
    throw err;
  }
  // 2. The second factor.
  let secondFactor = opts.secondFactor ?? null;
  const enrolled = await twoFactorEnabled(user._id);
  if (enrolled && !secondFactor) {
    const idpAccount = opts.ssoAccountId
      ? (accounts.find((a) => a._id === opts.ssoAccountId) ?? (await Account.findById(opts.ssoAccountId).lean<GatedAccountDoc>()))
      : null;
    if (opts.idpMfa && idpAccount?.trustIdpMfa) secondFactor = 'idpMfa';
    else await issueChallenge(ctx, user, method, opts, accountIds);
  }
  // 3. ssoRequired (and a provider's session reaching its own account only): the accounts that would
  // refuse this session, decided by the same rule the request gate applies.
  const would: Principal = {
    kind: 'user',
    id: user._id,
    userId: user._id,
    sessionId: 'new',
    method,
    ssoAccountId: opts.ssoAccountId ?? null,
    twoFactorEnabled: enrolled,
  };
  const ssoRefusals = accounts
    .map((a) => ({ a, r: accountRefusal(would, a) }))
    .filter((x) => x.r && x.r.reason !== 'TWO_FACTOR_ENROLMENT_REQUIRED');
  if (accounts.length && ssoRefusals.length === accounts.length && !(await linkingThroughPasswordDoor(user, method, ssoRefusals))) {
    const first = ssoRefusals[0]!;
    await auditRefusal(ctx, user._id, accountIds, method, first.r!.reason);
    throw new UnauthenticatedError(
      `${first.a.name} requires single sign-on: sign in through your identity provider at /sso/${first.a._id}/oidc/login or /sso/${first.a._id}/saml/login`,
    );
  }
  // 5. The session and its record.
  const token = randomSecret(32);
  const session = await Session.create({
    userId: user._id,
    tokenHash: tokenHash(token),
    expiresAt: new Date(Date.now() + sessionTtlMs),
    method,
    ssoAccountId: opts.ssoAccountId ?? null,
    secondFactor,
    twoFactorEnabled: enrolled,
  });
  // The state was read before the session existed: a change since then (enrolment or disable on
  // another device) mirrored onto the sessions without this one. Read again; mirror if it moved.
  if ((await twoFactorEnabled(user._id)) !== enrolled) await mirrorTwoFactorOnSessions(user._id);
  ctx.principal = { ...would, sessionId: session._id };
  await opts.beforeLoginRecorded?.();
  await Promise.all(
    accountIds.map((accountId) =>
      ctx.audit.record({
        accountId,
        action: 'auth.login',
        target: { type: 'User', id: user._id },
        meta: { method, ...(secondFactor ? { secondFactor } : {}), ...(opts.ssoAccountId ? { ssoAccountId: opts.ssoAccountId } : {}) },
      }),
    ),
  );
  const account = opts.account ?? (opts.accountId ? await Account.findById(opts.accountId).lean<AccountDoc>() : null);
  return { token, user, account };
}

/** The name every door calls the gate by (the SSO callbacks pass `{ ssoAccountId, idpMfa }`). */
export const completeLogin = issueSession;

/** Told to the user when their second factor locks out: someone has their password (or a session's challenge). */
async function mailLockout(ctx: Context, user: UserDoc): Promise<void> {
  const sent = await ctx.mailer.send({
    from: SYSTEM_FROM,
    to: user.email,
    subject: 'Your Postern login is locked for a while',
    text: [
      'Too many wrong two-factor codes were sent for your Postern login, so it is locked for a while.',
      '',
      'They came after your password was accepted: if it was not you, someone knows your password.',
      'Reset it with requestPasswordReset once the lock ends, and check the sessions of your accounts.',
    ].join('\n'),
  });
  if (!sent.delivered && sent.error) ctx.log.warn({ error: sent.error }, 'lockout mail not delivered');
}

/**
 * The second-factor door: a challenge (from any door) and a code. Each code checked first claims one
 * of the user's checks (RateLimits.claimSecondFactorCheck: one atomic $inc, never read-then-write);
 * past the limit the user is locked out — audited, mailed — and no code is looked at. The challenge
 * itself also dies after a few wrong codes (a guarded $inc) and is used once (a claim).
 */
export async function loginWithTwoFactor(ctx: Context, input: LoginWithTwoFactorInput): Promise<AuthResult> {
  if (typeof input.challenge !== 'string' || input.challenge.length > 200) throw new UnauthenticatedError(CHALLENGE_FAILED);
  const found = await LoginChallenge.findOne({ tokenHash: tokenHash(input.challenge) }).lean();
  if (!found || found.expiresAt <= new Date()) throw new UnauthenticatedError(CHALLENGE_FAILED);
  const user = await User.findById(found.userId).lean<UserDoc>();
  if (!user) throw new UnauthenticatedError(CHALLENGE_FAILED);
  // A try of this challenge: a guarded $inc, so parallel codes cannot exceed its cap either.
  const tried = await LoginChallenge.updateOne(
    { _id: found._id, failedAttempts: { $lt: CHALLENGE_MAX_FAILURES } },
    { $inc: { failedAttempts: 1 } },
  );
  if (tried.modifiedCount !== 1) throw new UnauthenticatedError(CHALLENGE_FAILED);
  const claim = await ctx.limits.claimSecondFactorCheck(user._id);
  if (claim) {
    // The lockout is announced (audited, mailed) once per lockout period: a claim, whatever the parallel refusals.
    const period = Math.floor(Date.now() / (ctx.limits.config.lockoutMinutes * 60_000));
    if (claim.lockedOut && (await claimOnce(`second-factor-lockout:${user._id}:${period}`, user._id))) {
      await auditForUser(ctx, user._id, 'auth.lockedOut', { factor: 'secondFactor', minutes: ctx.limits.config.lockoutMinutes });
      await mailLockout(ctx, user);
    } else {
      await auditForUser(ctx, user._id, 'auth.refused', { method: 'loginWithTwoFactor', reason: 'LOCKED_OUT' });
    }
    throw claim.error;
  }
  const doc = await TwoFactor.findById(found.userId).lean<TwoFactorDoc>();
  if (!doc?.enabledAt) throw new UnauthenticatedError(CHALLENGE_FAILED);
  const factor = await checkSecondFactor(doc, input.code);
  if (!factor) {
    await auditForUser(ctx, user._id, 'auth.twoFactorFailed');
    throw new BadInputError('That code is not valid', 'code');
  }
  if (!(await claimOnce(`login-challenge:${found._id}`, user._id))) throw new UnauthenticatedError(CHALLENGE_FAILED);
  await LoginChallenge.deleteOne({ _id: found._id });
  await ctx.limits.secondFactorSucceeded(user._id);
  if (factor === 'recoveryCode') {
    const left = (await TwoFactor.findById(user._id).lean<TwoFactorDoc>())?.recoveryCodeHashes.length ?? 0;
    await auditForUser(ctx, user._id, 'user.recoveryCodeUsed', { recoveryCodesLeft: left });
  }
  const method = found.method === 'password' ? `password+${factor}` : `${found.method}+${factor}`;
  return issueSession(ctx, user, method, {
    secondFactor: factor,
    ssoAccountId: found.ssoAccountId ?? null,
    idpMfa: found.idpMfa,
    accountId: found.accountId ?? null,
  });
}
