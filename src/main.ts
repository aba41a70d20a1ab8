// `npm start`: the gateway on PORT (default 4000), on the embedded database unless MONGODB_URI is set,
// one worker process per core (POSTERN_WORKERS; src/cluster.ts is the primary that starts them).
// First: tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) must patch http, express, graphql and
// mongodb before they load.
import cluster from 'node:cluster';
import { tracing } from './observability/tracing-start';
import { startupProgress } from './observability';
import { runPrimary, workerRole } from './cluster';
import { loadConfigOrExit, type Config } from './config';
import type { Logger } from 'pino';
import { createLogger } from './logger';
import { startServer } from './server';
import { demoLogins, hasDemoOwner, seedDemoIfEmpty } from './seed';

/** A worker of the cluster's primary: the database is prepared; it only serves. */
async function startWorker(worker: NonNullable<ReturnType<typeof workerRole>>, config: Config, log: Logger) {
  const server = await startServer({ config, log, prepared: worker.prepared, backgroundJobs: worker.slot === 0 });
  log.info({ pid: process.pid }, 'worker listening');
  process.send?.({ type: 'listening', url: server.url });
  return server;
}

/** One process serving alone, or the primary of POSTERN_WORKERS > 1 (then null: it serves nothing itself). */
async function startAlone(config: Config, log: Logger) {
  const progress = startupProgress();
  progress.step(config.mongodbUri ? 'connecting to MongoDB' : `starting the embedded database (data in ${config.dataDir})`);
  if (cluster.isPrimary && config.workers > 1) {
    await runPrimary(config, log, progress);
    return null;
  }
  let demo = false;
  const server = await startServer({
    config,
    log,
    beforeListen: async (cfg, l, access) => {
      if (!cfg.seedDemo) return;
      progress.step('checking for demo data (seeded into an empty database on first start)');
      demo = (await seedDemoIfEmpty(l, access)) || (await hasDemoOwner());
      progress.step('opening the HTTP port');
    },
  }).catch((err: unknown) => {
    progress.stop();
    throw err;
  });
  log.info({ url: `${server.url}/graphql`, explorer: `${server.url}/graphiql` }, 'Postern is listening');
  progress.ready(server.url, demo ? demoLogins() : null);
  return server;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const root = createLogger(config.logLevel);
  const worker = workerRole();
  const log = worker ? root.child({ worker: worker.slot }) : root;
  const server = worker ? await startWorker(worker, config, log) : await startAlone(config, log);
  if (!server) return; // the cluster's primary: it supervises the workers and stops them on SIGTERM (src/cluster.ts)

  // pino writes asynchronously: flush before exiting so the last lines arrive, in order.
  const exitAfterFlush = (code: number) => log.flush(() => process.exit(code));

  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      log.error('shutdown took over 12s: exiting');
      process.exit(1);
    }, 12_000);
    force.unref();
    server
      .stop()
      .then(() => tracing?.shutdown())
      .then(
        () => {
          log.info('stopped');
          exitAfterFlush(0);
        },
        (err: unknown) => {
          log.error({ err }, 'error while shutting down');
          exitAfterFlush(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('Postern failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
