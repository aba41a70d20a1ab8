// Domain.emailLogs and Campaign.emailLogs (a campaign's recipients) at a size: pages by the logs'
// places (src/modules/sending/email-log-pages.service.ts), oldest first, each log once, while other
// writers add logs, after deletes, and for logs written before places (the data upgrade).
import type { Model } from 'mongoose';
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { newId } from '../../../src/db/ids';
import { placeNumber } from '../../../src/db/places';
import { encodeCursor } from '../../../src/graphql/connection';
import { Domain } from '../../../src/modules/sending/domain.model';
import { Campaign } from '../../../src/modules/marketing/campaign.model';
import { EmailLog, type EmailLogDoc } from '../../../src/modules/sending/email-log.model';
import { placeEmailLogs, placeLogs, type LogParent } from '../../../src/modules/sending/email-log-pages.service';
import { createDomain, ok, uniqueDomain } from './helpers';
import { CREATE_CAMPAIGN, IMPORT, createList, createTemplate, rows, verifiedSender } from '../marketing/helpers';

let gw: TestGateway;
let owner: TestOwner;
const domains = Domain as unknown as Model<LogParent>;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const LOGS = `query($id: ID!, $first: Int, $after: String) { domain(id: $id) {
  emailLogs(first: $first, after: $after) { edges { cursor node { id to } } pageInfo { hasNextPage endCursor } } } }`;
const CAMPAIGN_LOGS = `query($id: ID!, $first: Int, $after: String) { campaign(id: $id) {
  emailLogs(first: $first, after: $after) { edges { cursor node { id to } } pageInfo { hasNextPage endCursor } } } }`;

type Row = { id: string; to: string };

async function walk(query: string, id: string, first: number, between?: () => Promise<void>, after: string | null = null): Promise<Row[]> {
  const out: Row[] = [];
  for (;;) {
    const r = await gw.gql(query, { id, first, after }, owner.token);
    expect(r.body.errors).toBeUndefined();
    const c = (r.body.data!.domain ?? r.body.data!.campaign).emailLogs;
    out.push(...c.edges.map((e: { node: Row }) => e.node));
    if (!c.pageInfo.hasNextPage) return out;
    after = c.pageInfo.endCursor;
    await between?.();
  }
}

/** `n` logs of the domain written as sends write them: places reserved on the domain, then inserted. */
async function write(domainId: string, n: number, tag: string): Promise<EmailLogDoc[]> {
  const now = new Date();
  const docs = Array.from({ length: n }, (_, i) => ({
    _id: newId(),
    accountId: owner.accountId,
    workspaceId: owner.workspaceId,
    domainId,
    campaignId: null,
    from: 'a@example.com',
    to: `${tag}${i}@example.org`,
    subject: 's',
    status: 'RECORDED' as const,
    html: null,
    text: 't',
    messageId: null,
    error: null,
    createdBy: owner.userId,
    createdAt: now,
    updatedAt: now,
  })) as EmailLogDoc[];
  for (let i = 0; i < docs.length; i += 500) {
    const batch = docs.slice(i, i + 500);
    await placeLogs(domains, domainId, batch);
    await EmailLog.insertMany(batch, { lean: true });
  }
  return docs;
}

/** The domain's logs as stored, in place order. */
async function stored(filter: Record<string, unknown>): Promise<string[]> {
  const logs = await EmailLog.find(filter).select({ _id: 1, place: 1 }).lean();
  return logs.sort((a, b) => placeNumber(a.place)! - placeNumber(b.place)!).map((l) => l._id);
}

it('pages 2,000 logs of a domain oldest first, each once, the sendEmail ones first in send order', async () => {
  const name = uniqueDomain('pages');
  const domainId = await createDomain(gw, owner, name);
  ok(
    await gw.gql(
      `mutation($input: AddAuthorizedRecipientInput!) { addAuthorizedRecipient(input: $input) { id } }`,
      { input: { domainId, email: 'r@example.org' } },
      owner.token,
    ),
  );
  const SEND = `mutation($input: SendEmailInput!) { sendEmail(input: $input) { id } }`;
  const editedAt = (await Domain.findById(domainId).lean())!.updatedAt;
  const sent: string[] = [];
  for (let i = 0; i < 3; i++) {
    sent.push(
      ok(await gw.gql(SEND, { input: { domainId, from: `x@${name}`, to: 'r@example.org', subject: `s${i}`, text: 't' } }, owner.token))
        .sendEmail.id,
    );
  }
  // Two writers at once: their reservations interleave, each batch's places its own.
  await Promise.all([write(domainId, 1000, 'a'), write(domainId, 997, 'b')]);
  const expected = await stored({ domainId });
  expect(expected).toHaveLength(2000);
  expect(expected.slice(0, 3)).toEqual(sent);
  // Reserving places is not an edit of the domain.
  expect((await Domain.findById(domainId).lean())!.updatedAt).toEqual(editedAt);
  for (const first of [50, 500]) expect((await walk(LOGS, domainId, first)).map((r) => r.id)).toEqual(expected);
  const deep = await walk(LOGS, domainId, 50, undefined, encodeCursor(expected[1899]!));
  expect(deep.map((r) => r.id)).toEqual(expected.slice(1900));
});

it('stays in order with no log twice while logs are written between its pages, and skips deleted ones', async () => {
  const domainId = await createDomain(gw, owner, uniqueDomain('churn'));
  await write(domainId, 1200, 'c');
  const before = await stored({ domainId });
  let k = 0;
  const seen = await walk(LOGS, domainId, 100, async () => void (await write(domainId, 60, `late${k++}-`)));
  const ids = seen.map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.slice(0, before.length)).toEqual(before);
  const all = await stored({ domainId });
  expect(ids).toEqual(all.slice(0, ids.length));

  // Deletes: a run in the middle, and everything before the last 30 (gaps wider than a page).
  const gone = new Set(all.slice(100, 700));
  await EmailLog.deleteMany({ _id: { $in: [...gone] } });
  expect((await walk(LOGS, domainId, 50)).map((r) => r.id)).toEqual(all.filter((id) => !gone.has(id)));
  const tail = all.slice(-30);
  await EmailLog.deleteMany({ domainId, _id: { $nin: tail } });
  expect((await walk(LOGS, domainId, 50)).map((r) => r.id)).toEqual(tail);
  // A cursor on a deleted log still continues after it.
  expect((await walk(LOGS, domainId, 10, undefined, encodeCursor(all[5]!))).map((r) => r.id)).toEqual(tail);
});

it("pages a campaign's 1,200 recipients in the order they were sent", async () => {
  const sender = await verifiedSender(gw, owner);
  const listId = await createList(gw, owner, 'Recipients');
  ok(await gw.gql(IMPORT, { input: { listId, contacts: rows(1200, 'rcpt') } }, owner.token));
  const templateId = await createTemplate(gw, owner);
  const c = ok(
    await gw.gql(
      CREATE_CAMPAIGN,
      { input: { workspaceId: owner.workspaceId, name: 'Paged', subject: 'Hi', listId, templateId, fromEmail: sender } },
      owner.token,
    ),
  ).createCampaign;
  ok(await gw.gql(`mutation($id: ID!) { sendCampaign(id: $id) { status } }`, { id: c.id }, owner.token));
  const expected = await stored({ campaignId: c.id });
  expect(expected).toHaveLength(1200);
  expect((await Campaign.findById(c.id).lean())!.logSeq).toBe(1200);
  const seen = await walk(CAMPAIGN_LOGS, c.id, 100);
  expect(seen.map((r) => r.id)).toEqual(expected);
  expect(new Set(seen.map((r) => r.to)).size).toBe(1200);
});

it('logs written before places (no place; the demo seed) page the old way, then by places after the data upgrade', async () => {
  const domainId = await createDomain(gw, owner, uniqueDomain('old'));
  const now = Date.now();
  // Written through the model without a place, as older versions did: each gets an unnumbered one.
  await EmailLog.insertMany(
    Array.from({ length: 300 }, (_, i) => ({
      _id: newId(),
      accountId: owner.accountId,
      workspaceId: owner.workspaceId,
      domainId,
      from: 'a@example.com',
      to: `old${i}@example.org`,
      subject: 's',
      status: 'RECORDED',
      createdBy: owner.userId,
      createdAt: new Date(now + i),
    })),
  );
  expect(await EmailLog.countDocuments({ domainId, place: { $regex: '^~' } })).toBe(300);
  const byId = (await EmailLog.find({ domainId }).sort({ _id: 1 }).select({ _id: 1 }).lean()).map((l) => l._id);
  expect((await walk(LOGS, domainId, 50)).map((r) => r.id)).toEqual(byId);
  expect(await placeEmailLogs({ domainId: domains, campaignId: Campaign as unknown as Model<LogParent> })).toBeGreaterThanOrEqual(300);
  expect((await Domain.findById(domainId).lean())!.logSeq).toBe(300);
  expect(await stored({ domainId })).toEqual(byId);
  expect((await walk(LOGS, domainId, 50)).map((r) => r.id)).toEqual(byId);
});
