// SCIM's error format (RFC 7644 §3.12): `{ schemas: [Error], status: "400", scimType, detail }`.
import type { Response } from 'express';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export class ScimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly scimType?: ScimType,
    /** Seconds, for 429's Retry-After. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export const badValue = (detail: string): ScimError => new ScimError(400, detail, 'invalidValue');

/** Errors of Postern's services (BAD_USER_INPUT, NOT_FOUND, FORBIDDEN) in SCIM's terms; anything else is a 500. */
export function toScimError(err: unknown): ScimError {
  if (err instanceof ScimError) return err;
  if (err instanceof GraphQLError) {
    const code = err.extensions?.code;
    if (code === ErrorCode.BAD_USER_INPUT) return new ScimError(400, err.message, 'invalidValue');
    if (code === ErrorCode.NOT_FOUND) return new ScimError(404, err.message);
    if (code === ErrorCode.FORBIDDEN) return new ScimError(403, err.message);
    if (code === ErrorCode.UNAUTHENTICATED) return new ScimError(401, err.message);
    if (code === ErrorCode.RATE_LIMITED) return new ScimError(429, err.message, undefined, Number(err.extensions.retryAfter));
  }
  return new ScimError(500, 'Internal server error');
}

export function sendScimError(res: Response, err: ScimError): void {
  if (err.retryAfter) res.setHeader('retry-after', String(err.retryAfter));
  res
    .status(err.status)
    .type('application/scim+json')
    .json({
      schemas: [ERROR_SCHEMA],
      status: String(err.status),
      ...(err.scimType ? { scimType: err.scimType } : {}),
      detail: err.message,
    });
}
