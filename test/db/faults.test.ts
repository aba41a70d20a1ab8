// The embedded database killed with `kill -9` in the middle of a write load through the real
// gateway (which started and supervises it): while it is down requests get HTTP 503
// SERVICE_UNAVAILABLE (never a 500), the supervisor starts it again, readiness returns, and every
// write the gateway acknowledged is still there.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startServer, type RunningServer } from '../../src/server';
import { Workspace } from '../../src/modules/accounts/account.model';
import { STRONG_PASSWORD, TEST_SECRET_KEY, uniqueEmail } from '../helpers/gateway';

let dataDir: string;
let server: RunningServer;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'postern-faults-'));
  // No MONGODB_URI: the gateway starts its own embedded database in dataDir, as `npm start` does.
  const config = loadConfig({
    POSTERN_DATA_DIR: dataDir,
    POSTERN_SECRET_KEY: TEST_SECRET_KEY,
    PORT: '0',
    METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
  });
  server = await startServer({ config, log: createLogger('silent') });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function gql(query: string, variables: Record<string, unknown>, token?: string): Promise<Answer> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

const ready = async () => (await fetch(`${server.url}/readyz`)).status;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('answers 503 SERVICE_UNAVAILABLE while the embedded database is down, restarts it, and loses no acknowledged write', async () => {
  const embedded = server.embedded!;
  expect(embedded).not.toBeNull();
  const signUp = await gql('mutation($input: SignUpInput!) { signUp(input: $input) { token account { id } } }', {
    input: { email: uniqueEmail('faults'), password: STRONG_PASSWORD, name: 'Fay Faults', accountName: 'Faults' },
  });
  const { token, account } = signUp.body.data.signUp;

  const acknowledged: string[] = [];
  const refused: Answer[] = [];
  let stop = false;
  let n = 0;
  const writer = async () => {
    while (!stop) {
      const r = await gql(
        'mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id name } }',
        { input: { accountId: account.id, name: `ws ${(n += 1)}` } },
        token,
      );
      if (r.status === 200 && !r.body.errors && r.body.data?.createWorkspace?.id) acknowledged.push(r.body.data.createWorkspace.id);
      else {
        refused.push(r);
        await sleep(50);
      }
    }
  };
  const writers = Array.from({ length: 4 }, writer);

  while (acknowledged.length < 40) await sleep(20);
  const before = acknowledged.length;
  const killedPid = embedded.pid;
  process.kill(killedPid, 'SIGKILL');

  // Down: readiness says so, and requests are refused with 503 SERVICE_UNAVAILABLE.
  let sawNotReady = false;
  while (!sawNotReady) {
    sawNotReady = (await ready()) === 503;
    if (!sawNotReady && embedded.pid !== killedPid && embedded.pid !== -1) break; // already back
  }
  // Back: the supervisor starts it again on the same port and data, and readiness returns.
  for (let i = 0; i < 300 && (await ready()) !== 200; i++) await sleep(100);
  expect(await ready()).toBe(200);
  expect(embedded.restarts).toBeGreaterThanOrEqual(1);
  expect(embedded.pid).not.toBe(killedPid);

  // Writes go through again.
  const after = acknowledged.length;
  while (acknowledged.length < after + 20) await sleep(20);
  stop = true;
  await Promise.all(writers);

  expect(acknowledged.length).toBeGreaterThan(before);
  // Every refusal was a 503 with SERVICE_UNAVAILABLE: no 500, no INTERNAL_SERVER_ERROR, no hang.
  expect(refused.length).toBeGreaterThan(0);
  for (const r of refused) {
    if (r.status !== 503) console.log(JSON.stringify(r));
    expect(r.status).toBe(503);
    expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
  }
  // Every acknowledged workspace survived the kill.
  const stored = await Workspace.countDocuments({ _id: { $in: acknowledged } });
  expect(stored).toBe(acknowledged.length);
});
