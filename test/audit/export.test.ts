// Reading and exporting the audit log (docs/api.md: Account.auditLog, GET /audit/export) and the
// integrity of its hash chain (docs/design.md "Identity, tokens, audit").
import mongoose from 'mongoose';
import { verifyChain } from '../../src/audit/recorder';
import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { addMember } from '../helpers/members';

let gw: TestGateway;
let owner: TestOwner;
let opsId: string;
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  const ws = await gw.gql(
    `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
    {
      input: { accountId: owner.accountId, name: 'Ops' },
    },
    owner.token,
  );
  opsId = ws.body.data!.createWorkspace.id;
  await gw.gql(`mutation($input: LoginInput!) { login(input: $input) { token } }`, {
    input: { email: owner.email, password: owner.password },
  });
});
afterAll(() => gw.stop());

const LOG = `query Log($id: ID!, $filter: AuditFilter, $first: Int, $after: String) {
  account(id: $id) { auditLog(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id seq at action actor { type id userId } target { type id } workspaceId before after meta requestId prevHash hash } }
    pageInfo { hasNextPage endCursor } } } }`;

async function auditLog(token: string, filter?: Record<string, unknown>, page: { first?: number; after?: string } = {}) {
  return gw.gql(LOG, { id: owner.accountId, filter, ...page }, token);
}
const nodes = (r: Awaited<ReturnType<typeof auditLog>>) => r.body.data!.account.auditLog.edges.map((e: any) => e.node);

describe('Account.auditLog', () => {
  it('lists the account events oldest first, with actor, target and chain hashes', async () => {
    const events = nodes(await auditLog(owner.token));
    const actions = events.map((e: any) => e.action);
    expect(actions.slice(0, 4)).toEqual(['account.created', 'auth.login', 'workspace.created', 'auth.login']);
    expect(events.map((e: any) => e.seq)).toEqual(events.map((_: unknown, i: number) => i + 1));
    const ws = events.find((e: any) => e.action === 'workspace.created');
    expect(ws).toMatchObject({
      actor: { type: 'USER', id: owner.userId, userId: owner.userId },
      target: { type: 'Workspace', id: opsId },
      workspaceId: opsId,
      before: null,
    });
    expect(ws.after.name).toBe('Ops');
    for (let i = 1; i < events.length; i++) expect(events[i].prevHash).toBe(events[i - 1].hash);
    expect(events[0].prevHash).toBe('0'.repeat(64));
  });

  it('filters by action, actor, target and time, and pages', async () => {
    expect(nodes(await auditLog(owner.token, { action: 'workspace.created' })).map((e: any) => e.target.id)).toEqual([opsId]);
    expect(nodes(await auditLog(owner.token, { targetId: opsId })).map((e: any) => e.action)).toEqual(['workspace.created']);
    const byActor = nodes(await auditLog(owner.token, { actorId: owner.userId }));
    expect(byActor.length).toBeGreaterThanOrEqual(4);
    expect(nodes(await auditLog(owner.token, { actorId: '000000000000000000000000' }))).toEqual([]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(nodes(await auditLog(owner.token, { from: future }))).toEqual([]);
    expect(nodes(await auditLog(owner.token, { to: future })).length).toBe(byActor.length);

    const p1 = await auditLog(owner.token, undefined, { first: 2 });
    expect(nodes(p1).map((e: any) => e.seq)).toEqual([1, 2]);
    expect(p1.body.data!.account.auditLog.pageInfo.hasNextPage).toBe(true);
    const p2 = await auditLog(owner.token, undefined, { first: 2, after: p1.body.data!.account.auditLog.pageInfo.endCursor });
    expect(nodes(p2).map((e: any) => e.seq)).toEqual([3, 4]);
  });

  it('refuses a bad filter with BAD_USER_INPUT naming the field', async () => {
    const r = await auditLog(owner.token, { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' });
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.extensions!.field).toBe('filter.from');
    const long = await auditLog(owner.token, { action: 'x'.repeat(201) });
    expect(long.body.errors![0]!.extensions!.field).toBe('filter.action');
  });

  it('is FORBIDDEN without auditLog:view and NOT_FOUND for another account', async () => {
    const member = await addMember(gw, owner.accountId, owner.userId, ['account:view']);
    const r = await auditLog(member.token);
    expect(errorCode(r)).toBe('FORBIDDEN');
    expect(r.body.errors![0]!.extensions).toMatchObject({ permission: 'auditLog:view', scope: { type: 'ACCOUNT', id: owner.accountId } });
    expect(r.body.data!.account).toEqual({ auditLog: null });

    const stranger = await gw.signUp();
    const s = await auditLog(stranger.token);
    expect(errorCode(s)).toBe('NOT_FOUND');
    expect(s.text).not.toContain('workspace.created');
  });
});

async function exportLog(token: string | undefined, query: Record<string, string>) {
  const res = await fetch(`${gw.url}/audit/export?${new URLSearchParams(query)}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    disposition: res.headers.get('content-disposition'),
    text: await res.text(),
  };
}

describe('Account.auditLog for a workspace-level auditLog:view', () => {
  it('lists only the events of that workspace', async () => {
    const wsAdmin = await addMember(gw, owner.accountId, owner.userId, ['auditLog:view'], opsId);
    const r = await gw.gql(`{ viewer { accounts { id auditLog { edges { node { action workspaceId } } } } } }`, {}, wsAdmin.token);
    expect(r.body.errors).toBeUndefined();
    const events = r.body.data!.viewer.accounts[0].auditLog.edges.map((e: any) => e.node);
    expect(events).toEqual([{ action: 'workspace.created', workspaceId: opsId }]);

    const none = await addMember(gw, owner.accountId, owner.userId, ['workspaces:view'], opsId);
    const denied = await gw.gql(`{ viewer { accounts { auditLog { edges { node { action } } } } } }`, {}, none.token);
    expect(errorCode(denied)).toBe('FORBIDDEN');
    expect(denied.body.errors![0]!.extensions!.permission).toBe('auditLog:view');
  });
});

describe('GET /audit/export', () => {
  it('streams JSON lines of the chain and audits the export', async () => {
    const before = nodes(await auditLog(owner.token));
    const r = await exportLog(owner.token, { accountId: owner.accountId, format: 'jsonl' });
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/application\/x-ndjson/);
    expect(r.disposition).toMatch(/^attachment; filename="audit-[0-9a-f]{24}-.*\.jsonl"$/);
    const lines = r.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.seq)).toEqual(before.map((e: any) => e.seq));
    expect(lines.map((l) => l.hash)).toEqual(before.map((e: any) => e.hash));
    expect(lines[2]).toMatchObject({ action: 'workspace.created', actor: { type: 'user', id: owner.userId }, target: { id: opsId } });

    const after = nodes(await auditLog(owner.token, { action: 'audit.exported' }));
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ actor: { id: owner.userId }, target: { type: 'Account', id: owner.accountId } });
    expect(after[0].meta).toMatchObject({ format: 'jsonl', throughSeq: before.length });
  });

  it('streams CSV with a header row, one row per event, restricted to from/to', async () => {
    const all = nodes(await auditLog(owner.token));
    const r = await exportLog(owner.token, { accountId: owner.accountId, format: 'csv' });
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/text\/csv/);
    const rows = r.text.trimEnd().split('\n');
    expect(rows[0]).toBe(
      'seq,id,at,actorType,actorId,actorUserId,action,targetType,targetId,workspaceId,requestId,ip,before,after,meta,prevHash,hash',
    );
    expect(rows).toHaveLength(all.length + 1);
    expect(rows[3]).toContain(`,workspace.created,Workspace,${opsId},${opsId},`);

    const cut = all[2].at as string;
    const from = await exportLog(owner.token, { accountId: owner.accountId, format: 'csv', from: cut });
    const fromRows = from.text.trimEnd().split('\n').slice(1);
    expect(fromRows.length).toBeGreaterThan(0);
    expect(fromRows.every((row) => new Date(row.split(',')[2]!).getTime() >= new Date(cut).getTime())).toBe(true);
    const to = await exportLog(owner.token, { accountId: owner.accountId, format: 'csv', to: '2000-01-01T00:00:00Z' });
    expect(to.text.trimEnd().split('\n')).toHaveLength(1);
  });

  it('needs auditLog:export (403), hides other accounts (404), needs a token (401), checks parameters (400)', async () => {
    const viewer = await addMember(gw, owner.accountId, owner.userId, ['account:view', 'auditLog:view']);
    const denied = await exportLog(viewer.token, { accountId: owner.accountId, format: 'csv' });
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.text).errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'auditLog:export' });

    const exporter = await addMember(gw, owner.accountId, owner.userId, ['auditLog:export']);
    expect((await exportLog(exporter.token, { accountId: owner.accountId, format: 'jsonl' })).status).toBe(200);

    const stranger = await gw.signUp();
    const hidden = await exportLog(stranger.token, { accountId: owner.accountId, format: 'csv' });
    expect(hidden.status).toBe(404);
    expect(JSON.parse(hidden.text).errors[0].extensions.code).toBe('NOT_FOUND');
    expect(hidden.text).not.toContain('workspace.created');
    expect((await exportLog(stranger.token, { accountId: 'nope', format: 'csv' })).status).toBe(404);

    const anon = await exportLog(undefined, { accountId: owner.accountId, format: 'csv' });
    expect(anon.status).toBe(401);
    expect(JSON.parse(anon.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');

    for (const [query, field] of [
      [{ accountId: owner.accountId, format: 'xml' }, 'format'],
      [{ accountId: owner.accountId }, 'format'],
      [{ format: 'csv' }, 'accountId'],
      [{ accountId: owner.accountId, format: 'csv', from: 'yesterday' }, 'from'],
      [{ accountId: owner.accountId, format: 'csv', from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'from'],
    ] as [Record<string, string>, string][]) {
      const bad = await exportLog(owner.token, query);
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.text).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: expect.any(String) });
      expect(JSON.parse(bad.text).errors[0].extensions.field).toBe(field);
    }
  });
});

describe('the hash chain', () => {
  it('is intact, and tampering with one stored event is detected at that event', async () => {
    expect(await verifyChain(owner.accountId)).toBeNull();
    const raw = mongoose.connection.db!.collection('auditevents');
    const target = await raw.findOne({ accountId: owner.accountId, action: 'workspace.created' });
    expect(target).not.toBeNull();
    await raw.updateOne({ _id: target!._id }, { $set: { 'after.name': 'Renamed quietly' } });
    expect(await verifyChain(owner.accountId)).toBe(target!.seq);
    await raw.updateOne({ _id: target!._id }, { $set: { 'after.name': 'Ops' } });
    expect(await verifyChain(owner.accountId)).toBeNull();
    // Deleting an event breaks the sequence after it.
    const last = await raw.find({ accountId: owner.accountId }).sort({ seq: -1 }).limit(2).toArray();
    await raw.deleteOne({ _id: last[1]!._id });
    expect(await verifyChain(owner.accountId)).toBe(last[0]!.seq);
  });
});
