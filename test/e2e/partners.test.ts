// What a partner integration meets: the permission catalogue to pick scopes from, token rotation
// and editing, and one UNAUTHENTICATED answer, in one wording, for every dead token.
import { AuditEvent } from '../../src/audit/model';
import { PERMISSIONS } from '../../src/authz/catalogue';
import { Session } from '../../src/modules/identity/user.model';
import { ApiToken } from '../../src/modules/access/token.model';
import { UNAUTHENTICATED_MESSAGE } from '../../src/errors';
import { tokenHash } from '../../src/crypto/tokens';
import { errorCode, startTestGateway, STRONG_PASSWORD, type TestGateway, type TestOwner } from '../helpers/gateway';
import { addMember, errorsOf, inHours } from '../authz/fixtures';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const CREATE = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id prefix } } }`;
const ROTATE = `mutation($id: ID!) { rotateApiToken(id: $id) { token apiToken { id prefix scopes workspaceIds expiresAt } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateApiTokenInput!) { updateApiToken(id: $id, input: $input) { id name expiresAt scopes } }`;
const REVOKE = `mutation($id: ID!) { revokeApiToken(id: $id) }`;
const ACCOUNT = `query($id: ID!) { account(id: $id) { id name } }`;

async function makeToken(scopes: string[], by = owner.token): Promise<{ token: string; id: string }> {
  const r = await gw.gql(CREATE, { input: { accountId: owner.accountId, name: 'Partner', scopes, expiresAt: inHours(24) } }, by);
  expect(r.body.errors).toBeUndefined();
  return { token: r.body.data!.createApiToken.token, id: r.body.data!.createApiToken.apiToken.id };
}

describe('permissionCatalogue', () => {
  it('lists every permission with its resource, action, a description and whether a token may hold it, without a token', async () => {
    const r = await gw.gql(`{ permissionCatalogue { permission resource action description tokenGrantable } }`);
    expect(r.body.errors).toBeUndefined();
    const list = r.body.data!.permissionCatalogue as any[];
    expect(list.map((p) => p.permission)).toEqual(PERMISSIONS);
    for (const p of list) {
      expect(`${p.resource}:${p.action}`).toBe(p.permission);
      expect(p.description).toMatch(/^[A-Z].{8,}\.$/);
    }
    expect(new Set(list.map((p) => p.description)).size).toBe(list.length);
    const byName = Object.fromEntries(list.map((p) => [p.permission, p]));
    expect(byName['campaigns:view']).toMatchObject({ description: 'See marketing campaigns.', tokenGrantable: true });
    expect(byName['apiTokens:create'].tokenGrantable).toBe(false);
    expect(byName['account:transferOwnership'].tokenGrantable).toBe(false);
  });

  it('is what createApiToken enforces: a permission a token may not hold is refused in scopes', async () => {
    const r = await gw.gql(
      CREATE,
      { input: { accountId: owner.accountId, name: 'x', scopes: ['account:view', 'apiTokens:create'], expiresAt: inHours(1) } },
      owner.token,
    );
    expect(errorsOf(r)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scopes' });
    expect(r.body.errors![0]!.message).toContain('apiTokens:create');
  });
});

describe('rotateApiToken', () => {
  it('gives a new secret with the same id, scopes and expiry; the old secret is dead at once; audited without secrets', async () => {
    const old = await makeToken(['account:view']);
    expect((await gw.gql(ACCOUNT, { id: owner.accountId }, old.token)).body.data!.account.id).toBe(owner.accountId);
    const before = await ApiToken.findById(old.id).lean();

    const r = await gw.gql(ROTATE, { id: old.id }, owner.token);
    expect(r.body.errors).toBeUndefined();
    const { token, apiToken } = r.body.data!.rotateApiToken;
    expect(token).toMatch(/^pst_/);
    expect(token).not.toBe(old.token);
    expect(apiToken).toMatchObject({ id: old.id, prefix: token.slice(0, 12), scopes: ['account:view'], workspaceIds: null });
    expect(new Date(apiToken.expiresAt).getTime()).toBe(before!.expiresAt.getTime());

    const dead = await gw.gql(ACCOUNT, { id: owner.accountId }, old.token);
    expect(errorCode(dead)).toBe('UNAUTHENTICATED');
    expect((await gw.gql(ACCOUNT, { id: owner.accountId }, token)).body.data!.account.id).toBe(owner.accountId);

    const events = await AuditEvent.find({ accountId: owner.accountId, action: 'apiToken.rotated' }).lean();
    expect(events.map((e) => e.target.id)).toEqual([old.id]);
    expect(JSON.stringify(events)).not.toContain(token);
    expect(JSON.stringify(events)).not.toContain(old.token);
    expect(gw.logs.join('')).not.toContain(token);
  });

  it('refuses a revoked token, a token caller, and a rotator lacking the token scopes', async () => {
    const t = await makeToken(['account:view', 'workspaces:view']);
    // A token never holds apiTokens:create, so it can never rotate (itself or another).
    const byToken = await gw.gql(ROTATE, { id: t.id }, t.token);
    expect(errorsOf(byToken)[0]).toMatchObject({ code: 'FORBIDDEN', permission: 'apiTokens:create' });

    const m = await addMember(owner.accountId, owner.userId, ['apiTokens:create', 'account:view']);
    const lacking = await gw.gql(ROTATE, { id: t.id }, m.token);
    expect(errorsOf(lacking)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scopes' });
    expect(lacking.body.errors![0]!.message).toContain('workspaces:view');
    // Refused: the token still works with its old secret.
    expect((await gw.gql(ACCOUNT, { id: owner.accountId }, t.token)).body.data!.account.id).toBe(owner.accountId);

    await gw.gql(REVOKE, { id: t.id }, owner.token);
    const revoked = await gw.gql(ROTATE, { id: t.id }, owner.token);
    expect(errorsOf(revoked)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it('is NOT_FOUND for a token of another account and FORBIDDEN without apiTokens:create', async () => {
    const t = await makeToken(['account:view']);
    const other = await gw.signUp();
    expect(errorCode(await gw.gql(ROTATE, { id: t.id }, other.token))).toBe('NOT_FOUND');
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    expect(errorsOf(await gw.gql(ROTATE, { id: t.id }, m.token))[0]).toMatchObject({ code: 'FORBIDDEN', permission: 'apiTokens:create' });
  });
});

describe('updateApiToken', () => {
  it('renames a token and moves its expiry within a year; refuses bad values and leaves the token unchanged', async () => {
    const t = await makeToken(['account:view']);
    const later = inHours(24 * 30);
    const r = await gw.gql(UPDATE, { id: t.id, input: { name: 'Nightly sync', expiresAt: later } }, owner.token);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.updateApiToken).toMatchObject({ id: t.id, name: 'Nightly sync', scopes: ['account:view'] });
    expect(new Date(r.body.data!.updateApiToken.expiresAt).toISOString()).toBe(new Date(later).toISOString());

    const tooFar = await gw.gql(UPDATE, { id: t.id, input: { expiresAt: inHours(24 * 400) } }, owner.token);
    expect(errorsOf(tooFar)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiresAt' });
    const past = await gw.gql(UPDATE, { id: t.id, input: { expiresAt: inHours(-1) } }, owner.token);
    expect(errorsOf(past)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiresAt' });
    const blank = await gw.gql(UPDATE, { id: t.id, input: { name: '   ' } }, owner.token);
    expect(errorsOf(blank)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    const stored = await ApiToken.findById(t.id).lean();
    expect(stored!.name).toBe('Nightly sync');
    expect(stored!.expiresAt.toISOString()).toBe(new Date(later).toISOString());

    const events = await AuditEvent.find({ accountId: owner.accountId, action: 'apiToken.updated' }).lean();
    expect(events.map((e) => e.target.id)).toContain(t.id);
  });
});

describe('a dead token', () => {
  it('is UNAUTHENTICATED, in one wording, on every operation: viewer, guarded fields, mutations, introspection, the explorer', async () => {
    const revoked = await makeToken(['account:view', 'explorer:use']);
    await gw.gql(REVOKE, { id: revoked.id }, owner.token);
    const expired = await makeToken(['account:view']);
    await ApiToken.updateOne({ _id: expired.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const login = async () =>
      (
        await gw.gql(`mutation($input: LoginInput!) { login(input: $input) { token } }`, {
          input: { email: owner.email, password: STRONG_PASSWORD },
        })
      ).body.data!.login.token as string;
    const expiredSession = await login();
    await Session.updateOne({ tokenHash: tokenHash(expiredSession) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const signedOut = await login();
    await gw.gql(`mutation { logout }`, {}, signedOut);

    const dead = {
      garbage: 'not-a-token',
      unknown: 'pst_' + 'x'.repeat(43),
      revoked: revoked.token,
      expired: expired.token,
      expiredSession,
      signedOut,
    };
    const operations: [string, Record<string, unknown>, Record<string, string>?][] = [
      ['{ viewer { user { id } } }', {}],
      ['{ __typename }', {}],
      ['{ __schema { queryType { name } } }', {}],
      ['{ permissionCatalogue { permission } }', {}],
      [ACCOUNT, { id: owner.accountId }],
      [
        'mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }',
        { input: { accountId: owner.accountId, name: 'X' } },
      ],
      ['mutation { logout }', {}],
      [ACCOUNT, { id: owner.accountId }, { 'x-postern-client': 'explorer' }],
    ];
    const messages = new Set<string>();
    for (const [name, token] of Object.entries(dead)) {
      for (const [query, variables, headers] of operations) {
        const r = await gw.gql(query, variables, token, headers);
        expect({ name, query, code: errorCode(r), status: r.status }).toEqual({ name, query, code: 'UNAUTHENTICATED', status: 401 });
        expect(r.body.data ?? null).toBeNull();
        messages.add(r.body.errors![0]!.message);
      }
    }
    expect([...messages]).toEqual([UNAUTHENTICATED_MESSAGE]);

    // Without any token the public fields answer as before, and signing in again works with a dead token attached.
    expect((await gw.gql('{ viewer { user { id } } }')).body).toEqual({ data: { viewer: null } });
    const again = await gw.gql(
      `mutation($input: LoginInput!) { login(input: $input) { token } }`,
      { input: { email: owner.email, password: STRONG_PASSWORD } },
      dead.revoked,
    );
    expect(again.body.errors).toBeUndefined();
    const exported = await fetch(`${gw.url}/audit/export?accountId=${owner.accountId}&format=jsonl`, {
      headers: { authorization: `Bearer ${dead.revoked}` },
    });
    expect(exported.status).toBe(401);
    expect(await exported.text()).toContain(UNAUTHENTICATED_MESSAGE.slice(0, 30));
  });
});
