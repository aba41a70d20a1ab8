// Boots a gateway: database (the embedded one unless MONGODB_URI is set), secret key, schema,
// HTTP. Used by src/main.ts, by the tests (in-process) and by the benchmark.
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { GraphQLSchema } from 'graphql';
import { loadConfig, type Config } from './config';
import { type EmbeddedDatabase, openDatabase } from './db';
import mongoose from 'mongoose';
import { instrumentDatabaseClient, shareWorkerMetrics } from './observability';
import { configureSecretKey } from './crypto';
import { createLogger } from './logger';
import {
  buildSchema,
  configureModules,
  createAccessStore,
  dataUpgrades,
  registerModules,
  startBackgroundJobs,
  type BackgroundJobs,
} from './composition';
import { createGateway, type Gateway } from './app';
import { createMailer, type Mailer } from './mail';
import { RateLimits } from './limits';
import { startMetricsListener } from './http';
import type { AccessStore } from './authz';

export interface RunningServer {
  url: string;
  /** Where Prometheus scrapes: the metrics port, or `<url>/metrics` with METRICS_TOKEN; null when the metrics port was taken. */
  metricsUrl: string | null;
  port: number;
  gateway: Gateway;
  config: Config;
  /** The gateway's mailer (its outbox holds the mail of a gateway without SMTP_URL). */
  mailer: Mailer;
  /** The access store the composition root built for this gateway. */
  access: AccessStore;
  /** The supervised embedded database, when MONGODB_URI is unset. */
  embedded: EmbeddedDatabase | null;
  /** Background jobs of this replica: scheduled campaigns, stalled sends. */
  scheduler: BackgroundJobs;
  stop(): Promise<void>;
}

export interface StartOptions {
  config?: Config;
  log?: Logger;
  schema?: GraphQLSchema;
  /** Runs after the database is connected, before HTTP listens (the demo seed). */
  beforeListen?: (config: Config, log: Logger, access: AccessStore) => Promise<void>;
  monitorCommands?: boolean;
  /** A cluster worker: the primary opened and prepared the database (src/cluster.ts). */
  prepared?: { uri: string };
  /** Run the background jobs (default true; in a cluster, one worker runs them). */
  backgroundJobs?: boolean;
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const config = opts.config ?? loadConfig();
  const log = opts.log ?? createLogger(config.logLevel);
  configureSecretKey(config);
  registerModules(); // also when given a schema built elsewhere (the tests' probe schema)
  configureModules(config);
  // The composition root: the one access store of this process, handed to everything that needs it.
  const access = createAccessStore();

  const schema = opts.schema ?? buildSchema();
  const db = await openDatabase(config, log, { monitorCommands: opts.monitorCommands, prepared: opts.prepared, upgrades: dataUpgrades });
  instrumentDatabaseClient(mongoose.connection.getClient());
  try {
    await opts.beforeListen?.(config, log, access);
  } catch (err) {
    await db.close();
    throw err;
  }
  if (!opts.prepared) await RateLimits.sweep();
  const mailer = createMailer(config.smtpUrl);
  const gateway = await createGateway({
    schema,
    log,
    mailer,
    access,
    limits: new RateLimits(config.rateLimits),
    trustProxy: config.trustProxy,
    maxQueryDepth: config.maxQueryDepth,
    maxQueryCost: config.maxQueryCost,
    maxQueryTokens: config.maxQueryTokens,
    metricsToken: config.metricsToken,
    apolloUsageReporting: config.apolloUsageReporting,
    maxConcurrentOperations: config.maxConcurrentOperations,
    latencyBudgetMs: config.latencyBudgetMs,
  });
  await new Promise<void>((resolve) => gateway.httpServer.listen(config.port, config.host, resolve));
  const port = (gateway.httpServer.address() as AddressInfo).port;
  const url = `http://${config.host}:${port}`;
  const scheduler = startBackgroundJobs({ log, mailer, intervalMs: opts.backgroundJobs === false ? 0 : config.schedulerIntervalMs });
  // /metrics is never public by default: on its own port unless a token guards it on the API's.
  // A cluster's worker shares its registry with the primary, which serves the metrics port.
  if (opts.prepared) shareWorkerMetrics();
  const metrics = config.metricsToken || opts.prepared ? null : await startMetricsListener(config.metricsHost, config.metricsPort, log);
  const metricsUrl = config.metricsToken ? `${url}/metrics` : (metrics?.url ?? null);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      gateway.draining = true; // requests on kept-alive connections get 503 from now on
      log.info('draining: refusing new connections, finishing in-flight requests');
      await gateway.apollo.stop(); // stops listening, lets in-flight requests finish (drain plugin)
      await metrics?.close();
      await scheduler.stop(); // lets a running tick finish; an unfinished send is resumed by another replica
      await db.close();
      log.info('database connection closed');
    })();
    return stopping;
  };
  return { url, metricsUrl, port, gateway, config, mailer, access, embedded: db.embedded, scheduler, stop };
}
