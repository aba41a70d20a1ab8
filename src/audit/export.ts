// GET /audit/export?accountId=…&format=csv|jsonl&from=…&to=… (docs/api.md "Endpoints"): streams an
// account's audit log, oldest first, for compliance. Needs `auditLog:export` on the account; another
// account's id is a 404 (ids cannot be probed); the export itself is audited (`audit.exported`).
import { csvWriter } from '../csv';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { RequestAuth } from '../http';
import { AccountGateError } from '../identity';
import { type CompiledPermissions, permissionBit, allowed, type AccessStore } from '../authz';
import { createContext, type Context } from '../graphql';
import type { RateLimits } from '../limits';
import { isId } from '../db';
import type { AccountDoc } from '../modules/accounts/account.model';
import type { Mailer } from '../mail';
import { BadInputError, ErrorCode } from '../errors';
import { AuditEvent, exportedEvent, type AuditEventDoc } from './model';
import { auditQuery } from './query';

export const EXPORT_PERMISSION = 'auditLog:export';
const EXPORT_BIT = permissionBit(EXPORT_PERMISSION);
export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CSV_COLUMNS = [
  'seq',
  'id',
  'at',
  'actorType',
  'actorId',
  'actorUserId',
  'action',
  'targetType',
  'targetId',
  'workspaceId',
  'requestId',
  'ip',
  'before',
  'after',
  'meta',
  'prevHash',
  'hash',
] as const;

export function sendError(res: Response, status: number, code: ErrorCode, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ errors: [{ message, extensions: { code, ...extra } }] });
}

/**
 * The request context of a REST endpoint beside /graphql, from what the request gate
 * (src/http/gate.ts, mounted before every such route by src/app.ts) resolved: the principal,
 * authenticated, within its budget, owing no second factor. The account gate applies where the route
 * touches an account (ctx.authz). Throws when the route was mounted without the gate: fail closed.
 */
export function restContext(
  req: Request,
  res: Response,
  deps: { log: Logger; mailer: Mailer; limits: RateLimits; access: AccessStore },
): ReturnType<typeof createContext> {
  const auth = res.locals.auth as RequestAuth | undefined;
  if (!auth?.principal) throw new Error(`${req.path} is mounted without the request gate (src/http/gate.ts)`);
  const requestId = res.locals.requestId as string;
  return createContext({ requestId, ip: req.ip ?? null, principal: auth.principal, authRejected: false, ...deps });
}

/**
 * ctx.authz.load for a REST route: a refusal of the account gate (src/identity/gate.ts: SSO required,
 * a session of another account's IdP, a second factor owed, a token whose maker does not meet the
 * account's rules) is answered here — 403, FORBIDDEN, its reason — and undefined returned.
 */
export async function restPermissions(ctx: Context, res: Response, accountId: string): Promise<CompiledPermissions | null | undefined> {
  try {
    return await ctx.authz.load(accountId);
  } catch (err) {
    if (!(err instanceof AccountGateError)) throw err;
    sendError(res, 403, ErrorCode.FORBIDDEN, err.message, { reason: err.reason, accountId, canRequestAccess: false });
    return undefined;
  }
}

export function queryString(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadInputError(`${name} must be given once`, name);
  return v;
}

export function date(raw: string | undefined, field: string): Date | undefined {
  if (raw === undefined || raw === '') return undefined;
  const d = new Date(raw);
  if (raw.length > 40 || Number.isNaN(d.getTime())) throw new BadInputError(`${field} must be an ISO 8601 date-time`, field);
  return d;
}

function csvRow(e: AuditEventDoc): Record<(typeof CSV_COLUMNS)[number], unknown> {
  const json = (v: unknown) => (v === null || v === undefined ? '' : JSON.stringify(v));
  return {
    seq: e.seq,
    id: e._id,
    at: new Date(e.at).toISOString(),
    actorType: e.actor?.type,
    actorId: e.actor?.id,
    actorUserId: e.actor?.userId ?? '',
    action: e.action,
    targetType: e.target?.type,
    targetId: e.target?.id,
    workspaceId: e.workspaceId ?? '',
    requestId: e.requestId ?? '',
    ip: e.ip ?? '',
    before: json(e.before),
    after: json(e.after),
    meta: json(e.meta),
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

export function auditExportHandler(deps: { log: Logger; mailer: Mailer; limits: RateLimits; access: AccessStore }) {
  return async (req: Request, res: Response): Promise<void> => {
    const requestId = res.locals.requestId as string;
    let accountId: string | undefined;
    let format: ExportFormat;
    let from: Date | undefined;
    let to: Date | undefined;
    try {
      accountId = queryString(req, 'accountId');
      if (!accountId) throw new BadInputError('accountId is required', 'accountId');
      const f = queryString(req, 'format') ?? '';
      if (!(EXPORT_FORMATS as readonly string[]).includes(f)) throw new BadInputError('format must be csv or jsonl', 'format');
      format = f as ExportFormat;
      from = date(queryString(req, 'from'), 'from');
      to = date(queryString(req, 'to'), 'to');
    } catch (err) {
      if (err instanceof BadInputError) return sendError(res, 400, ErrorCode.BAD_USER_INPUT, err.message, { field: err.extensions.field });
      throw err;
    }

    const ctx = restContext(req, res, deps);
    const account = isId(accountId) ? await ctx.loaders.load<AccountDoc>('Account', accountId) : null;
    const compiled = account ? await restPermissions(ctx, res, account._id) : null;
    if (compiled === undefined) return;
    if (!account || !compiled) return sendError(res, 404, ErrorCode.NOT_FOUND, `No account with id ${JSON.stringify(accountId)}`);
    if (!allowed(compiled, EXPORT_BIT, account, ['_id'], false)) {
      return sendError(res, 403, ErrorCode.FORBIDDEN, `Missing permission ${EXPORT_PERMISSION} on ACCOUNT ${account._id}`, {
        permission: EXPORT_PERMISSION,
        scope: { type: 'ACCOUNT', id: account._id },
        canRequestAccess: ctx.principal?.kind === 'user',
      });
    }
    let filter;
    try {
      filter = auditQuery(account._id, { from, to }, '');
    } catch (err) {
      if (err instanceof BadInputError) return sendError(res, 400, ErrorCode.BAD_USER_INPUT, err.message, { field: err.extensions.field });
      throw err;
    }

    // The export covers the chain as it stands now; the export's own event comes after it.
    const last = await AuditEvent.findOne({ accountId: account._id }).sort({ seq: -1 }).select({ seq: 1 }).lean();
    const throughSeq = last?.seq ?? 0;
    await ctx.audit.record({
      accountId: account._id,
      action: 'audit.exported',
      target: { type: 'Account', id: account._id },
      meta: { format, from: from?.toISOString() ?? null, to: to?.toISOString() ?? null, throughSeq },
    });

    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    res.status(200);
    res.setHeader('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="audit-${account._id}-${stamp}.${format}"`);
    res.setHeader('cache-control', 'no-store');

    const cursor = AuditEvent.find({ ...filter, seq: { $lte: throughSeq } })
      .sort({ seq: 1 })
      .lean<AuditEventDoc[]>()
      .cursor({ batchSize: 500 });
    const encode =
      format === 'csv'
        ? [new Transform({ objectMode: true, transform: (e: AuditEventDoc, _enc, cb) => cb(null, csvRow(e)) }), csvWriter(CSV_COLUMNS)]
        : [
            new Transform({
              writableObjectMode: true,
              transform: (e: AuditEventDoc, _enc, cb) => cb(null, `${JSON.stringify(exportedEvent(e))}\n`),
            }),
          ];
    try {
      await pipeline(cursor, ...(encode as [Transform]), res);
    } catch (err) {
      // Headers are gone: all we can do is cut the stream short (the client sees a truncated body).
      deps.log.error({ requestId, err }, 'audit export failed while streaming');
      res.destroy();
    }
  };
}
