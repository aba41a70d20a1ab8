// /healthz and /readyz (CONTRACT.md "HTTP"): readiness follows the database — 503 while it is down,
// 200 again once it is back on the same address (the driver reconnects by itself).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startServer, type RunningServer } from '../../src/server';
import { freePort, startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded';
import { TEST_SECRET_KEY } from '../helpers/gateway';

let dataDir: string;
let port: number;
let db: EmbeddedDatabase | null = null;
let server: RunningServer;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'postern-readyz-'));
  port = await freePort();
  db = await startEmbeddedDatabase({ dataDir, port, supervise: false });
  const config = loadConfig({
    MONGODB_URI: db.uri,
    POSTERN_SECRET_KEY: TEST_SECRET_KEY,
    POSTERN_DB_NAME: 'readyz',
    PORT: '0',
    LOG_LEVEL: 'silent',
  });
  server = await startServer({ config, log: createLogger('silent') });
});

afterAll(async () => {
  await server?.stop();
  await db?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function status(p: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${p}`);
  return { status: res.status, body: await res.json() };
}

/** Polls `p` until it answers `want` (the driver notices a dead or returned server within seconds). */
async function until(p: string, want: number, withinMs: number): Promise<{ status: number; body: any }> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const r = await status(p);
    if (r.status === want || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
}

it('is ready with the database up, 503 while it is stopped, and ready again once it is back', async () => {
  expect(await status('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
  expect(await status('/readyz')).toEqual({ status: 200, body: { status: 'ready' } });

  await db!.stop();
  db = null;
  const down = await until('/readyz', 503, 15_000);
  expect(down).toEqual({ status: 503, body: { status: 'database unavailable' } });
  // Liveness does not depend on the database.
  expect((await status('/healthz')).status).toBe(200);

  db = await startEmbeddedDatabase({ dataDir, port, supervise: false });
  const up = await until('/readyz', 200, 30_000);
  expect(up).toEqual({ status: 200, body: { status: 'ready' } });
  // And the API works again on the same connection.
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ viewer { user { id } } }' }),
  });
  expect(await res.json()).toEqual({ data: { viewer: null } });
});
