// Issue "Every door passes one gate", SCIM's part, tried as an attacker would: SCIM creates users only
// at addresses under a domain the account proved through DNS; an existing login is linked, never
// overwritten, and no login's verification is forged; a SCIM token does no more than the person who
// made it may; SCIM tokens are made by people, not partner tokens.
import { errorCode, STRONG_PASSWORD, type TestGateway, type TestOwner } from '../helpers/gateway';
import { CREATE_USER, LOGIN, ok, roleIds } from '../modules/access/helpers';
import { bjensen, CREATE_SCIM_TOKEN, GROUP_ROLE_SCHEMA, GROUP_SCHEMA, ScimClient, startScimWorld } from './client';

let gw: TestGateway;
let owner: TestOwner;
let scim: ScimClient;
let domain: string;
let corpEmail: (tag: string) => string;
let roles: Record<string, string>;

const PROFILE = `{ viewer { user { id email name firstName lastName emailVerified } } }`;
const VIEWER = `{ viewer { user { id email emailVerified } } }`;
const MEMBERS = `query($id: ID!) { account(id: $id) { members(first: 200) { edges { node { user { id } } } } } }`;
const memberIds = async (): Promise<string[]> =>
  ok(await gw.gql(MEMBERS, { id: owner.accountId }, owner.token)).account.members.edges.map((e: any) => e.node.user.id);

beforeAll(async () => {
  ({ gw, owner, scim, domain, corpEmail } = await startScimWorld());
  roles = await roleIds(gw, owner);
});
afterAll(() => gw.stop());

describe('addresses', () => {
  it('refuses an address outside the proven domains with 400 invalidValue saying how to prove the domain', async () => {
    for (const email of ['ceo@gmail.example', `ceo@${domain}.evil.example`, `ceo@not${domain}`]) {
      const r = await scim.post('/Users', bjensen(email, `squat-${email}`));
      expect([email, r.status, r.body.scimType]).toEqual([email, 400, 'invalidValue']);
      expect(r.body.detail).toContain('not under a domain this account proved');
      expect(r.body.detail).toMatch(/createDomain.*_postern TXT record.*verifyDomain/);
    }
    // A subdomain of a proven name is covered (whoever controls the zone controls its subdomains).
    expect((await scim.post('/Users', bjensen(`sub-user@mail.${domain}`, 'sub-user'))).status).toBe(201);
  });

  it('links an existing login of the account as it is: its name, password and verification untouched', async () => {
    const email = corpEmail('existing');
    const made = ok(
      await gw.gql(
        CREATE_USER,
        { input: { accountId: owner.accountId, email, password: STRONG_PASSWORD, firstName: 'Erin', lastName: 'Existing' } },
        owner.token,
      ),
    ).createUser;
    await gw.verifyEmail(email);
    const profile = async () => {
      const session = ok(await gw.gql(LOGIN, { input: { email, password: STRONG_PASSWORD } })).login.token;
      return ok(await gw.gql(PROFILE, {}, session)).viewer.user;
    };
    const before = await profile();
    expect(before).toMatchObject({ id: made.id, firstName: 'Erin', emailVerified: true });
    const r = await scim.post('/Users', { ...bjensen(email, 'existing'), name: { givenName: 'Mallory', familyName: 'Renamed' } });
    expect(r.status).toBe(201);
    expect(r.body.id).toBe(made.id);
    // The password still signs them in, and the login is as it was.
    expect(await profile()).toEqual(before);
  });

  it('provisions an existing member as inactive by ending their membership (the owner never)', async () => {
    const email = corpEmail('inactive-member');
    const made = ok(
      await gw.gql(CREATE_USER, { input: { accountId: owner.accountId, email, password: STRONG_PASSWORD } }, owner.token),
    ).createUser;
    await gw.verifyEmail(email);
    expect(await memberIds()).toContain(made.id);
    const r = await scim.post('/Users', { ...bjensen(email, 'inactive-member'), active: false });
    expect(r.status).toBe(201);
    expect(await memberIds()).not.toContain(made.id);
    const ownerOff = await scim.post('/Users', { ...bjensen(owner.email, 'owner-off'), active: false });
    expect(ownerOff.body).toMatchObject({ status: '400', scimType: 'mutability' });
    expect(await memberIds()).toContain(owner.userId);
  });

  it('does not take over a login that belongs to other accounts: 409, and that login keeps working', async () => {
    const email = corpEmail('elsewhere');
    const other = await gw.signUp({ email });
    await gw.verifyEmail(email);
    const r = await scim.post('/Users', bjensen(email, 'elsewhere'));
    expect(r.status).toBe(409);
    expect(r.body.scimType).toBe('uniqueness');
    expect(await memberIds()).not.toContain(other.userId);
    const session = ok(await gw.gql(LOGIN, { input: { email, password: STRONG_PASSWORD } })).login.token;
    expect(ok(await gw.gql(VIEWER, {}, session)).viewer.user).toEqual({ id: other.userId, email, emailVerified: true });
  });

  it("does not mark someone else's unverified sign-up as verified", async () => {
    const email = corpEmail('unverified');
    const squatter = await gw.signUp({ email }); // never follows the mailed link
    const r = await scim.post('/Users', bjensen(email, 'unverified'));
    expect(r.status).toBe(201);
    expect(r.body.id).not.toBe(squatter.userId);
    const session = ok(await gw.gql(LOGIN, { input: { email, password: STRONG_PASSWORD } })).login.token;
    expect(ok(await gw.gql(VIEWER, {}, session)).viewer.user).toEqual({ id: squatter.userId, email, emailVerified: false });
    expect(await memberIds()).not.toContain(squatter.userId);
  });
});

describe('a SCIM token does no more than its maker', () => {
  /** A member holding only the permissions given, and a SCIM token they made. */
  async function makerWith(permissions: string[], tag: string): Promise<ScimClient> {
    const role = ok(
      await gw.gql(
        `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`,
        { input: { accountId: owner.accountId, name: `SCIM ${tag}`, permissions } },
        owner.token,
      ),
    ).createRole.id;
    const email = corpEmail(tag);
    const user = ok(
      await gw.gql(CREATE_USER, { input: { accountId: owner.accountId, email, password: STRONG_PASSWORD } }, owner.token),
    ).createUser;
    await gw.verifyEmail(email);
    ok(
      await gw.gql(
        `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
        { input: { userId: user.id, roleId: role, scope: { type: 'ACCOUNT', id: owner.accountId } } },
        owner.token,
      ),
    );
    const session = ok(await gw.gql(LOGIN, { input: { email, password: STRONG_PASSWORD } })).login.token;
    const token = ok(await gw.gql(CREATE_SCIM_TOKEN, { input: { accountId: owner.accountId, name: tag } }, session)).createScimToken.token;
    return new ScimClient(gw.url, token);
  }

  it('cannot add members without members:create', async () => {
    const client = await makerWith(['security:view', 'security:edit'], 'no-create');
    const r = await client.post('/Users', bjensen(corpEmail('nc'), 'nc'));
    expect(r.status).toBe(403);
    expect(r.body.detail).toContain('members:create');
  });

  it('cannot remove members (deactivate or delete) without members:remove, nor bind roles without roles:assign', async () => {
    const client = await makerWith(['security:view', 'security:edit', 'members:view', 'members:create'], 'no-remove');
    const id = (await client.post('/Users', bjensen(corpEmail('kept'), 'kept'))).body.id;
    expect(await memberIds()).toContain(id);
    const off = await client.patch(`/Users/${id}`, [{ op: 'replace', path: 'active', value: false }]);
    expect(off.status).toBe(403);
    expect(off.body.detail).toContain('members:remove');
    expect((await client.delete(`/Users/${id}`)).status).toBe(403);
    expect(await memberIds()).toContain(id);
    expect((await client.get(`/Users/${id}`)).body).not.toHaveProperty('active');

    const admins = await client.post('/Groups', {
      schemas: [GROUP_SCHEMA, GROUP_ROLE_SCHEMA],
      displayName: 'Admins',
      members: [{ value: id }],
      [GROUP_ROLE_SCHEMA]: { roleId: roles.admin },
    });
    expect(admins.status).toBe(403);
    expect(admins.body.detail).toContain('roles:assign');
    expect((await client.get(`/Groups?filter=${encodeURIComponent('displayName eq "Admins"')}`)).body.totalResults).toBe(0);
  });

  it('cannot map a group to a role granting what the maker does not hold', async () => {
    const client = await makerWith(['security:view', 'security:edit', 'members:view', 'members:create', 'roles:assign'], 'no-grant');
    const id = (await client.post('/Users', bjensen(corpEmail('analyst'), 'would-be-analyst'))).body.id;
    const r = await client.post('/Groups', {
      schemas: [GROUP_SCHEMA, GROUP_ROLE_SCHEMA],
      displayName: 'Analysts',
      members: [{ value: id }],
      [GROUP_ROLE_SCHEMA]: { roleId: roles.analyst },
    });
    expect(r.status).toBe(403);
    expect(r.body.detail).toContain('You cannot grant what you do not hold');
    expect((await client.get(`/Groups?filter=${encodeURIComponent('displayName eq "Analysts"')}`)).body.totalResults).toBe(0);
  });

  it('is made by a person: a partner API token cannot make one', async () => {
    const api = ok(
      await gw.gql(
        `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
        {
          input: {
            accountId: owner.accountId,
            name: 'partner',
            scopes: ['security:edit'],
            expiresAt: new Date(Date.now() + 86400_000).toISOString(),
          },
        },
        owner.token,
      ),
    ).createApiToken.token;
    const r = await gw.gql(CREATE_SCIM_TOKEN, { input: { accountId: owner.accountId, name: 'via-api' } }, api);
    expect(['BAD_USER_INPUT', 'FORBIDDEN']).toContain(errorCode(r));
    expect(r.text).not.toContain('scim_');
  });
});
