// The load generator of the dashboard's figures: `connections` clients in a closed loop, each sending
// its next request when the last is answered, as a real client does — including after a 503: it waits
// the `Retry-After` the gateway gave, then sends the same request again. A request's latency is from
// its first attempt to its final answer (the retries' waits included: what the person waiting sees);
// it is an error when its final answer is wrong (an HTTP error, a body unlike the expected one, a
// timeout, a connection error). Refusals are counted apart, each one, with the requests they delayed.
// node:http with a keep-alive agent (one socket per client), so that the bench needs nothing more.
import http from 'node:http';

export interface ClientOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  seconds: number;
  timeoutMs: number;
  /** Every right answer's body. */
  expectBody: string;
  /** Wait Retry-After after a 503 and send again (a real client); false: count the 503 as the answer, send the next at once. */
  honourRetryAfter: boolean;
}

export interface ClientResult {
  /** Seconds the load ran. */
  duration: number;
  /** Requests answered with the expected body. */
  answered: number;
  /** Final answers that were wrong: HTTP errors (503s included when not retried), other bodies. */
  wrong: number;
  /** Final answers by HTTP status, wrong ones only. */
  wrongByStatus: Record<string, number>;
  /** Connection errors and timeouts (final). */
  failed: number;
  timeouts: number;
  /** 503 answers seen (each attempt), and the requests that met at least one. */
  refusals: number;
  delayed: number;
  /** Requests in flight (or waiting to retry) when the time was up: not counted. */
  unanswered: number;
  /** Latency of every finished request, first attempt to final answer, ms. */
  latencies: Float64Array;
}

interface Attempt {
  status: number;
  body: string;
  retryAfter: number | null;
}

export async function closedLoop(opts: ClientOptions): Promise<ClientResult> {
  const target = new URL(opts.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const send = () =>
    new Promise<Attempt>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { ...opts.headers, 'content-length': Buffer.byteLength(opts.body) },
          timeout: opts.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const ra = res.headers['retry-after'];
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              retryAfter: ra && /^\d+$/.test(ra) ? Number(ra) : null,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', reject);
      req.end(opts.body);
    });

  const latencies: number[] = [];
  const r = { answered: 0, wrong: 0, failed: 0, timeouts: 0, refusals: 0, delayed: 0, unanswered: 0 };
  const wrongByStatus: Record<string, number> = {};
  const t0 = performance.now();
  const end = t0 + opts.seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      let refused = false;
      let outcome: 'ok' | 'wrong' | 'failed' | 'late' = 'late';
      let status = 0;
      for (;;) {
        let a: Attempt;
        try {
          a = await send();
        } catch (err) {
          if (performance.now() >= end) break;
          if ((err as { code?: string }).code === 'TIMEOUT') r.timeouts++;
          outcome = 'failed';
          break;
        }
        if (performance.now() > end) break; // answered after the time was up: not counted
        status = a.status;
        if (a.status === 503 && opts.honourRetryAfter) {
          r.refusals++;
          refused = true;
          const wait = (a.retryAfter ?? 1) * 1000;
          if (performance.now() + wait >= end) break;
          await new Promise((res) => setTimeout(res, wait));
          continue;
        }
        if (a.status === 503) r.refusals++;
        outcome = a.status === 200 && a.body === opts.expectBody ? 'ok' : 'wrong';
        break;
      }
      if (outcome === 'late') {
        r.unanswered++;
        break;
      }
      if (refused) r.delayed++;
      latencies.push(performance.now() - started);
      if (outcome === 'ok') r.answered++;
      else if (outcome === 'failed') r.failed++;
      else {
        r.wrong++;
        wrongByStatus[status] = (wrongByStatus[status] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, loop));
  agent.destroy();
  return {
    ...r,
    wrongByStatus,
    duration: Math.min(performance.now(), end) / 1000 - t0 / 1000,
    latencies: Float64Array.from(latencies).sort(),
  };
}

/** The q-quantile (0..1) of sorted values. */
export function quantile(sorted: Float64Array, q: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
