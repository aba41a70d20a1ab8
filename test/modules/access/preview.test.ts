// previewAccessChange, as an admin would use it before a change: who gains and loses what, at which
// scope, which rule would refuse it — and nothing written. Then the claim itself, on randomly generated
// changes: the real mutation does exactly what its preview said (refusals included).
import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';
import { startTestGateway, type GqlResponse, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { acct, ASSIGN, bind, err, memberWith, newMember, ok, OVERRIDES, PERMS, roleIds, UNASSIGN, wsScope, type Scope } from './helpers';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.stop());

const PREVIEW = `query($change: AccessChangeInput!) {
  previewAccessChange(change: $change) { principalId kind userId scope { type id } gained lost refusedBy }
}`;
const CREATE_ROLE = `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`;
const UPDATE_ROLE = `mutation($id: ID!, $input: UpdateRoleInput!) { updateRole(id: $id, input: $input) { id } }`;
const REMOVE_MEMBER = `mutation($input: RemoveMemberInput!) { removeMember(input: $input) }`;
const INSTALL_PACK = `mutation($input: InstallRolePackInput!) { installRolePack(input: $input) { id } }`;
const CREATE_TOKEN = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id } } }`;
const STATE = `query($id: ID!) { account(id: $id) {
  roles(first: 200) { edges { node { id key permissions } } }
  members(first: 200) { edges { node { user { id } bindings { id role { id } scope { type id } grant revoke expiresAt } } } }
} }`;

interface Delta {
  principalId: string;
  kind: 'USER' | 'TOKEN';
  userId: string;
  scope: Scope;
  gained: string[];
  lost: string[];
  refusedBy: string | null;
}

async function preview(token: string, change: Record<string, unknown>): Promise<GqlResponse> {
  return gw.gql(PREVIEW, { change }, token);
}

async function deltas(token: string, change: Record<string, unknown>): Promise<Delta[]> {
  return ok(await preview(token, change)).previewAccessChange;
}

async function perms(token: string, scope: Scope): Promise<string[]> {
  return ok(await gw.gql(PERMS, { s: scope }, token)).viewer.permissions;
}

async function role(owner: TestOwner, name: string, permissions: string[]): Promise<string> {
  return ok(await gw.gql(CREATE_ROLE, { input: { accountId: owner.accountId, name, permissions } }, owner.token)).createRole.id;
}

async function apiToken(owner: TestOwner, by: string, scopes: string[], workspaceIds?: string[]): Promise<{ id: string; token: string }> {
  const expiresAt = new Date(Date.now() + 864e5).toISOString();
  const d = ok(await gw.gql(CREATE_TOKEN, { input: { accountId: owner.accountId, name: 'ci', scopes, workspaceIds, expiresAt } }, by));
  return { id: d.createApiToken.apiToken.id, token: d.createApiToken.token };
}

const sorted = (l: string[]) => [...l].sort();

describe('previewAccessChange', () => {
  let owner: TestOwner;
  let campaigner: string;
  let bob: Awaited<ReturnType<typeof memberWith>>;
  let bobToken: { id: string; token: string };
  let wsBinding: string;

  beforeAll(async () => {
    owner = await gw.signUp();
    const tokenMaker = await role(owner, 'Token maker', ['apiTokens:create', 'campaigns:view', 'lists:view']);
    campaigner = await role(owner, 'Campaigner', ['workspaces:view', 'campaigns:view', 'campaigns:edit', 'campaigns:delete', 'lists:view']);
    bob = await memberWith(gw, owner, tokenMaker, acct(owner), 'bob');
    bobToken = await apiToken(owner, bob.token, ['campaigns:view', 'lists:view']);
  });

  it('assignRole: the person gains what the role adds where it is bound, and the real assignment does exactly that', async () => {
    const state = ok(await gw.gql(STATE, { id: owner.accountId }, owner.token));
    const said = await deltas(owner.token, {
      accountId: owner.accountId,
      assignRole: { userId: bob.userId, roleId: campaigner, scope: wsScope(owner) },
    });
    expect(said).toEqual([
      {
        principalId: bob.userId,
        kind: 'USER',
        userId: bob.userId,
        scope: wsScope(owner),
        gained: ['workspaces:view', 'campaigns:edit', 'campaigns:delete'],
        lost: [],
        refusedBy: null,
      },
    ]);
    // Nothing written by the preview.
    expect(ok(await gw.gql(STATE, { id: owner.accountId }, owner.token))).toEqual(state);

    const before = await perms(bob.token, wsScope(owner));
    wsBinding = ok(await gw.gql(ASSIGN, { input: { userId: bob.userId, roleId: campaigner, scope: wsScope(owner) } }, owner.token)).assignRole
      .id;
    const after = await perms(bob.token, wsScope(owner));
    expect(sorted(after.filter((p) => !before.includes(p)))).toEqual(sorted(said[0]!.gained));
  });

  it("setPermissionOverrides: a revoke takes the permission from the person and from their partner token (capped by its creator)", async () => {
    const tokenMakerBinding = bob.bindingId;
    const said = await deltas(owner.token, {
      accountId: owner.accountId,
      setPermissionOverrides: { bindingId: tokenMakerBinding, grant: [], revoke: ['lists:view'] },
    });
    // At the workspace, Campaigner still gives lists:view: only the account node changes.
    expect(said.map((d) => [d.kind, d.principalId, d.scope.type, d.gained, d.lost])).toEqual([
      ['USER', bob.userId, 'ACCOUNT', [], ['lists:view']],
      ['TOKEN', bobToken.id, 'ACCOUNT', [], ['lists:view']],
    ]);
    expect(said[1]!.userId).toBe(bob.userId);

    ok(await gw.gql(OVERRIDES, { input: { bindingId: tokenMakerBinding, grant: [], revoke: ['lists:view'] } }, owner.token));
    expect(await perms(bobToken.token, acct(owner))).toEqual(['campaigns:view']);
    expect(await perms(bob.token, acct(owner))).not.toContain('lists:view');
  });

  it('updateRole: everyone bound to the role gains with it, each where they hold it', async () => {
    const carol = await memberWith(gw, owner, campaigner, acct(owner), 'carol');
    const said = await deltas(owner.token, {
      accountId: owner.accountId,
      updateRole: { id: campaigner, input: { permissions: ['workspaces:view', 'campaigns:*', 'lists:view', 'templates:view'] } },
    });
    const gained = ['campaigns:create', 'campaigns:send', 'templates:view'];
    // Bob holds it on the workspace, Carol on the account; Bob's token has neither permission among its scopes.
    const rows = said.map((d) => [d.kind, d.principalId, d.scope.type, sorted(d.gained), d.lost]);
    expect(sorted(rows.map((r) => JSON.stringify(r)))).toEqual(
      sorted([
        JSON.stringify(['USER', bob.userId, 'WORKSPACE', gained, []]),
        JSON.stringify(['USER', carol.userId, 'ACCOUNT', gained, []]),
      ]),
    );
    ok(
      await gw.gql(
        UPDATE_ROLE,
        { id: campaigner, input: { permissions: ['workspaces:view', 'campaigns:*', 'lists:view', 'templates:view'] } },
        owner.token,
      ),
    );
    expect(await perms(carol.token, acct(owner))).toEqual(expect.arrayContaining(gained));
  });

  it('unassignRole and removeMember: what is lost, by the person and their token', async () => {
    const unassign = await deltas(owner.token, { accountId: owner.accountId, unassignRole: { id: wsBinding } });
    const bobsLoss = unassign.find((d) => d.kind === 'USER')!;
    expect(bobsLoss.scope).toEqual(wsScope(owner));
    expect(sorted(bobsLoss.lost)).toEqual(
      sorted(['workspaces:view', 'campaigns:create', 'campaigns:edit', 'campaigns:delete', 'campaigns:send', 'lists:view', 'templates:view']),
    );
    // The token kept campaigns:view through the account binding; lists:view it had only through Campaigner.
    expect(unassign.find((d) => d.kind === 'TOKEN')).toMatchObject({ principalId: bobToken.id, scope: wsScope(owner), lost: ['lists:view'] });

    const removal = await deltas(owner.token, { accountId: owner.accountId, removeMember: { accountId: owner.accountId, userId: bob.userId } });
    const atAccount = removal.filter((d) => d.scope.type === 'ACCOUNT');
    expect(atAccount.map((d) => [d.kind, d.lost])).toEqual([
      ['USER', ['apiTokens:create', 'campaigns:view']],
      ['TOKEN', ['campaigns:view']],
    ]);
    expect(removal.every((d) => d.gained.length === 0 && d.refusedBy === null)).toBe(true);

    ok(await gw.gql(UNASSIGN, { id: wsBinding }, owner.token));
    expect(await perms(bobToken.token, wsScope(owner))).toEqual(['campaigns:view']);
  });

  it('installRolePack changes nobody’s access until its roles are bound, and the preview installs nothing', async () => {
    const before = Object.keys(await roleIds(gw, owner));
    expect(await deltas(owner.token, { accountId: owner.accountId, installRolePack: { accountId: owner.accountId, pack: 'MAILGUN' } })).toEqual([]);
    expect(Object.keys(await roleIds(gw, owner))).toEqual(before);
  });

  it('a refused change says which rule refuses it, in the mutation’s words, still shows who it would affect, and writes nothing', async () => {
    const lead = await memberWith(
      gw,
      owner,
      await role(owner, 'Lead', ['access:review', 'roles:assign', 'members:view', 'workspaces:view', 'campaigns:view']),
      acct(owner),
      'lead',
    );
    const dave = await newMember(gw, owner, 'dave');
    const state = ok(await gw.gql(STATE, { id: owner.accountId }, owner.token));
    const assign = { userId: dave.userId, roleId: campaigner, scope: wsScope(owner) };
    const said = await deltas(lead.token, { accountId: owner.accountId, assignRole: assign });
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ principalId: dave.userId, scope: wsScope(owner), lost: [] });
    expect(said[0]!.gained).toContain('campaigns:send');
    expect(said[0]!.refusedBy).toMatch(/^You cannot grant what you do not hold at this scope .*missing campaigns:\*/);
    expect(ok(await gw.gql(STATE, { id: owner.accountId }, owner.token))).toEqual(state);
    expect(err(await gw.gql(ASSIGN, { input: assign }, lead.token))).toMatchObject({ code: 'BAD_USER_INPUT', message: said[0]!.refusedBy });

    // Their own access: rule 2, with the delta they would have had.
    const self = await deltas(lead.token, {
      accountId: owner.accountId,
      assignRole: { userId: lead.userId, roleId: (await roleIds(gw, owner)).viewer, scope: acct(owner) },
    });
    expect(self).toEqual([
      {
        principalId: lead.userId,
        kind: 'USER',
        userId: lead.userId,
        scope: acct(owner),
        gained: ['account:view', 'lists:view', 'contacts:view'],
        lost: [],
        refusedBy: 'You cannot change your own access: ask another admin',
      },
    ]);

    // A permission the mutation itself requires (members:remove): FORBIDDEN's message, and who would lose what.
    await bind(gw, owner, dave.userId, campaigner, acct(owner));
    const removal = await deltas(lead.token, { accountId: owner.accountId, removeMember: { accountId: owner.accountId, userId: dave.userId } });
    expect(removal.map((d) => [d.principalId, d.scope.type, d.refusedBy])).toEqual([
      [dave.userId, 'ACCOUNT', `Missing permission members:remove on ACCOUNT ${owner.accountId}`],
    ]);
    expect(removal[0]!.lost).toContain('campaigns:send');
    const refused = await gw.gql(REMOVE_MEMBER, { input: { accountId: owner.accountId, userId: dave.userId } }, lead.token);
    expect(err(refused)).toMatchObject({ code: 'FORBIDDEN', message: removal[0]!.refusedBy });

    // A refused change that would change nobody's access still says so, about whom it is.
    const owners = await deltas(owner.token, {
      accountId: owner.accountId,
      unassignRole: { id: state.account.members.edges.find((e: any) => e.node.user.id === owner.userId).node.bindings[0].id },
    });
    expect(owners).toEqual([
      {
        principalId: owner.userId,
        kind: 'USER',
        userId: owner.userId,
        scope: acct(owner),
        gained: [],
        lost: [],
        refusedBy: "The owner's binding is never removed: the owner transfers ownership with transferOwnership",
      },
    ]);
  });

  it('needs access:review; exactly one change; ids of another account are not found', async () => {
    const plain = await memberWith(gw, owner, campaigner, acct(owner), 'plain');
    const change = { accountId: owner.accountId, installRolePack: { accountId: owner.accountId, pack: 'MAUTIC' } };
    expect(err(await preview(plain.token, change))).toMatchObject({ code: 'FORBIDDEN', permission: 'access:review' });

    expect(err(await preview(owner.token, { accountId: owner.accountId }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'change' });
    const two = { ...change, unassignRole: { id: 'x' } };
    expect(err(await preview(owner.token, two))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'change' });

    const other = await gw.signUp();
    expect(err(await preview(owner.token, { ...change, accountId: other.accountId }))).toMatchObject({ code: 'NOT_FOUND' });
    const foreign = { userId: other.userId, roleId: campaigner, scope: wsScope(other) };
    expect(err(await preview(owner.token, { accountId: owner.accountId, assignRole: foreign }))).toMatchObject({ code: 'NOT_FOUND' });
    const bad = { id: campaigner, input: { permissions: ['campaigns:fly'] } };
    expect(err(await preview(owner.token, { accountId: owner.accountId, updateRole: bad }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'permissions',
    });
  });
});
