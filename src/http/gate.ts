// The request gate: one Express middleware in front of /graphql and every authenticated REST route
// (/audit/export, /access/review.csv, /email-logs/export). It resolves the principal with the facts
// the gates need (src/identity/principal.ts: the credential by its hash, the second factor by the
// user's id) and spends the principal's request budget (counted in this worker's memory:
// src/limits/rate-limit.ts), then hands the result on in `res.locals.auth`. No write, ever: a refusal is
// written to the audit log, a pass is not.
//
// What it decides here, for REST routes: no principal → 401; over budget → 429; a person who owes a
// second factor to an account (requireTwoFactor) → 403 until they enrol (for /graphql the enrolment
// fields stay open: src/graphql/plugins/two-factor-gate.ts decides per operation). Where a principal
// touches an account, the account gate (src/identity/gate.ts, from src/graphql/authz/request.ts) adds
// ssoRequired, a session reaching only its IdP's account, and tokens acting for their maker.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { GraphQLError } from 'graphql';
import { authenticate, type Authentication } from '../identity';
import { isDatabaseUnavailable } from '../db';
import { ErrorCode, RateLimitedError, ServiceUnavailableError, UNAUTHENTICATED_MESSAGE } from '../errors';
import type { RateLimits } from '../limits';

/** The identity module's enrolment rule (src/composition/registry.ts `requestPolicies.secondFactor`), without a request context. */
export type EnrolmentCheck = (userId: string) => Promise<void>;

export interface GateOptions {
  limits: RateLimits;
  /** REST: the principal is required and must have no enrolment owing. /graphql: Apollo's plugins decide per operation. */
  rest: boolean;
  /** Throws TWO_FACTOR_ENROLMENT_REQUIRED (FORBIDDEN) for a person who owes a second factor (REST only). */
  assertEnrolled?: EnrolmentCheck;
  /** Audits a refusal (auth.refused) in the accounts it concerns. */
  refused?: (auth: Authentication, err: GraphQLError, req: Request) => Promise<void>;
}

/** What the gate leaves in `res.locals.auth` for the route. */
export type RequestAuth = Authentication;

function send(res: Response, status: number, err: GraphQLError | { message: string; extensions: Record<string, unknown> }): void {
  const { http: _http, ...extensions } = (err.extensions ?? {}) as Record<string, unknown>;
  res.status(status).json({ errors: [{ message: err.message, extensions }] });
}

/** The name every mounted gate carries in Express's stack (test/modules/identity/doors.test.ts looks for it). */
export const REQUEST_GATE = 'requestGate';

export function requestGate(opts: GateOptions): RequestHandler {
  return function requestGate(req: Request, res: Response, next: NextFunction) {
    void (async () => {
      const auth: Authentication = await authenticate(req.get('authorization'));
      res.locals.auth = auth satisfies RequestAuth;
      const p = auth.principal;
      res.locals.principalId = p?.id;
      if (!p) {
        if (opts.rest) return send(res, 401, { message: UNAUTHENTICATED_MESSAGE, extensions: { code: ErrorCode.UNAUTHENTICATED } });
        return next();
      }
      try {
        await opts.limits.request(p.id);
      } catch (err) {
        if (!(err instanceof RateLimitedError)) throw err;
        res.setHeader('retry-after', String(err.extensions.retryAfter));
        return send(res, 429, err);
      }
      if (opts.rest && p.kind === 'user' && p.twoFactorEnabled === false && opts.assertEnrolled) {
        try {
          await opts.assertEnrolled(p.userId);
        } catch (err) {
          if (!(err instanceof GraphQLError)) throw err;
          await opts.refused?.(auth, err, req);
          return send(res, 403, err);
        }
      }
      next();
    })().catch((err: unknown) => {
      // The database went away during any of the gate's reads or its upsert: 503, as /graphql answers it.
      if (!isDatabaseUnavailable(err) || res.headersSent) return next(err);
      res.setHeader('retry-after', '1');
      send(res, 503, new ServiceUnavailableError());
    });
  };
}
