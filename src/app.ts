// Where a request enters. Express routes: /graphql (Apollo Server), /graphiql, /healthz, /readyz.
// For /graphql: request id → principal (src/identity/principal.ts) → per-request context
// (src/graphql/context.ts) → Apollo → directives (src/graphql/authz/directives.ts) → resolvers.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { GraphQLError, type GraphQLSchema, type ValidationContext } from 'graphql';
import type { Logger } from 'pino';
import { requestGate, type RequestAuth, explorerRouter, maxTokensMiddleware, Admission, metricsHandler } from './http';
import {
  createContext,
  type Context,
  type RequestSummary,
  formatError,
  authenticationPlugin,
  complexityPlugin,
  loggingPlugin,
  explorerPlugin,
  twoFactorGatePlugin,
  viewAsPlugin,
  inputErrorsPlugin,
  unavailablePlugin,
  rateLimitPlugin,
  metricsPlugin,
} from './graphql';
import { moduleRoutes, requestPolicies } from './composition';
import { revealAuditPlugin, auditExportHandler } from './audit';
import { pingDatabase, databaseUnavailable } from './db';
import { ServiceUnavailableError, ErrorCode } from './errors';
import type { Mailer } from './mail';
import type { RateLimits } from './limits';
import { httpDuration, httpRequests, routeOf, runInRequest, serverSpanOf } from './observability';
import { scimRouter } from './scim';
import { ssoRouter } from './sso';
import type { AccessStore } from './authz';

// GraphQL Armor labels its refusals "Syntax Error: …"; the query is well-formed, only too deep or
// too wide, so the label goes.
const reportInsteadOfThrow = {
  propagateOnRejection: false,
  onReject: [
    (ctx: ValidationContext | null, err: GraphQLError) =>
      ctx?.reportError(new GraphQLError(err.message.replace(/^Syntax Error:\s*/, ''), { nodes: err.nodes, extensions: err.extensions })),
  ],
};

export interface GatewayOptions {
  schema: GraphQLSchema;
  log: Logger;
  mailer: Mailer;
  limits: RateLimits;
  /** The access store (built by the composition root, src/server.ts): every request context gets it. */
  access: AccessStore;
  /** Express `trust proxy` (TRUST_PROXY): whose X-Forwarded-For gives the client IP. */
  trustProxy: boolean | number | string;
  maxQueryDepth: number;
  maxQueryCost: number;
  maxQueryTokens: number;
  /** Bearer token /metrics requires; unset: /metrics is open. */
  metricsToken?: string;
  /** Apollo's usage reporting to GraphOS (needs APOLLO_KEY too); off unless set. */
  apolloUsageReporting?: boolean;
  /** GraphQL requests executing at once; more wait in order (src/http/admission.ts). Default 16. */
  maxConcurrentOperations?: number;
  /** Past this expected wait plus execution, a request is refused at once with 503. Default 1000. */
  latencyBudgetMs?: number;
}

export interface Gateway {
  app: express.Express;
  httpServer: http.Server;
  apollo: ApolloServer<Context>;
  /** Set while shutting down: new requests get 503. */
  draining: boolean;
  /** The bound on GraphQL requests executing at once and its queue. */
  admission: Admission;
}

export async function createGateway(opts: GatewayOptions): Promise<Gateway> {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', opts.trustProxy);
  const httpServer = http.createServer(app);

  const apollo = new ApolloServer<Context>({
    schema: opts.schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    // Off on purpose: authentication is a bearer token only (no cookies, no HTTP auth), so a
    // cross-site request carries no ambient credentials and CSRF has nothing to ride on. The
    // graphql-http audit (test/http/conformance.test.ts) passes either way; off, plain GET queries
    // (curl, links) need no extra preflight header.
    csrfPrevention: false,
    // src/main.ts handles SIGTERM/SIGINT (drain, close the database, exit 0). Apollo's own handler would
    // stop the server and then re-raise the signal, killing the process before the database is closed.
    stopOnTerminationSignals: false,
    // Query shape limits (GraphQL Armor), checked before execution. Rejections are reported as
    // validation errors (GRAPHQL_VALIDATION_FAILED), not thrown (a throw would be a 500).
    validationRules: [
      maxDepthRule({ n: opts.maxQueryDepth, flattenFragments: true, exposeLimits: true, ...reportInsteadOfThrow }),
      maxAliasesRule({ n: 30, exposeLimits: true, ...reportInsteadOfThrow }),
    ],
    plugins: [
      // In-flight requests get 8s to finish on shutdown (src/main.ts gives up after 12s).
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: 8_000 }),
      ApolloServerPluginLandingPageDisabled(),
      // Apollo installs its cache-control plugin by default, which hooks every field's resolution
      // (3 % of the gateway's CPU under load); nothing sets or reads cache hints.
      ApolloServerPluginCacheControlDisabled(),
      authenticationPlugin(),
      rateLimitPlugin(),
      twoFactorGatePlugin(requestPolicies.secondFactor),
      complexityPlugin(opts.maxQueryCost),
      explorerPlugin(),
      // After the gates above (they judge the admin): runs the operation as the principal viewed.
      viewAsPlugin(),
      inputErrorsPlugin(),
      // Before logging: a withheld reveal shows in the request's outcome.
      revealAuditPlugin(),
      loggingPlugin(),
      unavailablePlugin(),
      metricsPlugin(),
      // Apollo Server turns usage reporting on by itself whenever APOLLO_KEY is in the environment,
      // sending operation shapes to Apollo's cloud; Postern sends nothing unless told to.
      ...(opts.apolloUsageReporting ? [] : [ApolloServerPluginUsageReportingDisabled()]),
    ],
  });
  const admission = new Admission({
    maxConcurrent: opts.maxConcurrentOperations ?? 16,
    latencyBudgetMs: opts.latencyBudgetMs ?? 1000,
  });
  const gateway: Gateway = { app, httpServer, apollo, draining: false, admission };
  await apollo.start();

  // Request id and the one log line per request.
  app.use((req: Request, res: Response, next: NextFunction) => {
    // The gateway's own id for every request; the client's X-Request-Id is kept beside it, never
    // trusted as ours (src/observability/request-context.ts).
    const incoming = req.get('x-request-id');
    const clientRequestId = incoming && /^[\w.:-]{1,100}$/.test(incoming) ? incoming : undefined;
    const requestId = randomUUID();
    const span = serverSpanOf(req);
    span?.setAttribute('postern.request_id', requestId);
    if (clientRequestId) span?.setAttribute('postern.client_request_id', clientRequestId);
    const ids = { requestId, clientRequestId, span };
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { method: req.method, route: routeOf(req.originalUrl.split('?')[0]!), status: String(res.statusCode) };
      httpRequests.inc(labels);
      httpDuration.observe(labels, seconds);
      const s = res.locals.summary as RequestSummary | undefined;
      runInRequest(ids, () =>
        opts.log.info(
          {
            requestId,
            method: req.method,
            path: req.originalUrl.split('?')[0],
            status: res.statusCode,
            durationMs: seconds * 1000,
            operationName: s?.operationName ?? undefined,
            principalId: s?.principalId ?? res.locals.principalId ?? undefined,
            // Apollo's HTTP-level refusals (405, 406, …) leave no GraphQL errors behind: the status decides.
            outcome: res.statusCode >= 400 && (!s?.outcome || s.outcome === 'ok') ? 'error' : (s?.outcome ?? 'ok'),
            errorCodes: s?.errorCodes?.length ? s.errorCodes : undefined,
          },
          'request',
        ),
      );
    });
    if (gateway.draining) {
      res.setHeader('connection', 'close');
      res.status(503).json({ error: 'shutting down' });
      return;
    }
    runInRequest(ids, next);
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    // Known down: at once. Otherwise the ping decides, within the 1 s a probe may wait.
    const ok = !databaseUnavailable() && (await pingDatabase(800));
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'database unavailable' });
  });
  app.get('/metrics', metricsHandler(opts.metricsToken));
  app.use(explorerRouter());
  // One request gate (src/http/gate.ts) in front of /graphql and every REST route a session or partner
  // token calls: principal, request budget, second factor owed; the account gate follows in src/authz.
  const deps = { log: opts.log, mailer: opts.mailer, limits: opts.limits, access: opts.access };
  const restGate = requestGate({
    limits: opts.limits,
    rest: true,
    assertEnrolled: requestPolicies.secondFactorRest,
    refused: async (auth, err, req) => {
      const ids = (err.extensions.accountIds as string[] | undefined) ?? [];
      const ctx = createContext({
        requestId: String(req.res?.locals.requestId ?? ''),
        ip: req.ip ?? null,
        principal: auth.principal,
        authRejected: false,
        ...deps,
      });
      await Promise.all(
        ids.map((accountId) =>
          ctx.audit.record({
            accountId,
            action: 'auth.refused',
            target: { type: 'User', id: auth.principal!.userId },
            meta: { reason: String(err.extensions.reason ?? err.extensions.code), method: auth.principal?.method ?? null, path: req.path },
          }),
        ),
      );
    },
  });
  app.get('/audit/export', restGate, auditExportHandler(deps));
  for (const route of moduleRoutes) app[route.method](route.path, ...(route.gated ? [restGate] : []), ...route.handlers(deps));
  app.use('/scim/v2', scimRouter(deps));
  app.use('/sso', ssoRouter(deps));

  app.use(
    '/graphql',
    // While the driver knows the database is unreachable, answer at once rather than fail each
    // request after a server-selection timeout (requests already running get the same answer
    // from src/graphql/plugins/unavailable.ts).
    (_req: Request, res: Response, next: NextFunction) => {
      if (!databaseUnavailable()) return next();
      res.setHeader('retry-after', '1');
      res
        .status(503)
        .json({ errors: [{ message: new ServiceUnavailableError().message, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } }] });
    },
    // At most so many executing at once, the rest in order; past the latency budget, 503 at once.
    admission.middleware(),
    express.json({ limit: '1mb' }),
    maxTokensMiddleware(opts.maxQueryTokens),
    requestGate({ limits: opts.limits, rest: false }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const auth = res.locals.auth as RequestAuth;
        const ctx = createContext({
          requestId: res.locals.requestId as string,
          ip: req.ip ?? null,
          principal: auth.principal,
          authRejected: auth.rejected,
          log: opts.log,
          mailer: opts.mailer,
          limits: opts.limits,
          access: opts.access,
        });
        res.locals.summary = ctx.summary;
        return ctx;
      },
    }),
  );

  app.use((req: Request, res: Response) => {
    res
      .status(404)
      .json({ errors: [{ message: `No route ${req.method} ${req.path.slice(0, 200)}`, extensions: { code: ErrorCode.NOT_FOUND } }] });
  });

  // Malformed JSON bodies and anything else thrown before Apollo: a JSON error, never a stack trace.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const raw = (err as { status?: unknown }).status;
    const status = typeof raw === 'number' && raw >= 400 && raw < 600 ? raw : 500;
    if (status >= 500) opts.log.error({ requestId: res.locals.requestId, err }, 'unhandled HTTP error');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const message =
      status === 400
        ? 'Malformed request body: expected JSON'
        : status === 413
          ? 'Request body too large'
          : status < 500
            ? 'Bad request'
            : 'Internal server error';
    res
      .status(status)
      .json({ errors: [{ message, extensions: { code: status < 500 ? ErrorCode.BAD_REQUEST : ErrorCode.INTERNAL_SERVER_ERROR } }] });
  });

  return gateway;
}
