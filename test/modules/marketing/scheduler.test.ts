// Scheduled campaigns across replicas: two gateway processes on one database send each due campaign
// exactly once, a scheduled campaign survives a restart, and a send left SENDING by a crashed
// replica is resumed without mailing anyone twice.
import mongoose from 'mongoose';
import { connectDatabase } from '../../../src/db/connect';
import { registerModules } from '../../../src/composition/registry';
import { newId } from '../../../src/db/ids';
import { Campaign, CampaignSend } from '../../../src/modules/marketing/campaign.model';
import { campaignLogId } from '../../../src/modules/marketing/campaign-delivery.service';
import { Contact } from '../../../src/modules/marketing/contact.model';
import { EmailLog } from '../../../src/modules/sending/email-log.model';
import { Domain } from '../../../src/modules/sending/domain.model';
import { AuditEvent } from '../../../src/audit/model';
import { STRONG_PASSWORD, uniqueEmail } from '../../helpers/gateway';
import { gqlAt as replicaGql, replicaSet, stopReplica, type Replica } from '../../helpers/replicas';
import { rows } from './helpers';

const set = replicaSet('t_sched');
const env = { POSTERN_SCHEDULER_INTERVAL_MS: '100', POSTERN_SEND_LEASE_MS: '2000' };
let a: Replica;
let b: Replica;
let owner: { token: string; accountId: string; workspaceId: string };
let listId: string;
let templateId: string;
let fromEmail: string;
const CONTACTS = 300;

const replica = () => set.start(env);

async function call(r: Replica, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await replicaGql(r, query, variables, owner?.token);
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data;
}

async function scheduledCampaign(r: Replica, name: string, inMs: number): Promise<string> {
  const id = (
    await call(r, `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`, {
      input: { workspaceId: owner.workspaceId, name, subject: `Subject ${name}`, listId, templateId, fromEmail },
    })
  ).createCampaign.id;
  await call(r, `mutation($input: ScheduleCampaignInput!) { scheduleCampaign(input: $input) { status } }`, {
    input: { id, at: new Date(Date.now() + inMs).toISOString() },
  });
  return id;
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const allSent = (ids: string[]) => async () => (await Campaign.countDocuments({ _id: { $in: ids }, status: 'SENT' })) === ids.length;

/** Every contact of the list got exactly one email of the campaign. */
async function expectOncePerContact(campaignId: string): Promise<void> {
  const logs = await EmailLog.find({ campaignId }).select({ to: 1 }).lean();
  expect(logs).toHaveLength(CONTACTS);
  expect(new Set(logs.map((l) => l.to)).size).toBe(CONTACTS);
  expect((await Campaign.findById(campaignId).lean())!.recipientCount).toBe(CONTACTS);
}

beforeAll(async () => {
  [a, b] = await Promise.all([replica(), replica()]);
  registerModules(); // the access store's models (no schema is built in this process)
  await connectDatabase({ uri: process.env.POSTERN_TEST_MONGODB_URI!, dbName: set.dbName });
  const r = await replicaGql(
    a,
    `mutation($i: SignUpInput!) { signUp(input: $i) { token account { id workspaces { edges { node { id } } } } } }`,
    { i: { email: uniqueEmail('sched'), password: STRONG_PASSWORD, name: 'Sam Scheduler', accountName: 'Scheduled' } },
  );
  const p = r.body.data!.signUp;
  owner = { token: p.token, accountId: p.account.id, workspaceId: p.account.workspaces.edges[0].node.id };
  listId = (
    await call(a, `mutation($input: CreateListInput!) { createList(input: $input) { id } }`, {
      input: { workspaceId: owner.workspaceId, name: 'All' },
    })
  ).createList.id;
  await call(a, `mutation($input: ImportContactsInput!) { importContacts(input: $input) { imported } }`, {
    input: { listId, contacts: rows(CONTACTS, 'sched') },
  });
  // A sending domain, marked verified as verifyDomain would after checking its DNS records.
  const domainId = (
    await call(a, `mutation($input: CreateDomainInput!) { createDomain(input: $input) { id } }`, {
      input: { workspaceId: owner.workspaceId, name: 'sched.acme.test' },
    })
  ).createDomain.id;
  await Domain.updateOne({ _id: domainId }, { $set: { state: 'VERIFIED', verifiedAt: new Date() } });
  fromEmail = 'news@sched.acme.test';
  templateId = (
    await call(a, `mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { id } }`, {
      input: { workspaceId: owner.workspaceId, name: 'T', html: '<p>Hi {{firstName}}</p>' },
    })
  ).createTemplate.id;
}, 90_000);

afterAll(async () => {
  await mongoose.connection.db?.dropDatabase();
  await mongoose.disconnect();
  await set.stop();
});

describe('the campaign scheduler', () => {
  it('two replicas send each due campaign exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await scheduledCampaign(i % 2 ? a : b, `Due ${i}`, 1500));
    await until('all four are SENT', allSent(ids));
    for (const id of ids) await expectOncePerContact(id);
    expect(await CampaignSend.countDocuments({ _id: { $in: ids } })).toBe(4);
    const sent = await AuditEvent.find({ accountId: owner.accountId, action: 'campaign.sent', 'target.id': { $in: ids } }).lean();
    expect(sent.map((e) => e.target.id).sort()).toEqual([...ids].sort());
    expect(sent.every((e) => e.actor.type === 'system' && e.actor.id === 'scheduler')).toBe(true);
  }, 90_000);

  it('a scheduled campaign survives the restart of every replica', async () => {
    const id = await scheduledCampaign(a, 'After restart', 2500);
    await Promise.all([stopReplica(a), stopReplica(b)]);
    expect((await Campaign.findById(id).lean())!.status).toBe('SCHEDULED');
    a = await replica();
    await until('it is SENT', allSent([id]));
    await expectOncePerContact(id);
  }, 90_000);

  it('a send left SENDING by a crashed replica is resumed by another, without mailing anyone twice', async () => {
    b = await replica();
    // What a replica that died mid-send leaves behind: the campaign SENDING, its send claimed with a
    // lease that lapsed, and the emails of the first 120 contacts written.
    const id = newId();
    const startedAt = new Date(Date.now() - 120_000);
    const first = await Contact.find({ listId }).sort({ _id: 1 }).limit(120).lean();
    const before = first.map((c) => ({
      _id: campaignLogId(startedAt, id, c._id),
      accountId: owner.accountId,
      workspaceId: owner.workspaceId,
      campaignId: id,
      from: 'x@example.com',
      to: c.email,
      subject: 'S',
      status: 'RECORDED',
      html: 'before the crash',
      createdBy: 'crashed',
    }));
    await EmailLog.insertMany(before);
    // Written last: the scheduler looks for SENDING campaigns whose lease lapsed.
    await CampaignSend.create({
      _id: id,
      accountId: owner.accountId,
      workspaceId: owner.workspaceId,
      createdBy: 'crashed',
      startedAt,
      epoch: 0,
      runner: 'dead',
      leaseUntil: new Date(Date.now() - 60_000),
    });
    await Campaign.create({
      _id: id,
      accountId: owner.accountId,
      workspaceId: owner.workspaceId,
      name: 'Crashed',
      subject: 'S',
      fromEmail,
      status: 'SENDING',
      listId,
      templateId,
      createdBy: first[0]!.createdBy,
    });

    await until('it is SENT', allSent([id]));
    await expectOncePerContact(id);
    // The emails written before the crash are the ones that count for those contacts.
    expect(await EmailLog.countDocuments({ campaignId: id, html: 'before the crash' })).toBe(120);
    const resumed = await AuditEvent.find({ accountId: owner.accountId, action: 'campaign.resumed', 'target.id': id }).lean();
    // One replica took it over (two, if the first stalled past its lease: then they shared the rest).
    expect(resumed.length).toBeGreaterThanOrEqual(1);
    expect(resumed.reduce((n, e) => n + (e.meta!.sentByThisRun as number), 0)).toBe(CONTACTS - 120);
  }, 90_000);
});
