// HTTP endpoints of reports:
// - POST /events/:accountId — a sending provider posts delivery events back (authenticated with an
//   account API key, as HTTP Basic `api:<key>`, the way Mailgun's own API is called).
// - GET /email-logs/export?domainId=…|campaignId=…&from=…&to=… — streams a domain's or campaign's
//   email logs as CSV (emailLogs:export there; bodies only for holders of emailContent:view), audited.
import { csvWriter } from '../../csv';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { permissionBit, allowed, RESOURCE_TYPES, type AccessStore } from '../../authz';
import { BadInputError, ErrorCode } from '../../errors';
import { isId } from '../../db';
import { date, queryString, restContext, restPermissions, sendError } from '../../audit/export';
import type { Mailer } from '../../mail';
import type { RateLimits } from '../../limits';
import { findApiKeyBySecret } from '../sending/secrets.service';
import { EmailLog, type EmailLogDoc } from '../sending/email-log.model';
import { ingestEvents } from './ingest.service';
import { reportRange } from './report.service';

/** `Authorization: Basic base64("api:<key>")` → the key. */
function basicApiKey(header: string | undefined): string | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return null;
  const key = decoded.slice(i + 1);
  return key.length > 0 && key.length <= 200 ? key : null;
}

export function eventsHandler(deps: { log: Logger }) {
  return async (req: Request, res: Response): Promise<void> => {
    const accountId = String(req.params.accountId ?? '');
    const key = basicApiKey(req.get('authorization'));
    const account = key && isId(accountId) ? await findApiKeyBySecret(accountId, key) : null;
    if (!account) {
      res.setHeader('www-authenticate', 'Basic realm="postern-events"');
      return sendError(res, 401, ErrorCode.UNAUTHENTICATED, 'Send an API key of this account as HTTP Basic credentials api:<key>.');
    }
    try {
      const result = await ingestEvents(account.accountId, req.body);
      res.status(200).json(result);
    } catch (err) {
      if (err instanceof BadInputError) return sendError(res, 400, ErrorCode.BAD_USER_INPUT, err.message, { field: err.extensions.field });
      deps.log.error({ requestId: res.locals.requestId, err }, 'event ingestion failed');
      sendError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
    }
  };
}

const EXPORT_BIT = permissionBit('emailLogs:export');
const CONTENT_BIT = permissionBit('emailContent:view');
const BASE_COLUMNS = ['id', 'sentAt', 'from', 'to', 'subject', 'status', 'messageId', 'error'] as const;

function row(l: EmailLogDoc): Record<string, unknown> {
  return {
    id: l._id,
    sentAt: new Date(l.createdAt).toISOString(),
    from: l.from,
    to: l.to,
    subject: l.subject,
    status: l.status,
    messageId: l.messageId ?? '',
    error: l.error ?? '',
    text: l.text ?? '',
    html: l.html ?? '',
  };
}

export function emailLogExportHandler(deps: { log: Logger; mailer: Mailer; limits: RateLimits; access: AccessStore }) {
  return async (req: Request, res: Response): Promise<void> => {
    const requestId = res.locals.requestId as string;
    let target: { type: 'Domain' | 'Campaign'; field: 'domainId' | 'campaignId'; id: string };
    let range: { from: Date; to: Date };
    try {
      const domainId = queryString(req, 'domainId');
      const campaignId = queryString(req, 'campaignId');
      if (!!domainId === !!campaignId) throw new BadInputError('Give exactly one of domainId or campaignId', 'domainId');
      target = domainId ? { type: 'Domain', field: 'domainId', id: domainId } : { type: 'Campaign', field: 'campaignId', id: campaignId! };
      range = reportRange(date(queryString(req, 'from'), 'from'), date(queryString(req, 'to'), 'to'));
    } catch (err) {
      if (err instanceof BadInputError) return sendError(res, 400, ErrorCode.BAD_USER_INPUT, err.message, { field: err.extensions.field });
      throw err;
    }
    const ctx = restContext(req, res, deps);
    const node = await ctx.loaders.load<{ _id: string; accountId: string; workspaceId: string }>(target.type, target.id);
    const compiled = node ? await restPermissions(ctx, res, node.accountId) : null;
    if (compiled === undefined) return;
    if (!node || !compiled)
      return sendError(res, 404, ErrorCode.NOT_FOUND, `No ${target.type.toLowerCase()} with id ${JSON.stringify(target.id)}`);
    const chain = RESOURCE_TYPES[target.type]!.chain;
    const scope = { type: target.type === 'Domain' ? 'DOMAIN' : 'CAMPAIGN', id: node._id };
    if (!allowed(compiled, EXPORT_BIT, node, chain, false)) {
      return sendError(res, 403, ErrorCode.FORBIDDEN, `Missing permission emailLogs:export on ${scope.type} ${node._id}`, {
        permission: 'emailLogs:export',
        scope,
        canRequestAccess: ctx.principal?.kind === 'user',
      });
    }
    // Bodies only for those who may read them (a Domain Viewer exports statistics, not content).
    const withContent = allowed(compiled, CONTENT_BIT, node, chain, false);
    await ctx.audit.record({
      accountId: node.accountId,
      workspaceId: node.workspaceId,
      action: 'emailLogs.exported',
      target: { type: target.type, id: node._id },
      meta: { from: range.from.toISOString(), to: range.to.toISOString(), withContent },
    });
    res.status(200);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="email-logs-${node._id}.csv"`);
    res.setHeader('cache-control', 'no-store');
    const cursor = EmailLog.find({ [target.field]: node._id, createdAt: { $gte: range.from, $lt: range.to } })
      .sort({ [target.field]: 1, createdAt: 1 })
      .select(withContent ? {} : { html: 0, text: 0 })
      .lean<EmailLogDoc[]>()
      .cursor({ batchSize: 500 });
    const columns = withContent ? [...BASE_COLUMNS, 'text', 'html'] : [...BASE_COLUMNS];
    try {
      await pipeline(
        cursor,
        new Transform({ objectMode: true, transform: (l: EmailLogDoc, _enc, cb) => cb(null, row(l)) }),
        csvWriter(columns),
        res,
      );
    } catch (err) {
      deps.log.error({ requestId, err }, 'email log export failed while streaming');
      res.destroy();
    }
  };
}
