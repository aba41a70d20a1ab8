// /metrics of a node:cluster gateway (src/cluster.ts): the sum over its workers, not the counters of
// whichever worker a scrape reached. The primary asks each worker for its registry as JSON over the
// cluster's IPC channel and adds them up with prom-client's AggregatorRegistry.aggregate (counters
// and histograms summed, the default process metrics each by its own rule). Only workers that said
// they answer are asked (a worker still starting is not waited for); one that is asked and does not
// answer within 2 s fails the scrape (a 500, a gap in Prometheus) rather than a partial sum that
// would look like a counter reset. The primary serves the metrics port; with METRICS_TOKEN a worker
// answers /metrics on the API port and asks the primary for the sum.
// (prom-client's own clusterMetrics() asks every connected worker, also one that has not loaded
// its listener yet, and times out on it after 5 s: a restarted worker would fail scrapes meanwhile.)
import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry } from 'prom-client';
import { registry } from './metrics';

const READY = 'postern:metrics:ready';
const COLLECT = 'postern:metrics:collect';
const COLLECTED = 'postern:metrics:collected';
const REQUEST = 'postern:metrics:request';
const ANSWER = 'postern:metrics:answer';
const WORKER_WITHIN_MS = 2_000;
const PRIMARY_WITHIN_MS = 5_000;

type Message = { type?: string; id?: string; metrics?: object[]; text?: string; error?: string };

let sharing = false;

/** In a worker: answer the primary's requests with this process's registry, and say so. Idempotent. */
export function shareWorkerMetrics(): void {
  if (!cluster.isWorker || sharing || !process.send) return;
  sharing = true;
  process.on('message', (m: Message) => {
    if (m?.type !== COLLECT) return;
    registry.getMetricsAsJSON().then(
      (metrics) => process.send?.({ type: COLLECTED, id: m.id, metrics }),
      (err: unknown) => process.send?.({ type: COLLECTED, id: m.id, error: String(err) }),
    );
  });
  process.send({ type: READY });
}

const answering = new Set<Worker>();
const pending = new Map<string, { waiting: Set<Worker>; got: object[][]; done: (err: Error | null) => void }>();

/** In the primary: follows a worker (src/cluster.ts calls it for each one it forks). */
export function followWorker(worker: Worker): void {
  worker.on('message', (m: Message) => {
    if (m?.type === READY) answering.add(worker);
    else if (m?.type === COLLECTED && m.id) {
      const p = pending.get(m.id);
      if (!p || !p.waiting.delete(worker)) return;
      if (m.error !== undefined) return p.done(new Error(`a worker could not collect its metrics: ${m.error}`));
      p.got.push(m.metrics ?? []);
      if (p.waiting.size === 0) p.done(null);
    } else if (m?.type === REQUEST) {
      // A worker serving /metrics itself (METRICS_TOKEN) asks for the sum.
      clusterMetrics().then(
        (text) => worker.isConnected() && worker.send({ type: ANSWER, id: m.id, text }),
        (err: unknown) => worker.isConnected() && worker.send({ type: ANSWER, id: m.id, error: String(err) }),
      );
    }
  });
  worker.once('exit', () => {
    answering.delete(worker);
    // A worker gone while asked: the sum is of the others.
    for (const p of pending.values()) if (p.waiting.delete(worker) && p.waiting.size === 0) p.done(null);
  });
}

/** In the primary: the answering workers' metrics, summed. */
export function clusterMetrics(): Promise<string> {
  const id = randomUUID();
  const workers = [...answering].filter((w) => w.isConnected());
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => p.done(new Error(`${p.waiting.size} worker(s) did not send their metrics within ${WORKER_WITHIN_MS / 1000} s`)),
      WORKER_WITHIN_MS,
    );
    const p = {
      waiting: new Set(workers),
      got: [] as object[][],
      done: (err: Error | null) => {
        if (!pending.delete(id)) return;
        clearTimeout(timer);
        if (err) return reject(err);
        AggregatorRegistry.aggregate(p.got).metrics().then(resolve, reject);
      },
    };
    pending.set(id, p);
    if (workers.length === 0) return p.done(null);
    for (const w of workers) w.send({ type: COLLECT, id });
  });
}

/** What GET /metrics answers in this process: the cluster's sum in a worker, this process's registry otherwise. */
export function metricsText(): Promise<string> {
  if (!cluster.isWorker || !process.send) return registry.metrics();
  const id = randomUUID();
  return new Promise<string>((resolve, reject) => {
    const onMessage = (m: Message) => {
      if (m?.type !== ANSWER || m.id !== id) return;
      done();
      if (m.error !== undefined) reject(new Error(m.error));
      else resolve(m.text ?? '');
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`the primary did not answer with the cluster's metrics within ${PRIMARY_WITHIN_MS / 1000} s`));
    }, PRIMARY_WITHIN_MS);
    const done = () => {
      clearTimeout(timer);
      process.off('message', onMessage);
    };
    process.on('message', onMessage);
    process.send!({ type: REQUEST, id });
  });
}
