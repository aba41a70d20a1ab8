// Error classes with the stable `extensions.code` values of docs/api.md "Errors". Anything else that reaches
// the client is turned into a generic INTERNAL_SERVER_ERROR by src/graphql/format-error.ts.
import { GraphQLError } from 'graphql';

export type ScopeRef = { type: string; id: string };

/**
 * The closed set of `extensions.code` values the API answers with, over GraphQL and the REST
 * endpoints (audit and email-log exports, SSO, SCIM's mapping of them): docs/api.md "Errors".
 * Written nowhere else as a string (ESLint `no-restricted-syntax` outside this file).
 */
export const ErrorCode = {
  /** No valid token (HTTP 401). */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** A permission is missing (`permission`, `scope`, `canRequestAccess`), or a rule refuses (HTTP 403 on REST). */
  FORBIDDEN: 'FORBIDDEN',
  /** No such object, or one in an account the caller cannot see. */
  NOT_FOUND: 'NOT_FOUND',
  /** Invalid input; `field` names the input field when there is one. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** Too many attempts or requests: `retryAfter` seconds (HTTP 429, Retry-After). */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The database cannot be reached just now: retry shortly (HTTP 503). */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** Anything unexpected; the details are logged with the request id, never sent. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** Apollo Server's: the query does not parse. */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** Apollo Server's: the query does not validate against the schema (or is too large: `maxTokens`). */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** A malformed HTTP request (body, method or SSO parameters). */
  BAD_REQUEST: 'BAD_REQUEST',
  /** Apollo Server's automatic persisted queries. */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** Apollo Server's: the operation to run cannot be chosen (`operationName`). */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The one wording for a missing, unknown, expired or revoked token, wherever it is refused. */
export const UNAUTHENTICATED_MESSAGE = 'You must be signed in: send a valid token as "Authorization: Bearer <token>".';

/** The database cannot be reached just now: retry shortly (HTTP 503). */
export class ServiceUnavailableError extends GraphQLError {
  constructor(message = 'The database is unavailable: retry in a moment.') {
    super(message, { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, http: { status: 503 } } });
  }
}

export class UnauthenticatedError extends GraphQLError {
  constructor(message = UNAUTHENTICATED_MESSAGE) {
    super(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
  }
}

export class ForbiddenError extends GraphQLError {
  /** `principal`: who was refused — people may request access, API tokens may not (docs/api.md "Errors"). */
  constructor(permission: string, scope: ScopeRef, principal?: { kind: string } | null) {
    super(`Missing permission ${permission} on ${scope.type} ${scope.id}`, {
      extensions: { code: ErrorCode.FORBIDDEN, permission, scope, canRequestAccess: principal?.kind !== 'token' },
    });
  }
}

export class NotFoundError extends GraphQLError {
  constructor(what = 'resource', id?: string) {
    super(id ? `No ${what} with id ${JSON.stringify(id)}` : `No such ${what}`, { extensions: { code: ErrorCode.NOT_FOUND } });
  }
}

export class BadInputError extends GraphQLError {
  constructor(message: string, field?: string) {
    super(message, { extensions: field ? { code: ErrorCode.BAD_USER_INPUT, field } : { code: ErrorCode.BAD_USER_INPUT } });
  }
}

/** Too many attempts: HTTP 429 with Retry-After (seconds) and `extensions.retryAfter`. */
export class RateLimitedError extends GraphQLError {
  constructor(retryAfterMs: number, message = 'Too many attempts: wait before trying again') {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(`${message} (retry after ${seconds} s)`, {
      extensions: {
        code: ErrorCode.RATE_LIMITED,
        retryAfter: seconds,
        http: { status: 429, headers: new Map([['retry-after', String(seconds)]]) },
      },
    });
  }
}
