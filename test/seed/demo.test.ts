import { Writable } from 'node:stream';
import { errorCode, startTestGateway, type TestGateway } from '../helpers/gateway';
import { accessStore } from '../helpers/access';
import { createLogger } from '../../src/logger';
import { DEMO_CONTACTS, DEMO_MEMBERS, DEMO_OWNER, seedDemo, seedDemoIfEmpty } from '../../src/seed/demo';
import { secretBox } from '../../src/crypto/secrets';
import { Member, Workspace } from '../../src/modules/accounts/account.model';
import { Domain } from '../../src/modules/sending/domain.model';
import { SmtpCredential } from '../../src/modules/sending/smtp-credential.model';
import { EmailLog } from '../../src/modules/sending/email-log.model';
import { MailingList } from '../../src/modules/marketing/list.model';
import { Contact } from '../../src/modules/marketing/contact.model';
import { Template } from '../../src/modules/marketing/template.model';
import { Campaign } from '../../src/modules/marketing/campaign.model';
import { Inbox, Message, Project } from '../../src/modules/testing/testing.model';
import { Billing, SupportTicket } from '../../src/modules/billing/billing.model';
import { AuditEvent } from '../../src/audit/model';
import { verifyChain } from '../../src/audit/recorder';

let gw: TestGateway;
const quiet = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
let summary: Awaited<ReturnType<typeof seedDemo>>;

beforeAll(async () => {
  gw = await startTestGateway();
  summary = await seedDemo(quiet, accessStore);
});
afterAll(() => gw.stop());

const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { token } }`;
async function login(email: string): Promise<string> {
  const r = await gw.gql(LOGIN, { input: { email, password: DEMO_OWNER.password } });
  expect(r.body.errors).toBeUndefined();
  return r.body.data!.login.token;
}

describe('demo seed', () => {
  it('builds a believable account', async () => {
    const accountId = summary.accountId;
    expect(await Workspace.countDocuments({ accountId })).toBe(2);
    expect(await Member.countDocuments({ accountId })).toBe(1 + DEMO_MEMBERS.length);
    expect(await Domain.countDocuments({ accountId })).toBe(3);
    expect(await Domain.countDocuments({ accountId, state: 'VERIFIED' })).toBe(2);
    expect(await SmtpCredential.countDocuments({ accountId })).toBe(summary.smtpCredentials);
    const cred = await SmtpCredential.findOne({ accountId }).lean();
    expect(secretBox().open(cred!.passwordEnc)).toHaveLength(32);
    expect(await EmailLog.countDocuments({ accountId })).toBeGreaterThanOrEqual(200);
    expect(await EmailLog.countDocuments({ accountId, campaignId: { $ne: null } })).toBeGreaterThan(0);

    const lists = await MailingList.find({ accountId }).lean();
    expect(lists).toHaveLength(2);
    const newsletter = lists.find((l) => l.name === 'Newsletter subscribers')!;
    expect(await Contact.countDocuments({ listId: newsletter._id })).toBe(DEMO_CONTACTS);
    expect(DEMO_CONTACTS).toBe(1000);
    expect(await Template.countDocuments({ accountId })).toBeGreaterThanOrEqual(3);
    const statuses = new Set((await Campaign.find({ accountId }).lean()).map((c) => c.status));
    expect([...statuses].sort()).toEqual(['DRAFT', 'SCHEDULED', 'SENDING', 'SENT']);

    expect(await Project.countDocuments({ accountId })).toBe(3);
    expect(await Inbox.countDocuments({ accountId })).toBe(4);
    expect(await Message.countDocuments({ accountId })).toBe(summary.messages);
    expect(summary.messages).toBeGreaterThan(0);
    expect(await Billing.findOne({ accountId }).lean()).toMatchObject({ plan: 'GROWTH', card: { brand: 'VISA', last4: '4242' } });
    expect(await SupportTicket.countDocuments({ accountId })).toBe(2);
    expect(await AuditEvent.countDocuments({ accountId })).toBeGreaterThan(10);
    expect(await verifyChain(accountId)).toBeNull();
  });

  it('works through the API for the owner and for a project-scoped tester', async () => {
    const owner = await login(DEMO_OWNER.email);
    const q = `query($id: ID!) { account(id: $id) { name billing { plan card { last4 } }
      workspaces(first: 5) { edges { node { name projects(first: 10) { edges { node { name inboxes(first: 10) { edges { node { messageCount } } } } } } } } } } }`;
    const r = await gw.gql(q, { id: summary.accountId }, owner);
    expect(r.body.errors).toBeUndefined();
    const account = r.body.data!.account;
    expect(account.billing).toEqual({ plan: 'GROWTH', card: { last4: '4242' } });
    expect(account.workspaces.edges.map((e: any) => e.node.name)).toEqual(['Transactional', 'Marketing']);
    expect(account.workspaces.edges[0].node.projects.edges.map((e: any) => e.node.name)).toEqual(['Web app', 'Mobile app']);

    const qa = await login(DEMO_MEMBERS.find((m) => m.role === 'qa-tester')!.email);
    const web = await Project.findOne({ accountId: summary.accountId, name: 'Web app' }).lean();
    const mobile = await Project.findOne({ accountId: summary.accountId, name: 'Mobile app' }).lean();
    const mine = await gw.gql(
      `query($id: ID!) { project(id: $id) { inboxes { edges { node { messages(first: 1) { edges { node { subject html } } } } } } } }`,
      { id: web!._id },
      qa,
    );
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data!.project.inboxes.edges[0].node.messages.edges[0].node.html).toContain('<p>');
    const other = await gw.gql(`query($id: ID!) { project(id: $id) { name } }`, { id: mobile!._id }, qa);
    expect(errorCode(other)).toBe('FORBIDDEN');

    const billing = await login(DEMO_MEMBERS.find((m) => m.role === 'mailtrap-billing-admin')!.email);
    const bill = await gw.gql(`query($id: ID!) { account(id: $id) { billing { plan } } }`, { id: summary.accountId }, billing);
    expect(bill.body.data!.account.billing).toEqual({ plan: 'GROWTH' });
  });

  it('seeds only an empty database', async () => {
    expect(await seedDemoIfEmpty(quiet, accessStore)).toBe(false);
    expect(await Workspace.countDocuments({ accountId: summary.accountId })).toBe(2);
  });
});
