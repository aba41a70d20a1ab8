// Gateway replicas as separate processes (the built dist/src/main.js) on one database: what two
// production replicas share. Used by the freshness and the scheduler tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/db/ferretdb';
import { TEST_SECRET_KEY, type GqlResponse } from './gateway';

export const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface Replica {
  url: string;
  child: ChildProcess;
  output: string[];
}

export function assertBuilt(): void {
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: the replica tests run the built gateway. Run \`npm run build\` first (\`npm test\` does).`);
  }
}

export async function startReplica(dbName: string, env: Record<string, string> = {}): Promise<Replica> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      MONGODB_URI: process.env.POSTERN_TEST_MONGODB_URI,
      POSTERN_DB_NAME: dbName,
      POSTERN_SECRET_KEY: TEST_SECRET_KEY,
      PORT: String(port),
      POSTERN_SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (b: Buffer) => output.push(String(b)));
  child.stderr!.on('data', (b: Buffer) => output.push(String(b)));
  const replica = { url: `http://127.0.0.1:${port}`, child, output };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`replica exited with ${child.exitCode}:\n${output.join('')}`);
    try {
      if ((await fetch(`${replica.url}/readyz`)).status === 200) return replica;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`replica not ready within 30s:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops a replica: SIGTERM (SIGKILL after 10 s), or SIGKILL at once to stand for a crash. */
export function stopReplica(r: Replica, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  return new Promise<void>((resolve) => {
    if (r.child.exitCode !== null || r.child.signalCode !== null) return resolve();
    const t = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
    r.child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    r.child.kill(signal);
  });
}

export async function replicaGql(r: Replica, query: string, variables: Record<string, unknown>, token?: string): Promise<GqlResponse> {
  const res = await fetch(`${r.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}
