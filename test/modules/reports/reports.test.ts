// Reports from recorded events (Mailtrap MT7/MT9, Mailercloud MC3/MC11): sends come from the email
// logs, delivery events from what a provider posted back; reports:view applies at the domain's or
// campaign's scope, reports:export and emailLogs:export guard the CSV exports.
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { acct, err, memberWith, ok } from '../access/helpers';
import { SEND, installPacks, mail } from '../../e2e/products/helpers';
import { parseCsv } from '../marketing/helpers';
import { apiKey, domainWithSends, postEvents, sentCampaign } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;
let key: string;
let d1: { domainId: string; logs: string[] };
let d2: { domainId: string; logs: string[] };
let camp: { campaignId: string; logs: string[] };

const today = new Date().toISOString().slice(0, 10);
const yesterdayAt = new Date(Date.now() - 86_400_000);
const yesterday = yesterdayAt.toISOString().slice(0, 10);
const COUNTS = 'sent delivered bounced opened clicked complained unsubscribed';
const DOMAIN_REPORT = `query($id: ID!, $from: DateTime, $to: DateTime) { domain(id: $id) { report(from: $from, to: $to) {
  total { ${COUNTS} } days { day ${COUNTS} } } } }`;
const CAMPAIGN_REPORT = `query($id: ID!) { campaign(id: $id) { report { total { ${COUNTS} } } } }`;
const EXPORT = `mutation($input: ExportReportInput!) { exportReport(input: $input) }`;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  roles = await installPacks(gw, owner, ['MAILTRAP', 'MAILERCLOUD']);
  key = await apiKey(gw, owner);
  d1 = await domainWithSends(gw, owner, 'mg.reports.example.com', 3);
  d2 = await domainWithSends(gw, owner, 'mg.other.example.com', 1);
  camp = await sentCampaign(gw, owner, 4);
  const ev = (id: string, type: string, emailLogId: string, timestamp?: string) => ({ id, type, emailLogId, timestamp });
  const r = await postEvents(gw, owner.accountId, key, {
    events: [
      ev('e1', 'DELIVERED', d1.logs[0]!),
      ev('e2', 'delivered', d1.logs[1]!),
      ev('e3', 'BOUNCED', d1.logs[2]!),
      ev('e4', 'OPENED', d1.logs[0]!, yesterdayAt.toISOString()),
      ev('e5', 'OPENED', d1.logs[1]!),
      ev('e6', 'CLICKED', d1.logs[0]!),
      ev('e7', 'COMPLAINED', d1.logs[1]!),
      ev('e8', 'UNSUBSCRIBED', d1.logs[1]!),
      ev('e9', 'DELIVERED', d2.logs[0]!),
      ...camp.logs.map((l, i) => ev(`c${i}`, 'DELIVERED', l)),
      ev('c-open', 'OPENED', camp.logs[0]!),
    ],
  });
  expect(r.status).toBe(200);
  expect(r.body).toEqual({ accepted: 9 + camp.logs.length + 1, duplicates: 0, rejected: [] });
});
afterAll(() => gw.stop());

describe('delivery event ingestion', () => {
  it('is idempotent by event id: re-posting changes no number', async () => {
    const again = await postEvents(gw, owner.accountId, key, {
      events: [
        { id: 'e1', type: 'DELIVERED', emailLogId: d1.logs[0] },
        { id: 'e1', type: 'DELIVERED', emailLogId: d1.logs[0] },
      ],
    });
    expect(again.body).toEqual({ accepted: 0, duplicates: 2, rejected: [] });
    const total = ok(await gw.gql(DOMAIN_REPORT, { id: d1.domainId }, owner.token)).domain.report.total;
    expect(total.delivered).toBe(2);
    // Two providers' retries racing: the unique key lets exactly one of them record the event.
    const race = { events: [{ id: 'race-1', type: 'CLICKED', emailLogId: d2.logs[0] }] };
    const both = await Promise.all([postEvents(gw, owner.accountId, key, race), postEvents(gw, owner.accountId, key, race)]);
    expect(both.map((r) => r.body.accepted).sort()).toEqual([0, 1]);
    expect(ok(await gw.gql(DOMAIN_REPORT, { id: d2.domainId }, owner.token)).domain.report.total.clicked).toBe(1);
  });

  it('needs an API key of the account, and names each refused event', async () => {
    expect((await postEvents(gw, owner.accountId, 'not-a-key', { events: [] })).status).toBe(401);
    const other = await gw.signUp();
    const otherKey = await apiKey(gw, other);
    // Another account's key does not open this account; its own account does not know these logs.
    expect((await postEvents(gw, owner.accountId, otherKey, { events: [] })).status).toBe(401);
    const foreign = await postEvents(gw, other.accountId, otherKey, { events: [{ id: 'x1', type: 'OPENED', emailLogId: d1.logs[0] }] });
    expect(foreign.body).toEqual({
      accepted: 0,
      duplicates: 0,
      rejected: [{ index: 0, field: 'emailLogId', message: expect.stringContaining('No email log') }],
    });
    const bad = await postEvents(gw, owner.accountId, key, {
      events: [
        { id: 'b1', type: 'EXPLODED', emailLogId: d1.logs[0] },
        { type: 'OPENED', emailLogId: d1.logs[0] },
        { id: 'b3', type: 'OPENED', emailLogId: d1.logs[0], timestamp: 'soon' },
      ],
    });
    expect(bad.body.rejected.map((r: any) => [r.index, r.field])).toEqual([
      [0, 'type'],
      [1, 'id'],
      [2, 'timestamp'],
    ]);
    const noList = await postEvents(gw, owner.accountId, key, { nope: true });
    expect(noList.status).toBe(400);
    expect(noList.body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'events' });
    expect(gw.logs.join('')).not.toContain(key);
  });
});

describe('reports', () => {
  it('MT7: a domain viewer sees the domain statistics by day and in total, derived from the recorded events, without content', async () => {
    const v = await memberWith(gw, owner, roles['mailtrap-domain-viewer']!, { type: 'DOMAIN', id: d1.domainId }, 'dviewer');
    const r = ok(await gw.gql(DOMAIN_REPORT, { id: d1.domainId }, v.token)).domain.report;
    expect(r.total).toEqual({ sent: 3, delivered: 2, bounced: 1, opened: 2, clicked: 1, complained: 1, unsubscribed: 1 });
    expect(r.days).toEqual([
      { day: yesterday, sent: 0, delivered: 0, bounced: 0, opened: 1, clicked: 0, complained: 0, unsubscribed: 0 },
      { day: today, sent: 3, delivered: 2, bounced: 1, opened: 1, clicked: 1, complained: 1, unsubscribed: 1 },
    ]);
    // A range that ends before today counts only yesterday's open.
    const past = ok(
      await gw.gql(
        DOMAIN_REPORT,
        { id: d1.domainId, from: new Date(Date.now() - 3 * 86_400_000).toISOString(), to: new Date(`${today}T00:00:00Z`).toISOString() },
        v.token,
      ),
    ).domain.report;
    expect(past.total).toMatchObject({ sent: 0, opened: 1, delivered: 0 });
    // Another domain's report is not theirs.
    expect(err(await gw.gql(DOMAIN_REPORT, { id: d2.domainId }, v.token))).toMatchObject({ code: 'FORBIDDEN', permission: 'domains:view' });
    // The logs they read carry no bodies.
    const logs = await gw.gql(
      `query($id: ID!) { domain(id: $id) { emailLogs { edges { node { to text html } } } } }`,
      { id: d1.domainId },
      v.token,
    );
    expect(ok(logs).domain.emailLogs.edges).toHaveLength(3);
    expect(logs.text).not.toContain('Secret body');
  });

  it('MT9: an Email Campaign Viewer sees the campaign report but no domain statistics; the admin sees both', async () => {
    const cv = await memberWith(gw, owner, roles['mailtrap-email-campaign-viewer']!, { type: 'CAMPAIGN', id: camp.campaignId }, 'cviewer');
    const total = ok(await gw.gql(CAMPAIGN_REPORT, { id: camp.campaignId }, cv.token)).campaign.report.total;
    expect(total).toEqual({ sent: 4, delivered: 4, bounced: 0, opened: 1, clicked: 0, complained: 0, unsubscribed: 0 });
    expect(err(await gw.gql(DOMAIN_REPORT, { id: d1.domainId }, cv.token)).code).toBe('FORBIDDEN');
    const ca = await memberWith(gw, owner, roles['mailtrap-email-campaign-admin']!, { type: 'WORKSPACE', id: owner.workspaceId }, 'cadmin');
    expect(ok(await gw.gql(CAMPAIGN_REPORT, { id: camp.campaignId }, ca.token)).campaign.report.total.sent).toBe(4);
  });

  it('a role without reports:view opens the domain but not its report', async () => {
    const dv = await memberWith(gw, owner, roles['mailercloud-viewer']!, acct(owner), 'noreports');
    const r = await gw.gql(`query($id: ID!) { campaign(id: $id) { name report { total { sent } } } }`, { id: camp.campaignId }, dv.token);
    expect(r.body.data!.campaign).toEqual({ name: 'Spring', report: null });
    expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'reports:view' });
  });

  it('refuses a reversed or over-long range with the field named', async () => {
    const rev = await gw.gql(DOMAIN_REPORT, { id: d1.domainId, from: '2026-01-10T00:00:00Z', to: '2026-01-01T00:00:00Z' }, owner.token);
    expect(err(rev)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
    const long = await gw.gql(DOMAIN_REPORT, { id: d1.domainId, from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, owner.token);
    expect(err(long)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
  });
});

describe('exports', () => {
  it('MC11: a Mailercloud Analyst exports a report as CSV; MC3: a Viewer is refused reports:export', async () => {
    const an = await memberWith(gw, owner, roles['mailercloud-analyst']!, acct(owner), 'analyst');
    const csv = ok(await gw.gql(EXPORT, { input: { scope: { type: 'DOMAIN', id: d1.domainId } } }, an.token)).exportReport;
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual(['day', 'sent', 'delivered', 'bounced', 'opened', 'clicked', 'complained', 'unsubscribed']);
    expect(rows.at(-1)).toEqual(['total', '3', '2', '1', '2', '1', '1', '1']);
    const vi = await memberWith(gw, owner, roles['mailercloud-viewer']!, acct(owner), 'viewer');
    expect(err(await gw.gql(EXPORT, { input: { scope: { type: 'CAMPAIGN', id: camp.campaignId } } }, vi.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'reports:export',
    });
    expect(err(await gw.gql(EXPORT, { input: { scope: { type: 'WORKSPACE', id: owner.workspaceId } } }, owner.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'scope',
    });
  });

  it("streams a domain's email logs as CSV: bodies only for emailContent:view, refused without emailLogs:export", async () => {
    const get = (token: string, q: string) => fetch(`${gw.url}/email-logs/export?${q}`, { headers: { authorization: `Bearer ${token}` } });
    const full = await get(owner.token, `domainId=${d1.domainId}`);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toContain('text/csv');
    const fullRows = parseCsv(await full.text());
    expect(fullRows[0]).toEqual(['id', 'sentAt', 'from', 'to', 'subject', 'status', 'messageId', 'error', 'text', 'html']);
    expect(fullRows).toHaveLength(4);
    expect(
      fullRows
        .slice(1)
        .map((r) => r[8])
        .sort(),
    ).toEqual(['Secret body 0', 'Secret body 1', 'Secret body 2']);

    const exporterRole = ok(
      await gw.gql(
        `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`,
        {
          input: { accountId: owner.accountId, name: 'Log exporter', permissions: ['domains:view', 'emailLogs:view', 'emailLogs:export'] },
        },
        owner.token,
      ),
    ).createRole.id;
    const an = await memberWith(gw, owner, exporterRole, acct(owner), 'exporter');
    const plain = await get(an.token, `domainId=${d1.domainId}`);
    const text = await plain.text();
    expect(parseCsv(text)[0]).toEqual(['id', 'sentAt', 'from', 'to', 'subject', 'status', 'messageId', 'error']);
    expect(text).not.toContain('Secret body');

    const vi = await memberWith(gw, owner, roles['mailtrap-domain-viewer']!, { type: 'DOMAIN', id: d1.domainId }, 'dv2');
    const denied = await get(vi.token, `campaignId=${camp.campaignId}`);
    expect(denied.status).toBe(403);
    const denied2 = await get(vi.token, `domainId=${d1.domainId}`);
    expect(denied2.status).toBe(403);
    expect(((await denied2.json()) as any).errors[0].extensions.permission).toBe('emailLogs:export');
    const stranger = await gw.signUp();
    expect((await get(stranger.token, `domainId=${d1.domainId}`)).status).toBe(404);
    expect((await get(owner.token, `domainId=${d1.domainId}&campaignId=${camp.campaignId}`)).status).toBe(400);
    const campRows = parseCsv(await (await get(owner.token, `campaignId=${camp.campaignId}`)).text());
    expect(campRows).toHaveLength(5);
  });
});

// After the reports above (their numbers come from the setup's events): what events do to the email logs.
describe('delivery events on the email logs', () => {
  const LOG_STATUS = `query($id: ID!) { domain(id: $id) { emailLogs(first: 50) { edges { node { id status } } } } }`;
  const SUPPRESSIONS = `query($id: ID!) { domain(id: $id) { suppressions { edges { node { type address reason } } } } }`;
  async function statuses(domainId: string, token = owner.token): Promise<Record<string, string>> {
    const edges = ok(await gw.gql(LOG_STATUS, { id: domainId }, token)).domain.emailLogs.edges;
    return Object.fromEntries(edges.map((e: any) => [e.node.id, e.node.status]));
  }

  it('MT7: the domain viewer reads each email log at the furthest status its events reached; late events never move it back', async () => {
    const v = await memberWith(gw, owner, roles['mailtrap-domain-viewer']!, { type: 'DOMAIN', id: d1.domainId }, 'dviewer3');
    // The setup posted DELIVERED, OPENED, CLICKED for the first; DELIVERED, OPENED, COMPLAINED, UNSUBSCRIBED
    // for the second; BOUNCED for the third.
    expect(await statuses(d1.domainId, v.token)).toEqual({
      [d1.logs[0]!]: 'CLICKED',
      [d1.logs[1]!]: 'COMPLAINED',
      [d1.logs[2]!]: 'BOUNCED',
    });
    // A fresh email, RECORDED (no SMTP relay here), moves forward with its events, one post at a time.
    const fresh = ok(await gw.gql(SEND, { input: mail(d2.domainId, 'mg.other.example.com') }, owner.token)).sendEmail;
    expect(fresh.status).toBe('RECORDED');
    await postEvents(gw, owner.accountId, key, { events: [{ id: 'fresh-1', type: 'DELIVERED', emailLogId: fresh.id }] });
    expect((await statuses(d2.domainId))[fresh.id]).toBe('DELIVERED');
    await postEvents(gw, owner.accountId, key, { events: [{ id: 'fresh-2', type: 'OPENED', emailLogId: fresh.id }] });
    expect((await statuses(d2.domainId))[fresh.id]).toBe('OPENED');
    const late = await postEvents(gw, owner.accountId, key, {
      events: [
        { id: 'late-1', type: 'DELIVERED', emailLogId: d1.logs[2] },
        { id: 'late-2', type: 'OPENED', emailLogId: d1.logs[0] },
        { id: 'late-3', type: 'DELIVERED', emailLogId: d1.logs[1] },
        { id: 'late-4', type: 'DELIVERED', emailLogId: fresh.id },
      ],
    });
    expect(late.body).toMatchObject({ accepted: 4, rejected: [] });
    expect(await statuses(d1.domainId, v.token)).toEqual({
      [d1.logs[0]!]: 'CLICKED',
      [d1.logs[1]!]: 'COMPLAINED',
      [d1.logs[2]!]: 'BOUNCED',
    });
    expect((await statuses(d2.domainId))[fresh.id]).toBe('OPENED');
  });

  it('MT7: a bounce or a complaint suppresses the recipient on the domain, once; the next send to them is refused', async () => {
    const listed = ok(await gw.gql(SUPPRESSIONS, { id: d1.domainId }, owner.token)).domain.suppressions.edges.map((e: any) => e.node);
    expect(listed.map((s: any) => `${s.type} ${s.address}`).sort()).toEqual(['BOUNCE reader@example.org', 'COMPLAINT reader@example.org']);
    expect(listed.find((s: any) => s.type === 'BOUNCE').reason).toBe('Bounced (event e3)');
    // Re-posting the bounce adds nothing; the other domain (only delivered) suppresses no one.
    await postEvents(gw, owner.accountId, key, { events: [{ id: 'e3', type: 'BOUNCED', emailLogId: d1.logs[2] }] });
    expect(ok(await gw.gql(SUPPRESSIONS, { id: d1.domainId }, owner.token)).domain.suppressions.edges).toHaveLength(2);
    expect(ok(await gw.gql(SUPPRESSIONS, { id: d2.domainId }, owner.token)).domain.suppressions.edges).toHaveLength(0);
    const refused = await gw.gql(SEND, { input: mail(d1.domainId, 'mg.reports.example.com') }, owner.token);
    expect(err(refused)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    expect(refused.body.errors![0]!.message).toContain('suppression list of mg.reports.example.com');
    expect(ok(await gw.gql(SEND, { input: mail(d2.domainId, 'mg.other.example.com') }, owner.token)).sendEmail.to).toBe(
      'reader@example.org',
    );
  });

  it("a campaign email's bounce suppresses its recipient on the domain of the campaign's From address", async () => {
    const c = ok(
      await gw.gql(
        `query($id: ID!) { campaign(id: $id) { fromEmail emailLogs(first: 1) { edges { node { id to } } } } }`,
        { id: camp.campaignId },
        owner.token,
      ),
    ).campaign;
    const log = c.emailLogs.edges[0].node;
    await postEvents(gw, owner.accountId, key, { events: [{ id: 'camp-bounce', type: 'BOUNCED', emailLogId: log.id }] });
    const domains = ok(
      await gw.gql(
        `query($id: ID!) { workspace(id: $id) { domains(first: 100) { edges { node { id name } } } } }`,
        { id: owner.workspaceId },
        owner.token,
      ),
    ).workspace.domains.edges.map((e: any) => e.node);
    const domain = domains.find((d: any) => d.name === c.fromEmail.split('@')[1]);
    const listed = ok(await gw.gql(SUPPRESSIONS, { id: domain.id }, owner.token)).domain.suppressions.edges.map((e: any) => e.node);
    expect(listed).toEqual([{ type: 'BOUNCE', address: log.to, reason: 'Bounced (event camp-bounce)' }]);
    const status = ok(
      await gw.gql(
        `query($id: ID!) { campaign(id: $id) { emailLogs(first: 1) { edges { node { status } } } } }`,
        { id: camp.campaignId },
        owner.token,
      ),
    );
    expect(status.campaign.emailLogs.edges[0].node.status).toBe('BOUNCED');
  });
});
