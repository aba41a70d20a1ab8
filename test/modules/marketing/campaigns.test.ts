import { EmailLog } from '../../../src/modules/sending/email-log.model';
import { Campaign } from '../../../src/modules/marketing/campaign.model';
import { AuditEvent } from '../../../src/audit/model';
import { errorCode, startTestGateway, type GqlResponse, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { CREATE_CAMPAIGN, IMPORT, createList, createTemplate, ok, rows, verifiedSender } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
/** An address at a verified domain of the owner's workspace. */
let sender: string;
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  sender = await verifiedSender(gw, owner);
});
afterAll(() => gw.stop());

const FIELDS = `id name subject status recipientCount sentAt scheduledAt fromEmail fromName list { id } template { id }`;
const UPDATE = `mutation($id: ID!, $input: UpdateCampaignInput!) { updateCampaign(id: $id, input: $input) { ${FIELDS} } }`;
const SEND = `mutation($id: ID!) { sendCampaign(id: $id) { ${FIELDS} } }`;
const SCHEDULE = `mutation($input: ScheduleCampaignInput!) { scheduleCampaign(input: $input) { ${FIELDS} } }`;
const UNSCHEDULE = `mutation($id: ID!) { unscheduleCampaign(id: $id) { ${FIELDS} } }`;
const READ = `query($id: ID!) { campaign(id: $id) { ${FIELDS} createdBy { email } workspace { id } } }`;

const create = async (input: Record<string, unknown>) =>
  ok(await gw.gql(CREATE_CAMPAIGN, { input: { workspaceId: owner.workspaceId, name: 'Spring sale', ...input } }, owner.token))
    .createCampaign;
const fieldOf = (r: GqlResponse) => r.body.errors?.[0]?.extensions?.field;
const importRows = async (listId: string, contacts: unknown[]) => ok(await gw.gql(IMPORT, { input: { listId, contacts } }, owner.token));

describe('campaign CRUD', () => {
  it('creates a DRAFT without list or template, reads, edits, pages and deletes it', async () => {
    const c = await create({ subject: 'Hello' });
    expect(c).toMatchObject({
      status: 'DRAFT',
      subject: 'Hello',
      recipientCount: 0,
      list: null,
      template: null,
      createdBy: { id: owner.userId, email: owner.email },
    });
    const listId = await createList(gw, owner);
    const templateId = await createTemplate(gw, owner);
    const u = ok(
      await gw.gql(
        UPDATE,
        {
          id: c.id,
          input: { name: 'Summer sale', listId, templateId, fromEmail: sender.replace('news@', 'News@').toUpperCase(), fromName: 'Acme' },
        },
        owner.token,
      ),
    ).updateCampaign;
    expect(u).toMatchObject({
      name: 'Summer sale',
      list: { id: listId },
      template: { id: templateId },
      fromEmail: sender,
      fromName: 'Acme',
    });
    const cleared = ok(await gw.gql(UPDATE, { id: c.id, input: { templateId: null } }, owner.token)).updateCampaign;
    expect(cleared).toMatchObject({ list: { id: listId }, template: null });

    const second = await create({ name: 'Second' });
    const PAGE = `query($id: ID!, $after: String) { workspace(id: $id) { campaigns(first: 1, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }`;
    const p1 = ok(await gw.gql(PAGE, { id: owner.workspaceId }, owner.token)).workspace.campaigns;
    expect(p1.edges.map((e: any) => e.node.id)).toEqual([c.id]);
    const p2 = ok(await gw.gql(PAGE, { id: owner.workspaceId, after: p1.pageInfo.endCursor }, owner.token)).workspace.campaigns;
    expect(p2.edges.map((e: any) => e.node.id)).toEqual([second.id]);

    expect(ok(await gw.gql(`mutation($id: ID!) { deleteCampaign(id: $id) }`, { id: second.id }, owner.token)).deleteCampaign).toBe(true);
    expect(errorCode(await gw.gql(READ, { id: second.id }, owner.token))).toBe('NOT_FOUND');
  });

  it('refuses a list or template of another workspace or account, and unknown ids', async () => {
    const ws2 = ok(
      await gw.gql(
        `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
        { input: { accountId: owner.accountId, name: 'Second' } },
        owner.token,
      ),
    ).createWorkspace.id;
    const otherWsList = await createList(gw, owner, 'Elsewhere', ws2);
    const other = await gw.signUp();
    const foreignTemplate = await createTemplate(gw, other);

    const r1 = await gw.gql(CREATE_CAMPAIGN, { input: { workspaceId: owner.workspaceId, name: 'x', listId: otherWsList } }, owner.token);
    expect([errorCode(r1), fieldOf(r1)]).toEqual(['BAD_USER_INPUT', 'listId']);
    const r2 = await gw.gql(
      CREATE_CAMPAIGN,
      { input: { workspaceId: owner.workspaceId, name: 'x', templateId: foreignTemplate } },
      owner.token,
    );
    expect([errorCode(r2), fieldOf(r2)]).toEqual(['BAD_USER_INPUT', 'templateId']);
    const r3 = await gw.gql(CREATE_CAMPAIGN, { input: { workspaceId: owner.workspaceId, name: 'x', listId: 'nope' } }, owner.token);
    expect([errorCode(r3), fieldOf(r3)]).toEqual(['BAD_USER_INPUT', 'listId']);
    const c = await create({});
    const r4 = await gw.gql(UPDATE, { id: c.id, input: { listId: otherWsList } }, owner.token);
    expect([errorCode(r4), fieldOf(r4)]).toEqual(['BAD_USER_INPUT', 'listId']);
    expect(await Campaign.countDocuments({ name: 'x' })).toBe(0);
  });

  it.each([
    ['name', { name: 'x'.repeat(101) }],
    ['subject', { subject: 's'.repeat(256) }],
    ['subject', { subject: 'two\nlines' }],
    ['fromEmail', { fromEmail: 'not-an-email' }],
    ['fromName', { fromName: 'Evil" <x@y.z>' }],
  ])('refuses a bad %s', async (field, input) => {
    const r = await gw.gql(CREATE_CAMPAIGN, { input: { workspaceId: owner.workspaceId, name: 'ok', ...input } }, owner.token);
    expect([errorCode(r), fieldOf(r)]).toEqual(['BAD_USER_INPUT', field]);
  });
});

describe('campaign state machine', () => {
  it('DRAFT → SCHEDULED → DRAFT → SCHEDULED → SENDING → SENT; sending twice and editing after are refused', async () => {
    const c = await create({ fromEmail: sender });
    const noList = await gw.gql(SEND, { id: c.id }, owner.token);
    expect([errorCode(noList), fieldOf(noList)]).toEqual(['BAD_USER_INPUT', 'listId']);
    const listId = await createList(gw, owner);
    await importRows(listId, rows(3, 'sm'));
    ok(await gw.gql(UPDATE, { id: c.id, input: { listId } }, owner.token));
    const noTemplate = await gw.gql(SEND, { id: c.id }, owner.token);
    expect(fieldOf(noTemplate)).toBe('templateId');
    ok(await gw.gql(UPDATE, { id: c.id, input: { templateId: await createTemplate(gw, owner) } }, owner.token));
    const noSubject = await gw.gql(SEND, { id: c.id }, owner.token);
    expect(fieldOf(noSubject)).toBe('subject');
    ok(await gw.gql(UPDATE, { id: c.id, input: { subject: 'Big news' } }, owner.token));

    const past = await gw.gql(SCHEDULE, { input: { id: c.id, at: new Date(Date.now() - 60_000).toISOString() } }, owner.token);
    expect([errorCode(past), fieldOf(past)]).toEqual(['BAD_USER_INPUT', 'at']);
    const at = new Date(Date.now() + 86_400_000).toISOString();
    const s = ok(await gw.gql(SCHEDULE, { input: { id: c.id, at } }, owner.token)).scheduleCampaign;
    expect(s.status).toBe('SCHEDULED');
    expect(new Date(s.scheduledAt).toISOString()).toBe(at);
    // Still editable while scheduled, but it keeps its list.
    expect(ok(await gw.gql(UPDATE, { id: c.id, input: { subject: 'Bigger news' } }, owner.token)).updateCampaign.status).toBe('SCHEDULED');
    expect(fieldOf(await gw.gql(UPDATE, { id: c.id, input: { listId: null } }, owner.token))).toBe('listId');
    expect(ok(await gw.gql(UNSCHEDULE, { id: c.id }, owner.token)).unscheduleCampaign).toMatchObject({
      status: 'DRAFT',
      scheduledAt: null,
    });
    expect(errorCode(await gw.gql(UNSCHEDULE, { id: c.id }, owner.token))).toBe('BAD_USER_INPUT');
    ok(await gw.gql(SCHEDULE, { input: { id: c.id, at } }, owner.token));

    const sent = ok(await gw.gql(SEND, { id: c.id }, owner.token)).sendCampaign;
    expect(sent).toMatchObject({ status: 'SENT', recipientCount: 3, scheduledAt: null });
    expect(Number.isNaN(Date.parse(sent.sentAt))).toBe(false);

    const twice = await gw.gql(SEND, { id: c.id }, owner.token);
    expect([errorCode(twice), fieldOf(twice)]).toEqual(['BAD_USER_INPUT', 'id']);
    expect(await EmailLog.countDocuments({ campaignId: c.id })).toBe(3);
    expect(errorCode(await gw.gql(UPDATE, { id: c.id, input: { name: 'late' } }, owner.token))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gw.gql(SCHEDULE, { input: { id: c.id, at } }, owner.token))).toBe('BAD_USER_INPUT');
    expect(ok(await gw.gql(READ, { id: c.id }, owner.token)).campaign).toMatchObject({ name: 'Spring sale', status: 'SENT' });
  });

  it('two concurrent sends: exactly one succeeds and each contact gets one email', async () => {
    const listId = await createList(gw, owner);
    await importRows(listId, rows(50, 'race'));
    const c = await create({ subject: 'Race', listId, templateId: await createTemplate(gw, owner), fromEmail: sender });
    const [a, b] = await Promise.all([gw.gql(SEND, { id: c.id }, owner.token), gw.gql(SEND, { id: c.id }, owner.token)]);
    const codes = [errorCode(a), errorCode(b)].sort();
    expect(codes).toEqual(['BAD_USER_INPUT', undefined].sort());
    expect(await EmailLog.countDocuments({ campaignId: c.id })).toBe(50);
  });
});

describe('sendCampaign', () => {
  it('records exactly one EmailLog per contact for 1,200 contacts, personalised, RECORDED without SMTP', async () => {
    const listId = await createList(gw, owner, 'Big list');
    await importRows(listId, rows(1200, 'big'));
    const templateId = await createTemplate(gw, owner, '<p>Hi {{ firstName }} {{lastName}} <{{email}}></p>');
    const c = await create({ subject: 'For everyone', listId, templateId, fromEmail: sender, fromName: 'Acme News' });

    const sent = ok(await gw.gql(SEND, { id: c.id }, owner.token)).sendCampaign;
    expect(sent).toMatchObject({ status: 'SENT', recipientCount: 1200 });

    expect(await EmailLog.countDocuments({ campaignId: c.id })).toBe(1200);
    const logs = await EmailLog.find({ campaignId: c.id }).lean();
    expect(new Set(logs.map((l) => l.to)).size).toBe(1200);
    expect(logs.every((l) => l.status === 'RECORDED' && l.domainId === null && l.workspaceId === owner.workspaceId)).toBe(true);
    expect(logs.every((l) => l.from === `"Acme News" <${sender}>` && l.subject === 'For everyone')).toBe(true);
    const one = logs.find((l) => l.to === 'big7@example.com')!;
    expect(one.html).toBe('<p>Hi First7 Last7 <big7@example.com></p>');
    expect(one.createdAt).toBeInstanceOf(Date);
    const audit = await AuditEvent.findOne({ action: 'campaign.sent', 'target.id': c.id }).lean();
    expect(audit).toMatchObject({ accountId: owner.accountId, meta: { recipientCount: 1200 } });

    const EMAILS = `query($id: ID!) { campaign(id: $id) { emailLogs(first: 2) { edges { node { to status html } } pageInfo { hasNextPage } } } }`;
    const page = ok(await gw.gql(EMAILS, { id: c.id }, owner.token)).campaign.emailLogs;
    expect(page.edges).toHaveLength(2);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(page.edges[0].node.status).toBe('RECORDED');
    expect(page.edges[0].node.html).toMatch(/^<p>Hi First/);
  });

  it('escapes contact data in merge tags and sends to an empty list as zero recipients', async () => {
    const listId = await createList(gw, owner);
    await importRows(listId, [{ email: 'x@example.com', firstName: '<script>alert(1)</script>' }]);
    const templateId = await createTemplate(gw, owner, '<p>{{firstName}}</p>');
    const c = await create({ subject: 'Esc', listId, templateId, fromEmail: sender });
    ok(await gw.gql(SEND, { id: c.id }, owner.token));
    const log = await EmailLog.findOne({ campaignId: c.id }).lean();
    expect(log!.html).toBe('<p>&#60;script&#62;alert(1)&#60;/script&#62;</p>');
    expect(log!.from).toBe(sender);

    const empty = await createList(gw, owner, 'Empty');
    const c2 = await create({ subject: 'None', listId: empty, templateId, fromEmail: sender });
    expect(ok(await gw.gql(SEND, { id: c2.id }, owner.token)).sendCampaign).toMatchObject({ status: 'SENT', recipientCount: 0 });
  });

  it('skips contacts suppressed on the sending domain (a bounce, a complaint): no email, no log, counted in the audit', async () => {
    const from = await verifiedSender(gw, owner, owner.workspaceId, 'letters');
    const domainId = ok(
      await gw.gql(
        `query($id: ID!) { workspace(id: $id) { domains(first: 500) { edges { node { id name } } } } }`,
        { id: owner.workspaceId },
        owner.token,
      ),
    ).workspace.domains.edges.find((e: any) => e.node.name === from.split('@')[1]).node.id;
    const listId = await createList(gw, owner, 'Suppressed some');
    await importRows(listId, [{ email: 'kept@example.com' }, { email: 'Bounced@Example.com' }, { email: 'complained@example.com' }]);
    const ADD = `mutation($input: AddSuppressionInput!) { addSuppression(input: $input) { id } }`;
    for (const [type, address] of [
      ['BOUNCE', 'bounced@example.com'],
      ['COMPLAINT', 'complained@example.com'],
    ]) {
      ok(await gw.gql(ADD, { input: { domainId, type, address } }, owner.token));
    }
    const templateId = await createTemplate(gw, owner, '<p>Hello</p>');
    const c = await create({ subject: 'Skip', listId, templateId, fromEmail: from });
    expect(ok(await gw.gql(SEND, { id: c.id }, owner.token)).sendCampaign).toMatchObject({ status: 'SENT', recipientCount: 1 });
    expect((await EmailLog.find({ campaignId: c.id }).lean()).map((l) => l.to)).toEqual(['kept@example.com']);
    const sent = ok(
      await gw.gql(
        `query($id: ID!, $f: AuditFilter) { account(id: $id) { auditLog(filter: $f) { edges { node { meta } } } } }`,
        { id: owner.accountId, f: { action: 'campaign.sent', targetId: c.id } },
        owner.token,
      ),
    ).account.auditLog.edges;
    expect(sent).toHaveLength(1);
    expect(sent[0].node.meta).toMatchObject({ sent: 1, suppressed: 2 });
  });
});

describe('From addresses (no spoofing)', () => {
  const spoofed = (r: GqlResponse) => [errorCode(r), fieldOf(r)];

  it('refuses a From outside the verified domains of the workspace on create and update, changing nothing', async () => {
    const paypal = await gw.gql(
      CREATE_CAMPAIGN,
      { input: { workspaceId: owner.workspaceId, name: 'Phish', fromEmail: 'security@paypal.com' } },
      owner.token,
    );
    expect(spoofed(paypal)).toEqual(['BAD_USER_INPUT', 'fromEmail']);
    expect(await Campaign.countDocuments({ name: 'Phish' })).toBe(0);

    // A domain of the workspace that is not verified, and a verified domain of another workspace.
    const unverified = `news@${(Math.random() + 1).toString(36).slice(2, 8)}.pending.test`;
    ok(
      await gw.gql(
        `mutation($input: CreateDomainInput!) { createDomain(input: $input) { id } }`,
        { input: { workspaceId: owner.workspaceId, name: unverified.split('@')[1] } },
        owner.token,
      ),
    );
    const otherWs = ok(
      await gw.gql(
        `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
        {
          input: { accountId: owner.accountId, name: 'Other' },
        },
        owner.token,
      ),
    ).createWorkspace.id;
    const elsewhere = await verifiedSender(gw, owner, otherWs);

    const c = await create({ name: 'Legit', fromEmail: sender });
    for (const fromEmail of ['security@paypal.com', unverified, elsewhere]) {
      expect(spoofed(await gw.gql(UPDATE, { id: c.id, input: { fromEmail } }, owner.token))).toEqual(['BAD_USER_INPUT', 'fromEmail']);
      expect(
        spoofed(await gw.gql(CREATE_CAMPAIGN, { input: { workspaceId: owner.workspaceId, name: 'x', fromEmail } }, owner.token)),
      ).toEqual(['BAD_USER_INPUT', 'fromEmail']);
    }
    expect(ok(await gw.gql(READ, { id: c.id }, owner.token)).campaign.fromEmail).toBe(sender);
  });

  it('checks again on send: a domain unverified since, or no From at all, stops the send before anything goes out', async () => {
    const own = await verifiedSender(gw, owner, owner.workspaceId, 'promo');
    const listId = await createList(gw, owner);
    await importRows(listId, rows(3, 'unv'));
    const templateId = await createTemplate(gw, owner);
    const c = await create({ subject: 'Promo', listId, templateId, fromEmail: own });
    const noFrom = await create({ subject: 'Anon', listId, templateId });
    expect(spoofed(await gw.gql(SEND, { id: noFrom.id }, owner.token))).toEqual(['BAD_USER_INPUT', 'fromEmail']);

    // The domain's DKIM record disappears and a re-check unverifies it.
    const domainName = own.split('@')[1]!;
    const DOMAINS = `query($id: ID!) { workspace(id: $id) { domains(first: 100) { edges { node { id name dnsRecords { purpose name } } } } } }`;
    const domain = ok(await gw.gql(DOMAINS, { id: owner.workspaceId }, owner.token))
      .workspace.domains.edges.map((e: any) => e.node)
      .find((d: any) => d.name === domainName);
    gw.dns.remove(domain.dnsRecords.find((r: any) => r.purpose === 'DKIM').name);
    const check = ok(await gw.gql(`mutation($id: ID!) { verifyDomain(id: $id) { state } }`, { id: domain.id }, owner.token));
    expect(check.verifyDomain.state).toBe('UNVERIFIED');

    expect(spoofed(await gw.gql(SEND, { id: c.id }, owner.token))).toEqual(['BAD_USER_INPUT', 'fromEmail']);
    const at = new Date(Date.now() + 86_400_000).toISOString();
    expect(spoofed(await gw.gql(SCHEDULE, { input: { id: c.id, at } }, owner.token))).toEqual(['BAD_USER_INPUT', 'fromEmail']);
    expect(ok(await gw.gql(READ, { id: c.id }, owner.token)).campaign.status).toBe('DRAFT');
    expect(await EmailLog.countDocuments({ campaignId: c.id })).toBe(0);
  });
});
