// explainAccess, as a new admin would use it: paste a FORBIDDEN error's permission and scope, read why.
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { acct, can, err, memberWith, ok, OVERRIDES, wsScope } from './helpers';

let gw: TestGateway;
let owner: TestOwner;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const EXPLAIN = `query($userId: ID, $tokenId: ID, $permission: String!, $scope: ScopeInput!) {
  explainAccess(userId: $userId, tokenId: $tokenId, permission: $permission, scope: $scope) {
    allowed permission scope { type id } steps { kind grants description bindingId }
  }
}`;
const CREATE_ROLE = `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`;
const CREATE_LIST = `mutation($input: CreateListInput!) { createList(input: $input) { id } }`;

async function role(name: string, permissions: string[]): Promise<string> {
  return ok(await gw.gql(CREATE_ROLE, { input: { accountId: owner.accountId, name, permissions } }, owner.token)).createRole.id;
}

async function explain(vars: Record<string, unknown>, token = owner.token) {
  return ok(await gw.gql(EXPLAIN, vars, token)).explainAccess;
}

describe('explainAccess', () => {
  it('a FORBIDDEN error pasted in says which role gives what and why the rest is denied', async () => {
    const readers = await role('List readers', ['workspaces:view', 'lists:view']);
    const bob = await memberWith(gw, owner, readers, wsScope(owner), 'explained');
    const denied = await gw.gql(CREATE_LIST, { input: { workspaceId: owner.workspaceId, name: 'X' } }, bob.token);
    const { permission, scope } = denied.body.errors![0]!.extensions!;

    const why = await explain({ userId: bob.userId, permission, scope });
    expect(why).toMatchObject({ allowed: false, permission: 'lists:create', scope });
    expect(why.steps.map((s: any) => s.kind)).toEqual(['RULE', 'DECISION']);
    expect(why.steps[0].description).toMatch(/No binding on this scope or above it yields lists:create/);

    const yes = await explain({ userId: bob.userId, permission: 'lists:view', scope });
    expect(yes.allowed).toBe(true);
    expect(yes.steps[0]).toMatchObject({ kind: 'BINDING', grants: true, bindingId: bob.bindingId });
    expect(yes.steps[0].description).toContain('"List readers"');

    // A revoke override shows as its own step, and the decision follows it.
    ok(await gw.gql(OVERRIDES, { input: { bindingId: bob.bindingId, grant: [], revoke: ['lists:view'] } }, owner.token));
    const revoked = await explain({ userId: bob.userId, permission: 'lists:view', scope });
    expect(revoked.allowed).toBe(false);
    expect(revoked.steps.map((s: any) => s.kind)).toEqual(['BINDING', 'OVERRIDE_REVOKE', 'DECISION']);
  });

  it('agrees with what the person can actually do, permission by permission', async () => {
    const mixed = await role('Mixed', ['workspaces:view', 'campaigns:view', 'campaigns:edit', 'lists:*']);
    const m = await memberWith(gw, owner, mixed, wsScope(owner), 'agree');
    ok(await gw.gql(OVERRIDES, { input: { bindingId: m.bindingId, grant: ['templates:view'], revoke: ['lists:delete'] } }, owner.token));
    for (const p of [
      'campaigns:view',
      'campaigns:send',
      'lists:edit',
      'lists:delete',
      'templates:view',
      'domains:view',
      'account:delete',
    ]) {
      for (const scope of [wsScope(owner), acct(owner)]) {
        const said = (await explain({ userId: m.userId, permission: p, scope })).allowed;
        expect({ p, scope, said }).toEqual({ p, scope, said: await can(gw, m.token, p, scope) });
      }
    }
  });

  it("explains a token's limits, the owner's rule 8, and is refused without access:review (members:view is not enough)", async () => {
    const made = ok(
      await gw.gql(
        `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { apiToken { id } } }`,
        {
          input: { accountId: owner.accountId, name: 'ci', scopes: ['lists:view'], expiresAt: new Date(Date.now() + 864e5).toISOString() },
        },
        owner.token,
      ),
    ).createApiToken.apiToken.id;
    const t = await explain({ tokenId: made, permission: 'lists:create', scope: wsScope(owner) });
    expect(t.allowed).toBe(false);
    expect(t.steps.find((s: any) => s.kind === 'TOKEN')).toMatchObject({ grants: false });
    expect(t.steps.find((s: any) => s.kind === 'TOKEN').description).toMatch(/lacks lists:create/);

    const self = await explain({ permission: 'account:delete', scope: acct(owner) });
    expect(self).toMatchObject({ allowed: true });
    expect(self.steps[0]).toMatchObject({ kind: 'OWNER', grants: true });

    const plain = await memberWith(gw, owner, await role('Plain', ['lists:view', 'members:view']), acct(owner), 'plain');
    const refused = await gw.gql(EXPLAIN, { userId: owner.userId, permission: 'lists:view', scope: acct(owner) }, plain.token);
    expect(err(refused)).toMatchObject({ code: 'FORBIDDEN', permission: 'access:review' });
    expect(err(await gw.gql(EXPLAIN, { permission: 'lists:nope', scope: acct(owner) }, owner.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'permission',
    });
  });
});
