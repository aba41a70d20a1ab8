// The dashboard under load: closed-loop clients (bench/client.ts, in this process) against the
// gateway process, many connections for a fixed time, each waiting Retry-After after a 503 and sending
// again, as a real client does. Every final answer is compared with the one the gateway gave before
// the load (the data does not change): a different body — an error, a missing or unmasked field —
// counts as an error, as do HTTP errors, timeouts and connection errors.
import { closedLoop, quantile } from './client';
import { cpuOf, gql, machineCpuSeconds, type GatewayProcess } from './gateway';

export const DASHBOARD_QUERY = `query Dashboard { viewer { accounts { id name workspaces { edges { node { id name
  domains(first: 20) { edges { node { id name smtpCredentials { edges { node { id login password } } } } } }
  campaigns(first: 20) { edges { node { id name status list { id name } template { id name } createdBy { id email } } } }
} } } } } }`;

export interface LoadResult {
  label: string;
  connections: number;
  seconds: number;
  requests: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  /** 503 answers (the gateway refusing past its latency budget, with Retry-After), each attempt: retried by the client, not errors. */
  refused: number;
  /** Requests that met at least one 503 before their answer (their latency includes the wait). */
  delayed: number;
  errorDetail: string;
  /** Gateway worker processes. */
  workers: number;
  /** Requests sent but not answered when the time was up. */
  unanswered: number;
  /** Seconds after the load until the gateway answered a small query again within 1 s (its backlog). */
  recoverySeconds: number;
  /** Per request: passwords in the response, and how many of them were plaintext. */
  passwords: number;
  revealed: number;
  /** Share of the run's machine CPU (2 cores = 200 %) used by the gateway process and by everything. */
  gatewayCpuPercent: number;
  machineCpuPercent: number;
  /** CPU ms per answered request: the gateway, the database, the load generator (this process). */
  cpuMsPerRequest: { gateway: number; database: number | null; loadGenerator: number };
  /** Requests per second the machine's cores could serve if these three had them to themselves. */
  capacityEstimate: number | null;
}

export async function dashboardLoad(
  gw: GatewayProcess,
  opts: { label: string; token: string; connections: number; seconds: number; databasePid?: number; cores: number },
): Promise<LoadResult> {
  const reference = await gql<unknown>(gw.url, DASHBOARD_QUERY, {}, opts.token);
  const body = JSON.stringify({ query: DASHBOARD_QUERY, operationName: 'Dashboard' });
  const expected = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token}` },
    body,
  }).then((r) => r.text());
  const passwords = [...expected.matchAll(/"password":("[^"]*"|null)/g)].map((m) => m[1]!);
  if (JSON.stringify(JSON.parse(expected)) !== JSON.stringify(reference))
    throw new Error(`${opts.label}: the dashboard's answer changed between two requests`);

  const g0 = gw.cpuSeconds();
  const m0 = machineCpuSeconds();
  const d0 = opts.databasePid ? cpuOf(opts.databasePid) : 0;
  const b0 = process.cpuUsage();
  const result = await closedLoop({
    url: `${gw.url}/graphql`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token}` },
    body,
    connections: opts.connections,
    seconds: opts.seconds,
    timeoutMs: 30_000,
    expectBody: expected,
    honourRetryAfter: true,
  });
  const gatewayCpu = gw.cpuSeconds() - g0;
  const machineCpu = machineCpuSeconds() - m0;
  const databaseCpu = opts.databasePid ? cpuOf(opts.databasePid) - d0 : null;
  const b = process.cpuUsage(b0);
  const benchCpu = (b.user + b.system) / 1e6;
  const recoverySeconds = await recovery(gw, opts.token);
  // The figure: right answers. A request refused with 503 waits Retry-After and is sent again; its
  // latency runs from its first attempt, and only a wrong final answer is an error.
  const answered = result.answered;
  const errors = result.wrong + result.failed;
  const statuses = Object.entries(result.wrongByStatus)
    .map(([st, n]) => `${n} × ${st}`)
    .join(', ');
  const ms = (q: number) => Math.round(quantile(result.latencies, q));
  return {
    label: opts.label,
    connections: opts.connections,
    seconds: Math.round(result.duration * 10) / 10,
    requests: answered,
    reqPerSec: Math.round((answered / result.duration) * 10) / 10,
    p50: ms(0.5),
    p99: ms(0.99),
    max: ms(1),
    errors,
    refused: result.refusals,
    delayed: result.delayed,
    workers: gw.workers,
    errorDetail:
      `${result.failed} connection errors (${result.timeouts} timeouts), ${result.wrong} wrong answers${statuses ? ` (${statuses})` : ''}; ` +
      `${result.refusals} refusals (503, retried after Retry-After) delaying ${result.delayed} requests`,
    unanswered: result.unanswered,
    recoverySeconds,
    passwords: passwords.length,
    revealed: passwords.filter((p) => p !== 'null' && !p.includes('•')).length,
    cpuMsPerRequest: {
      gateway: perRequest(gatewayCpu, answered),
      database: databaseCpu === null ? null : perRequest(databaseCpu, answered),
      loadGenerator: perRequest(benchCpu, answered),
    },
    capacityEstimate:
      databaseCpu === null || answered === 0 ? null : Math.round(opts.cores / ((gatewayCpu + databaseCpu + benchCpu) / answered)),
    gatewayCpuPercent: Math.round((gatewayCpu / result.duration) * 100),
    machineCpuPercent: Math.round((machineCpu / result.duration) * 100),
  };
}

const RECOVERY_CAP_MS = 300_000;

/** Waits until `{ viewer { user { id } } }` is answered within 1 s (at most 5 minutes); returns the seconds waited. */
async function recovery(gw: GatewayProcess, token: string): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < RECOVERY_CAP_MS) {
    const t = performance.now();
    const answered = await gql(gw.url, '{ viewer { user { id } } }', {}, token).then(
      () => true,
      () => false,
    );
    if (answered && performance.now() - t < 1000) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return Math.round((performance.now() - t0) / 100) / 10;
}

const perRequest = (cpuSeconds: number, requests: number) => (requests ? Math.round((cpuSeconds / requests) * 10000) / 10 : 0);
