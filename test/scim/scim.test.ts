// SCIM 2.0 provisioning as an identity provider drives it, following RFC 7644's examples, against a
// real gateway: the admin makes a SCIM token, the provider creates, finds, updates and deprovisions
// users and maps groups to roles; what it does shows up as members and bindings in GraphQL.
import { errorCode, STRONG_PASSWORD, uniqueEmail, type TestGateway, type TestOwner } from '../helpers/gateway';
import { CREATE_USER, ok, roleIds } from '../modules/access/helpers';
import {
  bjensen,
  CREATE_SCIM_TOKEN,
  ENTERPRISE_SCHEMA,
  ERROR_SCHEMA,
  GROUP_ROLE_SCHEMA,
  GROUP_SCHEMA,
  LIST_SCHEMA,
  ScimClient,
  startScimWorld,
  USER_SCHEMA,
} from './client';

let gw: TestGateway;
let owner: TestOwner;
let scim: ScimClient;
let scimToken: string;
let roles: Record<string, string>;
let corpEmail: (tag: string) => string;

const MEMBERS = `query($id: ID!) { account(id: $id) { members(first: 200) { edges { node { user { id email } bindings { role { key } scope { type id } } } } } } }`;
const AUDIT = `query($id: ID!) { account(id: $id) { auditLog(first: 300) { edges { node { action meta before after } } } } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { token } }`;
const VIEWER = `{ viewer { user { email } } }`;

async function members(): Promise<Map<string, { email: string; roles: string[] }>> {
  const d = ok(await gw.gql(MEMBERS, { id: owner.accountId }, owner.token));
  return new Map(
    d.account.members.edges.map((e: any) => [
      e.node.user.id,
      { email: e.node.user.email, roles: e.node.bindings.map((b: any) => `${b.role.key}@${b.scope.type}`) },
    ]),
  );
}

beforeAll(async () => {
  ({ gw, owner, scim, scimToken, corpEmail } = await startScimWorld());
  roles = await roleIds(gw, owner);
});
afterAll(() => gw.stop());

describe('the SCIM token', () => {
  it('is shown once, listed by its prefix only, and audited without its value', async () => {
    expect(scimToken).toMatch(/^scim_[A-Za-z0-9_-]{40,}$/);
    const list = await gw.gql(
      `query($id: ID!) { account(id: $id) { scimTokens { edges { node { name prefix } } } } }`,
      { id: owner.accountId },
      owner.token,
    );
    expect(list.body.data!.account.scimTokens.edges).toEqual([{ node: { name: 'Okta', prefix: scimToken.slice(0, 13) } }]);
    expect(list.text).not.toContain(scimToken);
    const audit = await gw.gql(AUDIT, { id: owner.accountId }, owner.token);
    expect(audit.text).toContain('scimToken.created');
    expect(audit.text).not.toContain(scimToken);
  });

  it('is needed: 401 in SCIM error format without it or with a wrong one', async () => {
    for (const client of [new ScimClient(gw.url, undefined), new ScimClient(gw.url, 'scim_wrong'), new ScimClient(gw.url, owner.token)]) {
      const r = await client.get('/Users');
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toContain('application/scim+json');
      expect(r.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
    }
  });

  it('is made only by holders of security:edit', async () => {
    const email = uniqueEmail('plain');
    ok(await gw.gql(CREATE_USER, { input: { accountId: owner.accountId, email, password: STRONG_PASSWORD } }, owner.token));
    const token = ok(await gw.gql(LOGIN, { input: { email, password: STRONG_PASSWORD } })).login.token;
    const r = await gw.gql(CREATE_SCIM_TOKEN, { input: { accountId: owner.accountId, name: 'x' } }, token);
    expect(errorCode(r)).toBe('FORBIDDEN');
  });
});

describe('discovery (RFC 7644 §4)', () => {
  it('describes the service, its resource types and schemas', async () => {
    const spc = await scim.get('/ServiceProviderConfig');
    expect(spc.status).toBe(200);
    expect(spc.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: true },
    });
    expect(spc.body.authenticationSchemes[0].type).toBe('oauthbearertoken');
    const types = await scim.get('/ResourceTypes');
    expect(types.body.Resources.map((t: any) => [t.name, t.endpoint, t.schema])).toEqual([
      ['User', '/Users', USER_SCHEMA],
      ['Group', '/Groups', GROUP_SCHEMA],
    ]);
    const schemas = await scim.get('/Schemas');
    expect(schemas.body.Resources.map((s: any) => s.id)).toEqual([USER_SCHEMA, ENTERPRISE_SCHEMA, GROUP_SCHEMA, GROUP_ROLE_SCHEMA]);
    expect((await scim.get(`/Schemas/${USER_SCHEMA}`)).body.attributes.map((a: any) => a.name)).toContain('userName');
    expect((await scim.get('/Schemas/nope')).status).toBe(404);
  });
});

describe('Users', () => {
  it('creates (RFC 7644 §3.3), gets, finds by userName and refuses a duplicate', async () => {
    const email = corpEmail('bjensen');
    const created = await scim.post('/Users', bjensen(email));
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toContain('application/scim+json');
    const id = created.body.id;
    expect(created.headers.get('location')).toBe(`${gw.url}/scim/v2/Users/${id}`);
    expect(created.body).toMatchObject({
      schemas: [USER_SCHEMA],
      userName: 'bjensen',
      externalId: 'ext-bjensen',
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      emails: [{ value: email, primary: true }],
      meta: { resourceType: 'User', location: `${gw.url}/scim/v2/Users/${id}` },
    });
    // Nothing the client did not send: no invented name.formatted or active (unassigned active means provisioned).
    expect(created.body.name).toEqual({ formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' });
    expect(created.body).not.toHaveProperty('active');

    expect((await scim.get(`/Users/${id}`)).body.userName).toBe('bjensen');
    // userName is case-insensitive (RFC 7643 §4.1.1).
    const found = await scim.findUser('BJensen');
    expect(found.body).toMatchObject({ schemas: [LIST_SCHEMA], totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(found.body.Resources[0].id).toBe(id);
    expect((await scim.findUser('nobody')).body).toMatchObject({ totalResults: 0, Resources: [] });

    const dup = await scim.post('/Users', bjensen(corpEmail('other')));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '409', scimType: 'uniqueness' });

    // The provisioned user is a member of the account (with no roles yet), and it is audited.
    const m = (await members()).get(id);
    expect(m).toEqual({ email, roles: [] });
    const audit = ok(await gw.gql(AUDIT, { id: owner.accountId }, owner.token));
    expect(audit.account.auditLog.edges.some((e: any) => e.node.action === 'scim.userProvisioned')).toBe(true);
  });

  it('refuses bad input in SCIM error format', async () => {
    const noName = await scim.post('/Users', { schemas: [USER_SCHEMA], emails: [{ value: corpEmail('x') }] });
    expect(noName.status).toBe(400);
    expect(noName.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidValue' });
    expect(noName.body.detail).toMatch(/userName/);
    // /Schemas says emails is required, and so it is.
    const noEmail = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'no-email' });
    expect(noEmail.status).toBe(400);
    expect(noEmail.body).toMatchObject({ scimType: 'invalidValue', detail: 'emails is required' });
    const badFilter = await scim.get(`/Users?filter=${encodeURIComponent('userName gt "j"')}`);
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.scimType).toBe('invalidFilter');
    const malformed = await scim.request('POST', '/Users', undefined, '{"userName":');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidSyntax' });
    expect((await scim.get('/Users/ffffffffffffffffffffffff')).status).toBe(404);
    const badPatch = await scim.request('PATCH', '/Users/ffffffffffffffffffffffff', { Operations: [] });
    expect(badPatch.status).toBe(400);
  });

  it('pages lists with startIndex and count (RFC 7644 §3.4.2.4)', async () => {
    for (const n of [1, 2, 3]) expect((await scim.post('/Users', bjensen(corpEmail(`page${n}`), `page-${n}`))).status).toBe(201);
    const page = await scim.get('/Users?startIndex=2&count=2');
    expect(page.body.startIndex).toBe(2);
    expect(page.body.itemsPerPage).toBe(2);
    expect(page.body.totalResults).toBeGreaterThanOrEqual(4);
    const countOnly = await scim.get('/Users?count=0');
    expect(countOnly.body).toMatchObject({ totalResults: page.body.totalResults, itemsPerPage: 0, Resources: [] });
  });

  it('replaces with PUT and patches names (RFC 7644 §3.5)', async () => {
    const email = corpEmail('put');
    const id = (await scim.post('/Users', bjensen(email, 'put-user'))).body.id;
    const put = await scim.put(`/Users/${id}`, {
      ...bjensen(email, 'put-user'),
      name: { givenName: 'Babs', familyName: 'Jensen' },
      displayName: 'Babs',
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: { givenName: 'Babs' }, displayName: 'Babs' });
    const patched = await scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'name.familyName', value: 'Smith' }]);
    expect(patched.body.name).toMatchObject({ givenName: 'Babs', familyName: 'Smith' });
    const moved = await scim.put(`/Users/${id}`, bjensen(corpEmail('elsewhere'), 'put-user'));
    expect(moved.status).toBe(400);
    expect(moved.body.scimType).toBe('mutability');
  });

  it("deprovisions with active=false: sessions and the user's tokens end at once; reactivation gives the groups back", async () => {
    // A person who already signed in with a password, then is taken over by the identity provider.
    const email = corpEmail('leaver');
    ok(await gw.gql(CREATE_USER, { input: { accountId: owner.accountId, email, password: STRONG_PASSWORD } }, owner.token));
    await gw.verifyEmail(email);
    const id = (await scim.post('/Users', bjensen(email, 'leaver'))).body.id;
    const group = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA, GROUP_ROLE_SCHEMA],
      displayName: 'Leavers',
      members: [{ value: id }],
      [GROUP_ROLE_SCHEMA]: { roleId: roles.admin, scope: { type: 'ACCOUNT', id: owner.accountId } },
    });
    expect(group.status).toBe(201);
    const session = ok(await gw.gql(LOGIN, { input: { email, password: STRONG_PASSWORD } })).login.token;
    expect(ok(await gw.gql(VIEWER, {}, session)).viewer.user.email).toBe(email);
    const apiToken = ok(
      await gw.gql(
        `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
        {
          input: {
            accountId: owner.accountId,
            name: 'mine',
            scopes: ['account:view'],
            expiresAt: new Date(Date.now() + 86400_000).toISOString(),
          },
        },
        session,
      ),
    ).createApiToken.token;

    // Azure-style PATCH without a path, with a string boolean.
    const off = await scim.patch(`/Users/${id}`, [{ op: 'Replace', value: { active: 'False' } }]);
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    for (const token of [session, apiToken]) {
      const r = await gw.gql(`query($id: ID!) { account(id: $id) { id } }`, { id: owner.accountId }, token);
      expect(errorCode(r)).toBe('UNAUTHENTICATED');
    }
    expect((await members()).has(id)).toBe(false);
    expect((await scim.get(`/Users/${id}`)).body.active).toBe(false);
    expect((await scim.get(`/Groups/${group.body.id}`)).body.members.map((m: any) => m.value)).toEqual([id]);

    const on = await scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'active', value: true }]);
    expect(on.body.active).toBe(true);
    expect((await members()).get(id)!.roles).toEqual(['admin@ACCOUNT']);

    const audit = ok(await gw.gql(AUDIT, { id: owner.accountId }, owner.token));
    const actions = audit.account.auditLog.edges.map((e: any) => e.node.action);
    expect(actions).toEqual(expect.arrayContaining(['scim.userDeactivated', 'member.removed', 'scim.groupCreated', 'role.assigned']));
  });

  it('refuses to deprovision the owner', async () => {
    const id = (await scim.post('/Users', bjensen(owner.email, 'the-owner'))).body.id;
    expect(id).toBe(owner.userId);
    const r = await scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'active', value: false }]);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ scimType: 'mutability', detail: 'The account owner cannot be deprovisioned' });
    expect((await scim.get(`/Users/${id}`)).body.active).toBeUndefined(); // unassigned: still provisioned
    expect((await members()).has(owner.userId)).toBe(true);
  });
});

describe('Groups mapped to role bindings', () => {
  it('binds the group role to members added, unbinds those removed, and cleans up on DELETE', async () => {
    const a = (await scim.post('/Users', bjensen(corpEmail('ga'), 'group-a'))).body.id;
    const b = (await scim.post('/Users', bjensen(corpEmail('gb'), 'group-b'))).body.id;
    const g = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA, GROUP_ROLE_SCHEMA],
      displayName: 'Tour Guides',
      members: [{ value: a }],
      [GROUP_ROLE_SCHEMA]: { roleId: roles.analyst, scope: { type: 'WORKSPACE', id: owner.workspaceId } },
    });
    expect(g.status).toBe(201);
    expect(g.body).toMatchObject({ displayName: 'Tour Guides', members: [{ value: a }], meta: { resourceType: 'Group' } });
    expect((await members()).get(a)!.roles).toEqual(['analyst@WORKSPACE']);

    // RFC 7644 §3.5.2.1: add members; §3.5.2.2: remove one by filter.
    await scim.patch(`/Groups/${g.body.id}`, [{ op: 'add', path: 'members', value: [{ value: b }] }]);
    expect((await members()).get(b)!.roles).toEqual(['analyst@WORKSPACE']);
    const removed = await scim.patch(`/Groups/${g.body.id}`, [{ op: 'remove', path: `members[value eq "${a}"]` }]);
    expect(removed.body.members.map((m: any) => m.value)).toEqual([b]);
    expect((await members()).get(a)!.roles).toEqual([]);

    const found = await scim.get(`/Groups?filter=${encodeURIComponent('displayName eq "tour guides"')}`);
    expect(found.body.totalResults).toBe(1);

    const unknown = await scim.patch(`/Groups/${g.body.id}`, [
      { op: 'add', path: 'members', value: [{ value: 'ffffffffffffffffffffffff' }] },
    ]);
    expect(unknown.status).toBe(400);
    const badRole = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'X', [GROUP_ROLE_SCHEMA]: { roleId: 'nope' } });
    expect(badRole.status).toBe(400);

    expect((await scim.delete(`/Groups/${g.body.id}`)).status).toBe(204);
    expect((await members()).get(b)!.roles).toEqual([]);
    expect((await scim.get(`/Groups/${g.body.id}`)).status).toBe(404);
  });

  it('DELETE of a user ends their membership and their place in groups', async () => {
    const id = (await scim.post('/Users', bjensen(corpEmail('gone'), 'gone'))).body.id;
    const g = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Gone soon', members: [{ value: id }] });
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    expect((await scim.get(`/Users/${id}`)).status).toBe(404);
    expect((await members()).has(id)).toBe(false);
    expect((await scim.get(`/Groups/${g.body.id}`)).body.members).toBeUndefined();
  });
});

describe('revoking the SCIM token', () => {
  it('ends it at once', async () => {
    const r = ok(await gw.gql(CREATE_SCIM_TOKEN, { input: { accountId: owner.accountId, name: 'temp' } }, owner.token));
    const client = new ScimClient(gw.url, r.createScimToken.token);
    expect((await client.get('/Users')).status).toBe(200);
    ok(
      await gw.gql(
        `mutation($input: RevokeScimTokenInput!) { revokeScimToken(input: $input) }`,
        { input: { accountId: owner.accountId, scimTokenId: r.createScimToken.scimToken.id } },
        owner.token,
      ),
    );
    expect((await client.get('/Users')).status).toBe(401);
  });
});
