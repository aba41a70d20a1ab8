// Prometheus metrics (prom-client), served at GET /metrics: HTTP requests and GraphQL operations by
// outcome with latency histograms, authorization denials by permission, secret reveals by field, the
// database connection pool and its errors, and Node's own (event-loop lag, heap, GC) metrics. One
// registry per process; label values are bounded (routes, catalogue permissions, schema fields,
// sanitised and capped operation names).
import type { MongoClient } from 'mongodb';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { isPermission } from '../authz';

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
/** New operation names one principal may add to the label set; its others count as `other`. */
const MAX_NAMES_PER_PRINCIPAL = 20;
const seenOperations = new Set<string>();
const addedBy = new Map<string, number>();

/**
 * The operation label. Callers without a principal are one value, `unauthenticated`, whatever they
 * name their operations (an anonymous flood adds nothing); a signed-in principal's well-formed names
 * are kept, up to 20 new names each and 500 in all, then `other`; unnamed operations are `anonymous`,
 * malformed names `invalid`.
 */
export function operationLabel(name: string | null | undefined, principalId?: string | null): string {
  if (!principalId) return 'unauthenticated';
  if (!name) return 'anonymous';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'invalid';
  if (seenOperations.has(name)) return name;
  const added = addedBy.get(principalId) ?? 0;
  if (seenOperations.size >= MAX_OPERATION_NAMES || added >= MAX_NAMES_PER_PRINCIPAL) return 'other';
  seenOperations.add(name);
  addedBy.set(principalId, added + 1);
  return name;
}

export function countDenial(permission: unknown): void {
  if (typeof permission === 'string' && isPermission(permission)) authzDenials.inc({ permission });
}

const instrumented = new WeakSet<MongoClient>();
const clients: MongoClient[] = [];

/** The driver's pools (one per server): what is open and in use now. */
function poolsOf(client: MongoClient): { totalConnectionCount: number; currentCheckedOutCount: number }[] {
  const topology = (client as unknown as { topology?: { s?: { servers?: Map<string, { pool?: unknown }> } } }).topology;
  const pools: { totalConnectionCount: number; currentCheckedOutCount: number }[] = [];
  for (const server of topology?.s?.servers?.values() ?? []) {
    const pool = server.pool as { totalConnectionCount?: unknown; currentCheckedOutCount?: unknown } | undefined;
    if (pool && typeof pool.totalConnectionCount === 'number' && typeof pool.currentCheckedOutCount === 'number') {
      pools.push(pool as { totalConnectionCount: number; currentCheckedOutCount: number });
    }
  }
  return pools;
}

export const dbPoolOpen = new Gauge({
  name: 'postern_db_pool_connections_open',
  help: 'Connections open in the database driver pool now (equals created minus closed)',
  registers: [registry],
  collect() {
    this.set(clients.reduce((n, c) => n + poolsOf(c).reduce((m, p) => m + p.totalConnectionCount, 0), 0));
  },
});
/**
 * Follows the driver's connection pool (CMAP events) and failures; once per client. The client is
 * connected before it can be instrumented, so the connections its pool opened already are counted as
 * created here: created minus closed is always what is open.
 */
export function instrumentDatabaseClient(client: MongoClient): void {
  if (instrumented.has(client)) return;
  instrumented.add(client);
  clients.push(client);
  const pools = poolsOf(client);
  dbConnectionsCreated.inc(pools.reduce((n, p) => n + p.totalConnectionCount, 0));
  dbPoolCheckedOut.inc(pools.reduce((n, p) => n + p.currentCheckedOutCount, 0));
  client.on('connectionCreated', () => dbConnectionsCreated.inc());
  client.on('connectionClosed', () => dbConnectionsClosed.inc());
  client.on('connectionCheckedOut', () => dbPoolCheckedOut.inc());
  client.on('connectionCheckedIn', () => dbPoolCheckedOut.dec());
  client.on('connectionCheckOutFailed', () => dbErrors.inc({ kind: 'checkout_failed' }));
  client.on('connectionPoolCleared', () => dbErrors.inc({ kind: 'pool_cleared' }));
  client.on('serverHeartbeatFailed', () => dbErrors.inc({ kind: 'heartbeat_failed' }));
  client.once('close', () => clients.splice(clients.indexOf(client), 1));
}
