import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { acct, ASSIGN, bind, can, err, memberWith, newMember, ok, OVERRIDES, roleIds, UNASSIGN, wsScope, type TestMember } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;
let admin: TestMember & { bindingId: string };
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  roles = await roleIds(gw, owner);
  admin = await memberWith(gw, owner, roles.admin!, acct(owner), 'admin');
});
afterAll(() => gw.stop());

const CREATE_ROLE = `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`;
const CREATE_LIST = `mutation($input: CreateListInput!) { createList(input: $input) { id } }`;
const MEMBERS = `query($id: ID!) { account(id: $id) { members(first: 100) { edges { node { user { id email } bindings { id role { key } scope { type id } } } } } } }`;

async function customRole(name: string, permissions: string[]): Promise<string> {
  return ok(await gw.gql(CREATE_ROLE, { input: { accountId: owner.accountId, name, permissions } }, owner.token)).createRole.id;
}

async function ownerBindingId(): Promise<string> {
  const d = ok(await gw.gql(MEMBERS, { id: owner.accountId }, owner.token));
  const me = d.account.members.edges.find((e: any) => e.node.user.id === owner.userId).node;
  return me.bindings.find((b: any) => b.role.key === 'owner').id;
}

describe('rule 1: one owner; the owner role is never assigned', () => {
  it('refuses assigning the owner role, and removing or overriding the owner binding', async () => {
    const m = await newMember(gw, owner, 'wouldbe');
    const r = await gw.gql(ASSIGN, { input: { userId: m.userId, roleId: roles.owner, scope: acct(owner) } }, owner.token);
    expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'roleId' });
    const ob = await ownerBindingId();
    expect(err(await gw.gql(UNASSIGN, { id: ob }, admin.token))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(err(await gw.gql(OVERRIDES, { input: { bindingId: ob, grant: [], revoke: ['lists:view'] } }, admin.token)).code).toBe(
      'BAD_USER_INPUT',
    );
    // The owner still has everything.
    expect(await can(gw, owner.token, 'account:delete', acct(owner))).toBe(true);
  });
});

describe('rule 2: nobody changes their own access', () => {
  it('refuses self-assignment, self-unassignment and self-overrides', async () => {
    const r = await gw.gql(ASSIGN, { input: { userId: admin.userId, roleId: roles.viewer, scope: wsScope(owner) } }, admin.token);
    expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    expect(err(await gw.gql(UNASSIGN, { id: admin.bindingId }, admin.token))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });

    const leadRole = await customRole('Self editor', ['roles:assign', 'roles:view', 'lists:*']);
    const lead = await memberWith(gw, owner, leadRole, acct(owner), 'self');
    const o = await gw.gql(OVERRIDES, { input: { bindingId: lead.bindingId, grant: ['lists:view'], revoke: [] } }, lead.token);
    expect(err(o)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'bindingId' });
  });
});

describe('rule 3: nobody grants what they do not hold', () => {
  let lead: TestMember & { bindingId: string };
  let listReader: string;
  beforeAll(async () => {
    const leadRole = await customRole('Workspace lead', ['roles:assign', 'roles:view', 'members:view', 'lists:*', 'workspaces:view']);
    lead = await memberWith(gw, owner, leadRole, wsScope(owner), 'lead');
    listReader = await customRole('List reader', ['lists:view']);
  });

  it('assigns a role whose permissions the assigner holds at that scope', async () => {
    const m = await newMember(gw, owner, 'reader');
    const r = await gw.gql(ASSIGN, { input: { userId: m.userId, roleId: listReader, scope: wsScope(owner) } }, lead.token);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.assignRole).toMatchObject({ role: { key: 'custom-list-reader' }, scope: wsScope(owner) });
  });

  it('refuses a role granting more than the assigner holds there, naming what is missing', async () => {
    const m = await newMember(gw, owner, 'viewerwannabe');
    const r = await gw.gql(ASSIGN, { input: { userId: m.userId, roleId: roles.viewer, scope: wsScope(owner) } }, lead.token);
    expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'roleId' });
    expect(err(r).message).toContain('campaigns:view');
  });

  it('refuses at a scope where the assigner lacks roles:assign with FORBIDDEN', async () => {
    const m = await newMember(gw, owner, 'acctlevel');
    const r = await gw.gql(ASSIGN, { input: { userId: m.userId, roleId: listReader, scope: acct(owner) } }, lead.token);
    expect(err(r)).toMatchObject({ code: 'FORBIDDEN', permission: 'roles:assign' });
  });

  it('refuses granting an override the assigner lacks', async () => {
    const m = await newMember(gw, owner, 'override');
    const b = await bind(gw, owner, m.userId, listReader, wsScope(owner));
    const bad = await gw.gql(OVERRIDES, { input: { bindingId: b, grant: ['billing:view'], revoke: [] } }, lead.token);
    expect(err(bad)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'grant' });
    const good = await gw.gql(OVERRIDES, { input: { bindingId: b, grant: ['lists:edit'], revoke: [] } }, lead.token);
    expect(good.body.data!.setPermissionOverrides).toMatchObject({ grant: ['lists:edit'], revoke: [] });
  });

  it('validates override permission strings against the catalogue', async () => {
    const m = await newMember(gw, owner, 'badoverride');
    const b = await bind(gw, owner, m.userId, listReader, wsScope(owner));
    for (const [input, field] of [
      [{ grant: ['lists:fly'], revoke: [] }, 'grant'],
      [{ grant: [], revoke: ['nope:view'] }, 'revoke'],
      [{ grant: ['lists:*'], revoke: [] }, 'grant'],
    ] as const) {
      const r = await gw.gql(OVERRIDES, { input: { bindingId: b, ...input } }, owner.token);
      expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });
});

describe('rule 4: owner/admin bindings take no overrides; admins changed only by owner and admins', () => {
  it('refuses overrides on an admin binding and on non-customisable roles', async () => {
    const other = await memberWith(gw, owner, roles.admin!, acct(owner), 'admin2');
    const r = await gw.gql(OVERRIDES, { input: { bindingId: other.bindingId, grant: [], revoke: ['billing:edit'] } }, owner.token);
    expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'bindingId' });
  });

  it('a non-admin holding roles:assign on the account cannot bind or unbind admins; admins can', async () => {
    const almostAll = await customRole('Almost admin', ['roles:*', 'members:*', 'lists:*', 'workspaces:*', 'account:view']);
    const lead = await memberWith(gw, owner, almostAll, acct(owner), 'almost');
    const m = await newMember(gw, owner, 'promote');
    const r = await gw.gql(ASSIGN, { input: { userId: m.userId, roleId: roles.admin, scope: acct(owner) } }, lead.token);
    expect(err(r).code).toBe('BAD_USER_INPUT');
    expect(err(r).message).toMatch(/owner and other admins/);
    const u = await gw.gql(UNASSIGN, { id: admin.bindingId }, lead.token);
    expect(err(u).code).toBe('BAD_USER_INPUT');
    expect(err(u).message).toMatch(/owner and other admins/);
    // An admin can bind another admin, and unbind them.
    const b = await gw.gql(ASSIGN, { input: { userId: m.userId, roleId: roles.admin, scope: acct(owner) } }, admin.token);
    expect(b.body.errors).toBeUndefined();
    expect(ok(await gw.gql(UNASSIGN, { id: b.body.data!.assignRole.id }, admin.token)).unassignRole).toBe(true);
  });
});

describe('rule 5: other accounts do not exist for the caller', () => {
  it('a scope, role, member or binding of another account is NOT_FOUND', async () => {
    const other = await gw.signUp();
    const otherRoles = await roleIds(gw, other);
    const m = await newMember(gw, owner, 'cross');
    const theirs = await newMember(gw, other, 'theirs');
    const theirBinding = await bind(gw, other, theirs.userId, otherRoles.viewer!, acct(other));
    const cases = [
      { userId: m.userId, roleId: roles.viewer, scope: acct(other) },
      { userId: m.userId, roleId: roles.viewer, scope: wsScope(other) },
      { userId: m.userId, roleId: otherRoles.viewer, scope: acct(owner) },
      { userId: theirs.userId, roleId: roles.viewer, scope: acct(owner) },
    ];
    for (const input of cases) expect(err(await gw.gql(ASSIGN, { input }, owner.token)).code).toBe('NOT_FOUND');
    expect(err(await gw.gql(UNASSIGN, { id: theirBinding }, owner.token)).code).toBe('NOT_FOUND');
    expect(err(await gw.gql(OVERRIDES, { input: { bindingId: theirBinding, grant: [], revoke: [] } }, owner.token)).code).toBe('NOT_FOUND');
    expect(await can(gw, owner.token, 'lists:view', acct(other))).toBe(false);
  });
});

describe('rule 6: changes are in force on the next request', () => {
  it('overrides revoke and grant at once', async () => {
    const m = await memberWith(gw, owner, roles.manager!, acct(owner), 'picker');
    ok(await gw.gql(CREATE_LIST, { input: { workspaceId: owner.workspaceId, name: 'Before' } }, m.token));
    expect(await can(gw, m.token, 'billing:view', acct(owner))).toBe(false);

    ok(await gw.gql(OVERRIDES, { input: { bindingId: m.bindingId, grant: ['billing:view'], revoke: ['lists:create'] } }, admin.token));
    const denied = await gw.gql(CREATE_LIST, { input: { workspaceId: owner.workspaceId, name: 'After' } }, m.token);
    expect(err(denied)).toMatchObject({ code: 'FORBIDDEN', permission: 'lists:create' });
    expect(await can(gw, m.token, 'billing:view', acct(owner))).toBe(true);

    ok(await gw.gql(OVERRIDES, { input: { bindingId: m.bindingId, grant: [], revoke: [] } }, admin.token));
    ok(await gw.gql(CREATE_LIST, { input: { workspaceId: owner.workspaceId, name: 'Again' } }, m.token));
    expect(await can(gw, m.token, 'billing:view', acct(owner))).toBe(false);
  });

  it('unassigning takes access away at once', async () => {
    const m = await memberWith(gw, owner, roles.manager!, acct(owner), 'gone');
    expect(await can(gw, m.token, 'lists:create', wsScope(owner))).toBe(true);
    ok(await gw.gql(UNASSIGN, { id: m.bindingId }, owner.token));
    expect(await can(gw, m.token, 'lists:create', wsScope(owner))).toBe(false);
    expect(err(await gw.gql(CREATE_LIST, { input: { workspaceId: owner.workspaceId, name: 'X' } }, m.token)).code).toBe('FORBIDDEN');
    // Still a member, with no access (Mailtrap keeps such users).
    const members = ok(await gw.gql(MEMBERS, { id: owner.accountId }, owner.token)).account.members.edges;
    expect(members.find((e: any) => e.node.user.id === m.userId).node.bindings).toEqual([]);
  });

  it('a binding lapses at its expiresAt', async () => {
    const m = await newMember(gw, owner, 'temp');
    const past = await gw.gql(
      ASSIGN,
      { input: { userId: m.userId, roleId: roles.manager, scope: acct(owner), expiresAt: new Date(Date.now() - 1000).toISOString() } },
      owner.token,
    );
    expect(err(past)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiresAt' });
    await bind(gw, owner, m.userId, roles.manager!, acct(owner), owner.token, new Date(Date.now() + 1500).toISOString());
    expect(await can(gw, m.token, 'lists:create', wsScope(owner))).toBe(true);
    await new Promise((r) => setTimeout(r, 1800));
    expect(await can(gw, m.token, 'lists:create', wsScope(owner))).toBe(false);
    expect(err(await gw.gql(CREATE_LIST, { input: { workspaceId: owner.workspaceId, name: 'Late' } }, m.token)).code).toBe('FORBIDDEN');
  });
});

describe('bindings are audited', () => {
  it('assign, overrides and unassign leave audit events without secrets', async () => {
    const { AuditEvent } = await import('../../../src/audit/model');
    const m = await memberWith(gw, owner, roles.manager!, acct(owner), 'audited');
    ok(await gw.gql(OVERRIDES, { input: { bindingId: m.bindingId, grant: [], revoke: ['lists:delete'] } }, owner.token));
    ok(await gw.gql(UNASSIGN, { id: m.bindingId }, owner.token));
    const events = await AuditEvent.find({ accountId: owner.accountId, 'target.id': m.bindingId }).sort({ seq: 1 }).lean();
    expect(events.map((e) => e.action)).toEqual(['role.assigned', 'role.overridesSet', 'role.unassigned']);
    expect(events.every((e) => e.actor.id === owner.userId)).toBe(true);
  });
});

describe('member visibility', () => {
  it('with members:view only on a workspace, the account member list shows only those bound in it', async () => {
    const ws2 = ok(
      await gw.gql(
        `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
        { input: { accountId: owner.accountId, name: 'Team two' } },
        owner.token,
      ),
    ).createWorkspace.id;
    const reader = await customRole('Account reader', ['account:view']);
    const teamLead = await customRole('Team lead', ['members:view', 'lists:view']);
    const lead = await memberWith(gw, owner, reader, acct(owner), 'wslead');
    await bind(gw, owner, lead.userId, teamLead, { type: 'WORKSPACE', id: ws2 });
    const mate = await memberWith(gw, owner, teamLead, { type: 'WORKSPACE', id: ws2 }, 'wsmate');
    const outsider = await memberWith(gw, owner, teamLead, wsScope(owner), 'wsoutsider');
    const r = await gw.gql(MEMBERS, { id: owner.accountId }, lead.token);
    expect(r.body.errors).toBeUndefined();
    const emails = r.body.data!.account.members.edges.map((e: any) => e.node.user.email);
    expect(emails.sort()).toEqual([lead.email, mate.email].sort());
    expect(r.text).not.toContain(outsider.email);
    expect(r.text).not.toContain(owner.email);
    // Their own account-level binding is outside what they may see of members.
    const mine = r.body.data!.account.members.edges.find((e: any) => e.node.user.email === lead.email).node.bindings;
    expect(mine.map((b: any) => b.scope.id)).toEqual([ws2]);
  });
});

describe('partner tokens', () => {
  it('Viewer.can answers for a pst_ token within its scopes and its creator rights', async () => {
    const integ = await customRole('Token maker', ['apiTokens:*', 'lists:*', 'account:view']);
    const m = await memberWith(gw, owner, integ, acct(owner), 'tokmaker');
    const pst = ok(
      await gw.gql(
        `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
        {
          input: {
            accountId: owner.accountId,
            name: 'ro',
            scopes: ['lists:view'],
            expiresAt: new Date(Date.now() + 86400e3).toISOString(),
          },
        },
        m.token,
      ),
    ).createApiToken.token;
    expect(await can(gw, pst, 'lists:view', wsScope(owner))).toBe(true);
    expect(await can(gw, pst, 'lists:create', wsScope(owner))).toBe(false);
    expect(await can(gw, m.token, 'lists:create', wsScope(owner))).toBe(true);
    ok(await gw.gql(UNASSIGN, { id: m.bindingId }, owner.token));
    expect(await can(gw, pst, 'lists:view', wsScope(owner))).toBe(false);
  });
});
