// Partner API tokens: shown once and stored hashed, validated scopes and expiry, no escalation, and at
// use never more than their scopes, their workspaces, or their creator's current permissions.
import { AuditEvent } from '../../src/audit/model';
import { Account } from '../../src/modules/accounts/account.model';
import { ApiToken } from '../../src/modules/access/token.model';
import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { addMember, allBut, errorsOf, inHours } from './fixtures';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const CREATE = `mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token apiToken { id name prefix scopes workspaceIds expiresAt lastUsedAt revokedAt createdBy { id } } }
}`;
const REVOKE = `mutation($id: ID!) { revokeApiToken(id: $id) }`;
const WORKSPACE = `query($id: ID!) { workspace(id: $id) { id name } }`;
const ACCOUNT = `query($id: ID!) { account(id: $id) { id name } }`;
const TOKENS = `query($id: ID!) { account(id: $id) { apiTokens { edges { node { id name prefix scopes revokedAt } } } } }`;

async function createToken(token: string, input: Record<string, unknown>) {
  return gw.gql(CREATE, { input: { accountId: owner.accountId, name: 'CI', expiresAt: inHours(24), ...input } }, token);
}

async function mustCreate(token: string, input: Record<string, unknown>): Promise<{ token: string; id: string }> {
  const r = await createToken(token, input);
  expect(r.body.errors).toBeUndefined();
  return { token: r.body.data!.createApiToken.token, id: r.body.data!.createApiToken.apiToken.id };
}

describe('createApiToken', () => {
  it('shows a pst_ token once, stores only its hash, lists it without the secret and audits it', async () => {
    const r = await createToken(owner.token, { name: 'Deploy bot', scopes: ['workspaces:view'] });
    expect(r.body.errors).toBeUndefined();
    const { token, apiToken } = r.body.data!.createApiToken;
    expect(token).toMatch(/^pst_[A-Za-z0-9_-]{40,}$/);
    expect(apiToken).toMatchObject({
      name: 'Deploy bot',
      prefix: token.slice(0, 12),
      scopes: ['workspaces:view'],
      workspaceIds: null,
      revokedAt: null,
    });
    expect(apiToken.createdBy.id).toBe(owner.userId);

    const raw = await ApiToken.findById(apiToken.id).lean();
    expect(JSON.stringify(raw)).not.toContain(token);
    expect(raw!.tokenHash).toMatch(/^[0-9a-f]{64}$/);

    const list = await gw.gql(TOKENS, { id: owner.accountId }, owner.token);
    expect(list.body.data!.account.apiTokens.edges.map((e: any) => e.node.id)).toContain(apiToken.id);
    expect(list.text).not.toContain(token);

    const events = await AuditEvent.find({ accountId: owner.accountId, action: 'apiToken.created' }).lean();
    expect(events.map((e) => e.target.id)).toContain(apiToken.id);
    expect(JSON.stringify(events)).not.toContain(token);
    expect(JSON.stringify(events)).not.toContain(raw!.tokenHash);
    expect(gw.logs.join('')).not.toContain(token);

    const used = await gw.gql(WORKSPACE, { id: owner.workspaceId }, token);
    expect(used.body.data!.workspace.id).toBe(owner.workspaceId);
  });

  it.each([
    ['an unknown permission', { scopes: ['campaigns:fly'] }, 'scopes'],
    ['an unknown resource', { scopes: ['rockets:view'] }, 'scopes'],
    ['a wildcard', { scopes: ['campaigns:*'] }, 'scopes'],
    ['an :own qualifier', { scopes: ['campaigns:edit:own'] }, 'scopes'],
    ['no scopes', { scopes: [] }, 'scopes'],
    ['an expiry in the past', { scopes: ['workspaces:view'], expiresAt: inHours(-1) }, 'expiresAt'],
    ['an expiry over a year ahead', { scopes: ['workspaces:view'], expiresAt: inHours(24 * 400) }, 'expiresAt'],
    ['an empty workspace list', { scopes: ['workspaces:view'], workspaceIds: [] }, 'workspaceIds'],
    ['a malformed workspace id', { scopes: ['workspaces:view'], workspaceIds: ['nope'] }, 'workspaceIds'],
    ['a blank name', { scopes: ['workspaces:view'], name: '   ' }, 'name'],
  ])('refuses %s with BAD_USER_INPUT on its field and stores nothing', async (_why, input, field) => {
    const before = await ApiToken.countDocuments({ accountId: owner.accountId });
    const r = await createToken(owner.token, input);
    expect(errorsOf(r)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(r.body.data?.createApiToken ?? null).toBeNull();
    expect(await ApiToken.countDocuments({ accountId: owner.accountId })).toBe(before);
  });

  it('requires an expiry (GraphQL refuses a token without one)', async () => {
    const r = await gw.gql(CREATE, { input: { accountId: owner.accountId, name: 'x', scopes: ['workspaces:view'] } }, owner.token);
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
  });

  it('refuses a workspace of another account', async () => {
    const other = await gw.signUp();
    const r = await createToken(owner.token, { scopes: ['workspaces:view'], workspaceIds: [other.workspaceId] });
    expect(errorsOf(r)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'workspaceIds' });
  });

  it('is NOT_FOUND in another account and FORBIDDEN without apiTokens:create', async () => {
    const other = await gw.signUp();
    const r = await createToken(other.token, { scopes: ['workspaces:view'] });
    expect(errorCode(r)).toBe('NOT_FOUND');
    const m = await addMember(owner.accountId, owner.userId, ['account:view', 'workspaces:view']);
    const f = await createToken(m.token, { scopes: ['workspaces:view'] });
    expect(errorsOf(f)[0]).toMatchObject({ code: 'FORBIDDEN', permission: 'apiTokens:create' });
  });

  it('does not let a creator put into scopes what they do not hold', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['apiTokens:create', 'workspaces:view']);
    const r = await createToken(m.token, { scopes: ['workspaces:view', 'account:view'] });
    expect(errorsOf(r)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scopes' });
    expect(r.body.errors![0]!.message).toContain('account:view');
    await mustCreate(m.token, { scopes: ['workspaces:view'] });
  });

  it('cannot be used to create further tokens', async () => {
    const t = await mustCreate(owner.token, { scopes: ['workspaces:view'] });
    const r = await createToken(t.token, { scopes: ['workspaces:view'] });
    // apiTokens:create is never among a token's scopes (tokenGrantable: false).
    expect(errorsOf(r)[0]).toMatchObject({ code: 'FORBIDDEN', permission: 'apiTokens:create' });
  });

  it('bumps the account permissionsVersion', async () => {
    const v0 = (await Account.findById(owner.accountId).lean())!.permissionsVersion;
    const t = await mustCreate(owner.token, { scopes: ['workspaces:view'] });
    const v1 = (await Account.findById(owner.accountId).lean())!.permissionsVersion;
    expect(v1).toBeGreaterThan(v0);
    await gw.gql(REVOKE, { id: t.id }, owner.token);
    expect((await Account.findById(owner.accountId).lean())!.permissionsVersion).toBeGreaterThan(v1);
  });
});

describe('using a token', () => {
  it('is limited to its scopes even when its creator is the owner', async () => {
    const t = await mustCreate(owner.token, { scopes: ['workspaces:view'] });
    expect((await gw.gql(WORKSPACE, { id: owner.workspaceId }, t.token)).body.data!.workspace.id).toBe(owner.workspaceId);
    const acct = await gw.gql(ACCOUNT, { id: owner.accountId }, t.token);
    expect(errorsOf(acct)[0]).toMatchObject({ code: 'FORBIDDEN', permission: 'account:view' });
    const create = await gw.gql(
      `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
      { input: { accountId: owner.accountId, name: 'Sneaky' } },
      t.token,
    );
    expect(errorsOf(create)[0]).toMatchObject({ code: 'FORBIDDEN', permission: 'workspaces:create' });
  });

  it('is limited to its workspaces', async () => {
    const w2 = await gw.gql(
      `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
      { input: { accountId: owner.accountId, name: 'Second' } },
      owner.token,
    );
    const ws2 = w2.body.data!.createWorkspace.id as string;
    const t = await mustCreate(owner.token, { scopes: ['workspaces:view', 'account:view'], workspaceIds: [owner.workspaceId] });
    expect((await gw.gql(WORKSPACE, { id: owner.workspaceId }, t.token)).body.data!.workspace.id).toBe(owner.workspaceId);
    expect(errorsOf(await gw.gql(WORKSPACE, { id: ws2 }, t.token))[0]).toMatchObject({ code: 'FORBIDDEN', permission: 'workspaces:view' });
    // The account node itself lies outside any workspace.
    expect(errorCode(await gw.gql(ACCOUNT, { id: owner.accountId }, t.token))).toBe('FORBIDDEN');
  });

  it('never exceeds its creator: a permission the creator loses is gone on the next request', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['apiTokens:create', 'workspaces:view', 'account:view']);
    const t = await mustCreate(m.token, { scopes: ['workspaces:view', 'account:view'] });
    expect((await gw.gql(WORKSPACE, { id: owner.workspaceId }, t.token)).body.data!.workspace.id).toBe(owner.workspaceId);
    // The owner edits the creator's role through the API.
    const edit = await gw.gql(
      `mutation($id: ID!, $i: UpdateRoleInput!) { updateRole(id: $id, input: $i) { id } }`,
      { id: m.roleId, i: { permissions: ['apiTokens:create', 'account:view'] } },
      owner.token,
    );
    expect(edit.body.errors).toBeUndefined();
    expect(errorsOf(await gw.gql(WORKSPACE, { id: owner.workspaceId }, t.token))[0]).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'workspaces:view',
    });
    expect((await gw.gql(ACCOUNT, { id: owner.accountId }, t.token)).body.data!.account.id).toBe(owner.accountId);
  });

  it('dies with its creator’s membership', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['apiTokens:create', 'workspaces:view']);
    const t = await mustCreate(m.token, { scopes: ['workspaces:view'] });
    expect((await gw.gql(WORKSPACE, { id: owner.workspaceId }, t.token)).body.data!.workspace).not.toBeNull();
    const removed = await gw.gql(
      `mutation($i: RemoveMemberInput!) { removeMember(input: $i) }`,
      { i: { accountId: owner.accountId, userId: m.userId } },
      owner.token,
    );
    expect(removed.body.errors).toBeUndefined();
    const after = await gw.gql(WORKSPACE, { id: owner.workspaceId }, t.token);
    expect(['NOT_FOUND', 'UNAUTHENTICATED']).toContain(errorCode(after));
    expect(after.body.data?.workspace ?? null).toBeNull();
  });

  it('stops at revocation, at once', async () => {
    const t = await mustCreate(owner.token, { scopes: ['workspaces:view'] });
    expect((await gw.gql(WORKSPACE, { id: owner.workspaceId }, t.token)).body.data!.workspace).not.toBeNull();
    const r = await gw.gql(REVOKE, { id: t.id }, owner.token);
    expect(r.body.data!.revokeApiToken).toBe(true);
    expect(errorCode(await gw.gql(WORKSPACE, { id: owner.workspaceId }, t.token))).toBe('UNAUTHENTICATED');
    const listed = await gw.gql(TOKENS, { id: owner.accountId }, owner.token);
    const node = listed.body.data!.account.apiTokens.edges.find((e: any) => e.node.id === t.id).node;
    expect(node.revokedAt).not.toBeNull();
    const events = await AuditEvent.find({ accountId: owner.accountId, action: 'apiToken.revoked', 'target.id': t.id }).lean();
    expect(events).toHaveLength(1);
  });

  it('stops at expiry', async () => {
    const t = await mustCreate(owner.token, { scopes: ['workspaces:view'] });
    expect((await gw.gql(WORKSPACE, { id: owner.workspaceId }, t.token)).body.data!.workspace).not.toBeNull();
    await ApiToken.updateOne({ _id: t.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect(errorCode(await gw.gql(WORKSPACE, { id: owner.workspaceId }, t.token))).toBe('UNAUTHENTICATED');
  });

  it('records when it was last used', async () => {
    const t = await mustCreate(owner.token, { scopes: ['workspaces:view'] });
    await gw.gql(WORKSPACE, { id: owner.workspaceId }, t.token);
    for (let i = 0; i < 50 && !(await ApiToken.findById(t.id).lean())!.lastUsedAt; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await ApiToken.findById(t.id).lean())!.lastUsedAt).toBeInstanceOf(Date);
  });
});

describe('revokeApiToken and Account.apiTokens', () => {
  it('is NOT_FOUND from another account and FORBIDDEN without apiTokens:revoke', async () => {
    const t = await mustCreate(owner.token, { scopes: ['workspaces:view'] });
    const other = await gw.signUp();
    expect(errorCode(await gw.gql(REVOKE, { id: t.id }, other.token))).toBe('NOT_FOUND');
    const m = await addMember(owner.accountId, owner.userId, allBut('apiTokens:revoke'));
    expect(errorsOf(await gw.gql(REVOKE, { id: t.id }, m.token))[0]).toMatchObject({ code: 'FORBIDDEN', permission: 'apiTokens:revoke' });
    expect((await gw.gql(WORKSPACE, { id: owner.workspaceId }, t.token)).body.data!.workspace).not.toBeNull();
  });

  it('lists tokens only with apiTokens:view', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    const r = await gw.gql(TOKENS, { id: owner.accountId }, m.token);
    expect(errorsOf(r)[0]).toMatchObject({ code: 'FORBIDDEN', permission: 'apiTokens:view', path: 'account.apiTokens' });
    expect(r.body.data!.account.apiTokens).toBeNull();
  });
});
