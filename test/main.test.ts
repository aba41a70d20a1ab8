// Graceful shutdown (ARCHITECTURE.md "Start-up"): on stop / SIGTERM the gateway stops accepting,
// lets in-flight requests finish, closes the database connection, and the process exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { freePort } from '../src/db/embedded';
import { STRONG_PASSWORD, TEST_SECRET_KEY, uniqueEmail } from './helpers/gateway';
import { startMailbox, type Mailbox } from './helpers/mailbox';
import { probe, startProbeGateway } from './helpers/probe';

/** A request on a new connection after shutdown began: refused, or 503 on a kept-alive one. */
async function lateRequest(url: string): Promise<'refused' | number> {
  try {
    const res = await fetch(`${url}/healthz`);
    await res.text();
    return res.status;
  } catch {
    return 'refused';
  }
}

describe('stop() of a running gateway', () => {
  it('finishes the in-flight request, refuses new ones, then closes the database', async () => {
    const gw = await startProbeGateway();
    const inFlight = probe(gw.url, '{ viewer { slow(ms: 1500) } }');
    await new Promise((r) => setTimeout(r, 300));
    const stopped = gw.server.stop();
    await new Promise((r) => setTimeout(r, 100));

    const late = await lateRequest(gw.url);
    expect(['refused', 503]).toContain(late);
    expect(mongoose.connection.readyState).toBe(1); // still open while the request runs

    const r = await inFlight;
    expect(r).toEqual({ status: 200, body: { data: { viewer: { slow: 'slept 1500' } } } });
    await stopped;
    expect(mongoose.connection.readyState).toBe(0);
    expect(gw.logs.join('')).toMatch(/database connection closed/);
  });
});

const MAIN = path.join(__dirname, '..', 'dist', 'src', 'main.js');

describe('SIGTERM to node dist/src/main.js', () => {
  let child: ChildProcess | undefined;
  let slowMail: Mailbox;
  beforeAll(async () => {
    slowMail = await startMailbox({ acceptAfterMs: 2000 });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await slowMail.close();
  });

  it('with two workers: lets a slow request finish, refuses new connections, closes the database and exits 0', async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does)`);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        MONGODB_URI: process.env.POSTERN_TEST_MONGODB_URI!,
        POSTERN_SECRET_KEY: TEST_SECRET_KEY,
        POSTERN_DB_NAME: `t_${randomBytes(6).toString('hex')}`,
        POSTERN_SEED_DEMO: 'false',
        PORT: String(port),
        METRICS_PORT: '0',
        LOG_LEVEL: 'info',
        SMTP_URL: slowMail.url,
        POSTERN_WORKERS: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    const deadline = Date.now() + 30_000;
    while (!/Postern is listening/.test(out) || !/Postern is ready/.test(out)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the gateway did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // A person reads one plain line with the explorer's URL (not only inside a JSON log line), after
    // being told what the start was doing.
    expect(out).toMatch(/^Postern: connecting to MongoDB…$/m);
    expect(out).toMatch(new RegExp(`^Postern is ready in [0-9.]+ s: open ${url}/graphiql \\(API: ${url}/graphql\\)$`, 'm'));

    // A slow request that does not depend on the machine's speed: a sign-up, which awaits its
    // verification mail, delivered to a mail server that takes 2 s to accept it.
    const fields = [
      `s0: signUp(input: {email: "${uniqueEmail('drain')}", password: "${STRONG_PASSWORD}", name: "D", accountName: "D"}) { user { id } }`,
    ];
    const started = Date.now();
    const inFlight = fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `mutation Burst { ${fields.join('\n')} }` }),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));
    await new Promise((r) => setTimeout(r, 250));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    expect(await lateRequest(url)).toBe('refused');

    const r = await inFlight;
    expect(Date.now() - started).toBeGreaterThan(2000); // it really was in flight at SIGTERM
    expect(slowMail.mails).toHaveLength(1);
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
    expect(Object.keys(r.body.data)).toHaveLength(1);
    for (const v of Object.values(r.body.data) as any[]) expect(v.user.id).toMatch(/^[0-9a-f]{24}$/);

    expect(await exited).toBe(0);
    // In this order (pino's timestamps; lines may reach the pipe slightly out of order): the last
    // request, then the database connection closed, then the process reports it stopped.
    const lines = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Line);
    // Two workers (POSTERN_WORKERS=2): the one that served the request closes its connection after
    // it, and the primary (no `worker` field) reports it stopped once every worker has.
    type Line = { msg: string; time: number; operationName?: string; worker?: number };
    const at = (pred: (l: Line) => boolean) => lines.find(pred)?.time ?? NaN;
    const served = lines.find((l) => l.msg === 'request' && l.operationName === 'Burst')!;
    expect(served.worker).toEqual(expect.any(Number));
    const dbClosed = at((l) => l.msg === 'database connection closed' && l.worker === served.worker);
    const workersStopped = lines.filter((l) => l.msg === 'stopped' && l.worker !== undefined).map((l) => l.time);
    const stopped = at((l) => l.msg === 'stopped' && l.worker === undefined);
    expect(workersStopped).toHaveLength(2);
    expect(dbClosed).toBeGreaterThanOrEqual(served.time);
    expect(stopped).toBeGreaterThanOrEqual(Math.max(dbClosed, ...workersStopped));
  });
});
