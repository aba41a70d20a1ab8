// Mailtrap's seats (seed: mailtrap-user-management, MT17): every member counts toward the plan's limit,
// user management starts above the FREE plan, and the limit holds when people join at the same time.
// This gateway keeps the default member limits (other suites raise them: test/helpers/gateway.ts).
import { startTestGateway, STRONG_PASSWORD, uniqueEmail, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { startMailbox, type Mailbox } from '../../helpers/mailbox';
import { CREATE_USER, err, ok } from '../../modules/access/helpers';
import { ScimClient, bjensen, CREATE_SCIM_TOKEN, proveDomain } from '../../scim/client';
import { installPacks } from './helpers';

let gw: TestGateway;
let mailbox: Mailbox;
let owner: TestOwner;

beforeAll(async () => {
  mailbox = await startMailbox();
  gw = await startTestGateway({ mailbox, env: { POSTERN_PLAN_MEMBER_LIMITS: 'FREE=1,STARTER=3,ENTERPRISE=3' } });
  owner = await gw.signUp();
  await installPacks(gw, owner, ['MAILTRAP']);
});
afterAll(async () => {
  await gw.stop();
  await mailbox.close();
});

const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { id } }`;
const ACCEPT = `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { user { id } } }`;
const REMOVE = `mutation($input: RemoveMemberInput!) { removeMember(input: $input) }`;
const BILLING = `query($id: ID!) { account(id: $id) { billing { plan seatsUsed memberLimit } } }`;
const invite = (email: string) => gw.gql(INVITE, { input: { accountId: owner.accountId, email } }, owner.token);
const accept = async (email: string) =>
  gw.gql(ACCEPT, { input: { token: await mailbox.invitationToken(email), password: STRONG_PASSWORD } });

describe('Mailtrap seats', () => {
  it('MT1: on the FREE plan there is no user management: inviting and creating users are refused, nothing is made', async () => {
    expect(ok(await gw.gql(BILLING, { id: owner.accountId }, owner.token)).account.billing).toEqual({
      plan: 'FREE',
      seatsUsed: 1,
      memberLimit: 1,
    });
    const refused = await invite(uniqueEmail('free'));
    expect(err(refused)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    expect(refused.body.errors![0]!.message).toBe('The FREE plan includes the owner alone: upgrade the plan (updateBilling) to add people');
    const email = uniqueEmail('freemade');
    const made = await gw.gql(CREATE_USER, { input: { accountId: owner.accountId, email, password: STRONG_PASSWORD } }, owner.token);
    expect(err(made)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'accountId' });
    expect(mailbox.textsTo(email)).toHaveLength(0);
    expect(ok(await gw.gql(BILLING, { id: owner.accountId }, owner.token)).account.billing.seatsUsed).toBe(1);
  });

  it('MT17: on STARTER (3 members), of 5 people accepting at once exactly 2 join; the others keep their invitation until a seat is free', async () => {
    ok(
      await gw.gql(
        `mutation($input: UpdateBillingInput!) { updateBilling(input: $input) { plan } }`,
        {
          input: {
            accountId: owner.accountId,
            plan: 'STARTER',
            card: { number: '4242424242424242', expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '123' },
          },
        },
        owner.token,
      ),
    );
    const emails = Array.from({ length: 5 }, (_, i) => uniqueEmail(`seat${i}`));
    // Invitations are accepted while seats are free; the seat is taken when someone joins.
    for (const e of emails) ok(await invite(e));
    const results = await Promise.all(emails.map((e) => accept(e)));
    const joined = results.filter((r) => !r.body.errors);
    expect(joined).toHaveLength(2);
    for (const r of results.filter((x) => x.body.errors)) {
      expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
      expect(r.body.errors![0]!.message).toContain('All 3 members the STARTER plan includes are taken');
    }
    expect(ok(await gw.gql(BILLING, { id: owner.accountId }, owner.token)).account.billing).toEqual({
      plan: 'STARTER',
      seatsUsed: 3,
      memberLimit: 3,
    });
    // A full account refuses new invitations at once.
    expect(err(await invite(uniqueEmail('late')))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });

    // Removing a member frees a seat: a refused invitee's invitation still works.
    const leaving = joined[0]!.body.data!.acceptInvitation.user.id;
    ok(await gw.gql(REMOVE, { input: { accountId: owner.accountId, userId: leaving } }, owner.token));
    const waiting = emails.filter((_, i) => results[i]!.body.errors);
    expect(ok(await accept(waiting[0]!)).acceptInvitation.user.id).toBeTruthy();
    expect(err(await accept(waiting[1]!))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
    expect(ok(await gw.gql(BILLING, { id: owner.accountId }, owner.token)).account.billing.seatsUsed).toBe(3);
  });
  it('MT17: an identity provider (SCIM) cannot provision past the limit either: 400, and nothing of the user stays', async () => {
    // SCIM comes with ENTERPRISE, here with 3 members too: the account is full (previous test).
    ok(
      await gw.gql(
        `mutation($input: UpdateBillingInput!) { updateBilling(input: $input) { plan } }`,
        { input: { accountId: owner.accountId, plan: 'ENTERPRISE' } },
        owner.token,
      ),
    );
    await gw.verifyEmail(owner.email);
    const token = ok(await gw.gql(CREATE_SCIM_TOKEN, { input: { accountId: owner.accountId, name: 'Okta' } }, owner.token)).createScimToken
      .token;
    const scim = new ScimClient(gw.url, token);
    // SCIM provisions only at a domain the account proved (docs/identity-scim.md): the seat is what refuses here.
    const domain = `seats-${Date.now().toString(36)}.example.com`;
    await proveDomain(gw, owner, domain);
    const email = `scimseat@${domain}`;
    const r = await scim.post('/Users', bjensen(email, 'seatless'));
    expect(r.status).toBe(400);
    expect(r.body.detail).toContain('All 3 members the ENTERPRISE plan includes are taken');
    expect((await scim.findUser('seatless')).body.totalResults).toBe(0);
    expect(ok(await gw.gql(BILLING, { id: owner.accountId }, owner.token)).account.billing.seatsUsed).toBe(3);
  });
});
