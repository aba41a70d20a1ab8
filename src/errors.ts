// Error classes with the stable `extensions.code` values of CONTRACT.md. Anything else that reaches
// the client is turned into a generic INTERNAL_SERVER_ERROR by src/graphql/format-error.ts.
import { GraphQLError } from 'graphql';

export type ScopeRef = { type: string; id: string };

/** The one wording for a missing, unknown, expired or revoked token, wherever it is refused. */
export const UNAUTHENTICATED_MESSAGE = 'You must be signed in: send a valid token as "Authorization: Bearer <token>".';

/** The database cannot be reached just now: retry shortly (HTTP 503). */
export class ServiceUnavailableError extends GraphQLError {
  constructor(message = 'The database is unavailable: retry in a moment.') {
    super(message, { extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } } });
  }
}

export class UnauthenticatedError extends GraphQLError {
  constructor(message = UNAUTHENTICATED_MESSAGE) {
    super(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  }
}

export class ForbiddenError extends GraphQLError {
  /** `principal`: who was refused — people may request access, API tokens may not (CONTRACT.md). */
  constructor(permission: string, scope: ScopeRef, principal?: { kind: string } | null) {
    super(`Missing permission ${permission} on ${scope.type} ${scope.id}`, {
      extensions: { code: 'FORBIDDEN', permission, scope, canRequestAccess: principal?.kind !== 'token' },
    });
  }
}

export class NotFoundError extends GraphQLError {
  constructor(what = 'resource', id?: string) {
    super(id ? `No ${what} with id ${JSON.stringify(id)}` : `No such ${what}`, { extensions: { code: 'NOT_FOUND' } });
  }
}

export class BadInputError extends GraphQLError {
  constructor(message: string, field?: string) {
    super(message, { extensions: field ? { code: 'BAD_USER_INPUT', field } : { code: 'BAD_USER_INPUT' } });
  }
}

/** Too many attempts: HTTP 429 with Retry-After (seconds) and `extensions.retryAfter`. */
export class RateLimitedError extends GraphQLError {
  constructor(retryAfterMs: number, message = 'Too many attempts: wait before trying again') {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(`${message} (retry after ${seconds} s)`, {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfter: seconds,
        http: { status: 429, headers: new Map([['retry-after', String(seconds)]]) },
      },
    });
  }
}
