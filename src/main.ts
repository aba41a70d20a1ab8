// `npm start`: the gateway on PORT (default 4000), on the embedded database unless MONGODB_URI is set,
// one worker process per core (POSTERN_WORKERS; src/cluster.ts is the primary that starts them).
// First: tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) must patch http, express, graphql and
// mongodb before they load.
import cluster from 'node:cluster';
import { tracing } from './observability/tracing-start';
import { runPrimary, workerRole } from './cluster';
import { loadConfigOrExit } from './config';
import { createLogger } from './logger';
import { startServer } from './server';
import { seedDemoIfEmpty } from './seed/demo';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const root = createLogger(config.logLevel);
  if (cluster.isPrimary && config.workers > 1) return runPrimary(config, root);
  const worker = workerRole();
  const log = worker ? root.child({ worker: worker.slot }) : root;
  const server = await startServer({
    config,
    log,
    ...(worker
      ? { prepared: worker.prepared, backgroundJobs: worker.slot === 0 }
      : {
          beforeListen: async (cfg, l) => {
            if (cfg.seedDemo) await seedDemoIfEmpty(l);
          },
        }),
  });
  if (worker) {
    log.info({ pid: process.pid }, 'worker listening');
    process.send?.({ type: 'listening', url: server.url });
  } else {
    log.info({ url: `${server.url}/graphql`, explorer: `${server.url}/graphiql` }, 'Postern is listening');
  }

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
