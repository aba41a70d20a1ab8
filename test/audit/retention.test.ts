// Audit retention per plan (Mailers.io MI11): the purge job deletes what the plan no longer keeps,
// records itself in the chain, and leaves the chain verifiable.
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { ok } from '../modules/access/helpers';
import { AuditEvent } from '../../src/audit/model';
import { verifyChain } from '../../src/audit/chain';
import { Billing } from '../../src/modules/billing/billing.model';

let gw: TestGateway;
const DAY = 86_400_000;

beforeAll(async () => {
  gw = await startTestGateway({ env: { POSTERN_SCHEDULER_INTERVAL_MS: '0' } });
});
afterAll(() => gw.stop());

/** An account with `n` audited changes, the first `old` of them made `daysAgo` days ago. */
async function accountWithHistory(n: number, old: number, daysAgo: number): Promise<TestOwner> {
  const owner = await gw.signUp();
  for (let i = 0; i < n; i++) {
    ok(
      await gw.gql(
        `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
        { input: { accountId: owner.accountId, name: `W${i}` } },
        owner.token,
      ),
    );
  }
  const events = await AuditEvent.find({ accountId: owner.accountId }).sort({ seq: 1 }).limit(old).lean();
  // Age them as time would (the hash covers `at`, so the chain is rebuilt for the test's history).
  for (const e of events) await AuditEvent.updateOne({ _id: e._id }, { $set: { at: new Date(Date.now() - daysAgo * DAY) } });
  return owner;
}

describe('audit retention', () => {
  it('MI11: audit logs persist per plan retention windows: FREE keeps 30 days, STARTER 90; the purge records itself', async () => {
    const free = await accountWithHistory(4, 3, 40);
    const starter = await accountWithHistory(4, 3, 40);
    await Billing.updateOne({ accountId: starter.accountId }, { $set: { plan: 'STARTER' } }, { upsert: true });
    const before = await AuditEvent.countDocuments({ accountId: free.accountId });

    await gw.server.scheduler.tick();

    expect(await AuditEvent.countDocuments({ accountId: free.accountId })).toBe(before - 3 + 1);
    const purge = await AuditEvent.findOne({ accountId: free.accountId, action: 'audit.purged' }).lean();
    expect(purge).toMatchObject({
      actor: { type: 'system', id: 'retention' },
      meta: { plan: 'FREE', retentionDays: 30, throughSeq: 3, deleted: 3 },
    });
    // Nothing of the STARTER account is older than 90 days.
    expect(await AuditEvent.countDocuments({ accountId: starter.accountId, action: 'audit.purged' })).toBe(0);
    expect(await AuditEvent.countDocuments({ accountId: starter.accountId, at: { $lt: new Date(Date.now() - 30 * DAY) } })).toBe(3);
    // The chain after the purge verifies from the purge's anchor; a gap anywhere else still shows.
    const events = await AuditEvent.find({ accountId: free.accountId }).sort({ seq: 1 }).lean();
    expect(events[0]!.seq).toBe(4);
    expect(await verifyChain(free.accountId)).toBeNull();
    await AuditEvent.deleteOne({ _id: events[1]!._id });
    expect(await verifyChain(free.accountId)).toBe(events[2]!.seq);
    // A second pass the same day does nothing more (claimed per account and day).
    await gw.server.scheduler.tick();
    expect(await AuditEvent.countDocuments({ accountId: free.accountId, action: 'audit.purged' })).toBe(1);
  });
});
