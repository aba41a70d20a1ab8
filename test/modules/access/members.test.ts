import mongoose from 'mongoose';
import { AuditEvent } from '../../../src/audit/model';
import { errorCode, STRONG_PASSWORD, uniqueEmail, type TestGateway, type TestOwner } from '../../helpers/gateway';
import type { Mailbox } from '../../helpers/mailbox';
import { acct, bind, can, CREATE_USER, err, LOGIN, memberWith, newMember, ok, PERMS, roleIds, startOwnerWorld, wsScope } from './helpers';

let gw: TestGateway;
let mailbox: Mailbox;
let owner: TestOwner;
let roles: Record<string, string>;
let stop: () => Promise<void>;
beforeAll(async () => ({ gw, mailbox, owner, roles, stop } = await startOwnerWorld()));
afterAll(() => stop());

const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { id email status role { key } scope { type id } expiresAt invitedBy { id } } }`;
const ACCEPT = `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token user { id email name } account { id name } } }`;
const REMOVE = `mutation($input: RemoveMemberInput!) { removeMember(input: $input) }`;
const TRANSFER = `mutation($input: TransferOwnershipInput!) { transferOwnership(input: $input) { id owner { id } } }`;
const DELETE_ACCOUNT = `mutation($id: ID!) { deleteAccount(id: $id) }`;
const VIEWER = `{ viewer { user { email } accounts { id } } }`;
const ACCOUNT = `query($id: ID!) { account(id: $id) { id name } }`;
const MEMBERS = `query($id: ID!) { account(id: $id) { members(first: 100) { edges { node { user { id email } bindings { role { key } scope { type id } } } } } } }`;

const tokenFor = (email: string) => mailbox.invitationToken(email);

describe('createUser', () => {
  it('makes a login and a member with no access (least privilege)', async () => {
    const email = uniqueEmail('made');
    const d = ok(
      await gw.gql(
        CREATE_USER,
        {
          input: {
            accountId: owner.accountId,
            email,
            password: STRONG_PASSWORD,
            firstName: 'Mia',
            lastName: 'Made',
            username: 'mia',
            position: 'Ops',
            signature: 'Mia',
            timezone: 'Europe/Paris',
            language: 'fr',
          },
        },
        owner.token,
      ),
    );
    expect(d.createUser).toMatchObject({ email, name: 'Mia Made' });
    const login = ok(await gw.gql(LOGIN, { input: { email, password: STRONG_PASSWORD } }));
    const v = ok(await gw.gql(VIEWER, {}, login.login.token));
    expect(v.viewer.accounts).toEqual([{ id: owner.accountId }]);
    expect(ok(await gw.gql(PERMS, { s: acct(owner) }, login.login.token)).viewer.permissions).toEqual([]);
    expect(errorCode(await gw.gql(ACCOUNT, { id: owner.accountId }, login.login.token))).toBe('FORBIDDEN');
    const members = ok(await gw.gql(MEMBERS, { id: owner.accountId }, owner.token)).account.members.edges;
    expect(members.find((e: any) => e.node.user.email === email).node.bindings).toEqual([]);
    const created = await AuditEvent.find({ accountId: owner.accountId, action: 'member.created', 'target.id': d.createUser.id }).lean();
    expect(created).toHaveLength(1);
    expect(JSON.stringify(created)).not.toContain(STRONG_PASSWORD);
    expect(gw.logs.join('')).not.toContain(STRONG_PASSWORD);
    const raw = await mongoose.connection.db!.collection('users').findOne({ email });
    expect(JSON.stringify(raw)).not.toContain(STRONG_PASSWORD);
  });

  it('refuses an existing email, a weak password and over-long fields', async () => {
    const m = await newMember(gw, owner, 'exists');
    const dup = await gw.gql(
      CREATE_USER,
      { input: { accountId: owner.accountId, email: m.email, password: STRONG_PASSWORD } },
      owner.token,
    );
    expect(err(dup)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    const weak = await gw.gql(
      CREATE_USER,
      { input: { accountId: owner.accountId, email: uniqueEmail('w'), password: 'abc' } },
      owner.token,
    );
    expect(err(weak)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    const long = await gw.gql(
      CREATE_USER,
      { input: { accountId: owner.accountId, email: uniqueEmail('l'), password: STRONG_PASSWORD, position: 'x'.repeat(101) } },
      owner.token,
    );
    expect(err(long)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'position' });
  });

  it("another account's id is NOT_FOUND", async () => {
    const other = await gw.signUp();
    const r = await gw.gql(
      CREATE_USER,
      { input: { accountId: other.accountId, email: uniqueEmail('x'), password: STRONG_PASSWORD } },
      owner.token,
    );
    expect(errorCode(r)).toBe('NOT_FOUND');
  });
});

describe('invitations', () => {
  it('mails a token; accepting creates the user, the member and the invited binding, and signs in', async () => {
    const email = uniqueEmail('invitee');
    const inv = ok(
      await gw.gql(INVITE, { input: { accountId: owner.accountId, email, roleId: roles.manager, scope: wsScope(owner) } }, owner.token),
    ).inviteUser;
    expect(inv).toMatchObject({
      email,
      status: 'PENDING',
      role: { key: 'manager' },
      scope: wsScope(owner),
      invitedBy: { id: owner.userId },
    });
    const token = await tokenFor(email);

    // The token is only in the mail: not in responses, logs, audit events or the stored invitation.
    const stored = await mongoose.connection.db!.collection('invitations').findOne({ _id: inv.id } as never);
    expect(JSON.stringify(stored)).not.toContain(token);
    const events = await AuditEvent.find({ accountId: owner.accountId }).lean();
    expect(JSON.stringify(events)).not.toContain(token);
    expect(gw.logs.join('')).not.toContain(token);

    const a = ok(await gw.gql(ACCEPT, { input: { token, password: STRONG_PASSWORD, firstName: 'Ivy', lastName: 'Invitee' } }));
    expect(a.acceptInvitation).toMatchObject({ user: { email, name: 'Ivy Invitee' }, account: { id: owner.accountId } });
    const t = a.acceptInvitation.token;
    expect(await can(gw, t, 'lists:create', wsScope(owner))).toBe(true);
    expect(await can(gw, t, 'lists:create', acct(owner))).toBe(false);

    const listed = ok(
      await gw.gql(
        `query($id: ID!) { account(id: $id) { invitations(first: 200) { edges { node { id email status } } } } }`,
        { id: owner.accountId },
        owner.token,
      ),
    ).account.invitations.edges.map((e: any) => e.node);
    expect(listed).toContainEqual({ id: inv.id, email, status: 'ACCEPTED' });
    // Used once only.
    const again = await gw.gql(ACCEPT, { input: { token, password: STRONG_PASSWORD } });
    expect(err(again)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
    const actions = events.map((e) => e.action);
    expect(actions).toContain('invitation.created');
    expect((await AuditEvent.find({ accountId: owner.accountId, action: 'invitation.accepted' }).lean()).length).toBeGreaterThan(0);
  });

  it('attaches an existing login when its password is given', async () => {
    const other = await gw.signUp();
    await gw.verifyEmail(other.email);
    const inv = ok(await gw.gql(INVITE, { input: { accountId: owner.accountId, email: other.email, roleId: roles.viewer } }, owner.token));
    expect(inv.inviteUser.scope).toEqual(acct(owner));
    const token = await tokenFor(other.email);
    const wrong = await gw.gql(ACCEPT, { input: { token, password: 'Wrong-Password-77' } });
    expect(err(wrong)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    const a = ok(await gw.gql(ACCEPT, { input: { token, password: other.password } }));
    expect(a.acceptInvitation.user.id).toBe(other.userId);
    const v = ok(await gw.gql(VIEWER, {}, a.acceptInvitation.token));
    expect(v.viewer.accounts.map((x: any) => x.id).sort()).toEqual([owner.accountId, other.accountId].sort());
    expect(await can(gw, a.acceptInvitation.token, 'lists:view', acct(owner))).toBe(true);
  });

  it('refuses unknown tokens, revoked invitations, the owner role and roles the inviter does not hold (rule 3)', async () => {
    expect(err(await gw.gql(ACCEPT, { input: { token: 'x'.repeat(43), password: STRONG_PASSWORD } }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'token',
    });
    const email = uniqueEmail('revoked');
    const inv = ok(await gw.gql(INVITE, { input: { accountId: owner.accountId, email, roleId: roles.viewer } }, owner.token)).inviteUser;
    const token = await tokenFor(email);
    ok(
      await gw.gql(
        `mutation($input: RevokeInvitationInput!) { revokeInvitation(input: $input) }`,
        { input: { accountId: owner.accountId, invitationId: inv.id } },
        owner.token,
      ),
    );
    expect(err(await gw.gql(ACCEPT, { input: { token, password: STRONG_PASSWORD } })).field).toBe('token');

    const o = await gw.gql(INVITE, { input: { accountId: owner.accountId, email: uniqueEmail('o'), roleId: roles.owner } }, owner.token);
    expect(err(o)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'roleId' });

    const inviterRole = ok(
      await gw.gql(
        `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`,
        { input: { accountId: owner.accountId, name: 'Inviter', permissions: ['members:invite', 'lists:view'] } },
        owner.token,
      ),
    ).createRole.id;
    const inviter = await memberWith(gw, owner, inviterRole, acct(owner), 'inviter');
    const bad = await gw.gql(
      INVITE,
      { input: { accountId: owner.accountId, email: uniqueEmail('m'), roleId: roles.manager } },
      inviter.token,
    );
    expect(err(bad)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'roleId' });
    const admin = await gw.gql(
      INVITE,
      { input: { accountId: owner.accountId, email: uniqueEmail('a'), roleId: roles.admin } },
      inviter.token,
    );
    expect(err(admin)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'roleId' });
  });
});

describe('account settings: default role', () => {
  const SETTINGS = `mutation($input: UpdateAccountSettingsInput!) { updateAccountSettings(input: $input) { defaultRole { key } } }`;
  it('invitations without a role bind the default role; the owner role cannot be the default, admin can; the default cannot be deleted', async () => {
    const o = await gw.signUp();
    const r = await roleIds(gw, o);
    const current = ok(
      await gw.gql(`query($id: ID!) { account(id: $id) { settings { defaultRole { key } } } }`, { id: o.accountId }, o.token),
    );
    expect(current.account.settings.defaultRole.key).toBe('viewer');
    expect(err(await gw.gql(SETTINGS, { input: { accountId: o.accountId, defaultRoleId: r.owner } }, o.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'defaultRoleId',
    });
    expect(
      ok(await gw.gql(SETTINGS, { input: { accountId: o.accountId, defaultRoleId: r.admin } }, o.token)).updateAccountSettings.defaultRole
        .key,
    ).toBe('admin');
    expect(
      ok(await gw.gql(SETTINGS, { input: { accountId: o.accountId, defaultRoleId: r.analyst } }, o.token)).updateAccountSettings.defaultRole
        .key,
    ).toBe('analyst');
    const del = await gw.gql(`mutation($id: ID!) { deleteRole(id: $id) }`, { id: r.analyst }, o.token);
    expect(err(del)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    const email = uniqueEmail('defaulted');
    const inv = ok(await gw.gql(INVITE, { input: { accountId: o.accountId, email } }, o.token)).inviteUser;
    expect(inv.role.key).toBe('analyst');
    const a = ok(await gw.gql(ACCEPT, { input: { token: await tokenFor(email), password: STRONG_PASSWORD } }));
    expect(await can(gw, a.acceptInvitation.token, 'reports:export', acct(o))).toBe(true);
    expect(await can(gw, a.acceptInvitation.token, 'lists:create', acct(o))).toBe(false);
  });
});

describe('removeMember', () => {
  it('removes the member, their bindings and API tokens, and ends their sessions at once', async () => {
    const tokenRole = ok(
      await gw.gql(
        `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`,
        { input: { accountId: owner.accountId, name: 'Integrator', permissions: ['apiTokens:*', 'lists:view', 'account:view'] } },
        owner.token,
      ),
    ).createRole.id;
    const m = await memberWith(gw, owner, tokenRole, acct(owner), 'leaver');
    const created = ok(
      await gw.gql(
        `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
        {
          input: {
            accountId: owner.accountId,
            name: 'ci',
            scopes: ['lists:view'],
            expiresAt: new Date(Date.now() + 86400e3).toISOString(),
          },
        },
        m.token,
      ),
    );
    const pst = created.createApiToken.token;
    // A pending invitation they sent stops working with them.
    const invitedEmail = uniqueEmail('leaverinvite');
    const inviteRole = ok(
      await gw.gql(
        `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`,
        { input: { accountId: owner.accountId, name: 'Leaver inviter', permissions: ['members:invite', 'lists:view'] } },
        owner.token,
      ),
    ).createRole.id;
    await bind(gw, owner, m.userId, inviteRole, acct(owner));
    ok(await gw.gql(INVITE, { input: { accountId: owner.accountId, email: invitedEmail, roleId: inviteRole } }, m.token));
    const invitedToken = await tokenFor(invitedEmail);
    expect(ok(await gw.gql(ACCOUNT, { id: owner.accountId }, m.token)).account.id).toBe(owner.accountId);

    expect(ok(await gw.gql(REMOVE, { input: { accountId: owner.accountId, userId: m.userId } }, owner.token)).removeMember).toBe(true);

    expect(errorCode(await gw.gql(VIEWER, {}, m.token))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gw.gql(ACCOUNT, { id: owner.accountId }, m.token))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gw.gql(ACCOUNT, { id: owner.accountId }, pst))).toBe('UNAUTHENTICATED');
    const members = ok(await gw.gql(MEMBERS, { id: owner.accountId }, owner.token)).account.members.edges;
    expect(members.map((e: any) => e.node.user.id)).not.toContain(m.userId);
    const removed = await AuditEvent.find({ accountId: owner.accountId, action: 'member.removed', 'target.id': m.userId }).lean();
    expect(removed).toHaveLength(1);
    expect(removed[0]!.meta).toMatchObject({ apiTokensRevoked: 1, invitationsRevoked: 1 });
    expect(err(await gw.gql(ACCEPT, { input: { token: invitedToken, password: STRONG_PASSWORD } }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'token',
    });

    expect(await mongoose.connection.db!.collection('rolebindings').countDocuments({ accountId: owner.accountId, userId: m.userId })).toBe(
      0,
    );
    // They keep their login: signing in again gives no access to this account.
    const back = ok(await gw.gql(LOGIN, { input: { email: m.email, password: STRONG_PASSWORD } })).login.token;
    expect(errorCode(await gw.gql(ACCOUNT, { id: owner.accountId }, back))).toBe('NOT_FOUND');
  });

  it('cannot remove the owner, oneself, or an admin unless owner/admin', async () => {
    const admin = await memberWith(gw, owner, roles.admin!, acct(owner), 'remadmin');
    expect(err(await gw.gql(REMOVE, { input: { accountId: owner.accountId, userId: owner.userId } }, admin.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'userId',
    });
    expect(err(await gw.gql(REMOVE, { input: { accountId: owner.accountId, userId: admin.userId } }, admin.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'userId',
    });
    const removerRole = ok(
      await gw.gql(
        `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`,
        { input: { accountId: owner.accountId, name: 'Remover', permissions: ['members:*'] } },
        owner.token,
      ),
    ).createRole.id;
    const remover = await memberWith(gw, owner, removerRole, acct(owner), 'remover');
    expect(err(await gw.gql(REMOVE, { input: { accountId: owner.accountId, userId: admin.userId } }, remover.token)).code).toBe(
      'BAD_USER_INPUT',
    );
    const plain = await newMember(gw, owner, 'plain');
    expect(ok(await gw.gql(REMOVE, { input: { accountId: owner.accountId, userId: plain.userId } }, remover.token)).removeMember).toBe(
      true,
    );
    const other = await gw.signUp();
    expect(errorCode(await gw.gql(REMOVE, { input: { accountId: owner.accountId, userId: other.userId } }, owner.token))).toBe('NOT_FOUND');
  });
});

describe('ownership', () => {
  it('only the owner transfers; the new owner must be a member; the old owner becomes admin', async () => {
    const o = await gw.signUp();
    const r = await roleIds(gw, o);
    const admin = await memberWith(gw, o, r.admin!, acct(o), 'tadmin');
    const next = await newMember(gw, o, 'heir');
    const stranger = await gw.signUp();

    expect(err(await gw.gql(TRANSFER, { input: { accountId: o.accountId, userId: next.userId } }, admin.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'account:transferOwnership',
    });
    expect(errorCode(await gw.gql(TRANSFER, { input: { accountId: o.accountId, userId: stranger.userId } }, o.token))).toBe('NOT_FOUND');
    expect(err(await gw.gql(TRANSFER, { input: { accountId: o.accountId, userId: o.userId } }, o.token)).code).toBe('BAD_USER_INPUT');

    const t = ok(await gw.gql(TRANSFER, { input: { accountId: o.accountId, userId: next.userId } }, o.token));
    expect(t.transferOwnership.owner.id).toBe(next.userId);
    expect(await can(gw, next.token, 'account:delete', acct(o))).toBe(true);
    expect(await can(gw, o.token, 'account:delete', acct(o))).toBe(false);
    expect(await can(gw, o.token, 'members:remove', acct(o))).toBe(true);
    const members = ok(await gw.gql(MEMBERS, { id: o.accountId }, next.token)).account.members.edges;
    const keysOf = (id: string) => members.find((e: any) => e.node.user.id === id).node.bindings.map((b: any) => b.role.key);
    expect(keysOf(next.userId)).toContain('owner');
    expect(keysOf(o.userId)).toEqual(['admin']);
    expect((await AuditEvent.find({ accountId: o.accountId, action: 'account.ownershipTransferred' }).lean()).length).toBe(1);
  });

  it('deleteAccount: only the owner; deletes every document of the account', async () => {
    const o = await gw.signUp();
    const r = await roleIds(gw, o);
    const admin = await memberWith(gw, o, r.admin!, acct(o), 'dadmin');
    ok(
      await gw.gql(
        `mutation($input: CreateListInput!) { createList(input: $input) { id } }`,
        { input: { workspaceId: o.workspaceId, name: 'L' } },
        o.token,
      ),
    );
    expect(err(await gw.gql(DELETE_ACCOUNT, { id: o.accountId }, admin.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'account:delete',
    });
    const other = await gw.signUp();
    expect(errorCode(await gw.gql(DELETE_ACCOUNT, { id: other.accountId }, o.token))).toBe('NOT_FOUND');

    expect(ok(await gw.gql(DELETE_ACCOUNT, { id: o.accountId }, o.token)).deleteAccount).toBe(true);
    expect(errorCode(await gw.gql(ACCOUNT, { id: o.accountId }, o.token))).toBe('NOT_FOUND');
    // Every model but the global ones (users and what is theirs, rate-limit counters) carries accountId, so none is left behind.
    // (AccountTombstone: the record of a deleted account, kept outside it on purpose. TwoFactor and
    // LoginChallenge belong to a user, like sessions; SamlRequest holds AuthnRequest ids that expire.)
    const global = new Set([
      'User',
      'Session',
      'Account',
      'AccountTombstone',
      'VerifiedEmail',
      'EmailToken',
      'RateLimit',
      'TwoFactor',
      'LoginChallenge',
      'SamlRequest',
    ]);
    expect(mongoose.modelNames().filter((n) => !global.has(n) && !mongoose.model(n).schema.path('accountId'))).toEqual([]);
    for (const name of mongoose.modelNames()) {
      const M = mongoose.model(name);
      if (M.schema.path('accountId')) expect([name, await M.countDocuments({ accountId: o.accountId })]).toEqual([name, 0]);
    }
    expect(await mongoose.connection.db!.collection('accounts').countDocuments({ _id: o.accountId } as never)).toBe(0);
    // The other account is untouched.
    expect(ok(await gw.gql(ACCOUNT, { id: other.accountId }, other.token)).account.id).toBe(other.accountId);
  });
});

describe('Viewer.can and Viewer.permissions', () => {
  it('answer from roles, bindings and scope; unknown permission is BAD_USER_INPUT; other accounts are false/[]', async () => {
    const m = await memberWith(gw, owner, roles.viewer!, wsScope(owner), 'introspect');
    expect(await can(gw, m.token, 'lists:view', wsScope(owner))).toBe(true);
    expect(await can(gw, m.token, 'lists:view', acct(owner))).toBe(false);
    expect(await can(gw, m.token, 'lists:create', wsScope(owner))).toBe(false);
    const perms = ok(await gw.gql(PERMS, { s: wsScope(owner) }, m.token)).viewer.permissions;
    expect([...perms].sort()).toEqual(['account:view', 'campaigns:view', 'contacts:view', 'lists:view', 'workspaces:view']);

    const bad = await gw.gql(`query($s: ScopeInput!) { viewer { can(permission: "lists:fly", scope: $s) } }`, { s: acct(owner) }, m.token);
    expect(err(bad)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'permission' });

    const other = await gw.signUp();
    expect(await can(gw, m.token, 'lists:view', acct(other))).toBe(false);
    expect(ok(await gw.gql(PERMS, { s: wsScope(other) }, m.token)).viewer.permissions).toEqual([]);
    expect(ok(await gw.gql(PERMS, { s: { type: 'WORKSPACE', id: 'f'.repeat(24) } }, m.token)).viewer.permissions).toEqual([]);
  });

  it('own-only permissions are listed with :own, and the owner holds everything', async () => {
    const own = ok(
      await gw.gql(
        `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`,
        { input: { accountId: owner.accountId, name: 'Own editor', permissions: ['templates:edit:own', 'templates:view'] } },
        owner.token,
      ),
    ).createRole.id;
    const m = await newMember(gw, owner, 'own');
    await bind(gw, owner, m.userId, own, wsScope(owner));
    const perms = ok(await gw.gql(PERMS, { s: wsScope(owner) }, m.token)).viewer.permissions;
    expect(perms).toEqual(['templates:view', 'templates:edit:own']);
    expect(await can(gw, m.token, 'templates:edit:own', wsScope(owner))).toBe(true);
    expect(await can(gw, m.token, 'templates:edit', wsScope(owner))).toBe(false);
    const all = ok(await gw.gql(PERMS, { s: acct(owner) }, owner.token)).viewer.permissions;
    expect(all).toContain('account:delete');
    expect(all.length).toBeGreaterThan(100);
  });
});
