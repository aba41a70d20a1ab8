// Rate limits (rate-limiter-flexible). Kept in the database, so every replica and worker counts the
// same attempts exactly: failed logins per (email, client IP) with a lockout and per client IP, and
// the anonymous actions that mail or create things per client IP.
// The request budget per principal is counted in this process's memory (RateLimiterMemory): it is a
// guard against a runaway client, asked on every request, and a database write per request was the
// most expensive command the store ran. What it guarantees: no process serves a principal more than
// `requestsPerMinute` requests in a fixed minute; a principal spread over W worker processes (a
// client's keep-alive connections are shared out between workers) and R replicas gets at most
// W × R × `requestsPerMinute`, and a restarted worker starts its counts afresh.
// A refusal is RateLimitedError: HTTP 429, Retry-After, extensions.code RATE_LIMITED.
import { createHash } from 'node:crypto';
import mongoose, { Schema, type Model } from 'mongoose';
import { RateLimiterMemory, RateLimiterMongo, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimitedError } from '../errors';

export const RATE_LIMIT_COLLECTION = 'rate_limits';

/**
 * The limiter's documents ({key, points, expire}); declared as a model only so that the unique key
 * index is made with every other index at start. No TTL index (docs/design.md "Storage limits"): an expired document
 * is overwritten by the next attempt with its key, and `sweep()` removes the rest.
 */
interface RateLimitDoc {
  key: string;
  points: number;
  expire: Date | null;
}
const rateLimitSchema = new Schema<RateLimitDoc>(
  { key: { type: String, required: true }, points: Number, expire: Date },
  { collection: RATE_LIMIT_COLLECTION, versionKey: false },
);
rateLimitSchema.index({ key: 1 }, { unique: true });
rateLimitSchema.index({ expire: 1 });
export const RateLimit: Model<RateLimitDoc> = mongoose.model<RateLimitDoc>('RateLimit', rateLimitSchema);

export interface RateLimitConfig {
  /** Failed logins allowed per (email, client IP) in `loginWindowMinutes`; one more locks that pair out. */
  loginFailures: number;
  /** Failed logins allowed per client IP (any email) in `loginWindowMinutes`. */
  loginFailuresPerIp: number;
  loginWindowMinutes: number;
  /** How long a lockout lasts. */
  lockoutMinutes: number;
  /** signUp, acceptInvitation, requestAccess, requestPasswordReset, resetPassword, verifyEmail: each, per client IP per hour. */
  actionsPerIpHour: number;
  /** Requests per principal (user session or partner token) per minute, counted per process (see above). */
  requestsPerMinute: number;
  /**
   * Second-factor codes checked per user in `loginWindowMinutes`, across all their challenges; the
   * next one locks the user's second factor out for `lockoutMinutes` (audited, mailed to the user).
   */
  secondFactorFailures: number;
  /** Second-factor challenges issued per user in `loginWindowMinutes` (a right password each). */
  challenges: number;
  /** Password-reset mails per address per hour (besides requestPasswordReset per client IP). */
  resetMailsPerAddressHour: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  loginFailures: 20,
  loginFailuresPerIp: 100,
  loginWindowMinutes: 15,
  lockoutMinutes: 15,
  actionsPerIpHour: 20,
  requestsPerMinute: 1200,
  secondFactorFailures: 10,
  challenges: 10,
  resetMailsPerAddressHour: 5,
};

export type LimitedAction = 'signUp' | 'acceptInvitation' | 'requestAccess' | 'requestPasswordReset' | 'resetPassword' | 'verifyEmail';

/** What a refused failed login tells the caller: whether this failure started a lockout. */
export interface LoginRefusal {
  error: RateLimitedError;
  /** True for the one failure that crossed the per-(email, IP) limit. */
  lockedOut: boolean;
}

/** Emails are kept out of the store: keys hold a hash. */
function hashed(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 32);
}

function isRefusal(err: unknown): err is RateLimiterRes {
  return err instanceof RateLimiterRes;
}

export class RateLimits {
  private readonly loginPair: RateLimiterMongo;
  private readonly loginIp: RateLimiterMongo;
  private readonly actions: RateLimiterMongo;
  private readonly requests: RateLimiterMemory;
  private readonly secondFactor: RateLimiterMongo;
  private readonly challengeIssue: RateLimiterMongo;
  private readonly resetAddress: RateLimiterMongo;

  constructor(readonly config: RateLimitConfig) {
    const make = (keyPrefix: string, points: number, duration: number, blockDuration = 0) =>
      new RateLimiterMongo({
        storeClient: mongoose.connection,
        tableName: RATE_LIMIT_COLLECTION,
        disableIndexesCreation: true,
        keyPrefix,
        points,
        duration,
        blockDuration,
      });
    const window = config.loginWindowMinutes * 60;
    this.loginPair = make('login', config.loginFailures, window, config.lockoutMinutes * 60);
    this.loginIp = make('login-ip', config.loginFailuresPerIp, window, config.lockoutMinutes * 60);
    this.actions = make('action', config.actionsPerIpHour, 3600);
    this.requests = new RateLimiterMemory({ keyPrefix: 'principal', points: config.requestsPerMinute, duration: 60 });
    this.secondFactor = make('second-factor', config.secondFactorFailures, window, config.lockoutMinutes * 60);
    this.challengeIssue = make('challenge', config.challenges, window);
    this.resetAddress = make('reset-address', config.resetMailsPerAddressHour, 3600);
  }

  /**
   * Claims one second-factor check for `userId` before the code is looked at: the rate limiter's one
   * atomic `$inc` (upsert) on the user's counter, then the comparison with its result — never a
   * read-then-write, so N parallel wrong codes check at most the limit. Refused: RATE_LIMITED, with
   * `lockedOut` (the caller announces the lockout once, under a claim).
   */
  async claimSecondFactorCheck(userId: string): Promise<{ error: RateLimitedError; lockedOut: boolean } | null> {
    try {
      await this.secondFactor.consume(userId);
      return null;
    } catch (err) {
      if (!isRefusal(err)) throw err;
      const limit = this.config.secondFactorFailures;
      return {
        error: new RateLimitedError(err.msBeforeNext, 'Too many wrong second-factor codes: this login is locked for a while'),
        // The first refusals after the limit (parallel requests may see several): the caller claims
        // the announcement once (src/modules/identity/gate.service.ts).
        lockedOut: err.consumedPoints > limit,
      };
    }
  }

  /** A right code: the user's count of second-factor checks starts again. */
  async secondFactorSucceeded(userId: string): Promise<void> {
    await this.secondFactor.delete(userId);
  }

  /** Refuses while the user's second factor is locked out (no challenge, no code checked). */
  async assertSecondFactorNotLocked(userId: string): Promise<void> {
    const r = await this.secondFactor.get(userId);
    const limit = this.config.secondFactorFailures;
    if (r && r.consumedPoints > limit) {
      throw new RateLimitedError(r.msBeforeNext, 'Too many wrong second-factor codes: this login is locked for a while');
    }
  }

  /** Counts one second-factor challenge issued to `userId`; RATE_LIMITED past the limit. */
  async challengeIssued(userId: string): Promise<void> {
    await this.consume(this.challengeIssue, userId, 'Too many sign-in attempts for this login: wait before trying again');
  }

  /** Counts one reset mail to `address` (hashed, known or not: the answer tells nothing); RATE_LIMITED past the limit. */
  async resetMailRequested(address: string): Promise<void> {
    await this.consume(
      this.resetAddress,
      hashed(address.trim().toLowerCase()),
      'Too many password reset mails to this address: wait before asking again',
    );
  }

  private static pairKey(email: string, ip: string | null): string {
    return `${hashed(email.trim().toLowerCase())}|${ip ?? 'unknown'}`;
  }

  /** Refuses a login attempt while its (email, IP) pair or its IP is locked out, whatever the password. */
  async assertLoginAllowed(email: string, ip: string | null): Promise<void> {
    const [pair, byIp] = await Promise.all([this.loginPair.get(RateLimits.pairKey(email, ip)), this.loginIp.get(ip ?? 'unknown')]);
    const blocked = [
      pair && pair.consumedPoints > this.config.loginFailures ? pair : null,
      byIp && byIp.consumedPoints > this.config.loginFailuresPerIp ? byIp : null,
    ].filter((r): r is RateLimiterRes => !!r);
    if (blocked.length) {
      throw new RateLimitedError(Math.max(...blocked.map((r) => r.msBeforeNext)), 'Too many failed sign-in attempts');
    }
  }

  /** Counts a failed login; past a limit, the refusal to send instead of "invalid email or password". */
  async loginFailed(email: string, ip: string | null): Promise<LoginRefusal | null> {
    const results = await Promise.allSettled([
      this.loginPair.consume(RateLimits.pairKey(email, ip)),
      this.loginIp.consume(ip ?? 'unknown'),
    ]);
    let refusedMs = -1;
    let lockedOut = false;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') return;
      if (!isRefusal(r.reason)) throw r.reason;
      refusedMs = Math.max(refusedMs, r.reason.msBeforeNext);
      const limit = i === 0 ? this.config.loginFailures : this.config.loginFailuresPerIp;
      if (r.reason.consumedPoints === limit + 1) lockedOut = true;
    });
    if (refusedMs < 0) return null;
    return { error: new RateLimitedError(refusedMs, 'Too many failed sign-in attempts'), lockedOut };
  }

  /** A successful login clears the failures of its (email, IP) pair. */
  async loginSucceeded(email: string, ip: string | null): Promise<void> {
    await this.loginPair.delete(RateLimits.pairKey(email, ip));
  }

  /** Counts one anonymous action from an IP; throws RateLimitedError past the hourly limit. */
  async action(name: LimitedAction, ip: string | null): Promise<void> {
    await this.consume(this.actions, `${name}|${ip ?? 'unknown'}`, 'Too many requests of this kind from your address');
  }

  /** Counts one request of a principal; throws RateLimitedError past the per-minute budget. */
  async request(principalId: string): Promise<void> {
    await this.consume(this.requests, principalId, 'Request budget exceeded');
  }

  private async consume(limiter: RateLimiterAbstract, key: string, message: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (err) {
      if (isRefusal(err)) throw new RateLimitedError(err.msBeforeNext, message);
      throw err;
    }
  }

  /** Removes expired counters (called at start; the store has no TTL index). */
  static async sweep(): Promise<void> {
    await RateLimit.deleteMany({ expire: { $lte: new Date() } });
  }
}
