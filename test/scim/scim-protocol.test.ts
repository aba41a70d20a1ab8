// RFC 7643/7644 behaviour a client notices (discovery methods, attributes, /.search, filters, PATCH,
// ETags), then each request shape Microsoft Entra ID and Okta send, as they send it.
import { randomUUID } from 'node:crypto';
import { errorCode, type TestGateway, type TestOwner } from '../helpers/gateway';
import { ok, roleIds } from '../modules/access/helpers';
import {
  bjensen,
  ENTERPRISE_SCHEMA,
  ERROR_SCHEMA,
  GROUP_ROLE_SCHEMA,
  GROUP_SCHEMA,
  SEARCH_SCHEMA,
  ScimClient,
  startScimWorld,
  USER_SCHEMA,
} from './client';

let gw: TestGateway;
let owner: TestOwner;
let scim: ScimClient;
let corpEmail: (tag: string) => string;
let roles: Record<string, string>;

const MEMBERS = `query($id: ID!) { account(id: $id) { members(first: 200) { edges { node { user { id } bindings { role { key } } } } } } }`;
async function memberRoles(): Promise<Map<string, string[]>> {
  const d = ok(await gw.gql(MEMBERS, { id: owner.accountId }, owner.token));
  return new Map(d.account.members.edges.map((e: any) => [e.node.user.id, e.node.bindings.map((b: any) => b.role.key)]));
}
const q = (filter: string) => `filter=${encodeURIComponent(filter)}`;

beforeAll(async () => {
  ({ gw, owner, scim, corpEmail } = await startScimWorld());
  roles = await roleIds(gw, owner);
});
afterAll(() => gw.stop());

describe('discovery resources', () => {
  it('answer 405 with a SCIM error body to the methods they do not serve', async () => {
    for (const path of ['/ServiceProviderConfig', '/ResourceTypes', '/Schemas', `/Schemas/${USER_SCHEMA}`]) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        const r = await scim.request(method, path, {});
        expect([path, method, r.status]).toEqual([path, method, 405]);
        expect(r.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '405' });
        expect(r.headers.get('allow')).toBe('GET');
      }
    }
    expect((await new ScimClient(gw.url, undefined).request('DELETE', '/Schemas')).status).toBe(401);
  });

  it('publish what the server enforces: emails required, roleId a closed set of the mappable roles', async () => {
    const user = (await scim.get(`/Schemas/${USER_SCHEMA}`)).body;
    const attr = (name: string) => user.attributes.find((a: any) => a.name === name);
    expect(attr('userName')).toMatchObject({ required: true, uniqueness: 'server' });
    expect(attr('emails')).toMatchObject({ required: true, multiValued: true });
    const ext = (await scim.get(`/Schemas/${GROUP_ROLE_SCHEMA}`)).body;
    const roleId = ext.attributes.find((a: any) => a.name === 'roleId');
    expect([...roleId.canonicalValues].sort()).toEqual(
      Object.entries(roles)
        .filter(([key]) => key !== 'owner')
        .map(([, id]) => id)
        .sort(),
    );
    const bad = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA, GROUP_ROLE_SCHEMA],
      displayName: 'Owners',
      [GROUP_ROLE_SCHEMA]: { roleId: roles.owner },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ scimType: 'invalidValue' });
    expect(bad.body.detail).toContain('roleId must be one of');
    const types = (await scim.get('/ResourceTypes/User')).body;
    expect(types.schemaExtensions).toEqual([{ schema: ENTERPRISE_SCHEMA, required: false }]);
    expect((await scim.get('/ServiceProviderConfig')).body.etag).toEqual({ supported: true });
  });
});

describe('reading', () => {
  let id: string;
  let email: string;
  beforeAll(async () => {
    email = corpEmail('reader');
    id = (await scim.post('/Users', { ...bjensen(email, 'reader'), displayName: 'Reader One', [ENTERPRISE_SCHEMA]: { department: 'Ops' } }))
      .body.id;
  });

  it('returns only the attributes asked for, or all but the excluded ones (RFC 7644 §3.4.2.5)', async () => {
    const only = await scim.get(`/Users/${id}?attributes=userName,name.givenName`);
    expect(only.body).toEqual({ schemas: expect.any(Array), id, userName: 'reader', name: { givenName: 'Barbara' } });
    const urn = await scim.get(
      `/Users/${id}?attributes=${encodeURIComponent(`${USER_SCHEMA}:displayName,${ENTERPRISE_SCHEMA}:department`)}`,
    );
    expect(urn.body).toMatchObject({ id, displayName: 'Reader One', [ENTERPRISE_SCHEMA]: { department: 'Ops' } });
    expect(urn.body).not.toHaveProperty('emails');
    const without = await scim.get(`/Users/${id}?excludedAttributes=emails,meta,${encodeURIComponent(ENTERPRISE_SCHEMA)}`);
    expect(without.body).toMatchObject({ id, userName: 'reader', displayName: 'Reader One' });
    for (const k of ['emails', 'meta', ENTERPRISE_SCHEMA]) expect(without.body).not.toHaveProperty(k);
    const list = await scim.get(`/Users?${q('userName eq "reader"')}&attributes=externalId`);
    expect(list.body.Resources).toEqual([{ schemas: expect.any(Array), id, externalId: 'ext-reader' }]);
  });

  it('searches with POST /.search, per resource type and at the root (RFC 7644 §3.4.3)', async () => {
    const body = { schemas: [SEARCH_SCHEMA], filter: 'userName eq "reader"', attributes: ['userName'], startIndex: 1, count: 10 };
    const users = await scim.post('/Users/.search', body);
    expect(users.status).toBe(200);
    expect(users.body).toMatchObject({ totalResults: 1, Resources: [{ id, userName: 'reader' }] });
    expect(users.body.Resources[0]).not.toHaveProperty('emails');
    const root = await scim.post('/.search', { schemas: [SEARCH_SCHEMA], filter: `externalId eq "ext-reader"` });
    expect(root.body.Resources.map((r: any) => r.id)).toEqual([id]);
    const noSchema = await scim.post('/Users/.search', { filter: 'userName eq "reader"' });
    expect(noSchema.status).toBe(400);
  });

  it('filters with eq, co, sw, pr, and, or, not on userName, externalId, emails.value and displayName (RFC 7644 §3.4.2.2)', async () => {
    const ids = async (filter: string) => (await scim.get(`/Users?${q(filter)}`)).body.Resources.map((r: any) => r.id);
    expect(await ids(`emails.value eq "${email.toUpperCase()}"`)).toEqual([id]);
    expect(await ids(`emails[value eq "${email}"]`)).toEqual([id]);
    expect(await ids('externalId eq "ext-reader"')).toEqual([id]);
    expect(await ids('externalId eq "EXT-READER"')).toEqual([]); // externalId is caseExact
    expect(await ids('userName sw "REA" and displayName co "one"')).toEqual([id]);
    expect(await ids('(userName eq "nobody" or displayName eq "reader one") and displayName pr')).toEqual([id]);
    expect(await ids('userName eq "reader" and not (displayName pr)')).toEqual([]);
    for (const bad of ['userName eq', 'nickName eq "x"', 'userName gt "a"']) {
      const r = await scim.get(`/Users?${q(bad)}`);
      expect([bad, r.status, r.body.scimType]).toEqual([bad, 400, 'invalidFilter']);
    }
  });

  it('gives each version an ETag; a change with a stale If-Match is refused with 412 (RFC 7644 §3.14)', async () => {
    const got = await scim.get(`/Users/${id}`);
    const etag = got.headers.get('etag')!;
    expect(etag).toBe(got.body.meta.version);
    const changed = await scim.withHeaders(
      'PATCH',
      `/Users/${id}`,
      { 'if-match': etag },
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'displayName', value: 'Reader Two' }],
      },
    );
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    const stale = await scim.withHeaders('PUT', `/Users/${id}`, { 'if-match': etag }, bjensen(email, 'reader'));
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '412' });
    expect((await scim.get(`/Users/${id}`)).body.displayName).toBe('Reader Two');
    expect((await scim.withHeaders('DELETE', `/Users/${id}`, { 'if-match': etag })).status).toBe(412);
  });
});

describe('PATCH (RFC 7644 §3.5.2)', () => {
  it('removes name and active, adds an email, follows value filters and extension-URN paths', async () => {
    const email = corpEmail('patchy');
    const id = (await scim.post('/Users', { ...bjensen(email, 'patchy'), active: true })).body.id;
    const noName = await scim.patch(`/Users/${id}`, [{ op: 'remove', path: 'name' }]);
    expect(noName.status).toBe(200);
    expect(noName.body).not.toHaveProperty('name');
    const noActive = await scim.patch(`/Users/${id}`, [{ op: 'remove', path: 'active' }]);
    expect(noActive.body).not.toHaveProperty('active');
    expect((await memberRoles()).has(id)).toBe(true); // unassigned active: still provisioned

    const other = corpEmail('patchy-home');
    const added = await scim.patch(`/Users/${id}`, [{ op: 'add', path: 'emails', value: [{ value: other, type: 'home' }] }]);
    expect(added.body.emails).toEqual([
      { value: email, type: 'work', primary: true },
      { value: other, type: 'home' },
    ]);
    expect((await scim.get(`/Users?${q(`emails.value eq "${other}"`)}`)).body.totalResults).toBe(1);
    const display = await scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'emails[type eq "home"].display', value: 'Home' }]);
    expect(display.body.emails[1]).toEqual({ value: other, type: 'home', display: 'Home' });
    const gone = await scim.patch(`/Users/${id}`, [{ op: 'remove', path: 'emails[type eq "home"]' }]);
    expect(gone.body.emails).toEqual([{ value: email, type: 'work', primary: true }]);

    const ext = await scim.patch(`/Users/${id}`, [
      { op: 'add', path: `${ENTERPRISE_SCHEMA}:department`, value: 'Sales' },
      { op: 'add', path: `${ENTERPRISE_SCHEMA}:manager`, value: { value: 'boss-1' } },
    ]);
    expect(ext.body.schemas).toEqual([USER_SCHEMA, ENTERPRISE_SCHEMA]);
    expect(ext.body[ENTERPRISE_SCHEMA]).toEqual({ department: 'Sales', manager: { value: 'boss-1' } });
    const extGone = await scim.patch(`/Users/${id}`, [{ op: 'remove', path: ENTERPRISE_SCHEMA }]);
    expect(extGone.body).not.toHaveProperty(ENTERPRISE_SCHEMA);

    const readOnly = await scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'id', value: 'x' }]);
    expect(readOnly.body).toMatchObject({ status: '400', scimType: 'mutability' });
    const noPath = await scim.patch(`/Users/${id}`, [{ op: 'remove' }]);
    expect(noPath.body).toMatchObject({ status: '400', scimType: 'noTarget' });
    const notAnEmail = await scim.patch(`/Users/${id}`, [{ op: 'add', path: 'emails', value: [{ value: 'nope' }] }]);
    expect(notAnEmail.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
  });

  it('binds a group role set through its extension-URN path', async () => {
    const a = (await scim.post('/Users', bjensen(corpEmail('urn-a'), 'urn-a'))).body.id;
    const g = (await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Analysts', members: [{ value: a }] })).body;
    const r = await scim.patch(`/Groups/${g.id}`, [{ op: 'replace', path: `${GROUP_ROLE_SCHEMA}:roleId`, value: roles.analyst }]);
    expect(r.status).toBe(200);
    expect(r.body[GROUP_ROLE_SCHEMA]).toEqual({ roleId: roles.analyst });
    expect((await memberRoles()).get(a)).toEqual(['analyst']);
    const scoped = await scim.patch(`/Groups/${g.id}`, [
      { op: 'add', path: `${GROUP_ROLE_SCHEMA}:scope`, value: `WORKSPACE:${owner.workspaceId}` },
    ]);
    expect(scoped.body[GROUP_ROLE_SCHEMA]).toEqual({ roleId: roles.analyst, scope: `WORKSPACE:${owner.workspaceId}` });
    const dup = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'analysts' });
    expect(dup.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
  });
});

describe('Microsoft Entra ID', () => {
  it('probes with a random userName and gets an empty list', async () => {
    const r = await scim.get(`/Users?${q(`userName eq "${randomUUID()}"`)}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  let id: string;
  it('creates a user with the enterprise extension, as Entra maps it by default', async () => {
    const email = corpEmail('entra');
    const r = await scim.post('/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
      externalId: 'entra-object-1',
      userName: email,
      active: true,
      displayName: 'Ada Entra',
      title: 'Engineer',
      emails: [{ primary: true, type: 'work', value: email }],
      name: { formatted: 'Ada Entra', familyName: 'Entra', givenName: 'Ada' },
      phoneNumbers: [{ type: 'work', value: '+1 555 0100' }], // not in the schema: ignored
      [ENTERPRISE_SCHEMA]: { employeeNumber: '42', department: 'R&D' },
      meta: { resourceType: 'User' },
    });
    expect(r.status).toBe(201);
    id = r.body.id;
    expect(r.body).toMatchObject({ externalId: 'entra-object-1', title: 'Engineer', [ENTERPRISE_SCHEMA]: { employeeNumber: '42' } });
    expect(r.body).not.toHaveProperty('phoneNumbers');
  });

  it('PATCHes with a capitalised op ("Replace")', async () => {
    const r = await scim.patch(`/Users/${id}`, [{ op: 'Replace', path: 'displayName', value: 'Ada L.' }]);
    expect(r.status).toBe(200);
    expect(r.body.displayName).toBe('Ada L.');
  });

  it('PATCHes without a path, with an object of attributes (sub-attribute and extension keys)', async () => {
    const r = await scim.patch(`/Users/${id}`, [
      { op: 'Add', value: { 'name.givenName': 'Augusta', title: 'Lead', [`${ENTERPRISE_SCHEMA}:department`]: 'Maths' } },
    ]);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: { givenName: 'Augusta', familyName: 'Entra' },
      title: 'Lead',
      [ENTERPRISE_SCHEMA]: { department: 'Maths' },
    });
  });

  it('deactivates with active sent as the string "False", and reactivates with "True"', async () => {
    const off = await scim.patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect((await memberRoles()).has(id)).toBe(false);
    const on = await scim.patch(`/Users/${id}`, [{ op: 'Replace', value: { active: 'True' } }]);
    expect(on.body.active).toBe(true);
    expect((await memberRoles()).has(id)).toBe(true);
  });

  it('provisions a group: finds it by displayName, adds and removes members with Add/Remove and a value list', async () => {
    expect((await scim.get(`/Groups?${q('displayName eq "Entra Group"')}`)).body.totalResults).toBe(0);
    const g = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], externalId: 'entra-group-1', displayName: 'Entra Group', members: [] });
    expect(g.status).toBe(201);
    expect((await scim.get(`/Groups?${q('externalId eq "entra-group-1"')}`)).body.Resources.map((x: any) => x.id)).toEqual([g.body.id]);
    const add = await scim.patch(`/Groups/${g.body.id}`, [{ op: 'Add', path: 'members', value: [{ value: id }] }]);
    expect(add.body.members.map((m: any) => m.value)).toEqual([id]);
    const lean = await scim.get(`/Groups/${g.body.id}?excludedAttributes=members`);
    expect(lean.body).not.toHaveProperty('members');
    const remove = await scim.patch(`/Groups/${g.body.id}`, [{ op: 'Remove', path: 'members', value: [{ value: id }] }]);
    expect(remove.body).not.toHaveProperty('members');
  });
});

describe('Okta', () => {
  let id: string;
  let email: string;
  const oktaUser = (active: boolean) => ({
    schemas: [USER_SCHEMA],
    userName: email,
    name: { givenName: 'Olga', familyName: 'Okta' },
    emails: [{ primary: true, value: email, type: 'work' }],
    displayName: 'Olga Okta',
    locale: 'en-US',
    externalId: '00u1okta',
    groups: [],
    password: 'Sup3r-Secret-Okta-1', // Okta may push a password: never stored or shown
    active,
  });

  it('checks for the user, creates it, and never echoes a password', async () => {
    email = corpEmail('okta');
    const probe = await scim.get(`/Users?${q(`userName eq "${email}"`)}&startIndex=1&count=100`);
    expect(probe.body).toMatchObject({ totalResults: 0, Resources: [], startIndex: 1 });
    const r = await scim.post('/Users', oktaUser(true));
    expect(r.status).toBe(201);
    id = r.body.id;
    expect(r.text).not.toContain('Sup3r-Secret-Okta-1');
    expect((await scim.get(`/Users/${id}`)).text).not.toContain('Sup3r-Secret-Okta-1');
  });

  it('deactivates with a PUT of the full user (active false)', async () => {
    const r = await scim.put(`/Users/${id}`, { ...oktaUser(false), id });
    expect(r.status).toBe(200);
    expect(r.body.active).toBe(false);
    expect((await memberRoles()).has(id)).toBe(false);
  });

  it('reactivates and deactivates with a PATCH of active', async () => {
    const on = await scim.patch(`/Users/${id}`, [{ op: 'replace', value: { active: true } }]);
    expect(on.body.active).toBe(true);
    expect((await memberRoles()).has(id)).toBe(true);
    const off = await scim.patch(`/Users/${id}`, [{ op: 'replace', value: { active: false } }]);
    expect(off.body.active).toBe(false);
    expect((await memberRoles()).has(id)).toBe(false);
    await scim.patch(`/Users/${id}`, [{ op: 'replace', value: { active: true } }]);
  });

  it('pushes a group: create, members add/remove by PATCH, rename with id in the value, and PUT of the whole group', async () => {
    const other = (await scim.post('/Users', bjensen(corpEmail('okta-2'), 'okta-2'))).body.id;
    const g = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Okta Push',
      members: [{ value: id, display: 'Olga Okta' }],
    });
    expect(g.status).toBe(201);
    const gid = g.body.id;
    const add = await scim.patch(`/Groups/${gid}`, [{ op: 'add', path: 'members', value: [{ value: other, display: 'Other' }] }]);
    expect(add.body.members.map((m: any) => m.value)).toEqual([id, other]);
    const rm = await scim.patch(`/Groups/${gid}`, [{ op: 'remove', path: `members[value eq "${id}"]` }]);
    expect(rm.body.members.map((m: any) => m.value)).toEqual([other]);
    const renamed = await scim.patch(`/Groups/${gid}`, [{ op: 'replace', value: { id: gid, displayName: 'Okta Pushed' } }]);
    expect(renamed.status).toBe(200);
    expect(renamed.body.displayName).toBe('Okta Pushed');
    const put = await scim.put(`/Groups/${gid}`, {
      schemas: [GROUP_SCHEMA, GROUP_ROLE_SCHEMA],
      id: gid,
      displayName: 'Okta Pushed',
      members: [{ value: id }, { value: other }],
      [GROUP_ROLE_SCHEMA]: { roleId: roles.analyst },
    });
    expect(put.status).toBe(200);
    expect(put.body.members.map((m: any) => m.value)).toEqual([id, other]);
    const now = await memberRoles();
    expect([now.get(id), now.get(other)]).toEqual([['analyst'], ['analyst']]);
    expect(errorCode(await gw.gql('{ viewer { user { id } } }', {}, 'scim_not-a-graphql-token'))).toBe('UNAUTHENTICATED');
  });
});
