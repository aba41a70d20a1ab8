// Audit streaming: a receiver in the test — which fails, goes away and comes back — gets every audit
// event of the account once acknowledged, in chain order, each signed with the sink's secret; the
// secret shows only to those who may reveal it, and never in logs or the audit log.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { acct, err, memberWith, ok } from '../modules/access/helpers';
import { AuditEvent } from '../../src/audit/model';
import { AuditSink } from '../../src/audit/sink-model';

interface Received {
  seq: number;
  action: string;
  body: any;
}

/** A webhook receiver: verifies signatures, answers `status()` (500 while failing), records what it accepted. */
class Receiver {
  received: Received[] = [];
  badSignatures = 0;
  failNext = 0;
  private server: http.Server | null = null;
  port = 0;
  secret = '';

  async start(port = 0): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const ts = String(req.headers['x-postern-timestamp']);
        const expected = `sha256=${createHmac('sha256', this.secret).update(`${ts}.${body}`).digest('hex')}`;
        const given = String(req.headers['x-postern-signature'] ?? '');
        if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
          this.badSignatures++;
          res.writeHead(401).end();
          return;
        }
        if (this.failNext > 0) {
          this.failNext--;
          res.writeHead(503).end();
          return;
        }
        const event = JSON.parse(body);
        expect(Number(req.headers['x-postern-event-seq'])).toBe(event.seq);
        // At least once: a redelivery of an acknowledged seq is deduplicated, as receivers are told to.
        if (!this.received.some((r) => r.seq === event.seq)) this.received.push({ seq: event.seq, action: event.action, body: event });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}

let gw: TestGateway;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  gw = await startTestGateway({
    env: {
      POSTERN_AUDIT_SINK_INTERVAL_MS: '0', // the test runs the passes itself
      POSTERN_AUDIT_SINK_RETRY_BASE_MS: '10',
      POSTERN_AUDIT_SINK_ALLOW_HTTP_LOOPBACK: 'true',
    },
  });
});
afterAll(async () => {
  await gw.stop();
  await receiver.stop();
});

const CREATE = `mutation($input: CreateAuditSinkInput!) { createAuditSink(input: $input) { id url secret active delivery { lastAckedSeq } } }`;
const SINKS = `query($id: ID!) { account(id: $id) { auditSinks { id secret delivery { lastAckedSeq lastError attempts nextAttemptAt lastDeliveredAt } } } }`;
const WS = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`;

const pass = () => gw.server.scheduler.auditSinks.tick();
/** Passes until `done()` holds, letting backoff delays (10 ms, doubling) lapse. */
async function deliverUntil(done: () => boolean, passes = 60): Promise<void> {
  for (let i = 0; i < passes && !done(); i++) {
    await pass();
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function workspaces(owner: TestOwner, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) ok(await gw.gql(WS, { input: { accountId: owner.accountId, name: `${tag}${i}` } }, owner.token));
}

describe('audit sinks', () => {
  it('streams every event in order, signed, through failures and a receiver restart; delivery state shows in the API', async () => {
    const owner = await gw.signUp();
    const sink = ok(
      await gw.gql(CREATE, { input: { accountId: owner.accountId, url: `http://127.0.0.1:${receiver.port}/audit` } }, owner.token),
    ).createAuditSink;
    expect(sink.secret).toMatch(/^[A-Za-z0-9_-]{30,}$/);
    receiver.secret = sink.secret;
    await workspaces(owner, 3, 'A');

    // The receiver fails twice: the first event is retried with backoff and nothing is skipped.
    receiver.failNext = 2;
    await pass();
    let state = ok(await gw.gql(SINKS, { id: owner.accountId }, owner.token)).account.auditSinks[0].delivery;
    expect(state).toMatchObject({ lastAckedSeq: 0, lastError: 'seq 1: HTTP 503', attempts: 1 });
    expect(state.nextAttemptAt).toBeTruthy();
    const total = () => AuditEvent.countDocuments({ accountId: owner.accountId });
    let count = await total();
    await deliverUntil(() => receiver.received.length >= count);
    expect(receiver.received.map((r) => r.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));

    // The receiver goes away; requests that write audit events are not held up by it.
    const port = receiver.port;
    await receiver.stop();
    await workspaces(owner, 2, 'B');
    await pass();
    state = ok(await gw.gql(SINKS, { id: owner.accountId }, owner.token)).account.auditSinks[0].delivery;
    expect(state.lastAckedSeq).toBe(count);
    expect(state.lastError).toMatch(/^seq \d+: ECONNREFUSED$/);

    // Back on the same address: delivery resumes after the last acknowledged seq.
    await receiver.start(port);
    count = await total();
    await deliverUntil(() => receiver.received.length >= count);
    const seqs = receiver.received.map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(receiver.badSignatures).toBe(0);
    // Each event as stored: the chain's hashes link.
    for (let i = 1; i < receiver.received.length; i++)
      expect(receiver.received[i]!.body.prevHash).toBe(receiver.received[i - 1]!.body.hash);
    state = ok(await gw.gql(SINKS, { id: owner.accountId }, owner.token)).account.auditSinks[0].delivery;
    expect(state).toMatchObject({ lastAckedSeq: count, lastError: null, attempts: 0, nextAttemptAt: null });
    expect(receiver.received.map((r) => r.action)).toContain('auditSink.created');
  });

  it('two replicas passing at once deliver each event once, in order', async () => {
    receiver.received = [];
    const owner = await gw.signUp();
    const sink = ok(
      await gw.gql(CREATE, { input: { accountId: owner.accountId, url: `http://127.0.0.1:${receiver.port}/b` } }, owner.token),
    ).createAuditSink;
    receiver.secret = sink.secret;
    await workspaces(owner, 4, 'R');
    const { deliverAuditSinks } = await import('../../src/audit/sinks');
    await Promise.all([deliverAuditSinks(), deliverAuditSinks(), deliverAuditSinks()]);
    const count = await AuditEvent.countDocuments({ accountId: owner.accountId });
    await deliverUntil(() => receiver.received.filter((r) => r.body.accountId === owner.accountId).length >= count);
    expect(receiver.received.filter((r) => r.body.accountId === owner.accountId).map((r) => r.seq)).toEqual(
      Array.from({ length: count }, (_, i) => i + 1),
    );
  });

  it('keeps the secret from those who may not reveal it, from logs and from the audit log', async () => {
    const owner = await gw.signUp();
    const r = await gw.gql(CREATE, { input: { accountId: owner.accountId, url: `http://127.0.0.1:${receiver.port}/c` } }, owner.token);
    const secret = ok(r).createAuditSink.secret;
    const custom = ok(
      await gw.gql(
        `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`,
        { input: { accountId: owner.accountId, name: 'Security viewer', permissions: ['account:view', 'security:view'] } },
        owner.token,
      ),
    ).createRole.id;
    const viewer = await memberWith(gw, owner, custom, acct(owner), 'secviewer');
    const seen = await gw.gql(SINKS, { id: owner.accountId }, viewer.token);
    expect(ok(seen).account.auditSinks[0].secret).toBe('••••••••');
    expect(seen.text).not.toContain(secret);
    // Without security:view, no sinks at all.
    const plain = ok(
      await gw.gql(
        `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`,
        { input: { accountId: owner.accountId, name: 'Account viewer', permissions: ['account:view'] } },
        owner.token,
      ),
    ).createRole.id;
    const analyst = await memberWith(gw, owner, plain, acct(owner), 'secplain');
    expect(err(await gw.gql(SINKS, { id: owner.accountId }, analyst.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'security:view',
    });
    const events = await AuditEvent.find({ accountId: owner.accountId }).lean();
    expect(JSON.stringify(events)).not.toContain(secret);
    expect(gw.logs.join('\n')).not.toContain(secret);
    const stored = await AuditSink.findOne({ accountId: owner.accountId }).lean();
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('accepts https only, and http only to loopback in development', async () => {
    const owner = await gw.signUp();
    for (const url of ['ftp://example.com/x', 'http://example.com/audit', 'https://user:pw@example.com/', 'not a url']) {
      expect(err(await gw.gql(CREATE, { input: { accountId: owner.accountId, url } }, owner.token))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'url',
      });
    }
    expect(
      ok(await gw.gql(CREATE, { input: { accountId: owner.accountId, url: 'https://siem.example.com/postern' } }, owner.token))
        .createAuditSink,
    ).toMatchObject({ url: 'https://siem.example.com/postern', active: true });
  });
});

describe('audit sinks and access as code', () => {
  it('an applied access plan reaches the receiver as one change set', async () => {
    receiver.received = [];
    const owner = await gw.signUp();
    const sink = ok(
      await gw.gql(CREATE, { input: { accountId: owner.accountId, url: `http://127.0.0.1:${receiver.port}/d` } }, owner.token),
    ).createAuditSink;
    receiver.secret = sink.secret;
    const roles = await roleIdsOf(owner);
    const member = await memberWith(gw, owner, roles.analyst!, acct(owner), 'streamed');
    const doc = ok(await gw.gql(`query($a: ID!) { exportAccess(accountId: $a) }`, { a: owner.accountId }, owner.token)).exportAccess;
    doc.bindings.find((b: any) => b.member === member.email.toLowerCase()).role = 'viewer';
    const text = JSON.stringify(doc);
    const plan = ok(
      await gw.gql(
        `query($a: ID!, $d: String!) { planAccess(accountId: $a, document: $d) { planHash } }`,
        { a: owner.accountId, d: text },
        owner.token,
      ),
    ).planAccess;
    const applied = ok(
      await gw.gql(
        `mutation($a: ID!, $d: String!, $h: String!) { applyAccess(accountId: $a, document: $d, planHash: $h) { id status } }`,
        { a: owner.accountId, d: text, h: plan.planHash },
        owner.token,
      ),
    ).applyAccess;
    expect(applied.status).toBe('APPLIED');
    const count = await AuditEvent.countDocuments({ accountId: owner.accountId });
    const mine = () => receiver.received.filter((r) => r.body.accountId === owner.accountId);
    await deliverUntil(() => mine().length >= count);
    const changeSets = mine().filter((r) => r.action === 'access.applied');
    expect(changeSets).toHaveLength(1);
    expect(changeSets[0]!.body).toMatchObject({ target: { type: 'AccessChangeSet', id: applied.id }, meta: { planHash: plan.planHash } });
    expect(changeSets[0]!.body.meta.steps).toEqual([
      expect.stringMatching(/^assign viewer to /),
      expect.stringMatching(/^unassign analyst from /),
    ]);
    // Nothing of the change set arrived as separate role events.
    const after = mine().filter((r) => r.seq > changeSets[0]!.seq - 1);
    expect(after.map((r) => r.action)).toEqual(['access.applied']);
  });
});

async function roleIdsOf(owner: TestOwner): Promise<Record<string, string>> {
  const d = ok(
    await gw.gql(
      `query($id: ID!) { account(id: $id) { roles(first: 200) { edges { node { id key } } } } }`,
      { id: owner.accountId },
      owner.token,
    ),
  );
  return Object.fromEntries(d.account.roles.edges.map((e: any) => [e.node.key, e.node.id]));
}
