// Where the gateway's CPU goes under the dashboard load: the workers run with V8's sampling profiler
// (`node --cpu-prof`, written when each process exits), the analyst's dashboard is loaded as in the
// load phase, and the samples of every worker are summed — self time by package (the driver and BSON,
// graphql-js, Apollo, Express, pino, Postern's own code, …), garbage collection, and the functions
// costing most. What holds the throughput back, from a profile rather than a guess.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closedLoop } from './client';
import { DASHBOARD_QUERY } from './load';
import type { GatewayProcess } from './gateway';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileResult {
  seconds: number;
  workers: number;
  answered: number;
  /** Sampled milliseconds, idle excluded, over every worker. */
  busyMs: number;
  /** Share of the busy time by where it was spent, largest first. */
  byPlace: { place: string; ms: number; share: number }[];
  /** The functions with the most self time, largest first. */
  topFunctions: { fn: string; place: string; ms: number; share: number }[];
}

/** Where a sampled frame belongs: a package of node_modules, Node itself, Postern, or V8's own bookkeeping. */
export function placeOf(functionName: string, url: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'garbage collection';
    if (functionName === '(program)') return 'V8 and native code (no JS frame)';
    if (functionName === '(idle)') return 'idle';
    if (/^(writeBuffer|writev|write\w*String)$/.test(functionName)) return 'socket writes (native: the database and HTTP)';
    if (functionName === 'runMicrotasks') return 'promise jobs (native)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  if (url.startsWith('node:')) return 'Node.js core (net, streams, http)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
    if (pkg === 'mongodb' || pkg === 'bson' || pkg === 'mongodb-connection-string-url') return 'MongoDB driver and BSON';
    return pkg;
  }
  const src = url.indexOf('/dist/src/');
  if (src >= 0)
    return `Postern: src/${url
      .slice(src + '/dist/src/'.length)
      .split('/')[0]!
      .replace(/\.js$/, '.ts')}`;
  return url;
}

/** Sums the self time of the profiles' samples by place and by function. */
export function summarize(profiles: CpuProfile[]): Pick<ProfileResult, 'busyMs' | 'byPlace' | 'topFunctions'> {
  const places = new Map<string, number>();
  const fns = new Map<string, { place: string; us: number }>();
  let busy = 0;
  for (const p of profiles) {
    const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
    for (let i = 0; i < p.samples.length; i++) {
      // The delta after a sample is the time it stands for.
      const us = p.timeDeltas[i + 1] ?? 0;
      const frame = byId.get(p.samples[i]!);
      if (!frame) continue;
      const place = placeOf(frame.functionName, frame.url);
      if (place === 'idle') continue;
      busy += us;
      places.set(place, (places.get(place) ?? 0) + us);
      const file = frame.url ? `${frame.url.replace(/^.*\/(node_modules|dist)\//, '')}:${frame.lineNumber + 1}` : '';
      const key = `${frame.functionName || '(anonymous)'}${file ? ` (${file})` : ''}`;
      const f = fns.get(key) ?? { place, us: 0 };
      f.us += us;
      fns.set(key, f);
    }
  }
  const share = (us: number) => Math.round((us / Math.max(busy, 1)) * 1000) / 10;
  return {
    busyMs: Math.round(busy / 1000),
    byPlace: [...places].sort((a, b) => b[1] - a[1]).map(([place, us]) => ({ place, ms: Math.round(us / 1000), share: share(us) })),
    topFunctions: [...fns]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, 12)
      .map(([fn, f]) => ({ fn, place: f.place, ms: Math.round(f.us / 1000), share: share(f.us) })),
  };
}

/**
 * Starts a gateway whose processes profile themselves (`start(nodeArgs)`), loads the analyst's dashboard
 * for `seconds`, stops it (the profiles are written as its processes exit) and sums the workers' profiles.
 */
export async function profileFigures(
  start: (nodeArgs: string[]) => Promise<GatewayProcess>,
  login: (url: string) => Promise<string>,
  opts: { seconds: number; connections: number },
): Promise<ProfileResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'postern-profile-'));
  try {
    const gw = await start(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    let answered = 0;
    try {
      const token = await login(gw.url);
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
      const body = JSON.stringify({ query: DASHBOARD_QUERY, operationName: 'Dashboard' });
      const expectBody = await fetch(`${gw.url}/graphql`, { method: 'POST', headers, body }).then((r) => r.text());
      const result = await closedLoop({
        url: `${gw.url}/graphql`,
        headers,
        body,
        connections: opts.connections,
        seconds: opts.seconds,
        timeoutMs: 30_000,
        expectBody,
        honourRetryAfter: true,
      });
      answered = result.answered;
    } finally {
      await gw.stop();
    }
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    const profiles = files.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile);
    // The primary only deals out connections: its profile is the one with the fewest busy samples.
    const busyOf = (p: CpuProfile) => summarize([p]).busyMs;
    const workers = profiles.length > 1 ? [...profiles].sort((a, b) => busyOf(b) - busyOf(a)).slice(0, profiles.length - 1) : profiles;
    return { seconds: opts.seconds, workers: workers.length, answered, ...summarize(workers) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderProfile(r: ProfileResult | undefined, failure?: string): string {
  if (!r) return failure ? `\n## Where the gateway's CPU goes\n\nFailed: ${failure}\n` : '';
  return [
    '',
    "## Where the gateway's CPU goes",
    '',
    `The analyst's dashboard at the load above for ${r.seconds} s (${r.answered.toLocaleString('en-US')} answered) on a gateway whose ` +
      `${r.workers} worker(s) ran with V8's sampling profiler (\`node --cpu-prof\`, bench/profile.ts); self time summed over the workers, ` +
      `idle excluded: ${r.busyMs.toLocaleString('en-US')} ms sampled, the start-up's included (module loading). The profiler costs ` +
      'some throughput itself; the shares are what count.',
    '',
    '| where | ms | share |',
    '|---|---|---|',
    ...r.byPlace.slice(0, 14).map((p) => `| ${p.place} | ${p.ms.toLocaleString('en-US')} | ${p.share} % |`),
    '',
    'The functions with the most self time:',
    '',
    '| function | where | share |',
    '|---|---|---|',
    ...r.topFunctions.map((f) => `| \`${f.fn.replace(/\|/g, '\\|')}\` | ${f.place} | ${f.share} % |`),
    '',
  ].join('\n');
}
