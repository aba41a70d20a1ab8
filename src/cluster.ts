// Every core: `npm start` runs one gateway worker per core (POSTERN_WORKERS, default the
// machine's cores; 1 runs no cluster) behind one port with node:cluster. This, the primary process:
// - prepares the database once: starts the embedded database when MONGODB_URI is unset (and keeps
//   supervising it), makes the secret key file, runs the data upgrades, builds the indexes, seeds the
//   demo and sweeps expired rate-limit counters; then it lets go of its connection and forks workers,
//   which connect to the same database (src/server.ts `prepared`) and do none of that again;
// - restarts a worker that dies (backoff while it keeps dying at once);
// - on SIGTERM/SIGINT passes SIGTERM to every worker, which drains its in-flight requests and closes
//   its connection (src/main.ts), then stops the embedded database and exits.
// What lives in a worker's memory is correct with many of them, as with replicas on other machines:
// compiled permissions are cached per permissionsVersion (read on each request), the audit chain's
// in-process queue relies on the unique (accountId, seq) index (a collision reloads the tail), claims
// make the scheduler's sends happen once, and the per-principal request budget counts per worker
// (src/limits/rate-limit.ts). Only the first worker slot runs the background jobs, to poll less.
// /metrics is the sum over the workers: the primary serves the metrics port (src/observability/cluster-metrics.ts).
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { WORKER_VARIABLES, type Config } from './config';
import { configureSecretKey } from './crypto';
import { disconnectDatabase, openDatabase } from './db';
import { createAccessStore, dataUpgrades, registerModules } from './composition';
import { RateLimits } from './limits';
import { demoLogins, hasDemoOwner, seedDemoIfEmpty } from './seed';
import { type StartupProgress, clusterMetrics, followWorker } from './observability';
import { startMetricsListener } from './http';

/** Set by the primary in a worker's environment: the database it prepared, the worker's slot. */
export const WORKER_DATABASE_ENV = WORKER_VARIABLES.database;
export const WORKER_SLOT_ENV = WORKER_VARIABLES.slot;

/** In a worker: the database the primary prepared and this worker's slot (0 runs the background jobs). */
export function workerRole(): { prepared: { uri: string }; slot: number } | null {
  const uri = process.env[WORKER_DATABASE_ENV];
  if (!cluster.isWorker || !uri) return null;
  return { prepared: { uri }, slot: Number(process.env[WORKER_SLOT_ENV] ?? 0) };
}

/** A worker that lived this long resets its slot's backoff. */
const STABLE_MS = 30_000;
const BACKOFF_MS = [100, 500, 1000, 2000, 5000];
/** SIGTERM: workers get this long to drain before they are killed. */
const STOP_WITHIN_MS = 15_000;

export async function runPrimary(config: Config, log: Logger, progress?: StartupProgress): Promise<void> {
  configureSecretKey(config); // once, so that workers read the same key file
  registerModules();
  const db = await openDatabase(config, log, { upgrades: dataUpgrades }).catch((err: unknown) => {
    progress?.stop();
    throw err;
  });
  let demo = false;
  if (config.seedDemo) {
    progress?.step('checking for demo data (seeded into an empty database on first start)');
    demo = (await seedDemoIfEmpty(log, createAccessStore())) || (await hasDemoOwner());
  }
  progress?.step(`starting ${config.workers} workers`);
  await RateLimits.sweep();
  await disconnectDatabase(); // the workers connect; the embedded database, if any, stays up
  const uri = config.mongodbUri ?? db.embedded!.uri;

  let stopping = false;
  const slots = new Map<number, Worker>();
  const crashes = new Map<number, number>();
  const listening = new Set<number>();
  let announced = false;

  const fork = (slot: number) => {
    const startedAt = Date.now();
    const worker = cluster.fork({
      [WORKER_DATABASE_ENV]: uri,
      [WORKER_SLOT_ENV]: String(slot),
      // graphql-js checks every schema object's realm unless told it runs in production.
      NODE_ENV: process.env.NODE_ENV ?? 'production',
    });
    slots.set(slot, worker);
    followWorker(worker); // its metrics, summed on the metrics port (and for a worker serving /metrics with METRICS_TOKEN)
    worker.on('message', (m: { type?: string; url?: string }) => {
      if (m?.type !== 'listening') return;
      listening.add(slot);
      if (!announced && listening.size === config.workers) {
        announced = true;
        log.info({ url: `${m.url}/graphql`, explorer: `${m.url}/graphiql`, workers: config.workers }, 'Postern is listening');
        progress?.ready(m.url!, demo ? demoLogins() : null);
      }
    });
    worker.once('exit', (code, signal) => {
      listening.delete(slot);
      if (slots.get(slot) === worker) slots.delete(slot);
      if (stopping) return;
      if (code === 0 && !signal) {
        log.warn({ slot, pid: worker.process.pid }, 'a worker stopped by itself; starting another');
      } else {
        log.error({ slot, pid: worker.process.pid, code, signal }, 'a worker died; starting another');
      }
      const n = Date.now() - startedAt > STABLE_MS ? 0 : (crashes.get(slot) ?? 0) + 1;
      crashes.set(slot, n);
      setTimeout(() => !stopping && fork(slot), n === 0 ? 0 : BACKOFF_MS[Math.min(n - 1, BACKOFF_MS.length - 1)]);
    });
  };
  for (let slot = 0; slot < config.workers; slot++) fork(slot);
  // The metrics port: the workers' metrics summed (src/observability/cluster-metrics.ts).
  const metrics = config.metricsToken ? null : await startMetricsListener(config.metricsHost, config.metricsPort, log, clusterMetrics);

  const exitAfterFlush = (code: number) => log.flush(() => process.exit(code));
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, workers: slots.size }, 'shutting down: the workers finish their in-flight requests');
    const workers = [...slots.values()];
    let failed = false;
    const exits = workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          w.once('exit', (code, sig) => {
            if (code !== 0 || sig) failed = true;
            resolve();
          });
          w.process.kill('SIGTERM');
        }),
    );
    const force = setTimeout(() => {
      log.error(`workers still running ${STOP_WITHIN_MS / 1000}s after ${signal}: killing them`);
      for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
    }, STOP_WITHIN_MS);
    force.unref();
    void Promise.all([...exits, metrics?.close()])
      .then(() => db.embedded?.stop())
      .then(
        () => {
          clearTimeout(force);
          log.info('stopped');
          exitAfterFlush(failed ? 1 : 0);
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
