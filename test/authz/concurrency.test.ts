// Rule 9 under load, through the real gateway: 100 parallel copies of each once-only action have
// exactly one effect, and 100 parallel permission changes move permissionsVersion by exactly 100
// (the version is the cross-replica freshness guarantee: a lost bump is a stale permission somewhere).
import mongoose from 'mongoose';
import { newId } from '../../src/db/ids';
import { STRONG_PASSWORD, uniqueEmail, type GqlResponse, type TestGateway, type TestOwner } from '../helpers/gateway';
import type { Mailbox } from '../helpers/mailbox';
import { accessStore } from '../helpers/access';
import { acct, ASSIGN, memberWith, newMember, OVERRIDES, startOwnerWorld } from '../modules/access/helpers';

const N = 100;
// 100-way bursts on a shared 2-core machine: correctness is asserted, never speed.
jest.setTimeout(300_000);

let gw: TestGateway;
let mailbox: Mailbox;
let owner: TestOwner;
let roles: Record<string, string>;
let stop: () => Promise<void>;
beforeAll(async () => ({ gw, mailbox, owner, roles, stop } = await startOwnerWorld()));
afterAll(() => stop());

const inHours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();

function parallel(n: number, send: (i: number) => Promise<GqlResponse>): Promise<GqlResponse[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => send(i)));
}

function outcome(results: GqlResponse[], field: string): { ok: number; codes: Set<string> } {
  const codes = new Set<string>();
  let ok = 0;
  for (const r of results) {
    if (r.body.errors?.length) codes.add(String(r.body.errors[0]!.extensions?.code));
    else if (r.body.data?.[field] !== null && r.body.data?.[field] !== undefined) ok++;
  }
  return { ok, codes };
}

const version = (accountId: string) => accessStore.version(accountId);

describe('once-only actions, 100 at a time', () => {
  it('identical assignRole: one binding, version +1', async () => {
    const m = await newMember(gw, owner, 'same-assign');
    const v0 = await version(owner.accountId);
    const results = await parallel(N, () =>
      gw.gql(ASSIGN, { input: { userId: m.userId, roleId: roles.viewer, scope: acct(owner) } }, owner.token),
    );
    const o = outcome(results, 'assignRole');
    expect(o.ok).toBe(1);
    expect([...o.codes]).toEqual(['BAD_USER_INPUT']);
    expect(await accessStore.bindingsOf(owner.accountId, [m.userId])).toHaveLength(1);
    expect((await version(owner.accountId)) - v0).toBe(1);
  });

  it('transferOwnership: one new owner, one owner binding, version +1', async () => {
    const o = await gw.signUp();
    const heir = await newMember(gw, o, 'heir');
    const v0 = await version(o.accountId);
    const results = await parallel(N, () =>
      gw.gql(
        `mutation($input: TransferOwnershipInput!) { transferOwnership(input: $input) { id } }`,
        { input: { accountId: o.accountId, userId: heir.userId } },
        o.token,
      ),
    );
    const out = outcome(results, 'transferOwnership');
    expect(out.ok).toBe(1);
    for (const code of out.codes) expect(['BAD_USER_INPUT', 'FORBIDDEN']).toContain(code);
    expect(await accessStore.ownerOf(o.accountId)).toBe(heir.userId);
    const ownerRole = (await accessStore.roleByKey(o.accountId, 'owner'))!;
    const ownerBindings = await accessStore.bindingsOfRole(o.accountId, ownerRole._id, 10);
    expect(ownerBindings.map((b) => b.userId)).toEqual([heir.userId]);
    const adminRole = (await accessStore.roleByKey(o.accountId, 'admin'))!;
    expect((await accessStore.bindingsOfRole(o.accountId, adminRole._id, 10)).map((b) => b.userId)).toEqual([o.userId]);
    expect((await version(o.accountId)) - v0).toBe(1);
  });

  it('requestAccess: one pending request, every caller gets it', async () => {
    const m = await memberWith(gw, owner, roles.viewer!, acct(owner), 'asker');
    const results = await parallel(N, () =>
      gw.gql(
        `mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id status } }`,
        { input: { permission: 'lists:edit', scope: acct(owner) } },
        m.token,
      ),
    );
    expect(outcome(results, 'requestAccess')).toEqual({ ok: N, codes: new Set() });
    expect(new Set(results.map((r) => r.body.data!.requestAccess.id)).size).toBe(1);
    expect(await mongoose.model('AccessRequest').countDocuments({ requesterId: m.userId, status: 'PENDING' })).toBe(1);
  });

  it('resolveAccessRequest: one approval, one grant, version +1', async () => {
    const m = await memberWith(gw, owner, roles.viewer!, acct(owner), 'resolved');
    const req = (
      await gw.gql(
        `mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id } }`,
        { input: { permission: 'lists:create', scope: acct(owner) } },
        m.token,
      )
    ).body.data!.requestAccess;
    const v0 = await version(owner.accountId);
    const results = await parallel(N, () =>
      gw.gql(
        `mutation($input: ResolveAccessRequestInput!) { resolveAccessRequest(input: $input) { status } }`,
        { input: { id: req.id, approve: true, expiresAt: inHours(2) } },
        owner.token,
      ),
    );
    const o = outcome(results, 'resolveAccessRequest');
    expect(o.ok).toBe(1);
    expect([...o.codes]).toEqual(['BAD_USER_INPUT']);
    expect((await accessStore.bindingsOf(owner.accountId, [m.userId])).filter((b) => b.roleId === null)).toHaveLength(1);
    expect((await version(owner.accountId)) - v0).toBe(1);
  });

  it('acceptInvitation: one member, one binding, one login', async () => {
    const email = uniqueEmail('accept100');
    await gw.gql(
      `mutation($input: InviteUserInput!) { inviteUser(input: $input) { id } }`,
      { input: { accountId: owner.accountId, email, roleId: roles.viewer, scope: acct(owner) } },
      owner.token,
    );
    const token = await mailbox.invitationToken(email);
    const v0 = await version(owner.accountId);
    const results = await parallel(N, () =>
      gw.gql(`mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token user { id } } }`, {
        input: { token, password: STRONG_PASSWORD },
      }),
    );
    const o = outcome(results, 'acceptInvitation');
    expect(o.ok).toBe(1);
    expect([...o.codes]).toEqual(['BAD_USER_INPUT']);
    const users = await mongoose.model('User').find({ email }).lean<{ _id: string }[]>();
    expect(users).toHaveLength(1);
    expect(await mongoose.model('Member').countDocuments({ accountId: owner.accountId, userId: users[0]!._id })).toBe(1);
    expect(await accessStore.bindingsOf(owner.accountId, [users[0]!._id])).toHaveLength(1);
    // Two changes: the membership and the binding.
    expect((await version(owner.accountId)) - v0).toBe(2);
  });
});

describe('100 distinct permission changes at once', () => {
  it('assignRole of 100 roles and then 100 overrides: 100 bindings, version +100 each time', async () => {
    const o = await gw.signUp();
    const m = await newMember(gw, o, 'many');
    const made = await accessStore.createRoles(
      Array.from({ length: N }, (_, i) => ({
        accountId: o.accountId,
        key: `custom-c${i}-${newId()}`,
        name: `Concurrent ${i}`,
        description: '',
        permissions: ['lists:view', 'lists:edit'],
        system: false,
        customisable: true,
        pack: null,
        createdBy: o.userId,
      })),
    );
    const v0 = await version(o.accountId);
    const assigned = await parallel(N, (i) =>
      gw.gql(ASSIGN, { input: { userId: m.userId, roleId: made[i]!._id, scope: acct(o) } }, o.token),
    );
    expect(outcome(assigned, 'assignRole')).toEqual({ ok: N, codes: new Set() });
    expect(await accessStore.bindingsOf(o.accountId, [m.userId])).toHaveLength(N);
    expect((await version(o.accountId)) - v0).toBe(N);

    const v1 = await version(o.accountId);
    const ids = assigned.map((r) => r.body.data!.assignRole.id as string);
    const overridden = await parallel(N, (i) =>
      gw.gql(OVERRIDES, { input: { bindingId: ids[i], grant: [], revoke: ['lists:edit'] } }, o.token),
    );
    expect(outcome(overridden, 'setPermissionOverrides')).toEqual({ ok: N, codes: new Set() });
    expect((await accessStore.bindingsOf(o.accountId, [m.userId])).every((b) => b.revoke.includes('lists:edit'))).toBe(true);
    expect((await version(o.accountId)) - v1).toBe(N);
  });
});
