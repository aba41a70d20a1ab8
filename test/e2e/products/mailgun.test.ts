// Mailgun account user roles (seed: mailgun-account-user-roles), the statements added by issue 9.
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { acct, err, memberWith, ok } from '../../modules/access/helpers';
import { SEND, installPacks, mail, sendingDomain } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;
let domainId: string;
const DOMAIN = 'mg.send.example.com';

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  roles = await installPacks(gw, owner, ['MAILGUN', 'MAILERCLOUD']);
  domainId = await sendingDomain(gw, owner, DOMAIN);
});
afterAll(() => gw.stop());

describe('Mailgun: transactional sending is emails:send', () => {
  it('MG5: a Developer sends through the transactional API; Support and Analyst are refused with emails:send', async () => {
    const dev = await memberWith(gw, owner, roles['mailgun-developer']!, acct(owner), 'dev');
    expect(ok(await gw.gql(SEND, { input: mail(domainId, DOMAIN) }, dev.token)).sendEmail.status).toBe('RECORDED');
    for (const key of ['mailgun-support', 'mailgun-analyst', 'mailgun-billing']) {
      const m = await memberWith(gw, owner, roles[key]!, acct(owner), key);
      expect(err(await gw.gql(SEND, { input: mail(domainId, DOMAIN) }, m.token))).toMatchObject({
        code: 'FORBIDDEN',
        permission: 'emails:send',
      });
    }
  });

  it('MC10: a Mailercloud Manager runs the transactional API; an Analyst cannot', async () => {
    const manager = await memberWith(gw, owner, roles['mailercloud-manager']!, acct(owner), 'mgr');
    expect(ok(await gw.gql(SEND, { input: mail(domainId, DOMAIN) }, manager.token)).sendEmail.status).toBe('RECORDED');
    const analyst = await memberWith(gw, owner, roles['mailercloud-analyst']!, acct(owner), 'an');
    expect(err(await gw.gql(SEND, { input: mail(domainId, DOMAIN) }, analyst.token)).permission).toBe('emails:send');
  });

  it('campaigns:send alone no longer sends transactional mail', async () => {
    const r = ok(
      await gw.gql(
        `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`,
        {
          input: { accountId: owner.accountId, name: 'Campaign sender', permissions: ['campaigns:view', 'campaigns:send', 'domains:view'] },
        },
        owner.token,
      ),
    ).createRole.id;
    const m = await memberWith(gw, owner, r, acct(owner), 'csend');
    expect(err(await gw.gql(SEND, { input: mail(domainId, DOMAIN) }, m.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'emails:send',
    });
  });
});

describe('Mailgun: account details and API key expiry', () => {
  const UPDATE_ACCOUNT = `mutation($id: ID!, $input: UpdateAccountInput!) { updateAccount(id: $id, input: $input) { id name } }`;
  const EXPIRY = `mutation($input: SetApiKeyExpiryInput!) { setApiKeyExpiry(input: $input) { id expiresAt expired } }`;

  it('MG3: the Admin edits account details (renames the account); a Developer cannot', async () => {
    const admin = await memberWith(gw, owner, roles['mailgun-admin']!, acct(owner), 'mgadmin');
    expect(ok(await gw.gql(UPDATE_ACCOUNT, { id: owner.accountId, input: { name: 'Renamed Mail' } }, admin.token)).updateAccount.name).toBe(
      'Renamed Mail',
    );
    const dev = await memberWith(gw, owner, roles['mailgun-developer']!, acct(owner), 'dev2');
    expect(err(await gw.gql(UPDATE_ACCOUNT, { id: owner.accountId, input: { name: 'Nope' } }, dev.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'account:edit',
    });
    expect(err(await gw.gql(UPDATE_ACCOUNT, { id: owner.accountId, input: { name: '  ' } }, owner.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'name',
    });
    expect(ok(await gw.gql(`query($id: ID!) { account(id: $id) { name } }`, { id: owner.accountId }, owner.token)).account.name).toBe(
      'Renamed Mail',
    );
  });

  it("MG1: the Admin sets, changes and clears an API key's expiry, and expires it at once; a Developer cannot", async () => {
    const key = ok(
      await gw.gql(
        `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { id secret } }`,
        { input: { accountId: owner.accountId, name: 'ci' } },
        owner.token,
      ),
    ).createApiKey;
    const admin = await memberWith(gw, owner, roles['mailgun-admin']!, acct(owner), 'mgadmin2');
    const later = new Date(Date.now() + 7 * 86_400_000).toISOString();
    expect(ok(await gw.gql(EXPIRY, { input: { id: key.id, expiresAt: later } }, admin.token)).setApiKeyExpiry).toMatchObject({
      expiresAt: later,
      expired: false,
    });
    expect(ok(await gw.gql(EXPIRY, { input: { id: key.id, expiresAt: null } }, admin.token)).setApiKeyExpiry).toMatchObject({
      expiresAt: null,
      expired: false,
    });
    const dev = await memberWith(gw, owner, roles['mailgun-developer']!, acct(owner), 'dev3');
    expect(err(await gw.gql(EXPIRY, { input: { id: key.id, expiresAt: later } }, dev.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'apiKeys:rotate',
    });
    expect(err(await gw.gql(EXPIRY, { input: { id: key.id, expiresAt: '2099-01-01T00:00:00Z' } }, admin.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'expiresAt',
    });
    // Expired now: the key no longer authenticates the event endpoint.
    expect(
      ok(await gw.gql(EXPIRY, { input: { id: key.id, expiresAt: '2020-01-01T00:00:00Z' } }, admin.token)).setApiKeyExpiry.expired,
    ).toBe(true);
    const res = await fetch(`${gw.url}/events/${owner.accountId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`api:${key.secret}`).toString('base64')}` },
      body: JSON.stringify({ events: [] }),
    });
    expect(res.status).toBe(401);
  });
});
