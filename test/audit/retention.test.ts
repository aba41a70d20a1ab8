// Audit retention per plan (Mailers.io MI11): the purge job deletes what the plan no longer keeps,
// records itself in the chain, and leaves the chain verifiable.
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { ok } from '../modules/access/helpers';
import { AuditEvent } from '../../src/audit/model';
import { verifyChain } from '../../src/audit/chain';
import { purgeExpiredAudit } from '../../src/audit/retention';
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

describe('audit retention window in the API', () => {
  const WINDOW = `query($id: ID!) { account(id: $id) { auditRetention { plan days minDays maxDays custom lastPurgeAt lastPurgeDeleted oldestEvent { seq action } } } }`;
  const SET = `mutation($input: SetAuditRetentionInput!) { setAuditRetention(input: $input) { days custom maxDays } }`;

  it('MI11: the window is read per account, set within the plan bounds by people holding security:edit; the purge follows it and shows the oldest event kept', async () => {
    const owner = await accountWithHistory(5, 3, 20);
    await Billing.updateOne({ accountId: owner.accountId }, { $set: { plan: 'STARTER' } }, { upsert: true });
    const initial = ok(await gw.gql(WINDOW, { id: owner.accountId }, owner.token)).account.auditRetention;
    expect(initial).toMatchObject({ plan: 'STARTER', days: 90, minDays: 7, maxDays: 90, custom: false, lastPurgeAt: null });
    expect(initial.oldestEvent.seq).toBe(1);

    // Out of the plan's bounds: refused with the bounds named, nothing changes.
    for (const days of [3, 91]) {
      const r = await gw.gql(SET, { input: { accountId: owner.accountId, days } }, owner.token);
      expect(r.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'days' });
      expect(r.body.errors?.[0]?.message).toContain('from 7 to 90');
    }
    // A token, even one holding security:edit, may not shorten the trail.
    const TOKEN = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`;
    const expiresAt = new Date(Date.now() + DAY).toISOString();
    const pst = ok(
      await gw.gql(
        TOKEN,
        { input: { accountId: owner.accountId, name: 'sec', scopes: ['security:edit', 'auditLog:view'], expiresAt } },
        owner.token,
      ),
    ).createApiToken.token;
    const byToken = await gw.gql(SET, { input: { accountId: owner.accountId, days: 10 } }, pst);
    expect(byToken.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'days' });
    // Someone without security:edit is refused by the directive.
    const reader = await gw.signUp();
    expect((await gw.gql(SET, { input: { accountId: owner.accountId, days: 10 } }, reader.token)).body.errors?.[0]?.extensions?.code).toBe(
      'NOT_FOUND',
    );

    expect(ok(await gw.gql(SET, { input: { accountId: owner.accountId, days: 14 } }, owner.token)).setAuditRetention).toEqual({
      days: 14,
      custom: true,
      maxDays: 90,
    });
    const set = await AuditEvent.findOne({ accountId: owner.accountId, action: 'audit.retentionUpdated' }).lean();
    expect(set).toMatchObject({ before: { days: 90, custom: false }, after: { days: 14, custom: true } });

    // Events 20 days old are past a 14-day window (STARTER alone would keep them 90 days). The
    // scheduler runs this pass hourly; the first test's tick already spent this process's turn.
    await purgeExpiredAudit(new Date());
    const purge = await AuditEvent.findOne({ accountId: owner.accountId, action: 'audit.purged' }).lean();
    expect(purge).toMatchObject({ meta: { plan: 'STARTER', retentionDays: 14, throughSeq: 3, deleted: 3 } });
    const after = ok(await gw.gql(WINDOW, { id: owner.accountId }, owner.token)).account.auditRetention;
    expect(after).toMatchObject({ days: 14, custom: true, lastPurgeDeleted: 3 });
    expect(after.lastPurgeAt).toBeTruthy();
    expect(after.oldestEvent.seq).toBe(4);
    expect(await verifyChain(owner.accountId)).toBeNull();

    // Back to the plan's maximum.
    expect(ok(await gw.gql(SET, { input: { accountId: owner.accountId, days: null } }, owner.token)).setAuditRetention).toMatchObject({
      days: 90,
      custom: false,
    });
  });
});
