// Mailgun account user roles (seed: mailgun-account-user-roles), the statements added by issue 9.
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { acct, err, memberWith, ok } from '../access/helpers';
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
  it('MG-send: a Developer sends through the transactional API; Support and Analyst are refused with emails:send', async () => {
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

  it('MC-send: a Mailercloud Manager runs the transactional API; an Analyst cannot', async () => {
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
