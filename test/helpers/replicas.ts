// Gateway processes of the built gateway (dist/src/main.js) on one database of the run's server: the
// replicas of a deployment. Used by the freshness and audit-chain tests across replicas.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { freePort } from '../../src/db/embedded';
import { connectDatabase } from '../../src/db/connect';
import { registerModules } from '../../src/composition/registry';
import { setSecretKey } from '../../src/crypto/secrets';
import { STRONG_PASSWORD, TEST_SECRET_KEY, uniqueEmail, type GqlResponse, type TestOwner } from './gateway';
import { fillWorkspace } from './dashboard';

export const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface Replica {
  url: string;
  child: ChildProcess;
  output: string[];
}

/** Replicas on one fresh database, `dbName`; `stop()` ends them all. */
export function replicaSet(prefix = 't_rep') {
  const dbName = `${prefix}_${randomBytes(5).toString('hex')}`;
  const replicas: Replica[] = [];

  /** Starts a replica; `env` adds to or overrides its environment. */
  async function start(env: Record<string, string> = {}): Promise<Replica> {
    if (!existsSync(MAIN)) {
      throw new Error(`${MAIN} is missing: replica tests run the built gateway. Run \`npm run build\` first (\`npm test\` does).`);
    }
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
        POSTERN_WORKERS: '1', // a replica is one process unless a test asks for workers
        POSTERN_LATENCY_BUDGET_MS: '600000', // bursts on a busy machine are queued, never refused
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (b: Buffer) => output.push(String(b)));
    child.stderr!.on('data', (b: Buffer) => output.push(String(b)));
    const replica = { url: `http://127.0.0.1:${port}`, child, output };
    replicas.push(replica);
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

  async function stop(): Promise<void> {
    await Promise.all(replicas.map((r) => stopReplica(r)));
  }

  return { dbName, start, stop };
}

/** Stops one replica: SIGTERM (SIGKILL after 10 s). */
export function stopReplica(r: Replica): Promise<void> {
  return new Promise<void>((resolve) => {
    if (r.child.exitCode !== null || r.child.signalCode !== null) return resolve();
    const t = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
    r.child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    r.child.kill('SIGTERM');
  });
}

export async function gqlAt(r: Replica, query: string, variables: Record<string, unknown>, token?: string): Promise<GqlResponse> {
  const res = await fetch(`${r.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}

/**
 * For tests that read what replicas wrote (the audit chain): this process connects to the set's database
 * itself, and an owner signs up through `via` with a workspace of 5 domains × 2 SMTP credentials to reveal.
 * `closeDirectDatabase()` drops the database and disconnects.
 */
export async function ownerWithSecrets(
  set: ReturnType<typeof replicaSet>,
  via: Replica,
  who: { label: string; name: string; accountName: string },
): Promise<TestOwner> {
  registerModules(); // the models (no schema is built in this process)
  await connectDatabase({ uri: process.env.POSTERN_TEST_MONGODB_URI!, dbName: set.dbName });
  setSecretKey(Buffer.from(TEST_SECRET_KEY, 'base64'));
  const input = { email: uniqueEmail(who.label), password: STRONG_PASSWORD, name: who.name, accountName: who.accountName };
  const r = await gqlAt(
    via,
    `mutation($i: SignUpInput!) { signUp(input: $i) { token user { id } account { id workspaces { edges { node { id } } } } } }`,
    { i: input },
  );
  const p = r.body.data!.signUp;
  const owner: TestOwner = {
    token: p.token,
    userId: p.user.id,
    accountId: p.account.id,
    workspaceId: p.account.workspaces.edges[0].node.id,
    email: input.email,
    password: input.password,
  };
  await fillWorkspace(owner, { domains: 5, perDomain: 2, campaigns: 0 });
  return owner;
}

export async function closeDirectDatabase(): Promise<void> {
  await mongoose.connection.db?.dropDatabase();
  await mongoose.disconnect();
}
