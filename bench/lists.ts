// Lists that grow without bound, side by side (issue #19): a 100k audit trail and a 100k email log
// (a domain's) next to the 100k-contact list of bench/contacts.ts. Each grown by writers in this
// process as the gateway's would write them (the audit chain's writer; logs placed on their domain),
// then its first page and a deep page (after 90 %) timed through the gateway (9 runs after a warm
// one: median, max), and, for comparison, the plain query such a page was answered with before
// pages by place (`find({parent}).sort().limit(51)`, in this process, no HTTP): what the store does
// when it cannot use an index for the filter.
import type { Model } from 'mongoose';
import { ChainWriter, type UnchainedEvent } from '../src/audit/chain';
import { AuditEvent } from '../src/audit/model';
import { newId } from '../src/db/ids';
import { encodeCursor } from '../src/graphql/connection';
import { Domain } from '../src/modules/sending/domain.model';
import { EmailLog, type EmailLogDoc } from '../src/modules/sending/email-log.model';
import { placeLogs, type LogParent } from '../src/modules/sending/email-log-pages.service';
import type { ContactsResult, PageLatency } from './contacts';
import { gql, type GatewayProcess } from './gateway';

export const LIST_ROWS = 100_000;
const RUNS = 9;
const BATCH = 1000;

export interface ListFigures {
  rows: number;
  first: PageLatency;
  deep: PageLatency;
  /** The same pages by the plain query (no HTTP): the layout before places. */
  plainFirst: PageLatency;
  plainDeep: PageLatency;
}

export interface ListsResult {
  audit: ListFigures;
  emailLog: ListFigures;
  /** The contact list's figures (bench/contacts.ts), when that phase ran. */
  contacts?: Pick<ContactsResult, 'listSize' | 'firstPage' | 'deepPage'>;
  growSeconds: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

async function latency(fn: () => Promise<void>): Promise<PageLatency> {
  try {
    await fn();
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await fn();
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    return { medianMs: round1(ms[ms.length >> 1]!), maxMs: round1(ms.at(-1)!) };
  } catch (err) {
    return { medianMs: NaN, maxMs: NaN, error: err instanceof Error ? err.message : String(err) };
  }
}

async function growAudit(accountId: string, n: number): Promise<void> {
  const writer = new ChainWriter();
  for (let i = 0; i < n; i += BATCH) {
    const at = new Date();
    const events: UnchainedEvent[] = Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => ({
      _id: newId(),
      accountId,
      workspaceId: null,
      at,
      actor: { type: 'system', id: 'bench', userId: null },
      action: 'bench.listed',
      target: { type: 'Bench', id: String(i + k) },
      meta: { n: i + k },
    }));
    await writer.append(accountId, events);
  }
}

async function growEmailLog(domain: { _id: string; accountId: string; workspaceId: string; createdBy: string }, n: number): Promise<void> {
  for (let i = 0; i < n; i += BATCH) {
    const now = new Date();
    const docs = Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => ({
      _id: newId(),
      accountId: domain.accountId,
      workspaceId: domain.workspaceId,
      domainId: domain._id,
      campaignId: null,
      from: 'bench@example.com',
      to: `reader${i + k}@bench.example.com`,
      subject: 'Bench',
      status: 'RECORDED',
      html: null,
      text: 'Hello',
      messageId: null,
      error: null,
      createdBy: domain.createdBy,
      createdAt: now,
      updatedAt: now,
    })) as EmailLogDoc[];
    await placeLogs(Domain as unknown as Model<LogParent>, domain._id, docs);
    await EmailLog.insertMany(docs, { lean: true });
  }
}

const AUDIT_PAGE = `query($a: ID!, $after: String) { account(id: $a) { auditLog(first: 50, after: $after) {
  edges { cursor node { id seq action } } pageInfo { hasNextPage endCursor } } } }`;
const LOG_PAGE = `query($d: ID!, $after: String) { domain(id: $d) { emailLogs(first: 50, after: $after) {
  edges { cursor node { id to status } } pageInfo { hasNextPage endCursor } } } }`;

export async function listsFigures(
  gw: GatewayProcess,
  token: string,
  accountId: string,
  log: (l: string) => void,
  opts: { rows?: number; contacts?: ContactsResult } = {},
): Promise<ListsResult> {
  const rows = opts.rows ?? LIST_ROWS;
  const t0 = performance.now();
  const domain = await Domain.findOne({ accountId }).lean();
  if (!domain) throw new Error('the demo account has no domain');
  const existingLogs = await EmailLog.countDocuments({ domainId: domain._id });
  await Promise.all([growAudit(accountId, rows), growEmailLog(domain, Math.max(0, rows - existingLogs))]);
  const growSeconds = round1((performance.now() - t0) / 1000);
  log(`  grew a ${rows} audit trail and email log in ${growSeconds} s`);

  const total = await AuditEvent.countDocuments({ accountId });
  const deepEvent = await AuditEvent.findOne({ accountId, seq: Math.round(total * 0.9) }).lean();
  const logs = await EmailLog.find({ domainId: domain._id }).sort({ _id: 1 }).select({ _id: 1 }).lean();
  const deepLog = logs[Math.round(logs.length * 0.9)]!;
  const expect = (ok: boolean, what: string) => {
    if (!ok) throw new Error(what);
  };
  const auditPage = (after: string | null, firstSeq: number) => async () => {
    const r = await gql<{ account: { auditLog: { edges: { node: { seq: number } }[] } } }>(
      gw.url,
      AUDIT_PAGE,
      { a: accountId, after },
      token,
    );
    const edges = r.data!.account.auditLog.edges;
    expect(edges.length === 50 && edges[0]!.node.seq === firstSeq, `audit page after ${after}: ${JSON.stringify(edges[0])}`);
  };
  const logPage = (after: string | null, firstId: string) => async () => {
    const r = await gql<{ domain: { emailLogs: { edges: { node: { id: string } }[] } } }>(
      gw.url,
      LOG_PAGE,
      { d: domain._id, after },
      token,
    );
    const edges = r.data!.domain.emailLogs.edges;
    expect(edges.length === 50 && edges[0]!.node.id === firstId, `email log page after ${after}: ${JSON.stringify(edges[0])}`);
  };
  const firstSeq = (await AuditEvent.findOne({ accountId }).sort({ seq: 1 }).select({ seq: 1 }).lean())!.seq;
  const plain = (model: Model<{ _id: string }>, filter: Record<string, unknown>) => async () => {
    const docs = await model
      .find(filter as never)
      .sort({ _id: 1 })
      .limit(51)
      .lean();
    expect(docs.length === 51, 'plain query: short page');
  };
  const audit: ListFigures = {
    rows: total,
    first: await latency(auditPage(null, firstSeq)),
    deep: await latency(auditPage(encodeCursor(deepEvent!._id), deepEvent!.seq + 1)),
    plainFirst: await latency(plain(AuditEvent as never, { accountId })),
    plainDeep: await latency(plain(AuditEvent as never, { accountId, _id: { $gt: deepEvent!._id } })),
  };
  log(`  audit trail of ${total}: first page ${audit.first.medianMs} ms, deep ${audit.deep.medianMs} ms`);
  const emailLog: ListFigures = {
    rows: logs.length,
    first: await latency(logPage(null, logs[0]!._id)),
    deep: await latency(logPage(encodeCursor(deepLog._id), logs[Math.round(logs.length * 0.9) + 1]!._id)),
    plainFirst: await latency(plain(EmailLog as never, { domainId: domain._id })),
    plainDeep: await latency(plain(EmailLog as never, { domainId: domain._id, _id: { $gt: deepLog._id } })),
  };
  log(`  email log of ${logs.length}: first page ${emailLog.first.medianMs} ms, deep ${emailLog.deep.medianMs} ms`);
  const c = opts.contacts;
  return { audit, emailLog, contacts: c && { listSize: c.listSize, firstPage: c.firstPage, deepPage: c.deepPage }, growSeconds };
}

const cell = (p: PageLatency | undefined) => (!p ? '—' : p.error ? `failed: ${p.error}` : `${p.medianMs} ms (max ${p.maxMs})`);

/** The report's section (appended to BENCHMARKS.md by bench/run.ts). */
export function renderLists(r: ListsResult | undefined, failure?: string): string {
  if (!r) return failure ? `\n## Lists that grow without bound\n\nFailed: ${failure}\n` : '';
  const fmt = (n: number) => n.toLocaleString('en-US');
  const c = r.contacts;
  return [
    '',
    '## Lists that grow without bound',
    '',
    "Through the gateway, as the owner, each timed 9 times after a warm one (median, max): a page of 50 from the start and after 90 % of the list. The audit trail (the demo account's `auditLog`, oldest first) and a domain's `emailLogs` were grown in the benchmark process by the writers the gateway uses (bench/lists.ts); the contact list is the one above. Each is answered by `_id`/unique-key look-ups (`place $in`, a contact list's page directory); the last two columns are the plain query such a page was answered with before (`find({parent}).sort({_id: 1}).limit(51)` in the benchmark process, no HTTP), which the embedded database answers by a scan.",
    '',
    '| list | items | first page | deep page (after 90 %) | plain query, first page | plain query, deep page |',
    '|---|---|---|---|---|---|',
    ...(c ? [`| contacts of a list | ${fmt(c.listSize)} | ${cell(c.firstPage)} | ${cell(c.deepPage)} | | |`] : []),
    `| audit trail of an account | ${fmt(r.audit.rows)} | ${cell(r.audit.first)} | ${cell(r.audit.deep)} | ${cell(r.audit.plainFirst)} | ${cell(r.audit.plainDeep)} |`,
    `| email logs of a domain | ${fmt(r.emailLog.rows)} | ${cell(r.emailLog.first)} | ${cell(r.emailLog.deep)} | ${cell(r.emailLog.plainFirst)} | ${cell(r.emailLog.plainDeep)} |`,
    '',
    `Growing both took ${r.growSeconds} s.`,
    '',
  ].join('\n');
}
