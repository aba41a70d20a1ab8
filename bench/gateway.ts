// A gateway in its own process (`node dist/src/main.js`, as `npm start` runs it), so that the load
// generator in this process does not share the gateway's event loop. It is pointed at the database
// this benchmark started, seeds the demo data on it (as on a first start) and logs at `info`, one
// line per request, as in production; its output goes to a file.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/paths';

export interface GatewayProcess {
  url: string;
  pid: number;
  /** Worker processes (POSTERN_WORKERS; 1: the process serves alone). */
  workers: number;
  /** CPU seconds (user + system) the gateway's processes (primary and workers) have used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const CLK_TCK = 100;

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** CPU seconds of a process and all its descendants (a cluster's primary and its workers, alive now). */
export function treeCpuOf(pid: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const visit = (p: number) => {
    try {
      total += cpuOf(p);
    } catch {
      return;
    }
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return total;
}

export async function startGatewayProcess(opts: {
  mongodbUri: string;
  dbName: string;
  secretKey: Buffer;
  logFile: string;
  nodeArgs?: string[];
  /** POSTERN_WORKERS for this gateway. */
  workers: number;
  /** Another build's dist/src/main.js (bench/ab.ts: two builds side by side); this one's by default. */
  main?: string;
  /** More environment for the gateway (bench/ab.ts: a setting side by side). */
  env?: Record<string, string>;
}): Promise<GatewayProcess> {
  // Gateways of one run share the log file: this one's lines are those after its current end.
  const from = existsSync(opts.logFile) ? statSync(opts.logFile).size : 0;
  const out = openSync(opts.logFile, 'a');
  const child: ChildProcess = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), opts.main ?? path.join(projectRoot, 'dist', 'src', 'main.js')],
    {
      cwd: projectRoot,
      env: {
        ...process.env,
        MONGODB_URI: opts.mongodbUri,
        POSTERN_DB_NAME: opts.dbName,
        POSTERN_SECRET_KEY: opts.secretKey.toString('base64'),
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        NODE_ENV: 'production', // as `npm start` runs it
        POSTERN_WORKERS: String(opts.workers),
        POSTERN_SEED_DEMO: 'true',
        // The load test is one principal sending as fast as it can: the per-principal budget would
        // measure 429s, not the gateway.
        RATE_LIMIT_REQUESTS_PER_MINUTE: '10000000',
        ...opts.env,
      },
      stdio: ['ignore', out, out],
    },
  );
  closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  let url: string | undefined;
  while (!url) {
    if (child.exitCode !== null) throw new Error(`the gateway exited (${child.exitCode}): see ${opts.logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the gateway did not start within 120 s: see ${opts.logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
    for (const line of readFileSync(opts.logFile).subarray(from).toString('utf8').split('\n')) {
      if (!line.includes('Postern is listening')) continue;
      url = (JSON.parse(line) as { url: string }).url.replace(/\/graphql$/, '');
    }
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    workers: opts.workers,
    cpuSeconds: () => treeCpuOf(pid),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** One GraphQL request; throws on HTTP or GraphQL errors unless `allowErrors`. */
export async function gql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
  opts: { allowErrors?: boolean } = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as GraphQLResponse<T>;
  if (!opts.allowErrors && (res.status !== 200 || body.errors?.length)) {
    throw new Error(`GraphQL request failed (HTTP ${res.status}): ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  }
  return body;
}

export async function login(url: string, email: string, password: string): Promise<string> {
  const r = await gql<{ login: { token: string } }>(url, 'mutation($i: LoginInput!) { login(input: $i) { token } }', {
    i: { email, password },
  });
  return r.data!.login.token;
}

/** CPU seconds all processes of the machine have used so far (from /proc/stat). */
export function machineCpuSeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system (idle iowait) irq softirq steal
  return (cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]! + cpu[7]!) / CLK_TCK;
}
