// whoCan and accessReview, as an owner preparing the quarterly review would use them: who can edit the
// lists of this workspace and why, what can each person and token do, exported as CSV, all audited.
import { parse } from 'csv-parse/sync';
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { accessStore } from '../../helpers/access';
import {
  acct,
  ASSIGN,
  can,
  err,
  memberWith,
  newMember,
  ok,
  OVERRIDES,
  PERMS,
  UNASSIGN,
  wsScope,
  type Scope,
  type TestMember,
} from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let ws2: string;
let editors: string;
let readers: string;
/** Principals that hold lists:edit on the Default workspace, by name, and those that do not. */
const holds: Record<string, string> = {};
const lacks: Record<string, string> = {};
const secrets: string[] = [];
let a: TestMember & { bindingId: string };
let b: TestMember & { bindingId: string };
let reviewer: TestMember & { bindingId: string };
let ownerToken = '';
let listId = '';
let onList: TestMember & { bindingId: string };

const WHO_CAN = `query($p: String!, $s: ScopeInput!) {
  whoCan(permission: $p, scope: $s) { principalId kind name email user { id } path { kind grants description bindingId } }
}`;
const REVIEW = `query($id: ID!, $scope: ScopeInput) {
  accessReview(accountId: $id, scope: $scope) {
    userId name email owner
    bindings { id role { key name } scope { type id } grant revoke expiresAt }
    permissions { scope { type id name } permissions }
    tokens { id name scopes workspaceIds permissions { scope { type id name } permissions } }
  }
}`;
const EXPLAIN = `query($userId: ID, $tokenId: ID, $p: String!, $s: ScopeInput!) {
  explainAccess(userId: $userId, tokenId: $tokenId, permission: $p, scope: $s) { allowed steps { kind grants description bindingId } }
}`;
const TOKEN = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id } } }`;
const AUDIT = `query($id: ID!) { account(id: $id) { auditLog(first: 200) { edges { node { action target { type id } workspaceId meta } } } } }`;

async function role(name: string, permissions: string[]): Promise<string> {
  const q = `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`;
  return ok(await gw.gql(q, { input: { accountId: owner.accountId, name, permissions } }, owner.token)).createRole.id;
}

async function token(name: string, scopes: string[], workspaceIds?: string[]): Promise<{ id: string; plain: string }> {
  const expiresAt = new Date(Date.now() + 864e5).toISOString();
  const d = ok(await gw.gql(TOKEN, { input: { accountId: owner.accountId, name, scopes, workspaceIds, expiresAt } }, owner.token));
  secrets.push(d.createApiToken.token);
  return { id: d.createApiToken.apiToken.id, plain: d.createApiToken.token };
}

function ws2Scope(): Scope {
  return { type: 'WORKSPACE', id: ws2 };
}

async function csv(query: string, bearer: string | null): Promise<{ status: number; text: string }> {
  const r = await fetch(`${gw.url}/access/review.csv?${query}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  return { status: r.status, text: await r.text() };
}

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  holds.owner = owner.userId;
  ws2 = ok(
    await gw.gql(
      `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
      {
        input: { accountId: owner.accountId, name: 'Second' },
      },
      owner.token,
    ),
  ).createWorkspace.id;
  editors = await role('List editors', ['workspaces:view', 'lists:view', 'lists:edit']);
  readers = await role('List readers', ['workspaces:view', 'lists:view']);

  // A role bound at an ancestor (the account) holds it in the workspace.
  a = await memberWith(gw, owner, editors, acct(owner), 'ancestor');
  holds.a = a.userId;
  // An override grant on a lesser role.
  b = await memberWith(gw, owner, readers, wsScope(owner), 'override');
  ok(await gw.gql(OVERRIDES, { input: { bindingId: b.bindingId, grant: ['lists:edit'], revoke: [] } }, owner.token));
  holds.b = b.userId;
  // An approved access request: a time-bound grant.
  const c = await memberWith(gw, owner, readers, wsScope(owner), 'granted');
  const req = ok(
    await gw.gql(
      `mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id } }`,
      { input: { permission: 'lists:edit', scope: wsScope(owner), note: 'quarter end' } },
      c.token,
    ),
  ).requestAccess.id;
  ok(
    await gw.gql(
      `mutation($input: ResolveAccessRequestInput!) { resolveAccessRequest(input: $input) { id status } }`,
      { input: { id: req, approve: true, expiresAt: new Date(Date.now() + 3600e3).toISOString() } },
      owner.token,
    ),
  );
  holds.c = c.userId;
  // Bound on a list inside the workspace only: holds lists:edit there, not on the workspace.
  listId = ok(
    await gw.gql(
      `mutation($input: CreateListInput!) { createList(input: $input) { id } }`,
      {
        input: { workspaceId: owner.workspaceId, name: 'Newsletter' },
      },
      owner.token,
    ),
  ).createList.id;
  onList = await memberWith(gw, owner, editors, { type: 'LIST', id: listId }, 'onlist');
  lacks.onList = onList.userId;
  // Revoked by an override; expired; bound in another workspace: none of them holds it here.
  const d = await memberWith(gw, owner, editors, wsScope(owner), 'revoked');
  ok(await gw.gql(OVERRIDES, { input: { bindingId: d.bindingId, grant: [], revoke: ['lists:edit'] } }, owner.token));
  lacks.d = d.userId;
  const e = await newMember(gw, owner, 'expired');
  await accessStore.createBinding(
    {
      accountId: owner.accountId,
      userId: e.userId,
      roleId: editors,
      scopeType: 'ACCOUNT',
      scopeId: owner.accountId,
      expiresAt: new Date(Date.now() - 60_000),
      createdBy: owner.userId,
    },
    new Date(),
  );
  lacks.e = e.userId;
  const f = await memberWith(gw, owner, editors, ws2Scope(), 'elsewhere');
  lacks.f = f.userId;

  // Tokens: with the scope; without it; restricted to another workspace; restricted to this one; revoked.
  const t1 = await token('ci editor', ['lists:edit']);
  ownerToken = t1.plain;
  holds.t1 = t1.id;
  lacks.t2 = (await token('ci reader', ['lists:view'])).id;
  lacks.t3 = (await token('ci other workspace', ['lists:edit'], [ws2])).id;
  holds.t4 = (await token('ci this workspace', ['lists:edit'], [owner.workspaceId])).id;
  const t5 = await token('ci revoked', ['lists:edit']);
  ok(await gw.gql(`mutation($id: ID!) { revokeApiToken(id: $id) }`, { id: t5.id }, owner.token));
  lacks.t5 = t5.id;

  // Holds access:review (and members:view) at the Default workspace only.
  reviewer = await memberWith(
    gw,
    owner,
    await role('Workspace reviewer', ['workspaces:view', 'members:view', 'access:review']),
    wsScope(owner),
    'reviewer',
  );
}, 120_000);
afterAll(() => gw.stop());

describe('whoCan', () => {
  it('finds the owner, an ancestor binding, an override grant, an access grant and the tokens — and no one else', async () => {
    const holders = ok(await gw.gql(WHO_CAN, { p: 'lists:edit', s: wsScope(owner) }, owner.token)).whoCan;
    const ids = holders.map((h: any) => h.principalId);
    expect(new Set(ids)).toEqual(new Set(Object.values(holds)));
    for (const id of Object.values(lacks)) expect(ids).not.toContain(id);

    const by = (id: string) => holders.find((h: any) => h.principalId === id);
    expect(by(owner.userId)).toMatchObject({ kind: 'USER', email: owner.email, user: { id: owner.userId } });
    expect(by(owner.userId).path[0]).toMatchObject({ kind: 'OWNER', grants: true });
    expect(by(a.userId).path[0]).toMatchObject({ kind: 'BINDING', grants: true, bindingId: a.bindingId });
    expect(by(a.userId).path[0].description).toContain(`"List editors" on ACCOUNT ${owner.accountId}`);
    expect(by(b.userId).path.map((s: any) => s.kind)).toEqual(['OVERRIDE_GRANT', 'DECISION']);
    expect(by(holds.c!).path.map((s: any) => s.kind)).toContain('GRANT');
    expect(by(holds.t1!)).toMatchObject({ kind: 'TOKEN', name: 'ci editor', user: { id: owner.userId } });
    expect(
      by(holds.t4!)
        .path.map((s: any) => s.description)
        .join('\n'),
    ).toMatch(/restricted to workspaces .* which include this scope/);

    // Each path is the explanation explainAccess gives for that principal.
    for (const h of holders) {
      const vars = h.kind === 'TOKEN' ? { tokenId: h.principalId } : { userId: h.principalId };
      const why = ok(await gw.gql(EXPLAIN, { ...vars, p: 'lists:edit', s: wsScope(owner) }, owner.token)).explainAccess;
      expect(why).toEqual({ allowed: true, steps: h.path });
    }
    // Nothing secret in the answer.
    const raw = (await gw.gql(WHO_CAN, { p: 'lists:edit', s: wsScope(owner) }, owner.token)).text;
    for (const s of secrets) expect(raw).not.toContain(s);
  });

  it('the owner alone holds an owner-only permission; unknown permissions and missing access:review are refused', async () => {
    const owners = ok(await gw.gql(WHO_CAN, { p: 'account:delete', s: acct(owner) }, owner.token)).whoCan;
    expect(owners.map((h: any) => h.principalId)).toEqual([owner.userId]);

    for (const p of ['lists:nope', 'lists:edit:own', '']) {
      expect(err(await gw.gql(WHO_CAN, { p, s: wsScope(owner) }, owner.token))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'permission',
      });
    }
    expect(err(await gw.gql(WHO_CAN, { p: 'lists:edit', s: wsScope(owner) }, a.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'access:review',
    });
    const stranger = await gw.signUp();
    expect(err(await gw.gql(WHO_CAN, { p: 'lists:edit', s: wsScope(owner) }, stranger.token)).code).toBe('NOT_FOUND');
  });

  it('a reviewer of one workspace asks about that workspace only', async () => {
    const here = ok(await gw.gql(WHO_CAN, { p: 'lists:edit', s: wsScope(owner) }, reviewer.token)).whoCan;
    expect(new Set(here.map((h: any) => h.principalId))).toEqual(new Set(Object.values(holds)));
    // Contact data of people bound in the workspace (members:view there), not of the others.
    expect(here.find((h: any) => h.principalId === b.userId).email).toBe(b.email);
    expect(here.find((h: any) => h.principalId === owner.userId).email).toBeNull();
    for (const s of [ws2Scope(), acct(owner)]) {
      expect(err(await gw.gql(WHO_CAN, { p: 'lists:edit', s }, reviewer.token))).toMatchObject({
        code: 'FORBIDDEN',
        permission: 'access:review',
      });
    }
  });

  it('answers from the access in force: a change shows on the next request, an expiry the moment it passes', async () => {
    const ask = async () =>
      ok(await gw.gql(WHO_CAN, { p: 'lists:edit', s: wsScope(owner) }, owner.token)).whoCan.map((h: any) => h.principalId);
    const g = await memberWith(gw, owner, editors, wsScope(owner), 'changing');
    expect(await ask()).toContain(g.userId);
    ok(await gw.gql(UNASSIGN, { id: g.bindingId }, owner.token));
    expect(await ask()).not.toContain(g.userId);

    const soon = new Date(Date.now() + 2000).toISOString();
    ok(await gw.gql(ASSIGN, { input: { userId: g.userId, roleId: editors, scope: wsScope(owner), expiresAt: soon } }, owner.token));
    const expiring = ok(
      await gw.gql(TOKEN, { input: { accountId: owner.accountId, name: 'short', scopes: ['lists:edit'], expiresAt: soon } }, owner.token),
    ).createApiToken;
    secrets.push(expiring.token);
    expect(await ask()).toEqual(expect.arrayContaining([g.userId, expiring.apiToken.id]));
    await new Promise((r) => setTimeout(r, Date.parse(soon) - Date.now() + 100));
    const after = await ask();
    expect(after).not.toContain(g.userId);
    expect(after).not.toContain(expiring.apiToken.id);
  });
});

describe('accessReview', () => {
  it("lists every member's effective permissions per scope exactly as they can use them, and is audited", async () => {
    const entries = ok(await gw.gql(REVIEW, { id: owner.accountId }, owner.token)).accessReview;
    const ids = entries.map((e: any) => e.userId);
    for (const id of [owner.userId, a.userId, b.userId, lacks.d, lacks.e, lacks.f, reviewer.userId]) expect(ids).toContain(id);
    const entry = (id: string) => entries.find((e: any) => e.userId === id);

    expect(entry(owner.userId)).toMatchObject({ owner: true, email: owner.email });
    expect(entry(owner.userId).permissions[0].scope).toMatchObject({ type: 'ACCOUNT', id: owner.accountId });
    expect(entry(owner.userId).permissions[0].permissions).toContain('account:delete');
    // The expired binding is not held and gives nothing.
    expect(entry(lacks.e!)).toMatchObject({ bindings: [], permissions: [] });
    // The owner's tokens: the revoked one is gone, the restricted ones show only in their workspace.
    const tokens = entry(owner.userId).tokens;
    expect(tokens.map((t: any) => t.id).sort()).toEqual([holds.t1, lacks.t2, lacks.t3, holds.t4].sort());
    expect(tokens.find((t: any) => t.id === lacks.t3).permissions).toEqual([
      { scope: { type: 'WORKSPACE', id: ws2, name: 'Second' }, permissions: ['lists:edit'] },
    ]);

    // Matches what each sampled person can actually do: exactly Viewer.permissions at each listed scope.
    for (const m of [a, b, reviewer, onList]) {
      const e = entry(m.userId);
      expect(e.permissions.length).toBeGreaterThan(0);
      for (const sp of e.permissions) {
        const s = { type: sp.scope.type, id: sp.scope.id };
        expect(ok(await gw.gql(PERMS, { s }, m.token)).viewer.permissions).toEqual(sp.permissions);
        for (const p of sp.permissions.slice(0, 3)) expect(await can(gw, m.token, p, s)).toBe(true);
        for (const p of ['lists:delete', 'billing:view', 'campaigns:send'].filter((x) => !sp.permissions.includes(x))) {
          expect(await can(gw, m.token, p, s)).toBe(false);
        }
      }
    }
    const d = entry(lacks.d!);
    expect(d.permissions).toEqual([
      { scope: { type: 'WORKSPACE', id: owner.workspaceId, name: 'Default' }, permissions: ['workspaces:view', 'lists:view'] },
    ]);
    expect(d.bindings[0]).toMatchObject({ role: { name: 'List editors' }, revoke: ['lists:edit'] });
    // And a token's listed permissions are what the token can do.
    const t1 = tokens.find((t: any) => t.id === holds.t1);
    for (const sp of t1.permissions) {
      const s = { type: sp.scope.type, id: sp.scope.id };
      expect(ok(await gw.gql(PERMS, { s }, ownerToken)).viewer.permissions).toEqual(sp.permissions);
    }

    const audit = ok(await gw.gql(AUDIT, { id: owner.accountId }, owner.token)).account.auditLog.edges.map((e: any) => e.node);
    expect(audit.find((e: any) => e.action === 'access.reviewed')).toMatchObject({
      target: { type: 'Account', id: owner.accountId },
      meta: { scope: { type: 'ACCOUNT', id: owner.accountId }, members: entries.length },
    });
  });

  it("a workspace's reviewer reviews that workspace only", async () => {
    expect(err(await gw.gql(REVIEW, { id: owner.accountId }, reviewer.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'access:review',
    });
    expect(err(await gw.gql(REVIEW, { id: owner.accountId, scope: ws2Scope() }, reviewer.token)).code).toBe('FORBIDDEN');

    const entries = ok(await gw.gql(REVIEW, { id: owner.accountId, scope: wsScope(owner) }, reviewer.token)).accessReview;
    const ids = entries.map((e: any) => e.userId);
    expect(ids).not.toContain(lacks.f); // bound in the other workspace only
    expect(ids).not.toContain(lacks.e); // nothing in force
    // Bound below the workspace: listed at that node, with what they can do there.
    expect(entries.find((e: any) => e.userId === onList.userId).permissions).toEqual([
      { scope: { type: 'LIST', id: listId, name: 'Newsletter' }, permissions: ['workspaces:view', 'lists:view', 'lists:edit'] },
    ]);
    for (const e of entries) {
      for (const sp of [...e.permissions, ...e.tokens.flatMap((t: any) => t.permissions)]) {
        expect([owner.workspaceId, listId]).toContain(sp.scope.id);
      }
      for (const bnd of e.bindings) expect([owner.accountId, owner.workspaceId, listId]).toContain(bnd.scope.id);
    }
    // The account admin's (here: the ancestor editor's) permissions show inside the workspace.
    expect(entries.find((e: any) => e.userId === a.userId).permissions[0]).toMatchObject({
      scope: { type: 'WORKSPACE', id: owner.workspaceId },
      permissions: ['workspaces:view', 'lists:view', 'lists:edit'],
    });
    const tokenIds = entries.find((e: any) => e.userId === owner.userId).tokens.map((t: any) => t.id);
    expect(tokenIds).not.toContain(lacks.t3);

    const other = await gw.signUp();
    expect(err(await gw.gql(REVIEW, { id: other.accountId, scope: wsScope(owner) }, owner.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'scope',
    });
    expect(err(await gw.gql(REVIEW, { id: other.accountId }, owner.token)).code).toBe('NOT_FOUND');
  });
});

describe('GET /access/review.csv', () => {
  it('streams one row per person, scope and permission, without secrets, and is audited', async () => {
    const r = await csv(`accountId=${owner.accountId}`, owner.token);
    expect(r.status).toBe(200);
    const rows: Record<string, string>[] = parse(r.text, { columns: true });
    expect(Object.keys(rows[0]!)).toEqual([
      'user',
      'name',
      'email',
      'token',
      'tokenName',
      'scopeType',
      'scopeId',
      'scopeName',
      'permission',
    ]);
    expect(rows).toContainEqual(
      expect.objectContaining({
        user: a.userId,
        email: a.email,
        token: '',
        scopeType: 'ACCOUNT',
        scopeId: owner.accountId,
        permission: 'lists:edit',
      }),
    );
    expect(rows).toContainEqual(
      expect.objectContaining({ user: b.userId, scopeType: 'WORKSPACE', scopeName: 'Default', permission: 'lists:edit' }),
    );
    expect(rows).toContainEqual(
      expect.objectContaining({ user: owner.userId, token: holds.t1, tokenName: 'ci editor', permission: 'lists:edit' }),
    );
    // The member with nothing in force still appears, with no permission.
    expect(rows.filter((x) => x.user === lacks.e)).toEqual([expect.objectContaining({ scopeType: '', permission: '' })]);
    expect(rows.some((x) => x.user === lacks.d && x.permission === 'lists:edit')).toBe(false);
    // Same content as the GraphQL review.
    const entries = ok(await gw.gql(REVIEW, { id: owner.accountId }, owner.token)).accessReview;
    const count = entries.reduce(
      (n: number, e: any) =>
        n +
        Math.max(
          e.permissions.reduce((k: number, sp: any) => k + sp.permissions.length, 0),
          e.tokens.length ? 0 : 1,
        ) +
        e.tokens.reduce((k: number, t: any) => k + t.permissions.reduce((j: number, sp: any) => j + sp.permissions.length, 0), 0),
      0,
    );
    expect(rows.length).toBe(count);
    for (const s of [...secrets, 'Correct-Horse-9-Battery']) expect(r.text).not.toContain(s);

    const audit = ok(await gw.gql(AUDIT, { id: owner.accountId }, owner.token)).account.auditLog.edges.map((e: any) => e.node);
    expect(audit.find((e: any) => e.action === 'access.review.exported')).toMatchObject({ meta: { format: 'csv' } });
  });

  it('checks like the field: 401, 403 without access:review, 404 for another account, a scope for a workspace reviewer', async () => {
    expect((await csv(`accountId=${owner.accountId}`, null)).status).toBe(401);
    const forbidden = await csv(`accountId=${owner.accountId}`, a.token);
    expect(forbidden.status).toBe(403);
    expect(JSON.parse(forbidden.text).errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'access:review' });
    const other = await gw.signUp();
    expect((await csv(`accountId=${other.accountId}`, owner.token)).status).toBe(404);
    expect((await csv(`accountId=${owner.accountId}&scopeType=WORKSPACE`, owner.token)).status).toBe(400);
    expect((await csv(`accountId=${owner.accountId}`, reviewer.token)).status).toBe(403);

    const mine = await csv(`accountId=${owner.accountId}&scopeType=WORKSPACE&scopeId=${owner.workspaceId}`, reviewer.token);
    expect(mine.status).toBe(200);
    const rows: Record<string, string>[] = parse(mine.text, { columns: true });
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((x) => x.scopeId))).toEqual(new Set([owner.workspaceId, listId]));
    expect(rows.some((x) => x.user === lacks.f)).toBe(false);
  });
});
