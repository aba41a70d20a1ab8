import mongoose from 'mongoose';
import { errorCode, startTestGateway, type GqlResponse, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { addMember } from '../testing/member';
import { AuditEvent } from '../../../src/audit/model';
import { EmailLog } from '../../../src/modules/sending/email-log.model';
import { luhnValid, validateCard } from '../../../src/modules/billing/card';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const BILLING_FIELDS = `id plan card { brand last4 expMonth expYear } sendLimit verificationLimit planSendLimit planVerificationLimit`;
const UPDATE = `mutation($input: UpdateBillingInput!) { updateBilling(input: $input) { ${BILLING_FIELDS} } }`;
const LIMIT = `mutation($input: SetSendLimitInput!) { setSendLimit(input: $input) { ${BILLING_FIELDS} } }`;
const READ = `query($id: ID!) { account(id: $id) { id billing { ${BILLING_FIELDS} } } }`;

const NEXT_YEAR = new Date().getUTCFullYear() + 1;
const VISA = '4242424242424242';
const VISA_SPACED = '4242 4242 4242 4242';
const AMEX = '378282246310005';
const AMEX_CVC = '7391';
const VISA_CVC = '864';

function fieldOf(r: GqlResponse): string | undefined {
  return r.body.errors?.[0]?.extensions?.field;
}

/** Every string value anywhere in a document. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object' && !(value instanceof Date)) Object.values(value).forEach((v) => strings(v, out));
  return out;
}

describe('card validation (unit)', () => {
  it('knows Luhn and brands by prefix', () => {
    expect(luhnValid(VISA)).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    const card = (number: string, cvc = '123') => validateCard({ number, cvc, expMonth: 12, expYear: NEXT_YEAR });
    expect(card(VISA).brand).toBe('VISA');
    expect(card('5555555555554444').brand).toBe('MASTERCARD');
    expect(card('2223003122003222').brand).toBe('MASTERCARD');
    expect(card(AMEX, '1234').brand).toBe('AMEX');
    expect(card('6011111111111117').brand).toBe('DISCOVER');
    expect(card('3566002020360505').brand).toBe('JCB');
    expect(card('30569309025904').brand).toBe('DINERS');
    expect(card('6200000000000005').brand).toBe('UNIONPAY');
    expect(card(VISA_SPACED)).toEqual({ brand: 'VISA', last4: '4242', expMonth: 12, expYear: NEXT_YEAR });
  });
});

describe('billing', () => {
  it('starts on FREE (created on first read) with the plan limits', async () => {
    const r = await gw.gql(READ, { id: owner.accountId }, owner.token);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.account.billing).toMatchObject({ plan: 'FREE', card: null, sendLimit: 1000, verificationLimit: 100 });
    const again = await gw.gql(READ, { id: owner.accountId }, owner.token);
    expect(again.body.data!.account.billing.id).toBe(r.body.data!.account.billing.id);
  });

  it.each([
    ['non-digits', { number: '4242-abcd-4242-4242' }, 'card.number'],
    ['too short', { number: '42424242' }, 'card.number'],
    ['bad check digit', { number: '4242424242424241' }, 'card.number'],
    ['unknown brand', { number: '1234567812345670' }, 'card.number'],
    ['wrong length for brand', { number: '42424242424242428' }, 'card.number'],
    ['month 13', { expMonth: 13 }, 'card.expMonth'],
    ['month 0', { expMonth: 0 }, 'card.expMonth'],
    ['expired', { expMonth: 1, expYear: new Date().getUTCFullYear() - 1 }, 'card.expYear'],
    ['two-digit year', { expYear: 30 }, 'card.expYear'],
    ['year too far', { expYear: NEXT_YEAR + 40 }, 'card.expYear'],
    ['cvc letters', { cvc: '12a' }, 'card.cvc'],
    ['cvc too long', { cvc: '12345' }, 'card.cvc'],
    ['4-digit cvc on a Visa', { cvc: '1234' }, 'card.cvc'],
  ])('refuses a card with %s, naming the field, changing nothing', async (_why, patch, field) => {
    const card = { number: VISA, expMonth: 12, expYear: NEXT_YEAR, cvc: VISA_CVC, ...patch };
    const r = await gw.gql(UPDATE, { input: { accountId: owner.accountId, plan: 'STARTER', card } }, owner.token);
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(fieldOf(r)).toBe(field);
    expect(r.text).not.toContain(card.number.replace(/\D/g, ''));
    const now = await gw.gql(READ, { id: owner.accountId }, owner.token);
    expect(now.body.data!.account.billing.plan).toBe('FREE');
  });

  it('refuses a paid plan without a card, and an empty update', async () => {
    const noCard = await gw.gql(UPDATE, { input: { accountId: owner.accountId, plan: 'GROWTH' } }, owner.token);
    expect(errorCode(noCard)).toBe('BAD_USER_INPUT');
    expect(fieldOf(noCard)).toBe('card');
    const empty = await gw.gql(UPDATE, { input: { accountId: owner.accountId } }, owner.token);
    expect(errorCode(empty)).toBe('BAD_USER_INPUT');
  });

  it('keeps only brand, last4 and expiry: number and cvc are nowhere (documents, audit, responses, logs)', async () => {
    const acct = await gw.signUp();
    const responses: string[] = [];
    const r1 = await gw.gql(
      UPDATE,
      {
        input: {
          accountId: acct.accountId,
          plan: 'STARTER',
          card: { number: VISA_SPACED, expMonth: 11, expYear: NEXT_YEAR, cvc: VISA_CVC },
        },
      },
      acct.token,
    );
    responses.push(r1.text);
    expect(r1.body.errors).toBeUndefined();
    expect(r1.body.data!.updateBilling).toMatchObject({
      plan: 'STARTER',
      card: { brand: 'VISA', last4: '4242', expMonth: 11, expYear: NEXT_YEAR },
      sendLimit: 50_000,
      verificationLimit: 1000,
    });
    const r2 = await gw.gql(
      UPDATE,
      { input: { accountId: acct.accountId, card: { number: AMEX, expMonth: 3, expYear: NEXT_YEAR + 2, cvc: AMEX_CVC } } },
      acct.token,
    );
    responses.push(r2.text);
    expect(r2.body.data!.updateBilling.card).toEqual({ brand: 'AMEX', last4: '0005', expMonth: 3, expYear: NEXT_YEAR + 2 });
    // A rejected attempt carries the secrets too.
    const r3 = await gw.gql(
      UPDATE,
      { input: { accountId: acct.accountId, card: { number: AMEX, expMonth: 3, expYear: NEXT_YEAR, cvc: VISA_CVC } } },
      acct.token,
    );
    expect(fieldOf(r3)).toBe('card.cvc');
    responses.push(r3.text);
    responses.push((await gw.gql(READ, { id: acct.accountId }, acct.token)).text);

    const billingDocs = await mongoose.connection.db!.collection('billings').find({ accountId: acct.accountId }).toArray();
    expect(billingDocs).toHaveLength(1);
    expect(billingDocs[0]!.card).toEqual({ brand: 'AMEX', last4: '0005', expMonth: 3, expYear: NEXT_YEAR + 2 });
    const events = await AuditEvent.find({ accountId: acct.accountId }).lean();
    const billingEvents = events.filter((e) => e.action.startsWith('billing.'));
    expect(billingEvents.map((e) => e.action)).toEqual(['billing.updated', 'billing.updated']);
    expect(billingEvents[1]!.after).toMatchObject({ card: { brand: 'AMEX', last4: '0005' } });

    const everywhere = [...responses, ...gw.logs, JSON.stringify(billingDocs), JSON.stringify(events)].join('\n');
    for (const secret of [VISA, VISA_SPACED, AMEX, '3782 822463 10005']) expect(everywhere).not.toContain(secret);
    // The cvc: no stored string equals it, and no log line or response mentions a cvc at all.
    const storedStrings = strings([billingDocs, events]);
    expect(storedStrings).not.toContain(AMEX_CVC);
    expect(storedStrings).not.toContain(VISA_CVC);
    expect(JSON.stringify(billingDocs)).not.toMatch(/cvc|number/i);
    for (const text of [...responses, ...gw.logs]) {
      expect(text).not.toContain(`"${AMEX_CVC}"`);
      expect(text).not.toContain(`"${VISA_CVC}"`);
    }
  });

  it('sets limits within the plan maximum and keeps a custom limit across plan changes', async () => {
    const acct = await gw.signUp();
    const over = await gw.gql(LIMIT, { input: { accountId: acct.accountId, limit: 1001 } }, acct.token);
    expect(errorCode(over)).toBe('BAD_USER_INPUT');
    expect(fieldOf(over)).toBe('limit');
    const neg = await gw.gql(LIMIT, { input: { accountId: acct.accountId, limit: 10, verificationLimit: -1 } }, acct.token);
    expect(fieldOf(neg)).toBe('verificationLimit');

    const ok = await gw.gql(LIMIT, { input: { accountId: acct.accountId, limit: 500, verificationLimit: 20 } }, acct.token);
    expect(ok.body.data!.setSendLimit).toMatchObject({ sendLimit: 500, verificationLimit: 20, planSendLimit: 1000 });
    const up = await gw.gql(
      UPDATE,
      { input: { accountId: acct.accountId, plan: 'SCALE', card: { number: VISA, expMonth: 12, expYear: NEXT_YEAR, cvc: VISA_CVC } } },
      acct.token,
    );
    expect(up.body.data!.updateBilling).toMatchObject({ plan: 'SCALE', sendLimit: 500, verificationLimit: 20, planSendLimit: 1_000_000 });

    const full = await gw.gql(LIMIT, { input: { accountId: acct.accountId, limit: 1_000_000 } }, acct.token);
    expect(full.body.data!.setSendLimit.sendLimit).toBe(1_000_000);
    const down = await gw.gql(UPDATE, { input: { accountId: acct.accountId, plan: 'STARTER' } }, acct.token);
    expect(down.body.data!.updateBilling).toMatchObject({ plan: 'STARTER', sendLimit: 50_000, verificationLimit: 20 });

    const keepCard = await gw.gql(
      `mutation($id: ID!) { removeCard(accountId: $id) { card { last4 } } }`,
      { id: acct.accountId },
      acct.token,
    );
    expect(errorCode(keepCard)).toBe('BAD_USER_INPUT');
    await gw.gql(UPDATE, { input: { accountId: acct.accountId, plan: 'FREE' } }, acct.token);
    const removed = await gw.gql(
      `mutation($id: ID!) { removeCard(accountId: $id) { plan card { last4 } } }`,
      { id: acct.accountId },
      acct.token,
    );
    expect(removed.body.data!.removeCard).toEqual({ plan: 'FREE', card: null });

    const actions = (
      await AuditEvent.find({ accountId: acct.accountId, action: /^billing\./ })
        .sort({ seq: 1 })
        .lean()
    ).map((e) => e.action);
    expect(actions).toEqual([
      'billing.limitsChanged',
      'billing.updated',
      'billing.limitsChanged',
      'billing.updated',
      'billing.updated',
      'billing.cardRemoved',
    ]);
  });

  it('counts the emails sent this month', async () => {
    const acct = await gw.signUp();
    const log = (createdAt: Date) => ({
      accountId: acct.accountId,
      workspaceId: acct.workspaceId,
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 's',
      status: 'DELIVERED',
      createdBy: acct.userId,
      createdAt,
    });
    const now = new Date();
    const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) - 3_600_000);
    await EmailLog.insertMany([log(now), log(now), log(now), log(lastMonth)]);
    const r = await gw.gql(`query($id: ID!) { account(id: $id) { billing { sentThisMonth } } }`, { id: acct.accountId }, acct.token);
    expect(r.body.data!.account.billing.sentThisMonth).toBe(3);
  });

  it('guards billing by permission, and hides other accounts', async () => {
    const viewer = await addMember(gw, owner.accountId, ['account:view', 'billing:view']);
    const read = await gw.gql(READ, { id: owner.accountId }, viewer.token);
    expect(read.body.data!.account.billing.plan).toBeDefined();
    const edit = await gw.gql(UPDATE, { input: { accountId: owner.accountId, plan: 'FREE' } }, viewer.token);
    expect(errorCode(edit)).toBe('FORBIDDEN');
    expect(edit.body.errors![0]!.extensions!.permission).toBe('billing:edit');
    const limit = await gw.gql(LIMIT, { input: { accountId: owner.accountId, limit: 1 } }, viewer.token);
    expect(limit.body.errors![0]!.extensions!.permission).toBe('billing:limits');

    const noBilling = await addMember(gw, owner.accountId, ['account:view']);
    const hidden = await gw.gql(READ, { id: owner.accountId }, noBilling.token);
    expect(hidden.body.data!.account).toEqual({ id: owner.accountId, billing: null });
    expect(errorCode(hidden)).toBe('FORBIDDEN');

    const stranger = await gw.signUp();
    const other = await gw.gql(UPDATE, { input: { accountId: owner.accountId, plan: 'FREE' } }, stranger.token);
    expect(errorCode(other)).toBe('NOT_FOUND');
  });
});

describe('support tickets', () => {
  const OPEN = `mutation($input: OpenSupportTicketInput!) { openSupportTicket(input: $input) { id subject body status openedBy { id } } }`;
  const COMMENT = `mutation($id: ID!, $body: NonEmptyString!) { commentOnSupportTicket(id: $id, input: { body: $body }) { id body author { id } } }`;
  const LIST = `query($id: ID!, $after: String) { account(id: $id) { supportTickets(first: 2, after: $after) {
    edges { node { subject status comments { edges { node { body author { id } } } } } } pageInfo { hasNextPage endCursor } } } }`;

  it('opens, comments, closes, reopens on comment, and lists tickets in pages', async () => {
    const acct = await gw.signUp();
    const ids: string[] = [];
    for (const subject of ['Bounces spiking', 'Invoice question', 'DNS help']) {
      const r = await gw.gql(OPEN, { input: { accountId: acct.accountId, subject, body: `About: ${subject}` } }, acct.token);
      expect(r.body.data!.openSupportTicket).toMatchObject({ subject, status: 'OPEN', openedBy: { id: acct.userId } });
      ids.push(r.body.data!.openSupportTicket.id);
    }
    const c = await gw.gql(COMMENT, { id: ids[0], body: 'Still happening' }, acct.token);
    expect(c.body.data!.commentOnSupportTicket).toMatchObject({ body: 'Still happening', author: { id: acct.userId } });

    const closed = await gw.gql(
      `mutation($id: ID!) { setSupportTicketStatus(id: $id, status: CLOSED) { status } }`,
      { id: ids[1] },
      acct.token,
    );
    expect(closed.body.data!.setSupportTicketStatus.status).toBe('CLOSED');

    const p1 = await gw.gql(LIST, { id: acct.accountId }, acct.token);
    const conn = p1.body.data!.account.supportTickets;
    expect(conn.edges.map((e: any) => [e.node.subject, e.node.status])).toEqual([
      ['Bounces spiking', 'OPEN'],
      ['Invoice question', 'CLOSED'],
    ]);
    expect(conn.edges[0].node.comments.edges).toEqual([{ node: { body: 'Still happening', author: { id: acct.userId } } }]);
    const p2 = await gw.gql(LIST, { id: acct.accountId, after: conn.pageInfo.endCursor }, acct.token);
    expect(p2.body.data!.account.supportTickets.edges.map((e: any) => e.node.subject)).toEqual(['DNS help']);

    await gw.gql(COMMENT, { id: ids[1], body: 'One more thing' }, acct.token);
    const reopened = await gw.gql(`query($id: ID!) { supportTicket(id: $id) { status } }`, { id: ids[1] }, acct.token);
    expect(reopened.body.data!.supportTicket.status).toBe('OPEN');
  });

  it('validates lengths and guards create/comment by permission', async () => {
    const long = await gw.gql(OPEN, { input: { accountId: owner.accountId, subject: 's'.repeat(201), body: 'b' } }, owner.token);
    expect(fieldOf(long)).toBe('subject');
    const bigBody = await gw.gql(OPEN, { input: { accountId: owner.accountId, subject: 's', body: 'b'.repeat(10_001) } }, owner.token);
    expect(fieldOf(bigBody)).toBe('body');

    const t = await gw.gql(OPEN, { input: { accountId: owner.accountId, subject: 'Help', body: 'Please' } }, owner.token);
    const tid = t.body.data!.openSupportTicket.id;
    const reader = await addMember(gw, owner.accountId, ['account:view', 'supportTickets:view', 'supportTickets:create']);
    const opened = await gw.gql(OPEN, { input: { accountId: owner.accountId, subject: 'Mine', body: 'x' } }, reader.token);
    expect(opened.body.data!.openSupportTicket.subject).toBe('Mine');
    const denied = await gw.gql(COMMENT, { id: tid, body: 'hi' }, reader.token);
    expect(errorCode(denied)).toBe('FORBIDDEN');
    expect(denied.body.errors![0]!.extensions!.permission).toBe('supportTickets:comment');

    const nobody = await addMember(gw, owner.accountId, ['account:view']);
    const hidden = await gw.gql(
      `query($id: ID!) { account(id: $id) { supportTickets { edges { node { id } } } } }`,
      { id: owner.accountId },
      nobody.token,
    );
    expect(hidden.body.data!.account.supportTickets).toBeNull();
    expect(errorCode(hidden)).toBe('FORBIDDEN');

    const stranger = await gw.signUp();
    const probe = await gw.gql(`query($id: ID!) { supportTicket(id: $id) { subject } }`, { id: tid }, stranger.token);
    expect(errorCode(probe)).toBe('NOT_FOUND');
  });
});
