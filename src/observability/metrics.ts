// Prometheus metrics (prom-client), served at GET /metrics: HTTP requests and GraphQL operations by
// outcome with latency histograms, authorization denials by permission, secret reveals by field, the
// database connection pool and its errors, and Node's own (event-loop lag, heap, GC) metrics. One
// registry per process; label values are bounded (routes, catalogue permissions, schema fields,
// sanitised and capped operation names).
import type { MongoClient } from 'mongodb';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { isPermission } from '../authz/catalogue';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A count and a latency histogram by the same labels: one outcome metric pair. */
function countAndLatency<L extends string>(
  labelNames: readonly L[],
  count: { name: string; help: string },
  latency: { name: string; help: string },
): [Counter<L>, Histogram<L>] {
  return [
    new Counter({ ...count, labelNames, registers: [registry] }),
    new Histogram({ ...latency, labelNames, buckets: SECONDS, registers: [registry] }),
  ];
}

export const [httpRequests, httpDuration] = countAndLatency(
  ['method', 'route', 'status'],
  { name: 'postern_http_requests_total', help: 'HTTP requests by method, route and status' },
  { name: 'postern_http_request_duration_seconds', help: 'HTTP request latency by method, route and status' },
);
export const [graphqlOperations, graphqlDuration] = countAndLatency(
  ['operation', 'type', 'outcome'],
  {
    name: 'postern_graphql_operations_total',
    help: 'GraphQL operations by name, type (query, mutation) and outcome (ok, partial, error)',
  },
  { name: 'postern_graphql_operation_duration_seconds', help: 'GraphQL operation latency by name, type and outcome' },
);
export const authzDenials = new Counter({
  name: 'postern_authz_denials_total',
  help: 'FORBIDDEN answers by the missing permission',
  labelNames: ['permission'] as const,
  registers: [registry],
});
export const secretReveals = new Counter({
  name: 'postern_secret_reveals_total',
  help: '@sensitive values revealed in full (each one also audited as secret.revealed), by type and field',
  labelNames: ['type', 'field'] as const,
  registers: [registry],
});
export const dbConnectionsCreated = new Counter({
  name: 'postern_db_pool_connections_created_total',
  help: 'Connections the database driver pool opened (open now: created minus closed)',
  registers: [registry],
});
export const dbConnectionsClosed = new Counter({
  name: 'postern_db_pool_connections_closed_total',
  help: 'Connections the database driver pool closed',
  registers: [registry],
});
export const dbPoolCheckedOut = new Gauge({
  name: 'postern_db_pool_checked_out',
  help: 'Pool connections in use by a command right now',
  registers: [registry],
});
export const dbErrors = new Counter({
  name: 'postern_db_errors_total',
  help: 'Database errors: query_failed (a resolver met a driver error), checkout_failed, pool_cleared, heartbeat_failed',
  labelNames: ['kind'] as const,
  registers: [registry],
});

const ROUTES = ['/graphql', '/graphiql', '/graphiql/assets', '/healthz', '/readyz', '/metrics', '/audit/export'];

/** A bounded route label for a request path. */
export function routeOf(path: string): string {
  if (path.startsWith('/graphiql/assets/')) return '/graphiql/assets';
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return ROUTES.includes(p) ? p : 'other';
}

const MAX_OPERATION_NAMES = 500;
const seenOperations = new Set<string>();

/** The operation label: its name when well-formed, `anonymous`, or `other` past 500 distinct names. */
export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'invalid';
  if (seenOperations.has(name)) return name;
  if (seenOperations.size >= MAX_OPERATION_NAMES) return 'other';
  seenOperations.add(name);
  return name;
}

export function countDenial(permission: unknown): void {
  if (typeof permission === 'string' && isPermission(permission)) authzDenials.inc({ permission });
}

const instrumented = new WeakSet<MongoClient>();

/** Follows the driver's connection pool (CMAP events) and failures; once per client. */
export function instrumentDatabaseClient(client: MongoClient): void {
  if (instrumented.has(client)) return;
  instrumented.add(client);
  client.on('connectionCreated', () => dbConnectionsCreated.inc());
  client.on('connectionClosed', () => dbConnectionsClosed.inc());
  client.on('connectionCheckedOut', () => dbPoolCheckedOut.inc());
  client.on('connectionCheckedIn', () => dbPoolCheckedOut.dec());
  client.on('connectionCheckOutFailed', () => dbErrors.inc({ kind: 'checkout_failed' }));
  client.on('connectionPoolCleared', () => dbErrors.inc({ kind: 'pool_cleared' }));
  client.on('serverHeartbeatFailed', () => dbErrors.inc({ kind: 'heartbeat_failed' }));
}
