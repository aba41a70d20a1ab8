// The AccessStore contract (src/authz/store/types.ts), one suite run against both stores — the
// in-memory one the previews of access changes run on, and the MongoDB one the gateway uses — so a
// preview cannot say what the store would not do: every write bumps permissionsVersion by one, a
// refused write leaves it; unique facts hold under concurrent calls; removals take what depends on them.
import { ADMIN_ROLE, DuplicateError, OWNER_ROLE, type AccessStore, type NewBinding } from '../../src/authz';
import { memoryBackend, mongoBackend, type Backend } from '../helpers/access-stores';

const A = 'acct-a';
const B = 'acct-b';
const OWNER = 'owner-a';
const later = (ms: number) => new Date(Date.now() + ms);

describe.each([memoryBackend, mongoBackend()])('the access store contract on the $name', (backend: Backend) => {
  let store: AccessStore;
  beforeAll(() => backend.open());
  afterAll(() => backend.close());
  beforeEach(async () => {
    store = await backend.fresh({ [A]: OWNER, [B]: 'owner-b' });
    await store.createRoles(
      [OWNER_ROLE, ADMIN_ROLE].map((r) => ({
        _id: `${A}:${r.key}`,
        accountId: A,
        key: r.key,
        name: r.name,
        description: '',
        permissions: [...r.permissions],
        system: true,
        customisable: false,
        createdBy: OWNER,
      })),
    );
    await store.createBinding(
      { accountId: A, userId: OWNER, roleId: `${A}:owner`, scopeType: 'ACCOUNT', scopeId: A, createdBy: OWNER },
      new Date(),
    );
  });

  const custom = async (key: string, permissions = ['domains:view']) =>
    (
      await store.createRoles([
        { accountId: A, key, name: key.toUpperCase(), description: '', permissions, system: false, customisable: true, createdBy: OWNER },
      ])
    )[0]!;
  const at = (userId: string, roleId: string | null, placement: Partial<NewBinding> = {}): NewBinding => ({
    accountId: A,
    userId,
    roleId,
    scopeType: 'ACCOUNT',
    scopeId: A,
    createdBy: OWNER,
    ...placement,
  });
  /** How far a call moved the account's version. */
  async function moved(call: () => Promise<unknown>, accountId = A): Promise<number> {
    const before = await store.version(accountId);
    await call();
    return (await store.version(accountId)) - before;
  }

  it('bumps permissionsVersion by one on every write, and only in the account written', async () => {
    const role = await custom('dev');
    expect(await moved(() => store.addMember({ accountId: A, userId: 'bob', createdBy: OWNER }))).toBe(1);
    let id = '';
    expect(await moved(async () => (id = (await store.createBinding(at('bob', role._id), new Date()))._id))).toBe(1);
    expect(await moved(() => store.setOverrides(id, ['domains:edit'], []))).toBe(1);
    expect(await moved(() => store.updateRole(role._id, { permissions: ['domains:view', 'webhooks:view'] }))).toBe(1);
    expect(await moved(() => store.deleteBinding(id))).toBe(1);
    expect(await moved(() => store.createRoles([{ ...role, _id: undefined, key: 'dev2', name: 'Dev 2' }]))).toBe(1);
    expect(await moved(() => store.createBinding(at('bob', role._id), new Date()), B)).toBe(0);
  });

  it('refuses a second binding of one user, role and scope (and leaves the version), but replaces an expired one', async () => {
    const role = await custom('dev');
    await store.addMember({ accountId: A, userId: 'bob', createdBy: OWNER });
    await store.createBinding(at('bob', role._id), new Date());
    const v = await store.version(A);
    await expect(store.createBinding(at('bob', role._id), new Date())).rejects.toBeInstanceOf(DuplicateError);
    expect(await store.version(A)).toBe(v);
    const grant = at('ann', null, { grant: ['domains:edit'], expiresAt: later(-60_000) });
    const lapsed = await store.createBinding(grant, new Date(Date.now() - 120_000));
    const renewed = await store.createBinding({ ...grant, expiresAt: later(3_600_000) }, new Date());
    expect(renewed._id).not.toBe(lapsed._id);
    expect((await store.bindingsOf(A, ['ann'])).map((b) => b._id)).toEqual([renewed._id]);
  });

  it('creates roles all or nothing: a taken key refuses the whole batch', async () => {
    await custom('dev');
    const v = await store.version(A);
    const batch = ['fresh', 'dev'].map((key) => ({
      accountId: A,
      key,
      name: key,
      description: '',
      permissions: [],
      system: false,
      customisable: true,
      createdBy: OWNER,
    }));
    await expect(store.createRoles(batch)).rejects.toBeInstanceOf(DuplicateError);
    expect(await store.roleByKey(A, 'fresh')).toBeNull();
    expect(await store.version(A)).toBe(v);
    expect((await store.roleNamed(A, 'DEV'))?.key).toBe('dev');
    expect((await store.rolesOf(A, { keyPrefix: 'de' })).map((r) => r.key)).toEqual(['dev']);
    expect(await store.updateRole(`${A}:admin`, { permissions: [] })).toBeNull();
  });

  it('adds a member once, even when ten ask at the same time', async () => {
    const added = await Promise.all(Array.from({ length: 10 }, () => store.addMember({ accountId: A, userId: 'bob', createdBy: OWNER })));
    expect(added.filter(Boolean)).toHaveLength(1);
    expect((await store.membersOf(A)).sort()).toEqual(['bob', OWNER].sort());
    expect(await store.accountsOf(['bob'])).toEqual([{ userId: 'bob', accountId: A }]);
  });

  it('moves ownership once among ten concurrent transfers; the old owner keeps admin', async () => {
    for (const u of ['bob', 'ann']) await store.addMember({ accountId: A, userId: u, createdBy: OWNER });
    const done = await Promise.all(Array.from({ length: 10 }, (_, i) => store.transferOwnership(A, OWNER, i % 2 ? 'bob' : 'ann', OWNER)));
    expect(done.filter(Boolean)).toHaveLength(1);
    const heir = (await store.ownerOf(A))!;
    expect(['bob', 'ann']).toContain(heir);
    const roleOf = async (u: string) => (await store.bindingsOf(A, [u])).map((b) => b.roleId);
    expect(await roleOf(heir)).toContain(`${A}:owner`);
    expect(await roleOf(OWNER)).toEqual([`${A}:admin`]);
    expect(await store.transferOwnership(A, OWNER, 'bob', OWNER)).toBe(false);
  });

  it('accepts an invitation once; a new one to the same address revokes the pending one', async () => {
    const role = await custom('dev');
    const invite = (hash: string) =>
      store.createInvitation(
        {
          accountId: A,
          email: 'new@example.com',
          roleId: role._id,
          scopeType: 'ACCOUNT',
          scopeId: A,
          tokenHash: hash,
          expiresAt: later(3_600_000),
          createdBy: OWNER,
        },
        new Date(),
      );
    const first = await invite('h1');
    const second = await invite('h2');
    expect((await store.invitation(first._id))?.revokedAt).toBeTruthy();
    expect((await store.invitationByTokenHash('h2'))?._id).toBe(second._id);
    const accepted = await Promise.all(Array.from({ length: 10 }, (_, i) => store.acceptInvitation(second._id, `u${i}`, new Date())));
    expect(accepted.filter(Boolean)).toHaveLength(1);
    expect(await store.pendingOffersOfRole(role._id, new Date(), 10)).toEqual([]);
  });

  it('finds the users bound at or below a node, while their binding is current', async () => {
    const role = await custom('dev');
    const inbox = { scopeType: 'INBOX' as const, scopeId: 'inbox1', workspaceId: 'ws1', projectId: 'proj1', inboxId: 'inbox1' };
    await store.createBinding(at('bob', role._id, inbox), new Date());
    await store.createBinding(at('ann', role._id, { ...inbox, expiresAt: later(60_000) }), new Date());
    await store.createBinding(at('cy', role._id, { scopeType: 'WORKSPACE', scopeId: 'ws2', workspaceId: 'ws2' }), new Date());
    expect((await store.usersBoundBelow(A, ['ws1'], new Date())).sort()).toEqual(['ann', 'bob']);
    expect(await store.usersBoundBelow(A, ['ws1'], later(120_000))).toEqual(['bob']);
    expect(await store.usersBoundBelow(A, ['proj2'], new Date())).toEqual([]);
    expect(await store.deleteBindingsAt(A, { field: 'projectId', ids: ['proj1'] })).toBe(2);
    expect(await store.usersBoundBelow(A, ['ws1'], new Date())).toEqual([]);
  });

  it('removes a member with their bindings, the invitations they sent and their tokens; tokens revoke once', async () => {
    const role = await custom('dev');
    await store.addMember({ accountId: A, userId: 'bob', createdBy: OWNER });
    await store.createBinding(at('bob', role._id), new Date());
    await store.createInvitation(
      {
        accountId: A,
        email: 'x@example.com',
        roleId: null,
        scopeType: 'ACCOUNT',
        scopeId: A,
        tokenHash: 'hx',
        expiresAt: later(3_600_000),
        createdBy: 'bob',
      },
      new Date(),
    );
    const token = {
      _id: 'tok-bob',
      accountId: A,
      userId: 'bob',
      name: 't',
      scopes: ['domains:view'],
      workspaceIds: null,
      expiresAt: later(3_600_000),
      tokenHash: 'tb',
      prefix: 'pst_tb',
      createdBy: 'bob',
    };
    const other = { ...token, _id: 'tok-own', userId: OWNER, tokenHash: 'to', prefix: 'pst_to', createdBy: OWNER };
    await store.createToken(token);
    await store.createToken(other);
    const out = await store.removeMember(A, 'bob', new Date());
    expect(out).toMatchObject({ removed: true, invitationsRevoked: 1, tokensRevoked: 1 });
    expect(out.bindings.map((b) => b.userId)).toEqual(['bob']);
    expect(await store.isMember(A, 'bob')).toBe(false);
    expect((await store.tokensOf(A, new Date())).map((t) => t._id)).toEqual(['tok-own']);
    expect(await store.revokeToken('tok-own', new Date())).toMatchObject({ _id: 'tok-own' });
    expect(await store.revokeToken('tok-own', new Date())).toBeNull();
    expect(await store.tokensOf(A, new Date())).toEqual([]);
  });

  it('drops a deleted account’s roles, bindings, members and invitations, and nothing of another account', async () => {
    await custom('dev');
    await store.addMember({ accountId: A, userId: 'bob', createdBy: OWNER });
    await store.dropAccount(A);
    expect(await store.rolesOf(A)).toEqual([]);
    expect(await store.bindingsOfAccount(A)).toEqual([]);
    expect(await store.membersOf(A)).toEqual([]);
    expect(await store.membersOf(B)).toEqual(['owner-b']);
  });
});
