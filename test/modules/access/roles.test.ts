import { ADMIN_EQUIVALENT_KEYS } from '../../../src/authz/packs';
import { AuditEvent } from '../../../src/audit/model';
import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { acct, bind, can, err, memberWith, newMember, ok, roleIds, ROLES, wsScope } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  roles = await roleIds(gw, owner);
});
afterAll(() => gw.stop());

const CREATE_ROLE = `mutation($input: CreateRoleInput!) { createRole(input: $input) { id key name description permissions system customisable } }`;
const UPDATE_ROLE = `mutation($id: ID!, $input: UpdateRoleInput!) { updateRole(id: $id, input: $input) { id name permissions } }`;
const DELETE_ROLE = `mutation($id: ID!) { deleteRole(id: $id) }`;
const CREATE_WS = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id name } }`;
const WORKSPACES = `query($id: ID!) { account(id: $id) { workspaces { edges { node { id } } } } }`;
const LISTS = `query($id: ID!) { workspace(id: $id) { lists { edges { node { id name } } } } }`;
const CREATE_LIST = `mutation($input: CreateListInput!) { createList(input: $input) { id } }`;
const MEMBERS = `query($id: ID!) { account(id: $id) { members { edges { node { user { email } } } } } }`;
const INSTALL = `mutation($input: InstallRolePackInput!) { installRolePack(input: $input) { id key name pack customisable system permissions } }`;

describe('default roles', () => {
  it('every account has owner and admin (system, not customisable) and the manager/analyst/viewer presets', async () => {
    const d = ok(await gw.gql(ROLES, { id: owner.accountId }, owner.token));
    const byKey = Object.fromEntries(d.account.roles.edges.map((e: any) => [e.node.key, e.node]));
    expect(Object.keys(byKey)).toEqual(expect.arrayContaining(['owner', 'admin', 'manager', 'analyst', 'viewer']));
    expect(byKey.owner).toMatchObject({ system: true, customisable: false });
    expect(byKey.admin).toMatchObject({ system: true, customisable: false });
    expect(byKey.admin.permissions).not.toContain('account:delete');
    expect(byKey.admin.permissions).not.toContain('account:transferOwnership');
    for (const k of ['manager', 'analyst', 'viewer']) expect(byKey[k]).toMatchObject({ system: false, customisable: true });
  });

  it('a viewer reads workspaces and lists but creates nothing and sees no members or roles', async () => {
    const v = await memberWith(gw, owner, roles.viewer!, acct(owner), 'viewer');
    expect(ok(await gw.gql(WORKSPACES, { id: owner.accountId }, v.token)).account.workspaces.edges).toHaveLength(1);
    expect(ok(await gw.gql(LISTS, { id: owner.workspaceId }, v.token)).workspace.lists.edges).toEqual([]);

    const ws = await gw.gql(CREATE_WS, { input: { accountId: owner.accountId, name: 'Nope' } }, v.token);
    expect(err(ws)).toMatchObject({ code: 'FORBIDDEN', permission: 'workspaces:create' });
    const list = await gw.gql(CREATE_LIST, { input: { workspaceId: owner.workspaceId, name: 'Nope' } }, v.token);
    expect(err(list)).toMatchObject({ code: 'FORBIDDEN', permission: 'lists:create' });
    const members = await gw.gql(MEMBERS, { id: owner.accountId }, v.token);
    expect(err(members)).toMatchObject({ code: 'FORBIDDEN', permission: 'members:view' });
    expect(members.body.data!.account.members).toBeNull();
    const r = await gw.gql(ROLES, { id: owner.accountId }, v.token);
    expect(err(r)).toMatchObject({ code: 'FORBIDDEN', permission: 'roles:view' });
  });

  it('a manager creates lists (day-to-day marketing) but not workspaces, members or billing', async () => {
    const m = await memberWith(gw, owner, roles.manager!, acct(owner), 'manager');
    ok(await gw.gql(CREATE_LIST, { input: { workspaceId: owner.workspaceId, name: 'Newsletter' } }, m.token));
    expect(ok(await gw.gql(LISTS, { id: owner.workspaceId }, m.token)).workspace.lists.edges.map((e: any) => e.node.name)).toContain(
      'Newsletter',
    );
    expect(err(await gw.gql(CREATE_WS, { input: { accountId: owner.accountId, name: 'X' } }, m.token)).code).toBe('FORBIDDEN');
    expect(err(await gw.gql(MEMBERS, { id: owner.accountId }, m.token)).code).toBe('FORBIDDEN');
    const cu = await gw.gql(
      `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { accountId: owner.accountId, email: 'x-manager-made@example.com', password: 'Correct-Horse-9-Battery' } },
      m.token,
    );
    expect(err(cu)).toMatchObject({ code: 'FORBIDDEN', permission: 'members:create' });
    expect(await can(gw, m.token, 'billing:edit', acct(owner))).toBe(false);
    expect(await can(gw, m.token, 'billing:view', acct(owner))).toBe(false);
  });

  it('system roles cannot be edited or deleted; presets can be edited', async () => {
    for (const key of ['owner', 'admin']) {
      const u = await gw.gql(UPDATE_ROLE, { id: roles[key], input: { name: 'Mine' } }, owner.token);
      expect(err(u)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
      const d = await gw.gql(DELETE_ROLE, { id: roles[key] }, owner.token);
      expect(err(d)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    }
    const u = await gw.gql(UPDATE_ROLE, { id: roles.analyst, input: { description: 'Reads and exports' } }, owner.token);
    expect(u.body.errors).toBeUndefined();
  });
});

describe('custom roles', () => {
  it('creates, updates and deletes a custom role; each change is audited', async () => {
    const c = ok(
      await gw.gql(
        CREATE_ROLE,
        {
          input: {
            accountId: owner.accountId,
            name: 'Campaign operator',
            description: 'Runs campaigns',
            permissions: ['campaigns:*', 'lists:view', 'templates:edit:own'],
          },
        },
        owner.token,
      ),
    ).createRole;
    expect(c).toMatchObject({ key: 'custom-campaign-operator', system: false, customisable: true });
    expect(c.permissions).toEqual(['campaigns:*', 'lists:view', 'templates:edit:own']);

    const u = ok(await gw.gql(UPDATE_ROLE, { id: c.id, input: { name: 'Campaign runner', permissions: ['campaigns:view'] } }, owner.token));
    expect(u.updateRole).toMatchObject({ name: 'Campaign runner', permissions: ['campaigns:view'] });

    expect(ok(await gw.gql(DELETE_ROLE, { id: c.id }, owner.token)).deleteRole).toBe(true);
    const after = await roleIds(gw, owner);
    expect(after['custom-campaign-operator']).toBeUndefined();

    const actions = (await AuditEvent.find({ accountId: owner.accountId, 'target.id': c.id }).lean()).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['role.created', 'role.updated', 'role.deleted']));
  });

  it('refuses a second role with the same name (any case) on the name field', async () => {
    ok(
      await gw.gql(
        CREATE_ROLE,
        { input: { accountId: owner.accountId, name: 'Deliverability (EU)', permissions: ['domains:view'] } },
        owner.token,
      ),
    );
    const dup = await gw.gql(
      CREATE_ROLE,
      { input: { accountId: owner.accountId, name: 'deliverability (eu)', permissions: [] } },
      owner.token,
    );
    expect(err(dup)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    const ren = await gw.gql(UPDATE_ROLE, { id: roles.analyst, input: { name: 'MANAGER' } }, owner.token);
    expect(err(ren)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
  });

  it.each([['campaigns:fly'], ['nosuch:view'], ['campaigns'], ['campaigns:view:mine']])(
    'refuses the unknown permission %s with BAD_USER_INPUT on permissions',
    async (p) => {
      const r = await gw.gql(
        CREATE_ROLE,
        { input: { accountId: owner.accountId, name: 'Bad', permissions: ['lists:view', p] } },
        owner.token,
      );
      expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'permissions' });
    },
  );

  it('refuses owner-only permissions in a role (only the owner deletes or transfers the account)', async () => {
    for (const p of ['account:delete', 'account:*']) {
      const r = await gw.gql(CREATE_ROLE, { input: { accountId: owner.accountId, name: 'Risky', permissions: [p] } }, owner.token);
      expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'permissions' });
    }
  });

  it('refuses to delete a role while it is bound, naming who holds it where', async () => {
    const c = ok(
      await gw.gql(CREATE_ROLE, { input: { accountId: owner.accountId, name: 'Bound one', permissions: ['lists:view'] } }, owner.token),
    ).createRole;
    const m = await newMember(gw, owner, 'bound');
    const bindingId = await bind(gw, owner, m.userId, c.id, wsScope(owner));
    const d = await gw.gql(DELETE_ROLE, { id: c.id }, owner.token);
    expect(err(d).code).toBe('BAD_USER_INPUT');
    expect(err(d).message).toContain(m.email);
    expect(err(d).message).toContain(`WORKSPACE ${owner.workspaceId}`);
    ok(await gw.gql(`mutation($id: ID!) { unassignRole(id: $id) }`, { id: bindingId }, owner.token));
    expect(ok(await gw.gql(DELETE_ROLE, { id: c.id }, owner.token)).deleteRole).toBe(true);
  });

  it('widening a role needs holding what is added (rule 3): an admin-made role cannot escalate via edit', async () => {
    // A member allowed to edit roles but holding only list permissions.
    const editor = ok(
      await gw.gql(
        CREATE_ROLE,
        { input: { accountId: owner.accountId, name: 'Role editor', permissions: ['roles:view', 'roles:edit', 'lists:*'] } },
        owner.token,
      ),
    ).createRole;
    const e = await memberWith(gw, owner, editor.id, acct(owner), 'editor');
    const target = ok(
      await gw.gql(CREATE_ROLE, { input: { accountId: owner.accountId, name: 'Target', permissions: ['lists:view'] } }, owner.token),
    ).createRole;
    const bad = await gw.gql(UPDATE_ROLE, { id: target.id, input: { permissions: ['lists:view', 'billing:edit'] } }, e.token);
    expect(err(bad)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'permissions' });
    expect(err(bad).message).toContain('billing:edit');
    const good = await gw.gql(UPDATE_ROLE, { id: target.id, input: { permissions: ['lists:view', 'lists:edit'] } }, e.token);
    expect(good.body.errors).toBeUndefined();
  });

  it("another account's role is NOT_FOUND", async () => {
    const other = await gw.signUp();
    const otherRoles = await roleIds(gw, other);
    expect(errorCode(await gw.gql(UPDATE_ROLE, { id: otherRoles.manager, input: { name: 'x' } }, owner.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(DELETE_ROLE, { id: otherRoles.manager }, owner.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(`query($id: ID!) { role(id: $id) { id } }`, { id: otherRoles.manager }, owner.token))).toBe('NOT_FOUND');
  });
});

describe('role packs', () => {
  it('installs each pack as customisable presets, idempotently', async () => {
    const o = await gw.signUp();
    for (const pack of ['MAILGUN', 'MAILTRAP', 'MAILERCLOUD', 'MAILERS_IO', 'MAUTIC']) {
      const first = ok(await gw.gql(INSTALL, { input: { accountId: o.accountId, pack } }, o.token)).installRolePack;
      expect(first.length).toBeGreaterThan(2);
      // The roles standing for the product's administrator are protected as admin is: not customisable (MT4).
      for (const r of first)
        expect(r).toMatchObject({
          system: false,
          customisable: !ADMIN_EQUIVALENT_KEYS.includes(r.key),
          pack: pack.toLowerCase().replace('_', ''),
        });
      const again = ok(await gw.gql(INSTALL, { input: { accountId: o.accountId, pack } }, o.token)).installRolePack;
      expect(again.map((r: any) => r.id)).toEqual(first.map((r: any) => r.id));
    }
    const keys = Object.keys(await roleIds(gw, o));
    expect(keys).toEqual(
      expect.arrayContaining([
        'mailgun-admin',
        'mailgun-developer',
        'mailgun-support',
        'mailgun-billing',
        'mailgun-analyst',
        'mailtrap-domain-admin',
        'mailtrap-view-email-content',
        'mailercloud-manager',
        'mailersio-campaigns-full',
        'mailersio-servers-read',
        'mautic-campaigns-edit-own',
        'mautic-forms-full',
      ]),
    );
  });

  it('needs roles:create', async () => {
    const v = await memberWith(gw, owner, roles.viewer!, acct(owner), 'packviewer');
    const r = await gw.gql(INSTALL, { input: { accountId: owner.accountId, pack: 'MAILGUN' } }, v.token);
    expect(err(r)).toMatchObject({ code: 'FORBIDDEN', permission: 'roles:create' });
  });
});
