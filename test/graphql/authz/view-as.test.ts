// View as (docs/api.md "View as"): an admin sends `X-Postern-View-As` and sees exactly what the analyst, a role at a
// scope or a partner token sees — the same masks, the same denials — with no secret ever in
// plaintext, nothing written but the audit event naming who looked as whom, and nothing of another
// account.
import { AuditEvent } from '../../../src/audit/model';
import { newId } from '../../../src/db/ids';
import { Member } from '../../../src/modules/accounts/account.model';
import { DASHBOARD, fillWorkspace, type Filled } from '../../helpers/dashboard';
import { errorCode, startTestGateway, type GqlResponse, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { addMember, type TestMember } from '../../helpers/members';
import { createRoleDoc } from '../../helpers/access';

const ANALYST = ['account:view', 'workspaces:view', 'domains:view', 'smtpCredentials:view'];

let gw: TestGateway;
let owner: TestOwner;
let other: TestOwner;
let analyst: TestMember;
let revealer: TestMember;
let filled: Filled;
let partner: { token: string; id: string };

const viewAs = (value: string) => ({ 'x-postern-view-as': value });

/** The body as compared: errors in a fixed order. */
function comparable(r: GqlResponse): unknown {
  const errors = [...(r.body.errors ?? [])].sort((a, b) => JSON.stringify(a.path).localeCompare(JSON.stringify(b.path)));
  return { data: r.body.data, errors };
}

function expectNoPlaintext(r: GqlResponse): void {
  for (const p of filled.passwords) expect(r.text).not.toContain(p);
}

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp({ accountName: 'Viewed Mail' });
  other = await gw.signUp({ accountName: 'Other Mail' });
  filled = await fillWorkspace(owner, { domains: 2, perDomain: 2, campaigns: 2 });
  analyst = await addMember(gw, owner.accountId, owner.userId, ANALYST);
  revealer = await addMember(gw, owner.accountId, owner.userId, [
    ...ANALYST,
    'smtpCredentials:reveal',
    'campaigns:view',
    'lists:view',
    'templates:view',
    'members:view',
  ]);
  const r = await gw.gql(
    `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id } } }`,
    {
      input: {
        accountId: owner.accountId,
        name: 'Partner',
        scopes: ['account:view', 'workspaces:view', 'domains:view'],
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      },
    },
    owner.token,
  );
  expect(r.body.errors).toBeUndefined();
  partner = { token: r.body.data!.createApiToken.token, id: r.body.data!.createApiToken.apiToken.id };
});
afterAll(() => gw.stop());

it("shows the owner the analyst's dashboard exactly as the analyst sees it: same masks, same denials", async () => {
  const own = await gw.gql(DASHBOARD, {}, analyst.token);
  expect(own.body.errors?.some((e) => e.extensions?.code === 'FORBIDDEN')).toBe(true); // campaigns:view is missing
  const seen = await gw.gql(DASHBOARD, {}, owner.token, viewAs(`member:${analyst.userId}`));
  expect(comparable(seen)).toEqual(comparable(own));
  expectNoPlaintext(seen);
});

it("shows a partner token's view exactly as the token sees it", async () => {
  const own = await gw.gql(DASHBOARD, {}, partner.token);
  const forbidden = (own.body.errors ?? []).filter((e) => e.extensions?.code === 'FORBIDDEN');
  expect(forbidden.length).toBeGreaterThan(0);
  expect(forbidden.every((e) => e.extensions?.canRequestAccess === false)).toBe(true); // tokens cannot ask
  const seen = await gw.gql(DASHBOARD, {}, owner.token, viewAs(`token:${partner.id}`));
  expect(comparable(seen)).toEqual(comparable(own));
  expectNoPlaintext(seen);
});

it('shows a role at a scope as a member holding only that binding would see it', async () => {
  const role = await createRoleDoc({ accountId: owner.accountId, permissions: ANALYST, createdBy: owner.userId });
  const own = await gw.gql(DASHBOARD, {}, analyst.token);
  for (const value of [`role:${role._id}@${owner.accountId}`, `role:${role._id}@ACCOUNT:${owner.accountId}`]) {
    const seen = await gw.gql(DASHBOARD, {}, owner.token, viewAs(value));
    expect(comparable(seen)).toEqual(comparable(own));
  }
  // Bound at a workspace it has no account-level rights: the account's own fields are denied.
  const atWorkspace = await gw.gql(
    `query($id: ID!) { account(id: $id) { name } }`,
    { id: owner.accountId },
    owner.token,
    viewAs(`role:${role._id}@WORKSPACE:${owner.workspaceId}`),
  );
  expect(errorCode(atWorkspace)).toBe('FORBIDDEN');
});

it('never reveals a secret, even viewing as someone who may reveal it', async () => {
  const own = await gw.gql(DASHBOARD, {}, revealer.token);
  expect(filled.passwords.some((p) => own.text.includes(p))).toBe(true); // they see them in plaintext
  const seen = await gw.gql(DASHBOARD, {}, owner.token, viewAs(`member:${revealer.userId}`));
  expect(seen.body.errors).toBeUndefined();
  expectNoPlaintext(seen);
  const passwords = JSON.stringify(seen.body.data).match(/"password":"[^"]*"/g) ?? [];
  expect(passwords.length).toBe(filled.passwords.length);
  for (const p of passwords) expect(p).toBe('"password":"••••••••"');
  // And the owner themself, viewing as the owner: still masked.
  const self = await gw.gql(DASHBOARD, {}, owner.token, viewAs(`member:${owner.userId}`));
  expectNoPlaintext(self);
});

it('refuses every mutation while viewing as, with a FORBIDDEN saying it is read-only', async () => {
  const r = await gw.gql(
    `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
    { input: { accountId: owner.accountId, name: 'Made while viewing' } },
    owner.token,
    viewAs(`member:${analyst.userId}`),
  );
  expect(errorCode(r)).toBe('FORBIDDEN');
  expect(r.body.errors![0]!.message).toMatch(/View as is read-only/);
  const logout = await gw.gql(`mutation { logout }`, {}, owner.token, viewAs(`member:${analyst.userId}`));
  expect(errorCode(logout)).toBe('FORBIDDEN');
  // The owner's session was not ended.
  expect((await gw.gql(`{ viewer { user { id } } }`, {}, owner.token)).body.data!.viewer.user.id).toBe(owner.userId);
});

it('audits each use with who looked as whom', async () => {
  const before = await AuditEvent.countDocuments({ accountId: owner.accountId, action: 'access.viewedAs' });
  await gw.gql(`query Peek { viewer { user { id } } }`, {}, owner.token, { ...viewAs(`token:${partner.id}`), 'x-request-id': 'client-77' });
  const events = await AuditEvent.find({ accountId: owner.accountId, action: 'access.viewedAs' }).sort({ _id: 1 }).lean();
  expect(events.length).toBe(before + 1);
  const last = events[events.length - 1]!;
  expect(last.actor).toMatchObject({ type: 'user', id: owner.userId });
  expect(last.meta).toMatchObject({ viewedAs: `token:${partner.id}`, operationName: 'Peek' });
  // The gateway's request id, with the client's X-Request-Id kept apart.
  expect(last.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(last.clientRequestId).toBe('client-77');
});

it('refuses a member without access:viewAs, naming the permission', async () => {
  const r = await gw.gql(DASHBOARD, {}, analyst.token, viewAs(`member:${revealer.userId}`));
  expect(errorCode(r)).toBe('FORBIDDEN');
  expect(r.body.errors![0]!.extensions).toMatchObject({ permission: 'access:viewAs', scope: { type: 'ACCOUNT', id: owner.accountId } });
  expectNoPlaintext(r);
  // A partner token cannot view as anyone either.
  const t = await gw.gql(DASHBOARD, {}, partner.token, viewAs(`member:${analyst.userId}`));
  expect(errorCode(t)).toBe('FORBIDDEN');
});

it('cannot reach another account: its members, roles and tokens are not found, and a shared member shows this account only', async () => {
  const stranger = await addMember(gw, other.accountId, other.userId, ANALYST);
  const r = await gw.gql(DASHBOARD, {}, owner.token, viewAs(`member:${stranger.userId}`));
  expect(errorCode(r)).toBe('NOT_FOUND');
  const otherRole = await createRoleDoc({ accountId: other.accountId, permissions: ANALYST, createdBy: other.userId });
  expect(errorCode(await gw.gql(DASHBOARD, {}, owner.token, viewAs(`role:${otherRole._id}@${other.accountId}`)))).toBe('NOT_FOUND');
  // A role of this account placed on the other account's node.
  const mine = await createRoleDoc({ accountId: owner.accountId, permissions: ANALYST, createdBy: owner.userId });
  expect(errorCode(await gw.gql(DASHBOARD, {}, owner.token, viewAs(`role:${mine._id}@${other.accountId}`)))).toBe('NOT_FOUND');

  // The analyst is also a member of the other account (where they see it all): viewed from here,
  // only this account exists.
  await Member.create({ _id: newId(), accountId: other.accountId, userId: analyst.userId, createdBy: other.userId });
  const seen = await gw.gql(
    `query($id: ID!) { viewer { accounts { id } } account(id: $id) { id name } }`,
    { id: other.accountId },
    owner.token,
    viewAs(`member:${analyst.userId}`),
  );
  expect(seen.body.data!.viewer.accounts).toEqual([{ id: owner.accountId }]);
  expect(seen.body.data!.account).toBeNull();
  expect(errorCode(seen)).toBe('NOT_FOUND');
  expect(seen.text).not.toContain('Other Mail');
});

it('answers a malformed header with BAD_USER_INPUT naming it', async () => {
  const r = await gw.gql(DASHBOARD, {}, owner.token, viewAs('analyst please'));
  expect(errorCode(r)).toBe('BAD_USER_INPUT');
  expect(r.body.errors![0]!.extensions!.field).toBe('X-Postern-View-As');
});

describe('Viewer.explain and Viewer.token: why a refusal, from where the caller stands', () => {
  const WHY = `query($p: String!, $s: ScopeInput!) { viewer { explain(permission: $p, scope: $s) { allowed steps { kind grants description } } } }`;

  it('lets a member without access:review ask why they were refused, about themselves only', async () => {
    const r = await gw.gql(DASHBOARD, {}, analyst.token);
    const denial = r.body.errors!.find((e) => e.extensions?.code === 'FORBIDDEN')!;
    const why = await gw.gql(WHY, { p: denial.extensions!.permission, s: denial.extensions!.scope }, analyst.token);
    expect(why.body.errors).toBeUndefined();
    expect(why.body.data!.viewer.explain.allowed).toBe(false);
    expect(why.body.data!.viewer.explain.steps.length).toBeGreaterThan(0);
    // explainAccess itself still needs access:review.
    const theirs = await gw.gql(
      `query($u: ID, $s: ScopeInput!) { explainAccess(userId: $u, permission: "domains:view", scope: $s) { allowed } }`,
      { u: revealer.userId, s: { type: 'ACCOUNT', id: owner.accountId } },
      analyst.token,
    );
    expect(errorCode(theirs)).toBe('FORBIDDEN');
    // Another account's node is not found (the revealer belongs to this account only).
    const elsewhere = await gw.gql(WHY, { p: 'domains:view', s: { type: 'ACCOUNT', id: other.accountId } }, revealer.token);
    expect(errorCode(elsewhere)).toBe('NOT_FOUND');
  });

  it("explains a partner token's refusal by its scopes, and names the token it is called with", async () => {
    const why = await gw.gql(WHY, { p: 'smtpCredentials:view', s: { type: 'ACCOUNT', id: owner.accountId } }, partner.token);
    expect(why.body.data!.viewer.explain.allowed).toBe(false);
    expect(JSON.stringify(why.body.data!.viewer.explain.steps)).toMatch(/token/i);
    const me = await gw.gql(`{ viewer { token { id name } } }`, {}, partner.token);
    expect(me.body.data!.viewer.token).toEqual({ id: partner.id, name: 'Partner' });
    expect((await gw.gql(`{ viewer { token { id } } }`, {}, owner.token)).body.data!.viewer.token).toBeNull();
  });
});
