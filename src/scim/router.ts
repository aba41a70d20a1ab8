// /scim/v2/… (RFC 7644): Users, Groups and the discovery endpoints of one account, named by the SCIM
// token. Bodies are application/scim+json (application/json accepted); errors use SCIM's format.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { RateLimits } from '../http/rate-limit';
import type { Mailer } from '../mail/mailer';
import { MAX_RESULTS, resourceTypes, schemas, serviceProviderConfig } from './discovery';
import { ScimError, sendScimError, toScimError } from './errors';
import { createGroup, deleteGroup, getGroup, listGroups, patchGroup, replaceGroup } from './groups';
import { patchOperations, type PatchOperation } from './patch';
import { authenticateScim, type ScimRequest } from './request';
import { createUser, deleteUser, getUser, listUsers, patchUser, replaceUser } from './users';

const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const SCIM_JSON = 'application/scim+json';

type Handler = (scim: ScimRequest, req: Request, res: Response) => Promise<void>;

function send(res: Response, status: number, body: unknown): void {
  res.status(status).type(SCIM_JSON).send(JSON.stringify(body));
}

function paging(req: Request): { filter?: string; startIndex: number; count: number } {
  const int = (v: unknown, name: string, dflt: number): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new ScimError(400, `${name} must be an integer`, 'invalidValue');
    return n;
  };
  const filter = typeof req.query.filter === 'string' ? req.query.filter : undefined;
  // RFC 7644 §3.4.2.4: startIndex below 1 is 1; a negative count is 0.
  const startIndex = Math.max(1, int(req.query.startIndex, 'startIndex', 1));
  const count = Math.min(MAX_RESULTS, Math.max(0, int(req.query.count, 'count', 100)));
  return { filter, startIndex, count };
}

function body(req: Request): Record<string, unknown> {
  if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
    throw new ScimError(400, 'Expected a JSON object body (application/scim+json)', 'invalidSyntax');
  }
  return req.body as Record<string, unknown>;
}

type ScimResource = Record<string, unknown>;
interface ResourceOps {
  list(s: ScimRequest, p: { filter?: string; startIndex: number; count: number }): Promise<{ total: number; resources: ScimResource[] }>;
  create(s: ScimRequest, body: ScimResource): Promise<ScimResource>;
  get(s: ScimRequest, id: string): Promise<ScimResource>;
  replace(s: ScimRequest, id: string, body: ScimResource): Promise<ScimResource>;
  patch(s: ScimRequest, id: string, ops: PatchOperation[]): Promise<ScimResource>;
  remove(s: ScimRequest, id: string): Promise<void>;
}

export function scimRouter(deps: { log: Logger; mailer: Mailer; limits: RateLimits }): Router {
  const router = express.Router();
  router.use(express.json({ type: ['application/json', SCIM_JSON], limit: '1mb' }));

  const route =
    (handler: Handler) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        const scim = await authenticateScim(req, { ...deps, requestId: res.locals.requestId as string });
        res.locals.principalId = scim.ctx.principal?.id;
        await handler(scim, req, res);
      } catch (err) {
        const e = toScimError(err);
        if (e.status >= 500) deps.log.error({ requestId: res.locals.requestId, err }, 'SCIM request failed');
        sendScimError(res, e);
      }
    };
  const list = async (res: Response, p: { startIndex: number }, r: { total: number; resources: unknown[] }) =>
    send(res, 200, {
      schemas: [LIST_SCHEMA],
      totalResults: r.total,
      startIndex: p.startIndex,
      itemsPerPage: r.resources.length,
      Resources: r.resources,
    });

  router.get(
    '/ServiceProviderConfig',
    route(async (s, _req, res) => send(res, 200, serviceProviderConfig(s.baseUrl))),
  );
  // Discovery (RFC 7644 §4): the whole list, and one entry by id.
  const discovery = (path: string, entries: (baseUrl: string) => Record<string, unknown>[], noun: string) => {
    router.get(
      path,
      route(async (s, _req, res) => {
        const all = entries(s.baseUrl);
        return list(res, { startIndex: 1 }, { total: all.length, resources: all });
      }),
    );
    router.get(
      `${path}/:id`,
      route(async (s, req, res) => {
        const found = entries(s.baseUrl).find((r) => r.id === req.params.id);
        if (!found) throw new ScimError(404, `No ${noun} ${JSON.stringify(req.params.id)}`);
        send(res, 200, found);
      }),
    );
  };
  discovery('/ResourceTypes', resourceTypes, 'resource type');
  discovery('/Schemas', schemas, 'schema');

  /** The six routes of a SCIM resource type (RFC 7644 §3): list, create, get, replace, patch, delete. */
  const resource = (path: string, ops: ResourceOps) => {
    router.get(
      path,
      route(async (s, req, res) => {
        const p = paging(req);
        await list(res, p, await ops.list(s, p));
      }),
    );
    router.post(
      path,
      route(async (s, req, res) => {
        const created = await ops.create(s, body(req));
        res.setHeader('location', (created.meta as { location: string }).location);
        send(res, 201, created);
      }),
    );
    const one = `${path}/:id`;
    router.get(
      one,
      route(async (s, req, res) => send(res, 200, await ops.get(s, String(req.params.id)))),
    );
    router.put(
      one,
      route(async (s, req, res) => send(res, 200, await ops.replace(s, String(req.params.id), body(req)))),
    );
    router.patch(
      one,
      route(async (s, req, res) => send(res, 200, await ops.patch(s, String(req.params.id), patchOperations(body(req))))),
    );
    router.delete(
      one,
      route(async (s, req, res) => {
        await ops.remove(s, String(req.params.id));
        res.status(204).end();
      }),
    );
  };
  resource('/Users', { list: listUsers, create: createUser, get: getUser, replace: replaceUser, patch: patchUser, remove: deleteUser });
  resource('/Groups', {
    list: listGroups,
    create: createGroup,
    get: getGroup,
    replace: replaceGroup,
    patch: patchGroup,
    remove: deleteGroup,
  });

  router.use((req: Request, res: Response) =>
    sendScimError(res, new ScimError(404, `No SCIM endpoint ${req.method} ${req.path.slice(0, 200)}`)),
  );
  // Malformed JSON and oversized bodies, in SCIM's format.
  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status;
    if (status === 413) return sendScimError(res, new ScimError(413, 'Request body too large'));
    if (status === 400) return sendScimError(res, new ScimError(400, 'Malformed JSON body', 'invalidSyntax'));
    deps.log.error({ requestId: res.locals.requestId, err }, 'SCIM request failed');
    sendScimError(res, new ScimError(500, 'Internal server error'));
  });
  return router;
}
