// What clients see of an error: the contract's codes pass through; an unreachable database becomes
// SERVICE_UNAVAILABLE; other database and programming errors become a generic internal error (logged with the request id by the logging plugin).
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import mongoose from 'mongoose';
import { UnknownPermissionError } from '../authz';
import { isDatabaseUnavailable } from '../db';
import { ServiceUnavailableError, ErrorCode } from '../errors';
import { BAD_VALUE } from './plugins/input-errors';

/** Every code of the contract but the generic one passes through as thrown. */
const PUBLIC_CODES = new Set<string>(Object.values(ErrorCode).filter((c) => c !== ErrorCode.INTERNAL_SERVER_ERROR));

/**
 * Maps expected non-GraphQL errors: validation by mongoose and unknown permissions to BAD_USER_INPUT,
 * an unreachable database to SERVICE_UNAVAILABLE (HTTP 503, src/graphql/plugins/unavailable.ts).
 */
export function publicError(original: unknown): { message: string; code: ErrorCode; field?: string } | null {
  if (isDatabaseUnavailable(original)) return { message: new ServiceUnavailableError().message, code: ErrorCode.SERVICE_UNAVAILABLE };
  if (original instanceof UnknownPermissionError) return { message: original.message, code: ErrorCode.BAD_USER_INPUT };
  if (original instanceof mongoose.Error.ValidationError) {
    const first = Object.values(original.errors)[0];
    return { message: first?.message ?? 'Invalid input', code: ErrorCode.BAD_USER_INPUT, field: first?.path };
  }
  if (original instanceof mongoose.Error.CastError) {
    return { message: `Invalid value for ${original.path}`, code: ErrorCode.BAD_USER_INPUT, field: original.path };
  }
  return null;
}

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code as string | undefined;
  const original = unwrapResolverError(error);
  // A bad value written inline: the same answer as when it is sent in variables (plugins/input-errors.ts).
  if (code === ErrorCode.GRAPHQL_VALIDATION_FAILED && formatted.extensions?.[BAD_VALUE]) {
    const field = formatted.extensions.field as string | undefined;
    return {
      message: formatted.message,
      locations: formatted.locations,
      extensions: field ? { code: ErrorCode.BAD_USER_INPUT, field } : { code: ErrorCode.BAD_USER_INPUT },
    };
  }
  if (original instanceof GraphQLError && code && PUBLIC_CODES.has(code)) {
    const { stacktrace: _s, http: _h, ...ext } = (formatted.extensions ?? {}) as Record<string, unknown>;
    return { ...formatted, extensions: ext };
  }
  // An error thrown by a plugin hook (the rate limiter's store, say) reaches us wrapped in a GraphQLError.
  const mapped = publicError(original instanceof GraphQLError && original.originalError ? original.originalError : original);
  if (mapped) {
    return {
      message: mapped.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: mapped.field ? { code: mapped.code, field: mapped.field } : { code: mapped.code },
    };
  }
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/** Whether an error is one the server did not expect (to be logged with its request id). */
export function isUnexpected(error: GraphQLError): boolean {
  const code = error.extensions?.code as string | undefined;
  if (code && PUBLIC_CODES.has(code)) return false;
  return !publicError(error.originalError);
}
