// Issue #7: two gateway processes appending reveals to one account's audit chain at the same moment.
// Each replica batches its own requests; when the other appended first, its insert collides on the
// unique (accountId, seq) index and it continues after the stored tail. Every request completes and
// the chain has no gaps and no forks.
import { verifyChain } from '../../src/audit/recorder';
import { AuditEvent, AuditHead } from '../../src/audit/model';
import type { TestOwner } from '../helpers/gateway';
import { closeDirectDatabase, gqlAt, ownerWithSecrets, replicaSet, type Replica } from '../helpers/replicas';
import { DASHBOARD } from '../helpers/dashboard';

const set = replicaSet('t_audrep');
let a: Replica;
let b: Replica;
let owner: TestOwner;

beforeAll(async () => {
  [a, b] = await Promise.all([set.start(), set.start()]);
  owner = await ownerWithSecrets(set, a, { label: 'audrep', name: 'Ava Replica', accountName: 'Chained' });
}, 60_000);

afterAll(async () => {
  await closeDirectDatabase();
  await set.stop();
});

it('40 revealing requests spread over two replicas all complete, and the chain is whole', async () => {
  // Each replica has appended (and cached its head) before the burst.
  for (const r of [a, b]) expect((await gqlAt(r, DASHBOARD, {}, owner.token)).body.errors).toBeUndefined();
  const before = await AuditEvent.countDocuments({ accountId: owner.accountId, action: 'secret.revealed' });
  const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => gqlAt(i % 2 ? a : b, DASHBOARD, {}, owner.token)));
  for (const r of responses) {
    expect(r.body.errors).toBeUndefined();
    const domains = r.body.data!.viewer.accounts[0].workspaces.edges[0].node.domains.edges;
    expect(domains.flatMap((d: any) => d.node.smtpCredentials.edges.map((c: any) => c.node.password))).toHaveLength(10);
  }
  expect(await AuditEvent.countDocuments({ accountId: owner.accountId, action: 'secret.revealed' })).toBe(before + 40);
  expect(await verifyChain(owner.accountId)).toBeNull();
  const last = await AuditEvent.findOne({ accountId: owner.accountId }).sort({ seq: -1 }).lean();
  expect(last!.seq).toBe(await AuditEvent.countDocuments({ accountId: owner.accountId }));
  // The stored head never runs ahead of the chain (it may lag: the next append catches up).
  expect((await AuditHead.findById(owner.accountId).lean())!.seq).toBeLessThanOrEqual(last!.seq);
});
