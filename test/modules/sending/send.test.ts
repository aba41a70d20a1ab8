// sendEmail without an SMTP relay configured: every accepted mail is logged as RECORDED.
import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { auditEvents, badInput, createDomain, memberWithRole, ok, rawCount, uniqueDomain, verify } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let domainName: string;
let domainId: string;

const SEND = `mutation($input: SendEmailInput!) { sendEmail(input: $input) { id from to subject status messageId error html text createdAt } }`;
const LOGS = `query($id: ID!, $first: Int, $after: String) { domain(id: $id) {
  emailLogs(first: $first, after: $after) { edges { node { id to subject status html text } } pageInfo { hasNextPage endCursor } } } }`;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  domainName = uniqueDomain('send');
  domainId = await createDomain(gw, owner, domainName);
});
afterAll(() => gw.stop());

const mail = (over: Record<string, unknown> = {}) => ({
  domainId,
  from: `Acme Alerts <alerts@${domainName}>`,
  to: 'reader@example.org',
  subject: 'Your report',
  text: 'Plain body',
  html: '<p>HTML body</p>',
  ...over,
});

describe('sendEmail', () => {
  it('while UNVERIFIED sends only to authorized recipients; every send writes one RECORDED log', async () => {
    const refused = await gw.gql(SEND, { input: mail() }, owner.token);
    expect(badInput(refused)).toEqual({ code: 'BAD_USER_INPUT', field: 'to' });
    expect(refused.body.errors![0]!.message).toContain('not verified');
    expect(await rawCount('EmailLog', { domainId })).toBe(0);

    ok(
      await gw.gql(
        `mutation($input: AddAuthorizedRecipientInput!) { addAuthorizedRecipient(input: $input) { id } }`,
        {
          input: { domainId, email: 'reader@example.org' },
        },
        owner.token,
      ),
    );
    const sent = ok(await gw.gql(SEND, { input: mail({ to: 'Reader@Example.org' }) }, owner.token)).sendEmail;
    expect(sent).toMatchObject({
      from: `"Acme Alerts" <alerts@${domainName}>`,
      to: 'reader@example.org',
      subject: 'Your report',
      status: 'RECORDED',
      messageId: null,
      error: null,
      text: 'Plain body',
      html: '<p>HTML body</p>',
    });
    expect(await rawCount('EmailLog', { domainId })).toBe(1);
    // The owner's read of the bodies is a reveal: one event for the request, without the content.
    const reveals = (await auditEvents(owner.accountId, 'secret.revealed')).filter((e) => e.target.id === sent.id);
    expect(reveals).toHaveLength(1);
    const revealed = reveals[0]!.meta!.revealed as { field: string; path: string }[];
    expect(revealed.map((r) => `${r.field}@${r.path}`).sort()).toEqual(['html@sendEmail.html', 'text@sendEmail.text']);
    expect(JSON.stringify(reveals)).not.toContain('Plain body');
  });

  it('sends to anyone once VERIFIED, appends the unsubscribe footer, and pages through the logs', async () => {
    await verify(gw, owner, domainId);
    ok(
      await gw.gql(
        `mutation($id: ID!) { updateDomain(id: $id, input: { unsubscribeFooter: "Unsubscribe: <reply STOP>" }) { id } }`,
        { id: domainId },
        owner.token,
      ),
    );
    const sent = ok(await gw.gql(SEND, { input: mail({ to: 'stranger@example.net', html: null }) }, owner.token)).sendEmail;
    expect(sent).toMatchObject({
      status: 'RECORDED',
      to: 'stranger@example.net',
      html: null,
      text: 'Plain body\n\nUnsubscribe: <reply STOP>',
    });
    const withHtml = ok(await gw.gql(SEND, { input: mail({ to: 'third@example.net', text: null }) }, owner.token)).sendEmail;
    expect(withHtml.html).toBe('<p>HTML body</p>\n<p>Unsubscribe: &lt;reply STOP&gt;</p>');

    const p1 = ok(await gw.gql(LOGS, { id: domainId, first: 2 }, owner.token)).domain.emailLogs;
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = ok(await gw.gql(LOGS, { id: domainId, first: 2, after: p1.pageInfo.endCursor }, owner.token)).domain.emailLogs;
    expect([...p1.edges, ...p2.edges].map((e: any) => e.node.to)).toEqual([
      'reader@example.org',
      'stranger@example.net',
      'third@example.net',
    ]);
  });

  it('refuses suppressed recipients, a from not at the domain and malformed input, logging nothing', async () => {
    ok(
      await gw.gql(
        `mutation($input: AddSuppressionInput!) { addSuppression(input: $input) { id } }`,
        {
          input: { domainId, type: 'UNSUBSCRIBE', address: 'quit@example.org' },
        },
        owner.token,
      ),
    );
    const before = await rawCount('EmailLog', { domainId });
    const cases: [string, Record<string, unknown>][] = [
      ['to', { to: 'QUIT@example.org' }],
      ['to', { to: 'not an address' }],
      ['from', { from: 'alerts@elsewhere.example.com' }],
      ['from', { from: `alerts@sub.${domainName}` }],
      ['from', { from: `Bad "Name" <alerts@${domainName}>` }],
      ['from', { from: 'nobody' }],
      ['subject', { subject: '   ' }],
      ['subject', { subject: 'Hi\r\nBcc: victim@example.org' }],
      ['subject', { subject: 's'.repeat(999) }],
      ['text', { text: null, html: null }],
      ['text', { text: '', html: '' }],
      ['html', { html: 'x'.repeat(1_000_001) }],
    ];
    for (const [field, over] of cases) {
      const r = await gw.gql(SEND, { input: mail(over) }, owner.token);
      expect({ over, ...badInput(r) }).toEqual({ over, code: 'BAD_USER_INPUT', field });
    }
    const suppressed = await gw.gql(SEND, { input: mail({ to: 'quit@example.org' }) }, owner.token);
    expect(suppressed.body.errors![0]!.message).toContain('UNSUBSCRIBE');
    expect(await rawCount('EmailLog', { domainId })).toBe(before);
  });

  it('hides bodies from those without emailContent:view, refuses senders without emails:send, and hides other accounts', async () => {
    const manager = await memberWithRole(gw, owner, 'manager'); // emailLogs:view and emails:send, no emailContent:view
    const sent = ok(
      await gw.gql(SEND, { input: mail({ to: 'm@example.org', text: 'Manager secret body', html: null }) }, manager.token),
    ).sendEmail;
    expect(sent).toMatchObject({ status: 'RECORDED', text: null, html: null });
    const logs = await gw.gql(LOGS, { id: domainId }, manager.token);
    const nodes = ok(logs).domain.emailLogs.edges.map((e: any) => e.node);
    expect(nodes.length).toBeGreaterThan(1);
    expect(nodes.every((n: any) => n.html === null && n.text === null)).toBe(true);
    expect(logs.text).not.toContain('Manager secret body');
    expect(logs.text).not.toContain('Plain body');

    const viewer = await memberWithRole(gw, owner, 'viewer');
    const denied = await gw.gql(SEND, { input: mail() }, viewer.token);
    expect(errorCode(denied)).toBe('FORBIDDEN');
    expect(denied.body.errors![0]!.extensions!.permission).toBe('emails:send');

    const stranger = await gw.signUp();
    expect(errorCode(await gw.gql(SEND, { input: mail() }, stranger.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(LOGS, { id: domainId }, stranger.token))).toBe('NOT_FOUND');

    expect(gw.logs.join('')).not.toContain('Manager secret body');
    expect(gw.logs.join('')).not.toContain('Plain body');
  });
});
