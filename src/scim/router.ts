// /scim/v2/… (RFC 7644): Users, Groups and the discovery endpoints of one account, named by the SCIM
// token. Bodies are application/scim+json (application/json accepted); errors use SCIM's format.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { RateLimits } from '../limits';
import type { Mailer } from '../mail';
import { ENTERPRISE_USER_SCHEMA, GROUP_ROLE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './attributes';
import { MAX_RESULTS, resourceTypes, schemas, serviceProviderConfig } from './discovery';
import { ScimError, sendScimError, toScimError } from './errors';
import { createGroup, deleteGroup, getGroup, listGroups, mappableRoleIds, patchGroup, replaceGroup, suggestedScopes } from './groups';
import { patchOperations, type PatchOperation } from './patch';
import { attributeList, project, type Projection } from './projection';
import { authenticateScim, type ScimRequest } from './request';
import { createUser, deleteUser, getUser, listUsers, patchUser, replaceUser } from './users';
import type { AccessStore } from '../authz';

const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const SEARCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const SCIM_JSON = 'application/scim+json';

type Handler = (scim: ScimRequest, req: Request, res: Response) => Promise<void>;

function send(res: Response, status: number, body: unknown): void {
  res.status(status).type(SCIM_JSON).send(JSON.stringify(body));
}

/** A list query (RFC 7644 §3.4.2): filter, paging and the attributes to return, from the URL or a /.search body. */
interface ListQuery extends Projection {
  filter?: string;
  startIndex: number;
  count: number;
}

function listQuery(source: Record<string, unknown>): ListQuery {
  const int = (v: unknown, name: string, dflt: number): number => {
    if (v === undefined || v === null || v === '') return dflt;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new ScimError(400, `${name} must be an integer`, 'invalidValue');
    return n;
  };
  const raw = source.filter;
  if (raw !== undefined && raw !== null && typeof raw !== 'string') throw new ScimError(400, 'filter must be a string', 'invalidFilter');
  // RFC 7644 §3.4.2.4: startIndex below 1 is 1; a negative count is 0; no count is as many as the server returns.
  const startIndex = Math.max(1, int(source.startIndex, 'startIndex', 1));
  const count = Math.min(MAX_RESULTS, Math.max(0, int(source.count, 'count', MAX_RESULTS)));
  return { filter: (raw as string | undefined) || undefined, startIndex, count, ...projection(source) };
}

function projection(source: Record<string, unknown>): Projection {
  const attributes = attributeList(source.attributes, 'attributes');
  const excludedAttributes = attributeList(source.excludedAttributes, 'excludedAttributes');
  if (attributes && excludedAttributes) {
    throw new ScimError(400, 'Send attributes or excludedAttributes, not both', 'invalidValue');
  }
  return { attributes, excludedAttributes };
}

/** The search a POST /.search body describes (RFC 7644 §3.4.3). */
function searchBody(req: Request): ListQuery {
  const b = body(req);
  if (!Array.isArray(b.schemas) || !b.schemas.includes(SEARCH_SCHEMA)) {
    throw new ScimError(400, `A search request names the schema ${SEARCH_SCHEMA}`, 'invalidSyntax');
  }
  return listQuery(b);
}

function body(req: Request): Record<string, unknown> {
  if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
    throw new ScimError(400, 'Expected a JSON object body (application/scim+json)', 'invalidSyntax');
  }
  return req.body as Record<string, unknown>;
}

type ScimResource = Record<string, unknown>;
interface ResourceOps {
  /** The core schema, then its extensions (for attribute names carrying a URN). */
  schemas: string[];
  list(s: ScimRequest, p: ListQuery): Promise<{ total: number; resources: ScimResource[] }>;
  create(s: ScimRequest, body: ScimResource): Promise<ScimResource>;
  get(s: ScimRequest, id: string): Promise<ScimResource>;
  replace(s: ScimRequest, id: string, body: ScimResource): Promise<ScimResource>;
  patch(s: ScimRequest, id: string, ops: PatchOperation[]): Promise<ScimResource>;
  remove(s: ScimRequest, id: string): Promise<void>;
}

export function scimRouter(deps: { log: Logger; mailer: Mailer; limits: RateLimits; access: AccessStore }): Router {
  const router = express.Router();
  router.use(express.json({ type: ['application/json', SCIM_JSON], limit: '1mb' }));

  const route =
    (handler: Handler) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        const scim = await authenticateScim(req, { ...deps, requestId: res.locals.requestId as string });
        res.locals.principalId = scim.ctx.principal?.id;
        const ifMatch = req.get('if-match');
        if (ifMatch !== undefined) scim.ifMatch = ifMatch;
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

  /** 405 with a SCIM error body for a method a path does not serve (RFC 7644 §3.12), naming those it does. */
  const notAllowed = (path: string, allowed: string[]) =>
    router.all(
      path,
      // Authenticated first, like every endpoint: without a valid token the answer is 401.
      route(async (_s, req, res) => {
        res.setHeader('allow', allowed.join(', '));
        throw new ScimError(405, `${req.method} is not allowed on ${req.baseUrl}${req.path.slice(0, 200)}: use ${allowed.join(' or ')}`);
      }),
    );

  router.get(
    '/ServiceProviderConfig',
    route(async (s, _req, res) => send(res, 200, serviceProviderConfig(s.baseUrl))),
  );
  notAllowed('/ServiceProviderConfig', ['GET']);
  // Discovery (RFC 7644 §4): the whole list, and one entry by id.
  const discovery = (path: string, entries: (s: ScimRequest) => Promise<Record<string, unknown>[]>, noun: string) => {
    router.get(
      path,
      route(async (s, _req, res) => {
        const all = await entries(s);
        return list(res, { startIndex: 1 }, { total: all.length, resources: all });
      }),
    );
    router.get(
      `${path}/:id`,
      route(async (s, req, res) => {
        const found = (await entries(s)).find((r) => r.id === req.params.id);
        if (!found) throw new ScimError(404, `No ${noun} ${JSON.stringify(req.params.id)}`);
        send(res, 200, found);
      }),
    );
    notAllowed(path, ['GET']);
    notAllowed(`${path}/:id`, ['GET']);
  };
  discovery('/ResourceTypes', async (s) => resourceTypes(s.baseUrl), 'resource type');
  discovery(
    '/Schemas',
    async (s) => schemas(s.baseUrl, await mappableRoleIds(s.ctx.access, s.account._id), await suggestedScopes(s.account._id)),
    'schema',
  );

  /** A single resource in the response: the attributes asked for, its version as the ETag (RFC 7644 §3.14). */
  const sendResource = (res: Response, status: number, resource: ScimResource, p: Projection, resourceSchemas: string[]) => {
    const version = (resource.meta as { version?: string } | undefined)?.version;
    if (version) res.setHeader('etag', version);
    send(res, status, project(resource, p, resourceSchemas));
  };

  /** The routes of a SCIM resource type (RFC 7644 §3): list, search, create, get, replace, patch, delete. */
  const resource = (path: string, ops: ResourceOps) => {
    const page = async (s: ScimRequest, res: Response, q: ListQuery) => {
      const r = await ops.list(s, q);
      await list(res, q, { total: r.total, resources: r.resources.map((x) => project(x, q, ops.schemas)) });
    };
    router.get(
      path,
      route(async (s, req, res) => page(s, res, listQuery(req.query as Record<string, unknown>))),
    );
    router.post(
      `${path}/.search`,
      route(async (s, req, res) => page(s, res, searchBody(req))),
    );
    notAllowed(`${path}/.search`, ['POST']);
    router.post(
      path,
      route(async (s, req, res) => {
        const created = await ops.create(s, body(req));
        res.setHeader('location', (created.meta as { location: string }).location);
        sendResource(res, 201, created, projection(req.query as Record<string, unknown>), ops.schemas);
      }),
    );
    const one = `${path}/:id`;
    const p = (req: Request) => projection(req.query as Record<string, unknown>);
    router.get(
      one,
      route(async (s, req, res) => sendResource(res, 200, await ops.get(s, String(req.params.id)), p(req), ops.schemas)),
    );
    router.put(
      one,
      route(async (s, req, res) => sendResource(res, 200, await ops.replace(s, String(req.params.id), body(req)), p(req), ops.schemas)),
    );
    router.patch(
      one,
      route(async (s, req, res) =>
        sendResource(res, 200, await ops.patch(s, String(req.params.id), patchOperations(body(req))), p(req), ops.schemas),
      ),
    );
    router.delete(
      one,
      route(async (s, req, res) => {
        await ops.remove(s, String(req.params.id));
        res.status(204).end();
      }),
    );
    notAllowed(path, ['GET', 'POST']);
    notAllowed(one, ['GET', 'PUT', 'PATCH', 'DELETE']);
  };
  const users: ResourceOps = {
    schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
    list: listUsers,
    create: createUser,
    get: getUser,
    replace: replaceUser,
    patch: patchUser,
    remove: deleteUser,
  };
  const groups: ResourceOps = {
    schemas: [GROUP_SCHEMA, GROUP_ROLE_SCHEMA],
    list: listGroups,
    create: createGroup,
    get: getGroup,
    replace: replaceGroup,
    patch: patchGroup,
    remove: deleteGroup,
  };
  resource('/Users', users);
  resource('/Groups', groups);

  // A search across both resource types (RFC 7644 §3.4.3): Users first, then Groups, paged as one list.
  router.post(
    '/.search',
    route(async (s, req, res) => {
      const q = searchBody(req);
      // A filter naming an attribute of one type only matches nothing of the other.
      const none = { total: 0, resources: [] as ScimResource[] };
      const orNone = async (ops: ResourceOps, lq: ListQuery) => {
        try {
          return await ops.list(s, lq);
        } catch (err) {
          if (err instanceof ScimError && err.scimType === 'invalidFilter' && /not supported \(/.test(err.message)) return none;
          throw err;
        }
      };
      const [uc, gc] = [await orNone(users, { ...q, count: 0 }), await orNone(groups, { ...q, count: 0 })];
      if (q.filter && uc === none && gc === none) await users.list(s, { ...q, count: 0 }); // the filter's own error
      const u = uc;
      const fromUsers = Math.max(0, Math.min(q.count, u.total - (q.startIndex - 1)));
      const userPage = fromUsers > 0 ? await users.list(s, { ...q, count: fromUsers }) : none;
      const groupStart = Math.max(1, q.startIndex - u.total);
      const g = gc === none ? none : await groups.list(s, { ...q, startIndex: groupStart, count: q.count - fromUsers });
      await list(res, q, {
        total: u.total + gc.total,
        resources: [
          ...userPage.resources.map((x) => project(x, q, users.schemas)),
          ...g.resources.map((x) => project(x, q, groups.schemas)),
        ],
      });
    }),
  );
  notAllowed('/.search', ['POST']);

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
