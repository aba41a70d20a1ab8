// Issue #19: `node dist/src/main.js` with POSTERN_WORKERS=2 is a primary and two workers on one port
// and one database. Requests reach both workers; two workers appending reveals to one account's
// audit chain at once leave it whole (the unique (accountId, seq) index and the collision path); a
// worker that dies is replaced while the other keeps answering.
import { verifyChain } from '../src/audit/recorder';
import { AuditEvent } from '../src/audit/model';
import type { TestOwner } from './helpers/gateway';
import { closeDirectDatabase, gqlAt, ownerWithSecrets, replicaSet, type Replica } from './helpers/replicas';
import { DASHBOARD } from './helpers/dashboard';

const set = replicaSet('t_cluster');
let gw: Replica;
let owner: TestOwner;

interface Line {
  msg: string;
  worker?: number;
  pid?: number;
  operationName?: string;
}
const lines = (): Line[] =>
  gw.output
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);

beforeAll(async () => {
  gw = await set.start({ POSTERN_WORKERS: '2', LOG_LEVEL: 'info' });
  owner = await ownerWithSecrets(set, gw, { label: 'cluster', name: 'Cory Cluster', accountName: 'Two workers' });
}, 90_000);

afterAll(async () => {
  await closeDirectDatabase();
  await set.stop();
});

it('serves from both workers, and 60 revealing requests at once leave one whole audit chain', async () => {
  const before = await AuditEvent.countDocuments({ accountId: owner.accountId, action: 'secret.revealed' });
  const responses = await Promise.all(Array.from({ length: 60 }, () => gqlAt(gw, DASHBOARD, {}, owner.token)));
  for (const r of responses) {
    expect(r.body.errors).toBeUndefined();
    const domains = r.body.data!.viewer.accounts[0].workspaces.edges[0].node.domains.edges;
    expect(domains.flatMap((d: any) => d.node.smtpCredentials.edges.map((c: any) => c.node.password))).toHaveLength(10);
  }
  // Both workers answered some of them (the primary deals connections out in turn).
  await new Promise((r) => setTimeout(r, 300)); // the last log lines
  const served = new Set(
    lines()
      .filter((l) => l.msg === 'request' && l.operationName === 'Dashboard')
      .map((l) => l.worker),
  );
  expect([...served].sort()).toEqual([0, 1]);
  expect(await AuditEvent.countDocuments({ accountId: owner.accountId, action: 'secret.revealed' })).toBe(before + 60);
  expect(await verifyChain(owner.accountId)).toBeNull();
  const last = await AuditEvent.findOne({ accountId: owner.accountId }).sort({ seq: -1 }).lean();
  expect(last!.seq).toBe(await AuditEvent.countDocuments({ accountId: owner.accountId }));
});

it('replaces a worker that dies; the other keeps answering meanwhile', async () => {
  const listening = () => lines().filter((l) => l.msg === 'worker listening');
  const victim = listening().find((l) => l.worker === 1)!;
  const count = listening().length;
  process.kill(victim.pid!, 'SIGKILL');
  await new Promise((res) => setTimeout(res, 200)); // pooled connections to it are closed
  const r = await gqlAt(gw, '{ viewer { user { id } } }', {}, owner.token);
  expect(r.body.data!.viewer.user.id).toBe(owner.userId);
  const deadline = Date.now() + 20_000;
  while (listening().length === count) {
    if (Date.now() > deadline) throw new Error(`no new worker:\n${gw.output.join('')}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  const fresh = listening().at(-1)!;
  expect(fresh.worker).toBe(1);
  expect(fresh.pid).not.toBe(victim.pid);
  expect(lines().some((l) => l.msg === 'a worker died; starting another')).toBe(true);
  // Both answer again: a burst on fresh connections reaches the new worker too.
  const before = lines().filter((l) => l.msg === 'request' && l.worker === 1).length;
  const burst = await Promise.all(Array.from({ length: 20 }, () => gqlAt(gw, '{ viewer { user { id } } }', {}, owner.token)));
  for (const b of burst) expect(b.body.data!.viewer.user.id).toBe(owner.userId);
  await new Promise((res) => setTimeout(res, 300));
  expect(lines().filter((l) => l.msg === 'request' && l.worker === 1).length).toBeGreaterThan(before);
});
