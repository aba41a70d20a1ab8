// The escalation holes (docs/permissions-rules.md "Rules no role can break"; `holeN` in
// test/authz/cases.yaml), tried as an attacker would through the real gateway: each is refused with
// a clear error and nothing changes.
import mongoose from 'mongoose';
import { STRONG_PASSWORD, uniqueEmail, type TestGateway, type TestOwner } from '../../helpers/gateway';
import type { Mailbox } from '../../helpers/mailbox';
import { accessStore } from '../../helpers/access';
import { acct, ASSIGN, bind, can, err, memberWith, newMember, ok, OVERRIDES, startOwnerWorld, UNASSIGN, wsScope } from './helpers';

let gw: TestGateway;
let mailbox: Mailbox;
let owner: TestOwner;
let roles: Record<string, string>;
let stop: () => Promise<void>;
beforeAll(async () => ({ gw, mailbox, owner, roles, stop } = await startOwnerWorld()));
afterAll(() => stop());

const CREATE_ROLE = `mutation($input: CreateRoleInput!) { createRole(input: $input) { id permissions } }`;
const UPDATE_ROLE = `mutation($id: ID!, $input: UpdateRoleInput!) { updateRole(id: $id, input: $input) { id permissions } }`;
const ROLE = `query($id: ID!) { role(id: $id) { permissions } }`;
const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { id status } }`;
const ACCEPT = `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token user { id } } }`;
const CREATE_TOKEN = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id scopes } } }`;
const REQUEST = `mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id status } }`;
const DELETE_ACCOUNT = `mutation($id: ID!) { deleteAccount(id: $id) }`;
const TRANSFER = `mutation($input: TransferOwnershipInput!) { transferOwnership(input: $input) { id } }`;
const ACCOUNT = `query($id: ID!) { account(id: $id) { id } }`;

const inHours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();

async function role(permissions: string[], name = `R ${Math.random().toString(36).slice(2, 8)}`): Promise<string> {
  return ok(await gw.gql(CREATE_ROLE, { input: { accountId: owner.accountId, name, permissions } }, owner.token)).createRole.id;
}

async function permissionsOf(roleId: string): Promise<string[]> {
  return ok(await gw.gql(ROLE, { id: roleId }, owner.token)).role.permissions;
}

describe('hole 1: own roles and time-bound access', () => {
  it('nobody edits a role bound to themselves, even holding what they add', async () => {
    const editorRole = await role(['account:view', 'roles:view', 'roles:edit', 'lists:view']);
    const editor = await memberWith(gw, owner, editorRole, acct(owner), 'selfedit');
    // They hold lists:edit through another, permanent role: still not on a role bound to themselves.
    await bind(gw, owner, editor.userId, await role(['lists:edit']), acct(owner));
    const r = await gw.gql(
      UPDATE_ROLE,
      { id: editorRole, input: { permissions: ['account:view', 'roles:view', 'roles:edit', 'lists:view', 'lists:edit'] } },
      editor.token,
    );
    expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(err(r).message).toMatch(/bound to you/);
    expect(await permissionsOf(editorRole)).not.toContain('lists:edit');
  });

  it('what is held only through an expiring binding is usable, never grantable', async () => {
    const editor = await memberWith(gw, owner, await role(['account:view', 'roles:view', 'roles:edit']), acct(owner), 'tempgrant');
    // A time-bound binding gives lists:delete for an hour: usable…
    await bind(gw, owner, editor.userId, await role(['lists:delete']), acct(owner), owner.token, inHours(1));
    expect(await can(gw, editor.token, 'lists:delete', acct(owner))).toBe(true);
    // …but not written into a role, where it would outlive the grant.
    const target = await role(['lists:view']);
    const r = await gw.gql(UPDATE_ROLE, { id: target, input: { permissions: ['lists:view', 'lists:delete'] } }, editor.token);
    expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'permissions' });
    expect(err(r).message).toMatch(/time-bound grant is usable, not grantable\): missing lists:delete/);
    expect(await permissionsOf(target)).toEqual(['lists:view']);
  });

  it('an approved access request (a time-bound grant) does not let its holder assign it onward', async () => {
    const assigner = await memberWith(
      gw,
      owner,
      await role(['account:view', 'roles:view', 'roles:assign', 'workspaces:view']),
      acct(owner),
      'reqgrant',
    );
    const asked = ok(await gw.gql(REQUEST, { input: { permission: 'contacts:export', scope: acct(owner) } }, assigner.token)).requestAccess;
    ok(
      await gw.gql(
        `mutation($input: ResolveAccessRequestInput!) { resolveAccessRequest(input: $input) { status } }`,
        { input: { id: asked.id, approve: true, expiresAt: inHours(1) } },
        owner.token,
      ),
    );
    expect(await can(gw, assigner.token, 'contacts:export', acct(owner))).toBe(true);
    const m = await newMember(gw, owner, 'reqgrant-target');
    const exporter = await role(['contacts:export']);
    const r = await gw.gql(ASSIGN, { input: { userId: m.userId, roleId: exporter, scope: acct(owner) } }, assigner.token);
    expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'roleId' });
    expect((await accessStore.bindingsOf(owner.accountId, [m.userId])).length).toBe(0);
  });
});

describe('hole 2: clearing a revoke is granting', () => {
  it('setPermissionOverrides that drops a revoke needs that permission, grantable, at that scope', async () => {
    const writer = await role(['lists:view', 'lists:edit']);
    const t = await memberWith(gw, owner, writer, wsScope(owner), 'revoked');
    ok(await gw.gql(OVERRIDES, { input: { bindingId: t.bindingId, grant: [], revoke: ['lists:edit'] } }, owner.token));
    expect(await can(gw, t.token, 'lists:edit', wsScope(owner))).toBe(false);

    // An assigner without lists:edit tries to hand it back by emptying the revoke list.
    const assigner = await memberWith(gw, owner, await role(['account:view', 'roles:assign', 'lists:view']), acct(owner), 'unrevoker');
    const r = await gw.gql(OVERRIDES, { input: { bindingId: t.bindingId, grant: [], revoke: [] } }, assigner.token);
    expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'revoke' });
    expect(err(r).message).toMatch(/missing lists:edit/);
    expect((await accessStore.binding(t.bindingId))!.revoke).toEqual(['lists:edit']);
    expect(await can(gw, t.token, 'lists:edit', wsScope(owner))).toBe(false);

    // The owner may: clearing it hands lists:edit back.
    ok(await gw.gql(OVERRIDES, { input: { bindingId: t.bindingId, grant: [], revoke: [] } }, owner.token));
    expect(await can(gw, t.token, 'lists:edit', wsScope(owner))).toBe(true);
  });
});

describe('hole 3: invitations re-check the inviter at acceptance', () => {
  it('an invitation whose inviter lost the right to grant its role binds nothing and says why', async () => {
    const inviterRole = await role(['account:view', 'members:invite', 'roles:view', 'lists:view', 'lists:edit']);
    const inviter = await memberWith(gw, owner, inviterRole, acct(owner), 'inviter');
    const offered = await role(['lists:view', 'lists:edit']);
    const email = uniqueEmail('invitee');
    ok(await gw.gql(INVITE, { input: { accountId: owner.accountId, email, roleId: offered, scope: acct(owner) } }, inviter.token));
    const token = await mailbox.invitationToken(email);

    // The inviter's binding is removed before the invitee accepts.
    ok(await gw.gql(UNASSIGN, { id: inviter.bindingId }, owner.token));
    const r = await gw.gql(ACCEPT, { input: { token, password: STRONG_PASSWORD, firstName: 'In', lastName: 'Vitee' } });
    expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
    expect(err(r).message).toMatch(/may no longer grant/);
    // Nothing changed: no login made, no member, no binding.
    expect(await mongoose.model('User').exists({ email })).toBeNull();
    const bound = (await accessStore.bindingsOfRole(owner.accountId, offered, 10)).length;
    expect(bound).toBe(0);
  });
});

describe('hole 4: owner-only permissions never leak', () => {
  it('a token cannot carry account:delete or account:transferOwnership', async () => {
    for (const scope of ['account:delete', 'account:transferOwnership']) {
      const r = await gw.gql(
        CREATE_TOKEN,
        { input: { accountId: owner.accountId, name: 'evil', scopes: ['account:view', scope], expiresAt: inHours(24) } },
        owner.token,
      );
      expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scopes' });
      expect(r.body.data?.createApiToken ?? null).toBeNull();
    }
  });

  it('a token that carries account:delete anyway (stored before this rule) cannot delete the account; it stays, audit and all', async () => {
    const o = await gw.signUp();
    const made = ok(
      await gw.gql(
        CREATE_TOKEN,
        { input: { accountId: o.accountId, name: 'old', scopes: ['account:view'], expiresAt: inHours(24) } },
        o.token,
      ),
    ).createApiToken;
    await mongoose
      .model('ApiToken')
      .updateOne({ _id: made.apiToken.id }, { $set: { scopes: ['account:view', 'account:delete', 'account:transferOwnership'] } });
    const del = await gw.gql(DELETE_ACCOUNT, { id: o.accountId }, made.token);
    expect(err(del)).toMatchObject({ code: 'FORBIDDEN', permission: 'account:delete' });
    const m = await newMember(gw, o, 'heir');
    expect(err(await gw.gql(TRANSFER, { input: { accountId: o.accountId, userId: m.userId } }, made.token))).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(ok(await gw.gql(ACCOUNT, { id: o.accountId }, o.token)).account.id).toBe(o.accountId);
    expect(await mongoose.model('AuditEvent').countDocuments({ accountId: o.accountId })).toBeGreaterThan(0);
  });

  it('nobody requests an owner-only permission, and no role or override carries one', async () => {
    const m = await memberWith(gw, owner, roles.viewer!, acct(owner), 'wantsdelete');
    for (const permission of ['account:delete', 'account:transferOwnership']) {
      expect(err(await gw.gql(REQUEST, { input: { permission, scope: acct(owner) } }, m.token))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'permission',
      });
    }
    expect(await mongoose.model('AccessRequest').countDocuments({ requesterId: m.userId })).toBe(0);
    expect(
      err(
        await gw.gql(
          CREATE_ROLE,
          { input: { accountId: owner.accountId, name: 'All of account', permissions: ['account:*'] } },
          owner.token,
        ),
      ),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'permissions',
    });
  });

  it('deleting an account leaves a tombstone outside its chain: who, when, through what', async () => {
    const o = await gw.signUp();
    const before = Date.now();
    expect(ok(await gw.gql(DELETE_ACCOUNT, { id: o.accountId }, o.token)).deleteAccount).toBe(true);
    const tomb = await mongoose.model('AccountTombstone').findOne({ deletedAccountId: o.accountId }).lean<Record<string, any>>();
    expect(tomb).toMatchObject({ deletedBy: o.userId, through: 'session' });
    expect(typeof tomb!.requestId).toBe('string');
    expect(new Date(tomb!.deletedAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(tomb!.deleted.Workspace).toBe(1);
    expect(tomb!.accountId).toBeUndefined();
  });
});

describe("hole 10: parent links show ids and names, not people's contact data", () => {
  it('a project-bound member reads the owner through parent links without the email', async () => {
    const project = ok(
      await gw.gql(
        `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
        { input: { workspaceId: owner.workspaceId, name: 'P' } },
        owner.token,
      ),
    ).createProject.id;
    const tester = await role(['projects:view', 'inboxes:view', 'workspaces:view', 'account:view']);
    const m = await memberWith(gw, owner, tester, { type: 'PROJECT', id: project }, 'projectonly');
    const q = `query($id: ID!) { project(id: $id) { workspace { account { owner { id name email username timezone } } } } }`;
    const seen = await gw.gql(q, { id: project }, m.token);
    const ownerSeen = seen.body.data!.project.workspace.account.owner;
    expect(ownerSeen).toMatchObject({ id: owner.userId, email: null, username: null, timezone: null });
    expect(typeof ownerSeen.name).toBe('string');
    expect(seen.text).not.toContain(owner.email);
    // With members:view on the account the same path shows it; the owner sees their own.
    const hr = await memberWith(
      gw,
      owner,
      await role(['account:view', 'members:view', 'projects:view', 'workspaces:view']),
      acct(owner),
      'hr',
    );
    expect((await gw.gql(q, { id: project }, hr.token)).body.data!.project.workspace.account.owner.email).toBe(owner.email);
    expect((await gw.gql(q, { id: project }, owner.token)).body.data!.project.workspace.account.owner.email).toBe(owner.email);
  });
});

describe('hole 11: tokens are told they cannot request access', () => {
  it('a FORBIDDEN says canRequestAccess false to a token, true to a person; a token cannot request', async () => {
    const made = ok(
      await gw.gql(
        CREATE_TOKEN,
        { input: { accountId: owner.accountId, name: 'narrow', scopes: ['account:view'], expiresAt: inHours(24) } },
        owner.token,
      ),
    ).createApiToken;
    const q = `query($id: ID!) { workspace(id: $id) { id } }`;
    const byToken = await gw.gql(q, { id: owner.workspaceId }, made.token);
    expect(byToken.body.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'workspaces:view',
      canRequestAccess: false,
    });
    const person = await newMember(gw, owner, 'nobody');
    const byPerson = await gw.gql(q, { id: owner.workspaceId }, person.token);
    expect(byPerson.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', canRequestAccess: true });
    const ask = await gw.gql(REQUEST, { input: { permission: 'workspaces:view', scope: wsScope(owner) } }, made.token);
    expect(err(ask)).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(err(ask).message).toMatch(/sign in rather than use an API token/);
  });
});
