// The N+1 check: a nested query over a page of campaigns costs the same number of database
// commands for 1 campaign as for 100 (each relation is one batched read, whatever the page size).
import { newId } from '../../../src/db/ids';
import { Campaign } from '../../../src/modules/marketing/campaign.model';
import { MailingList } from '../../../src/modules/marketing/list.model';
import { Template } from '../../../src/modules/marketing/template.model';
import { User } from '../../../src/modules/identity/user.model';
import { Member } from '../../../src/modules/accounts/account.model';
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { commandsDuring } from '../../helpers/commands';
import { CREATE_CAMPAIGN, IMPORT, createList, createTemplate, ok, rows, verifiedSender } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  // No scheduler ticks (due campaigns, the audit purge): their commands would land in the counts below.
  gw = await startTestGateway({ monitorCommands: true, env: { POSTERN_SCHEDULER_INTERVAL_MS: '0' } });
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

/** `n` campaigns in `workspaceId`, each with its own list and template, created by a few different users. */
async function manyCampaigns(workspaceId: string, n: number): Promise<void> {
  const users = Array.from({ length: 5 }, (_, i) => ({
    _id: newId(),
    email: `author${i}-${newId()}@example.com`,
    passwordHash: 'fixture',
    name: `Author ${i}`,
  }));
  await User.insertMany(users);
  // Authors are members of the account (the owner sees members' contact data).
  await Member.insertMany(users.map((u) => ({ accountId: owner.accountId, userId: u._id, createdBy: owner.userId })));
  const base = { accountId: owner.accountId, workspaceId };
  const lists = Array.from({ length: n }, (_, i) => ({ ...base, _id: newId(), name: `List ${i}`, createdBy: owner.userId }));
  const templates = Array.from({ length: n }, (_, i) => ({
    ...base,
    _id: newId(),
    name: `Template ${i}`,
    html: '<p/>',
    createdBy: owner.userId,
  }));
  await MailingList.insertMany(lists);
  await Template.insertMany(templates);
  await Campaign.insertMany(
    Array.from({ length: n }, (_, i) => ({
      ...base,
      name: `Campaign ${i}`,
      subject: 'S',
      listId: lists[i]!._id,
      templateId: templates[i]!._id,
      createdBy: i % 6 === 5 ? owner.userId : users[i % 5]!._id,
    })),
  );
}

const NESTED = `query($id: ID!) { workspace(id: $id) { campaigns(first: 500) { edges { node {
  name list { name } template { name } createdBy { email } } } } } }`;

it('a nested campaigns query makes as many database commands for 100 campaigns as for 1', async () => {
  const CREATE_WS = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`;
  const one = ok(await gw.gql(CREATE_WS, { input: { accountId: owner.accountId, name: 'One' } }, owner.token)).createWorkspace.id;
  const hundred = ok(await gw.gql(CREATE_WS, { input: { accountId: owner.accountId, name: 'Hundred' } }, owner.token)).createWorkspace.id;
  await manyCampaigns(one, 1);
  await manyCampaigns(hundred, 100);

  const run = async (workspaceId: string, expected: number) => {
    const r = ok(await gw.gql(NESTED, { id: workspaceId }, owner.token));
    const edges = r.workspace.campaigns.edges;
    expect(edges).toHaveLength(expected);
    for (const e of edges) {
      expect(e.node.list.name).toMatch(/^List /);
      expect(e.node.template.name).toMatch(/^Template /);
      expect(e.node.createdBy.email).toMatch(/@example\.com$/);
    }
  };
  // Warm both up (per-account compiled permissions are reused across requests), then measure.
  await run(one, 1);
  await run(hundred, 100);
  const small = await commandsDuring(() => run(one, 1));
  const large = await commandsDuring(() => run(hundred, 100));
  expect(large.length).toBe(small.length);
  expect(large.sort()).toEqual(small.sort());
  expect(large.length).toBeLessThanOrEqual(12);
});

it('sendCampaign writes logs in batches: the command count does not grow per contact', async () => {
  const listId = await createList(gw, owner, 'Batch');
  ok(await gw.gql(IMPORT, { input: { listId, contacts: rows(1200, 'batch') } }, owner.token));
  const templateId = await createTemplate(gw, owner);
  const c = ok(
    await gw.gql(
      CREATE_CAMPAIGN,
      {
        input: { workspaceId: owner.workspaceId, name: 'B', subject: 'S', listId, templateId, fromEmail: await verifiedSender(gw, owner) },
      },
      owner.token,
    ),
  ).createCampaign;
  const cmds = await commandsDuring(async () => {
    const r = ok(await gw.gql(`mutation($id: ID!) { sendCampaign(id: $id) { status recipientCount } }`, { id: c.id }, owner.token));
    expect(r.sendCampaign).toEqual({ status: 'SENT', recipientCount: 1200 });
  });
  const inserts = cmds.filter((c) => c === 'insert:emaillogs');
  expect(inserts.length).toBeGreaterThanOrEqual(1);
  expect(inserts.length).toBeLessThanOrEqual(3); // 1,200 logs in batches of 500
  // Each batch reserves its logs' places on the campaign with one `$inc` (email-log-pages.service.ts).
  expect(cmds.length).toBeLessThan(30 + inserts.length);
});
