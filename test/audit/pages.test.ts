// Account.auditLog at a size: pages in the chain's order (seq), found by their places
// (src/audit/pages.ts), correct while other writers append, after retention deletes the oldest
// events, with every filter, and for events stored before places (the data upgrade).
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { ChainWriter, verifyChain, type UnchainedEvent } from '../../src/audit/chain';
import { AuditEvent, AuditHead } from '../../src/audit/model';
import { placeAuditEvents } from '../../src/audit/pages';
import { purgeAccount } from '../../src/audit/retention';
import { newId } from '../../src/db/ids';
import { encodeCursor } from '../../src/graphql/connection';

let gw: TestGateway;
const DAY = 86_400_000;

beforeAll(async () => {
  gw = await startTestGateway({ env: { POSTERN_SCHEDULER_INTERVAL_MS: '0' } });
});
afterAll(() => gw.stop());

const LOG = `query($a: ID!, $f: AuditFilter, $first: Int, $after: String) { account(id: $a) {
  auditLog(filter: $f, first: $first, after: $after) { edges { cursor node { id seq action actor { id } } } pageInfo { hasNextPage endCursor } } } }`;

type Row = { id: string; seq: number; action: string; actor: { id: string } };

async function page(owner: TestOwner, vars: Record<string, unknown>) {
  const r = await gw.gql(LOG, { a: owner.accountId, ...vars }, owner.token);
  expect(r.body.errors).toBeUndefined();
  return r.body.data!.account.auditLog as {
    edges: { cursor: string; node: Row }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

/** Every page from the start (or `after`), `first` at a time; `between` runs after each page. */
async function walk(owner: TestOwner, first: number, vars: Record<string, unknown> = {}, between?: () => Promise<void>): Promise<Row[]> {
  const rows: Row[] = [];
  let after: string | null = (vars.after as string | undefined) ?? null;
  for (;;) {
    const p = await page(owner, { ...vars, first, after });
    rows.push(...p.edges.map((e) => e.node));
    if (p.edges.length) expect(p.edges.at(-1)!.cursor).toBe(p.pageInfo.endCursor);
    if (!p.pageInfo.hasNextPage) return rows;
    after = p.pageInfo.endCursor;
    await between?.();
  }
}

function events(accountId: string, n: number, tag: string, at = new Date()): UnchainedEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    _id: newId(),
    accountId,
    workspaceId: null,
    at,
    actor: { type: 'system' as const, id: i % 3 === 0 ? 'actor-a' : 'actor-b', userId: null },
    action: i % 7 === 0 ? `bench.${tag}.rare` : `bench.${tag}`,
    target: { type: 'Thing', id: `t${i % 5}` },
  }));
}

/** `n` events appended by a writer of its own (another replica), in batches of 500. */
async function append(accountId: string, n: number, tag: string, at?: Date): Promise<void> {
  const writer = new ChainWriter();
  for (let i = 0; i < n; i += 500) await writer.append(accountId, events(accountId, Math.min(500, n - i), tag, at));
}

const seqsOf = (rows: Row[]) => rows.map((r) => r.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

it('pages 3,000 events oldest first by seq: every one once, cursors continue where they stopped', async () => {
  const owner = await gw.signUp();
  await append(owner.accountId, 3000, 'big');
  const total = await AuditEvent.countDocuments({ accountId: owner.accountId });
  expect(total).toBeGreaterThan(3000);
  for (const first of [1, 50, 500]) {
    const rows = await walk(
      owner,
      first,
      first === 1 ? { after: encodeCursor((await AuditEvent.findOne({ accountId: owner.accountId, seq: total - 40 }).lean())!._id) } : {},
    );
    if (first === 1) expect(seqsOf(rows)).toEqual(range(total - 39, total));
    else expect(seqsOf(rows)).toEqual(range(1, total));
  }
  // The page is read by places, not by a range over the account's events.
  const deep = await page(owner, {
    first: 50,
    after: encodeCursor((await AuditEvent.findOne({ accountId: owner.accountId, seq: 2700 }).lean())!._id),
  });
  expect(seqsOf(deep.edges.map((e) => e.node))).toEqual(range(2701, 2750));
  expect(deep.pageInfo.hasNextPage).toBe(true);
  // A stored head that lags (a writer died between its events and the head) still shows the last events.
  await AuditHead.updateOne({ _id: owner.accountId }, { $set: { seq: total - 3 } });
  const tail = await page(owner, {
    first: 50,
    after: encodeCursor((await AuditEvent.findOne({ accountId: owner.accountId, seq: total - 10 }).lean())!._id),
  });
  expect(seqsOf(tail.edges.map((e) => e.node))).toEqual(range(total - 9, total));
});

it('stays in order with no event twice while two other writers append between its pages', async () => {
  const owner = await gw.signUp();
  await append(owner.accountId, 1000, 'base');
  const before = await AuditEvent.countDocuments({ accountId: owner.accountId });
  const writers = [new ChainWriter(), new ChainWriter()];
  const rows = await walk(owner, 100, {}, async () => {
    await Promise.all(writers.map((w, i) => w.append(owner.accountId, events(owner.accountId, 40, `late${i}`))));
  });
  const seqs = seqsOf(rows);
  expect(seqs).toEqual(range(1, seqs.length));
  expect(seqs.length).toBeGreaterThanOrEqual(before);
  expect(await verifyChain(owner.accountId)).toBeNull();
});

it('after retention deleted the oldest events: starts at the first kept, and a cursor on a purged event continues there', async () => {
  const owner = await gw.signUp();
  await append(owner.accountId, 600, 'old', new Date(Date.now() - 40 * DAY));
  await append(owner.accountId, 200, 'new');
  const old = await AuditEvent.findOne({ accountId: owner.accountId, seq: 100 }).lean();
  const deleted = await purgeAccount(owner.accountId, 'FREE', new Date());
  expect(deleted).toBeGreaterThanOrEqual(600);
  const rows = await walk(owner, 50);
  const kept = await AuditEvent.find({ accountId: owner.accountId }).sort({ seq: 1 }).select({ seq: 1 }).lean();
  expect(seqsOf(rows)).toEqual(kept.map((e) => e.seq));
  // The purge's own event follows the kept ones, though this process's writer had cached a head from before the other writers' events.
  expect(rows.at(-1)!.action).toBe('audit.purged');
  expect(await verifyChain(owner.accountId)).toBeNull();
  const resumed = await page(owner, { first: 10, after: encodeCursor(old!._id) });
  expect(seqsOf(resumed.edges.map((e) => e.node))).toEqual(kept.slice(0, 10).map((e) => e.seq));
  // Events deleted in the middle (not something Postern does, but the chain would show it) leave gaps the pages skip.
  const gone = kept.slice(20, 140).map((e) => e.seq);
  await AuditEvent.deleteMany({ accountId: owner.accountId, seq: { $in: gone } });
  const after = await walk(owner, 50);
  expect(seqsOf(after)).toEqual(kept.map((e) => e.seq).filter((s) => !gone.includes(s)));
});

it('filters by action, actor, target and dates, in seq order, with cursors', async () => {
  const owner = await gw.signUp();
  await append(owner.accountId, 700, 'f');
  const all = await AuditEvent.find({ accountId: owner.accountId }).sort({ seq: 1 }).lean();
  const rare = await walk(owner, 20, { f: { action: 'bench.f.rare' } });
  expect(seqsOf(rare)).toEqual(all.filter((e) => e.action === 'bench.f.rare').map((e) => e.seq));
  const actor = await walk(owner, 100, { f: { actorId: 'actor-a', targetId: 't2' } });
  expect(seqsOf(actor)).toEqual(all.filter((e) => e.actor.id === 'actor-a' && e.target.id === 't2').map((e) => e.seq));
  const from = all[0]!.at;
  const dated = await walk(owner, 300, { f: { from: new Date(from).toISOString() } });
  expect(seqsOf(dated)).toEqual(all.filter((e) => e.at >= from).map((e) => e.seq));
  // Another account's event is not a cursor here.
  const other = await gw.signUp();
  const foreign = await AuditEvent.findOne({ accountId: other.accountId }).lean();
  const r = await gw.gql(LOG, { a: owner.accountId, after: encodeCursor(foreign!._id) }, owner.token);
  expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
});

it('events stored before places get them from the data upgrade, and page the same', async () => {
  const owner = await gw.signUp();
  await append(owner.accountId, 300, 'pre');
  const expected = seqsOf(await walk(owner, 50));
  // As an older database: an event without a place (the unique index on places admits one such
  // event; before the upgrade, the index is built after it). Pages skip it until it has one.
  const middle = await AuditEvent.findOne({ accountId: owner.accountId, seq: 150 }).lean();
  await AuditEvent.collection.updateOne({ _id: middle!._id as never }, { $unset: { place: '' } });
  expect(seqsOf(await walk(owner, 50))).toEqual(expected.filter((s) => s !== 150));
  expect(await placeAuditEvents()).toBeGreaterThanOrEqual(1);
  expect(seqsOf(await walk(owner, 50))).toEqual(expected);
  expect(await AuditEvent.countDocuments({ accountId: owner.accountId, place: { $exists: false } })).toBe(0);
});
