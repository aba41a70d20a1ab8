// The filter of an account's audit log, shared by Account.auditLog and GET /audit/export.
import type { QueryFilter } from 'mongoose';
import type { AuditFilter } from '../generated';
import type { AuditEventDoc } from './model';
import { BadInputError } from '../errors';

const MAX_TEXT = 200;

function text(value: string | null | undefined, field: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) {
    throw new BadInputError(`${field} must be 1 to ${MAX_TEXT} characters`, field);
  }
  return value;
}

/** A mongo filter for `accountId`'s events matching `f`; throws BAD_USER_INPUT naming `prefix`.field. */
export function auditQuery(accountId: string, f: AuditFilter | null | undefined, prefix = 'filter.'): QueryFilter<AuditEventDoc> {
  const q: Record<string, unknown> = { accountId };
  if (!f) return q;
  const action = text(f.action, `${prefix}action`);
  const actorId = text(f.actorId, `${prefix}actorId`);
  const targetId = text(f.targetId, `${prefix}targetId`);
  if (action) q.action = action;
  if (actorId) q['actor.id'] = actorId;
  if (targetId) q['target.id'] = targetId;
  for (const key of ['from', 'to'] as const) {
    const d = f[key];
    if (d !== null && d !== undefined && !(d instanceof Date && !Number.isNaN(d.getTime()))) {
      throw new BadInputError(`${key} must be an ISO 8601 date-time`, `${prefix}${key}`);
    }
  }
  if (f.from && f.to && f.from.getTime() > f.to.getTime()) {
    throw new BadInputError('from must not be after to', `${prefix}from`);
  }
  if (f.from || f.to) {
    const at: Record<string, Date> = {};
    if (f.from) at.$gte = f.from;
    if (f.to) at.$lt = f.to;
    q.at = at;
  }
  return q as QueryFilter<AuditEventDoc>;
}
