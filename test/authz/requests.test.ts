// Request access: a member denied a field asks for the missing permission, the owner and resolvers are
// notified, an approval grants it there until a set time, and then it is gone again.
import { AuditEvent } from '../../src/audit/model';
import mongoose from 'mongoose';
import { accessStore, createRoleDoc } from '../helpers/access';

const RoleBinding = () => mongoose.model('RoleBinding');
import { AccessRequest, Notification } from '../../src/modules/access/requests.model';
import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { addMember, bind, errorsOf, inHours, sleep } from './fixtures';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const WORKSPACE = `query($id: ID!) { workspace(id: $id) { id name } }`;
const REQUEST = `mutation($input: RequestAccessInput!) {
  requestAccess(input: $input) { id permission scope { type id } note status requester { id } expiresAt }
}`;
const RESOLVE = `mutation($input: ResolveAccessRequestInput!) {
  resolveAccessRequest(input: $input) { id status reason expiresAt resolvedBy { id } resolvedAt }
}`;
const LIST = `query($id: ID!) { account(id: $id) { accessRequests { edges { node { id status permission requester { id } } } } } }`;
const NOTES = `{ viewer { notifications { edges { node { kind message accountId accessRequestId readAt } } } } }`;

async function ask(token: string, permission = 'workspaces:view', scope = { type: 'WORKSPACE', id: owner.workspaceId }, note?: string) {
  return gw.gql(REQUEST, { input: { permission, scope, note } }, token);
}

describe('requestAccess → approve → expiry', () => {
  it('turns a FORBIDDEN into a working field until the grant expires', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    const denied = await gw.gql(WORKSPACE, { id: owner.workspaceId }, m.token);
    const forbidden = denied.body.errors![0]!.extensions!;
    expect(forbidden).toMatchObject({ code: 'FORBIDDEN', permission: 'workspaces:view', canRequestAccess: true });

    // The FORBIDDEN error carries exactly what requestAccess takes.
    const r = await gw.gql(
      REQUEST,
      { input: { permission: forbidden.permission, scope: forbidden.scope, note: 'Need to see the reports' } },
      m.token,
    );
    expect(r.body.errors).toBeUndefined();
    const req = r.body.data!.requestAccess;
    expect(req).toMatchObject({
      permission: 'workspaces:view',
      scope: { type: 'WORKSPACE', id: owner.workspaceId },
      status: 'PENDING',
      note: 'Need to see the reports',
      requester: { id: m.userId },
    });
    const stored = await AccessRequest.findById(req.id).lean();
    expect(stored).toMatchObject({ accountId: owner.accountId, workspaceId: owner.workspaceId, scopeId: owner.workspaceId });

    // Asking again does not duplicate it.
    expect((await ask(m.token)).body.data!.requestAccess.id).toBe(req.id);

    const notes = await gw.gql(NOTES, {}, owner.token);
    const mine = notes.body.data!.viewer.notifications.edges.map((e: any) => e.node).filter((n: any) => n.accessRequestId === req.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: 'accessRequest.created', accountId: owner.accountId, readAt: null });

    const listed = await gw.gql(LIST, { id: owner.accountId }, owner.token);
    expect(listed.body.data!.account.accessRequests.edges.map((e: any) => e.node.id)).toContain(req.id);

    const noExpiry = await gw.gql(RESOLVE, { input: { id: req.id, approve: true } }, owner.token);
    expect(errorsOf(noExpiry)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiresAt' });

    const until = new Date(Date.now() + 3000);
    const ok = await gw.gql(RESOLVE, { input: { id: req.id, approve: true, expiresAt: until.toISOString() } }, owner.token);
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data!.resolveAccessRequest).toMatchObject({ status: 'APPROVED', resolvedBy: { id: owner.userId } });

    const binding = (await accessStore.bindingsOf(owner.accountId, [m.userId])).find((b) => b.roleId === null);
    expect(binding).toMatchObject({ scopeType: 'WORKSPACE', scopeId: owner.workspaceId, grant: ['workspaces:view'] });
    expect(binding!.expiresAt!.getTime()).toBe(until.getTime());

    expect((await gw.gql(WORKSPACE, { id: owner.workspaceId }, m.token)).body.data!.workspace.id).toBe(owner.workspaceId);

    const told = await gw.gql(NOTES, {}, m.token);
    expect(told.body.data!.viewer.notifications.edges.map((e: any) => e.node.kind)).toContain('accessRequest.approved');

    const audited = await AuditEvent.find({ accountId: owner.accountId, 'target.id': req.id }).lean();
    expect(audited.map((e) => e.action).sort()).toEqual(['accessRequest.approved', 'accessRequest.created']);

    await sleep(Math.max(0, until.getTime() - Date.now()) + 300);
    expect(errorsOf(await gw.gql(WORKSPACE, { id: owner.workspaceId }, m.token))[0]).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'workspaces:view',
    });
  });
});

describe('requestAccess', () => {
  it('is NOT_FOUND for a resource of another account, and for an unknown node', async () => {
    const other = await gw.signUp();
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    expect(errorCode(await ask(m.token, 'workspaces:view', { type: 'WORKSPACE', id: other.workspaceId }))).toBe('NOT_FOUND');
    expect(errorCode(await ask(m.token, 'account:view', { type: 'ACCOUNT', id: other.accountId }))).toBe('NOT_FOUND');
    expect(errorCode(await ask(m.token, 'domains:view', { type: 'DOMAIN', id: '0123456789abcdef01234567' }))).toBe('NOT_FOUND');
    expect(await AccessRequest.countDocuments({ accountId: other.accountId })).toBe(0);
  });

  it.each([
    ['an unknown permission', 'workspaces:fly', 'permission'],
    ['a wildcard', 'workspaces:*', 'permission'],
    ['one already held', 'account:view', 'permission'],
  ])('refuses %s with BAD_USER_INPUT', async (_why, permission, field) => {
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    const r = await ask(m.token, permission, { type: 'ACCOUNT', id: owner.accountId });
    expect(errorsOf(r)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('bounds the note', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    const r = await ask(m.token, 'workspaces:view', { type: 'WORKSPACE', id: owner.workspaceId }, 'x'.repeat(1001));
    expect(errorsOf(r)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'note' });
  });

  it('caps the requests one member may have waiting', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    await AccessRequest.insertMany(
      Array.from({ length: 50 }, (_, i) => ({
        accountId: owner.accountId,
        requesterId: m.userId,
        permission: 'workspaces:view',
        scopeType: 'WORKSPACE',
        scopeId: `${'0'.repeat(22)}${String(i).padStart(2, '0')}`,
        status: 'PENDING',
        createdBy: m.userId,
      })),
    );
    const r = await ask(m.token);
    expect(errorsOf(r)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'permission' });
  });

  it('notifies the owner and those who may resolve there, not others', async () => {
    const resolver = await addMember(owner.accountId, owner.userId, ['accessRequests:resolve', 'accessRequests:view']);
    const bystander = await addMember(owner.accountId, owner.userId, ['account:view', 'workspaces:view']);
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    const req = (await ask(m.token)).body.data!.requestAccess;
    const to = (await Notification.find({ accessRequestId: req.id }).lean()).map((n) => n.userId).sort();
    expect(to).toEqual([owner.userId, resolver.userId].sort());
    expect(to).not.toContain(bystander.userId);
  });
});

describe('Viewer.notifications', () => {
  it('shows a partner token only the notifications of its own account', async () => {
    const second = await gw.signUp();
    // The owner of `second` becomes a member of the main account, and is notified there.
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    await Notification.create({
      accountId: owner.accountId,
      userId: second.userId,
      kind: 'accessRequest.created',
      message: 'main account',
      createdBy: m.userId,
    });
    await Notification.create({
      accountId: second.accountId,
      userId: second.userId,
      kind: 'accessRequest.created',
      message: 'own account',
      createdBy: second.userId,
    });
    const asUser = await gw.gql(NOTES, {}, second.token);
    expect(asUser.body.data!.viewer.notifications.edges.map((e: any) => e.node.message).sort()).toEqual(['main account', 'own account']);
    const created = await gw.gql(
      `mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token } }`,
      { i: { accountId: second.accountId, name: 't', scopes: ['account:view'], expiresAt: inHours(1) } },
      second.token,
    );
    const asToken = await gw.gql(NOTES, {}, created.body.data!.createApiToken.token);
    expect(asToken.body.data!.viewer.notifications.edges.map((e: any) => e.node.message)).toEqual(['own account']);
  });

  it('marks one’s own notification read; anyone else’s is NOT_FOUND', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    const n = await Notification.create({
      accountId: owner.accountId,
      userId: m.userId,
      kind: 'accessRequest.denied',
      message: 'no',
      createdBy: owner.userId,
    });
    const MARK = `mutation($id: ID!) { markNotificationRead(id: $id) { id readAt } }`;
    expect(errorCode(await gw.gql(MARK, { id: n._id }, owner.token))).toBe('NOT_FOUND');
    expect((await Notification.findById(n._id).lean())!.readAt).toBeNull();
    const r = await gw.gql(MARK, { id: n._id }, m.token);
    expect(r.body.data!.markNotificationRead.readAt).not.toBeNull();
    expect(errorCode(await gw.gql(MARK, { id: 'nope' }, m.token))).toBe('NOT_FOUND');
  });
});

describe('resolveAccessRequest', () => {
  it('denies with a reason, audits it, and refuses a second resolution', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    const req = (await ask(m.token)).body.data!.requestAccess;
    const r = await gw.gql(RESOLVE, { input: { id: req.id, approve: false, reason: 'Not your team' } }, owner.token);
    expect(r.body.data!.resolveAccessRequest).toMatchObject({ status: 'DENIED', reason: 'Not your team', expiresAt: null });
    expect(await RoleBinding().countDocuments({ userId: m.userId, roleId: null })).toBe(0);
    expect(errorCode(await gw.gql(WORKSPACE, { id: owner.workspaceId }, m.token))).toBe('FORBIDDEN');
    const again = await gw.gql(RESOLVE, { input: { id: req.id, approve: true, expiresAt: inHours(1) } }, owner.token);
    expect(errorsOf(again)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    const events = await AuditEvent.find({ accountId: owner.accountId, 'target.id': req.id, action: 'accessRequest.denied' }).lean();
    expect(events).toHaveLength(1);
    expect(events[0]!.after).toMatchObject({ status: 'DENIED', reason: 'Not your team' });
  });

  it('needs accessRequests:resolve, and the approver must hold the permission being granted (rule 3)', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    const req = (await ask(m.token)).body.data!.requestAccess;
    const viewer = await addMember(owner.accountId, owner.userId, ['account:view', 'workspaces:view', 'accessRequests:view']);
    const noResolve = await gw.gql(RESOLVE, { input: { id: req.id, approve: true, expiresAt: inHours(1) } }, viewer.token);
    expect(errorsOf(noResolve)[0]).toMatchObject({ code: 'FORBIDDEN', permission: 'accessRequests:resolve' });

    const resolver = await addMember(owner.accountId, owner.userId, ['accessRequests:resolve']);
    const escalate = await gw.gql(RESOLVE, { input: { id: req.id, approve: true, expiresAt: inHours(1) } }, resolver.token);
    expect(errorsOf(escalate)[0]).toMatchObject({ code: 'FORBIDDEN', permission: 'workspaces:view' });
    expect((await AccessRequest.findById(req.id).lean())!.status).toBe('PENDING');
    expect(await RoleBinding().countDocuments({ userId: m.userId, roleId: null })).toBe(0);

    // Denying grants nothing, so it needs no more than accessRequests:resolve.
    const deny = await gw.gql(RESOLVE, { input: { id: req.id, approve: false } }, resolver.token);
    expect(deny.body.data!.resolveAccessRequest.status).toBe('DENIED');
  });

  it('is NOT_FOUND from another account; nobody resolves their own request', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['account:view', 'accessRequests:resolve']);
    const req = (await ask(m.token)).body.data!.requestAccess;
    const other = await gw.signUp();
    expect(errorCode(await gw.gql(RESOLVE, { input: { id: req.id, approve: false } }, other.token))).toBe('NOT_FOUND');
    const own = await gw.gql(RESOLVE, { input: { id: req.id, approve: false } }, m.token);
    expect(errorsOf(own)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it('refuses an approval lasting over a year', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    const req = (await ask(m.token)).body.data!.requestAccess;
    const r = await gw.gql(RESOLVE, { input: { id: req.id, approve: true, expiresAt: inHours(24 * 400) } }, owner.token);
    expect(errorsOf(r)[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiresAt' });
  });
});

describe('Account.accessRequests', () => {
  it('needs accessRequests:view; a workspace-level viewer sees only that workspace’s requests', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    const req = (await ask(m.token)).body.data!.requestAccess;
    const forbidden = await gw.gql(LIST, { id: owner.accountId }, m.token);
    expect(errorsOf(forbidden)[0]).toMatchObject({ code: 'FORBIDDEN', permission: 'accessRequests:view', path: 'account.accessRequests' });

    const w2 = await gw.gql(
      `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
      { input: { accountId: owner.accountId, name: 'Other team' } },
      owner.token,
    );
    const ws2 = w2.body.data!.createWorkspace.id as string;
    const req2 = (await ask(m.token, 'workspaces:view', { type: 'WORKSPACE', id: ws2 })).body.data!.requestAccess;
    const wsViewer = await addMember(owner.accountId, owner.userId, ['accessRequests:view'], { type: 'WORKSPACE', id: ws2 });
    await addMemberAccountView(wsViewer.userId);
    const seen = await gw.gql(LIST, { id: owner.accountId }, wsViewer.token);
    const ids = seen.body.data!.account.accessRequests.edges.map((e: any) => e.node.id);
    expect(ids).toContain(req2.id);
    expect(ids).not.toContain(req.id);
  });
});

/** A second binding giving account:view at the account, so the member can reach Account fields. */
async function addMemberAccountView(userId: string): Promise<void> {
  const role = await createRoleDoc({
    accountId: owner.accountId,
    key: `av-${userId}`,
    name: 'AV',
    permissions: ['account:view'],
    createdBy: owner.userId,
  });
  await bind(owner.accountId, userId, role._id, { type: 'ACCOUNT', id: owner.accountId }, owner.userId);
}

describe('concurrent resolution', () => {
  it('five simultaneous approvals of one request grant it once', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    const req = (await ask(m.token, 'workspaces:view')).body.data!.requestAccess;
    const until = inHours(1);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => gw.gql(RESOLVE, { input: { id: req.id, approve: true, expiresAt: until } }, owner.token)),
    );
    const approved = results.filter((r) => r.body.data?.resolveAccessRequest?.status === 'APPROVED');
    expect(approved).toHaveLength(1);
    for (const r of results) if (r !== approved[0]) expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(await RoleBinding().countDocuments({ userId: m.userId, roleId: null })).toBe(1);
  });
});
