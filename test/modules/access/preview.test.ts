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
    wsBinding = ok(await gw.gql(ASSIGN, { input: { userId: bob.userId, roleId: campaigner, scope: wsScope(owner) } }, owner.token))
      .assignRole.id;
    const after = await perms(bob.token, wsScope(owner));
    expect(sorted(after.filter((p) => !before.includes(p)))).toEqual(sorted(said[0]!.gained));
  });

  it('setPermissionOverrides: a revoke takes the permission from the person and from their partner token (capped by its creator)', async () => {
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
      sorted([
        'workspaces:view',
        'campaigns:create',
        'campaigns:edit',
        'campaigns:delete',
        'campaigns:send',
        'lists:view',
        'templates:view',
      ]),
    );
    // The token kept campaigns:view through the account binding; lists:view it had only through Campaigner.
    expect(unassign.find((d) => d.kind === 'TOKEN')).toMatchObject({
      principalId: bobToken.id,
      scope: wsScope(owner),
      lost: ['lists:view'],
    });

    const removal = await deltas(owner.token, {
      accountId: owner.accountId,
      removeMember: { accountId: owner.accountId, userId: bob.userId },
    });
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
    expect(
      await deltas(owner.token, { accountId: owner.accountId, installRolePack: { accountId: owner.accountId, pack: 'MAILGUN' } }),
    ).toEqual([]);
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
    const removal = await deltas(lead.token, {
      accountId: owner.accountId,
      removeMember: { accountId: owner.accountId, userId: dave.userId },
    });
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

// ---------------------------------------------------------------------------------------------
// The preview against the mutation, on random changes: for each, preview it, make it for real as the same
// person, and compare with what every person and token can actually do before and after (Viewer.permissions).

const STEPS = 50;
const SEED = process.env.PREVIEW_SEED ? Number(process.env.PREVIEW_SEED) : Date.now() % 2 ** 31;
const POOL = [
  'campaigns:view',
  'campaigns:edit',
  'campaigns:edit:own',
  'campaigns:delete',
  'lists:view',
  'lists:edit',
  'domains:view',
  'domains:edit',
  'webhooks:view',
  'inboxes:view',
  'messages:view',
  'templates:view',
  'reports:view',
  'members:view',
  'members:remove',
  'roles:assign',
  'access:review',
  'apiTokens:create',
  'billing:view',
];
const PACKS = ['MAILGUN', 'MAILTRAP', 'MAILERCLOUD', 'MAILERS_IO', 'MAUTIC'];
const KIND_WEIGHTS: [string, number][] = [
  ['assignRole', 34],
  ['unassignRole', 16],
  ['setPermissionOverrides', 20],
  ['updateRole', 16],
  ['removeMember', 7],
  ['installRolePack', 7],
];

interface Principal {
  kind: 'USER' | 'TOKEN';
  id: string;
  userId: string;
  name: string;
  secret: string;
  workspaceIds: string[] | null;
}
type Seen = Map<string, Map<string, string[]>>;
interface State {
  roles: { id: string; key: string; permissions: string[] }[];
  bindings: { id: string; userId: string; scope: Scope }[];
  raw: unknown;
}

describe('previewAccessChange agrees with the mutation it previews', () => {
  it(`on ${STEPS} random changes (seed ${SEED}; rerun with PREVIEW_SEED=${SEED})`, async () => {
    const owner = await gw.signUp();
    const create = async (mutation: string, input: Record<string, unknown>) =>
      Object.values(
        ok(
          await gw.gql(
            `mutation($input: ${mutation[0]!.toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { id } }`,
            { input },
            owner.token,
          ),
        ),
      )[0] as { id: string };
    const w1 = wsScope(owner);
    const w2: Scope = { type: 'WORKSPACE', id: (await create('createWorkspace', { accountId: owner.accountId, name: 'Second' })).id };
    const d1: Scope = { type: 'DOMAIN', id: (await create('createDomain', { workspaceId: w1.id, name: 'mg.preview.example.com' })).id };
    const l1: Scope = { type: 'LIST', id: (await create('createList', { workspaceId: w1.id, name: 'News' })).id };
    const p1: Scope = { type: 'PROJECT', id: (await create('createProject', { workspaceId: w2.id, name: 'QA' })).id };
    const i1: Scope = { type: 'INBOX', id: (await create('createInbox', { projectId: p1.id, name: 'Staging' })).id };
    const nodes: Scope[] = [acct(owner), w1, w2, d1, l1, p1, i1];
    const parent = new Map([
      [w1.id, owner.accountId],
      [w2.id, owner.accountId],
      [d1.id, w1.id],
      [l1.id, w1.id],
      [p1.id, w2.id],
      [i1.id, p1.id],
    ]);

    const ids = await roleIds(gw, owner);
    const custom = {
      campaigner: await role(owner, 'Campaigner', ['workspaces:view', 'campaigns:*', 'lists:view']),
      keeper: await role(owner, 'Domain keeper', ['domains:*', 'webhooks:view']),
      tester: await role(owner, 'Tester', ['projects:view', 'inboxes:*', 'messages:view', 'emailContent:view']),
      own: await role(owner, 'Own campaigns', ['campaigns:view', 'campaigns:edit:own']),
      maker: await role(owner, 'Token maker', ['apiTokens:create', 'campaigns:view', 'lists:view', 'domains:view']),
      lead: await role(owner, 'Lead', [
        'access:review',
        'roles:assign',
        'members:view',
        'members:remove',
        'workspaces:view',
        'campaigns:*',
        'lists:*',
      ]),
      auditor: await role(owner, 'Auditor', ['access:review', 'members:view']),
    };
    const person = async (name: string, grants: [string, Scope][]): Promise<Principal> => {
      const m = await newMember(gw, owner, name);
      for (const [roleId, scope] of grants) await bind(gw, owner, m.userId, roleId, scope);
      return { kind: 'USER', id: m.userId, userId: m.userId, name, secret: m.token, workspaceIds: null };
    };
    const admin = await person('admin', [[ids.admin!, acct(owner)]]);
    const lead = await person('lead', [[custom.lead, acct(owner)]]);
    const auditor = await person('auditor', [[custom.auditor, acct(owner)]]);
    const t1 = await person('t1', [
      [custom.maker, acct(owner)],
      [custom.campaigner, w1],
    ]);
    const t2 = await person('t2', [
      [custom.maker, acct(owner)],
      [custom.keeper, d1],
    ]);
    const t3 = await person('t3', [[custom.tester, p1]]);
    const t4 = await person('t4', []);
    const users: Principal[] = [
      { kind: 'USER', id: owner.userId, userId: owner.userId, name: 'owner', secret: owner.token, workspaceIds: null },
      admin,
      lead,
      auditor,
      t1,
      t2,
      t3,
      t4,
    ];
    const token = async (by: Principal, scopes: string[], workspaceIds: string[] | null): Promise<Principal> => {
      const t = await apiToken(owner, by.secret, scopes, workspaceIds ?? undefined);
      return { kind: 'TOKEN', id: t.id, userId: by.userId, name: `token of ${by.name}`, secret: t.token, workspaceIds };
    };
    const principals: Principal[] = [
      ...users,
      await token(t1, ['campaigns:view', 'campaigns:edit', 'lists:view'], null),
      await token(t1, ['campaigns:view', 'lists:view'], [w1.id]),
      await token(t2, ['domains:view', 'domains:edit', 'webhooks:view'], null),
      await token(admin, ['members:view', 'campaigns:view', 'billing:view', 'inboxes:view'], [w2.id]),
    ];

    const PERMS_AT = `{ viewer { ${nodes.map((n, i) => `p${i}: permissions(scope: { type: ${n.type}, id: "${n.id}" })`).join(' ')} } }`;
    const seeAll = async (): Promise<Seen> => {
      const seen = await Promise.all(
        principals.map(async (p) => {
          const r = await gw.gql(PERMS_AT, {}, p.secret);
          const v = r.body.data?.viewer;
          if (!v && r.body.errors?.[0]?.extensions?.code !== 'UNAUTHENTICATED') throw new Error(`permissions of ${p.name}: ${r.text}`);
          // A removed member's sessions and tokens end: they can do nothing.
          return [p.id, new Map(nodes.map((n, i) => [n.id, sorted(v ? v[`p${i}`] : [])]))] as const;
        }),
      );
      return new Map(seen);
    };
    const stateOf = async (): Promise<State> => {
      const raw = ok(await gw.gql(STATE, { id: owner.accountId }, owner.token));
      return {
        raw,
        roles: raw.account.roles.edges.map((e: any) => e.node),
        bindings: raw.account.members.edges.flatMap((e: any) =>
          e.node.bindings.map((b: any) => ({ id: b.id, userId: e.node.user.id, scope: b.scope })),
        ),
      };
    };

    const rng: RandomGenerator = xoroshiro128plus(SEED);
    const int = (lo: number, hi: number) => unsafeUniformIntDistribution(lo, hi, rng);
    const pick = <T>(list: readonly T[]): T => list[int(0, list.length - 1)]!;
    const some = (list: readonly string[], max: number) => [...new Set(Array.from({ length: int(0, max) }, () => pick(list)))];
    const kindOf = () => {
      let n = int(
        1,
        KIND_WEIGHTS.reduce((s, [, w]) => s + w, 0),
      );
      for (const [k, w] of KIND_WEIGHTS) if ((n -= w) <= 0) return k;
      return KIND_WEIGHTS[0]![0];
    };

    const randomChange = (kind: string, state: State): { change: Record<string, unknown>; mutation: [string, Record<string, unknown>] } => {
      switch (kind) {
        case 'assignRole': {
          const input: Record<string, unknown> = { userId: pick(users).id, roleId: pick(state.roles).id, scope: pick(nodes) };
          if (int(0, 4) === 0) input.expiresAt = new Date(Date.now() + 2 * 864e5).toISOString();
          return { change: { assignRole: input }, mutation: [ASSIGN, { input }] };
        }
        case 'unassignRole': {
          const id = pick(state.bindings).id;
          return { change: { unassignRole: { id } }, mutation: [UNASSIGN, { id }] };
        }
        case 'setPermissionOverrides': {
          const grant = some(POOL, 2);
          const rest = int(0, 9) === 0 ? POOL : POOL.filter((p) => !grant.includes(p));
          const input = { bindingId: pick(state.bindings).id, grant, revoke: some(rest, 2) };
          return { change: { setPermissionOverrides: input }, mutation: [OVERRIDES, { input }] };
        }
        case 'updateRole': {
          const r = pick(state.roles);
          const permissions = int(0, 1)
            ? [...new Set([...r.permissions, pick(POOL)])]
            : r.permissions.filter((p) => p !== pick(r.permissions));
          const args = { id: r.id, input: { permissions } };
          return { change: { updateRole: args }, mutation: [UPDATE_ROLE, args] };
        }
        case 'removeMember': {
          const input = { accountId: owner.accountId, userId: pick(users).id };
          return { change: { removeMember: input }, mutation: [REMOVE_MEMBER, { input }] };
        }
        default: {
          const input = { accountId: owner.accountId, pack: pick(PACKS) };
          return { change: { installRolePack: input }, mutation: [INSTALL_PACK, { input }] };
        }
      }
    };

    /** The nodes a preview compares a principal at: the account, their (creator's) bindings' nodes before or after, a token's workspaces. */
    const nodesOf = (p: Principal, states: State[]) =>
      new Set([
        owner.accountId,
        ...states.flatMap((s) => s.bindings.filter((b) => b.userId === p.userId).map((b) => b.scope.id)),
        ...(p.workspaceIds ?? []),
      ]);
    const actualDeltas = (before: Seen, after: Seen, states: State[]) => {
      const out = new Map<string, { gained: string[]; lost: string[] }>();
      for (const p of principals) {
        const at = (id: string) => {
          const was = before.get(p.id)!.get(id)!;
          const is = after.get(p.id)!.get(id)!;
          return { gained: is.filter((x) => !was.includes(x)), lost: was.filter((x) => !is.includes(x)) };
        };
        const compared = nodesOf(p, states);
        for (const n of nodes) {
          const d = at(n.id);
          if (compared.has(n.id)) {
            if (d.gained.length || d.lost.length) out.set(`${p.kind} ${p.name} @ ${n.type} ${n.id}`, d);
            continue;
          }
          // A node no binding of theirs is on changes as its nearest compared ancestor does: the preview misses nothing.
          let up = parent.get(n.id)!;
          while (!compared.has(up)) up = parent.get(up)!;
          expect({ principal: p.name, node: n, delta: d }).toEqual({ principal: p.name, node: n, delta: at(up) });
        }
      }
      return out;
    };
    const nameOf = new Map(principals.map((p) => [p.id, p.name]));
    const previewed = (list: Delta[]) =>
      new Map(
        list.map((d) => [
          `${d.kind} ${nameOf.get(d.principalId)} @ ${d.scope.type} ${d.scope.id}`,
          { gained: sorted(d.gained), lost: sorted(d.lost) },
        ]),
      );

    const tally = { changed: 0, unchanged: 0, refused: 0, errors: 0 };
    let state = await stateOf();
    let seen = await seeAll();
    for (let step = 0; step < STEPS; step++) {
      const reviewers = users.filter((u) => seen.get(u.id)!.get(owner.accountId)!.includes('access:review'));
      const actor = int(0, 3) === 0 ? users[0]! : pick(reviewers);
      const kind = kindOf();
      const { change, mutation } = randomChange(kind, state);
      const context = `seed ${SEED}, step ${step}: ${kind} by ${actor.name} ${JSON.stringify(change)}`;
      try {
        const pv = await preview(actor.secret, { accountId: owner.accountId, ...change });
        const done = await gw.gql(mutation[0], mutation[1], actor.secret);
        const nextState = await stateOf();
        const nextSeen = await seeAll();
        const actual = actualDeltas(seen, nextSeen, [state, nextState]);
        const mutationError = done.body.errors?.[0];
        const previewError = pv.body.errors?.[0];
        if (previewError) {
          tally.errors++;
          expect({ code: mutationError?.extensions?.code, message: mutationError?.message }).toEqual({
            code: previewError.extensions?.code,
            message: previewError.message,
          });
        } else {
          const list: Delta[] = pv.body.data!.previewAccessChange;
          const refusedBy = list[0]?.refusedBy ?? null;
          expect(list.every((d) => d.refusedBy === refusedBy)).toBe(true);
          if (refusedBy) {
            tally.refused++;
            expect(list.length).toBeGreaterThan(0);
            expect(mutationError?.message).toBe(refusedBy);
          } else {
            tally[list.length ? 'changed' : 'unchanged']++;
            expect(mutationError).toBeUndefined();
            expect(Object.fromEntries(previewed(list))).toEqual(Object.fromEntries(actual));
          }
        }
        if (mutationError) {
          // Refused: nothing written, nobody's access changed.
          expect(nextState.raw).toEqual(state.raw);
          expect(Object.fromEntries(actual)).toEqual({});
        }
        state = nextState;
        seen = nextSeen;
      } catch (e) {
        throw new Error(`${context}\n${(e as Error).message}`, { cause: e });
      }
    }
    // The run exercised both outcomes (a seed that did not would prove little).
    expect(tally.changed).toBeGreaterThan(3);
    expect(tally.refused + tally.errors).toBeGreaterThan(3);
    process.stdout.write(`previewAccessChange equivalence, seed ${SEED}: ${JSON.stringify(tally)}\n`);
  }, 300_000);
});
