// whoCan and accessReview against the request path, on generated worlds in the in-memory access store:
// for every node and permission, whoCan lists exactly the members and tokens whose compiled permissions
// (compileFor, as each request compiles them) allow it there; a review lists, at each scope, exactly
// what those compiled permissions allow there, and leaves out no scope where someone is bound.
import { permissionBit } from '../../src/authz/catalogue';
import { allowed } from '../../src/authz/check';
import { compileFor } from '../../src/authz/compile-for';
import { permissionsAt } from '../../src/authz/scope-node';
import { RESOURCE_TYPES, SCOPE_MODEL, type ScopeType } from '../../src/authz/resources';
import { readAccountAccess } from '../../src/authz/account-access';
import { reviewFrom } from '../../src/authz/review';
import { whoCanFrom } from '../../src/authz/who-can';
import { MemoryAccessStore } from '../../src/authz/store';

type Doc = Record<string, unknown> & { _id: string };
interface Node {
  type: ScopeType;
  doc: Doc;
  chain: readonly string[];
}

const A = 'acct';
const OWNER = 'owner';
const POOL = [
  'workspaces:view',
  'domains:view',
  'domains:edit',
  'lists:view',
  'lists:edit',
  'campaigns:view',
  'campaigns:send',
  'inboxes:view',
  'messages:view',
  'members:view',
  'billing:view',
  'account:delete',
];

/** mulberry32: a small seeded generator, so a failing world can be rebuilt from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tree(): Map<string, Node> {
  const nodes = new Map<string, Node>();
  const add = (type: ScopeType, doc: Doc) => nodes.set(doc._id, { type, doc, chain: RESOURCE_TYPES[SCOPE_MODEL[type]]!.chain });
  add('ACCOUNT', { _id: A });
  add('WORKSPACE', { _id: 'w1', accountId: A });
  add('WORKSPACE', { _id: 'w2', accountId: A });
  add('DOMAIN', { _id: 'd1', accountId: A, workspaceId: 'w1' });
  add('LIST', { _id: 'l2', accountId: A, workspaceId: 'w2' });
  add('PROJECT', { _id: 'p1', accountId: A, workspaceId: 'w1' });
  add('INBOX', { _id: 'i1', accountId: A, workspaceId: 'w1', projectId: 'p1' });
  return nodes;
}

function placement(n: Node) {
  const d = n.doc;
  const pick = (type: ScopeType, field: string) => (n.type === type ? d._id : ((d[field] as string | undefined) ?? null));
  return {
    accountId: A,
    scopeType: n.type,
    scopeId: d._id,
    workspaceId: pick('WORKSPACE', 'workspaceId'),
    domainId: pick('DOMAIN', 'domainId'),
    projectId: pick('PROJECT', 'projectId'),
    inboxId: pick('INBOX', 'inboxId'),
  };
}

async function world(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const some = (xs: readonly string[], p: number) => xs.filter(() => r() < p);
  const store = new MemoryAccessStore();
  store.addAccount(A, OWNER);
  const nodes = tree();
  const roles = ['r1', 'r2', 'r3'];
  for (const id of roles) {
    await store.createRoles([
      {
        _id: id,
        accountId: A,
        key: id,
        name: id,
        description: '',
        permissions: some(POOL, 0.4),
        system: false,
        customisable: true,
        pack: null,
        createdBy: OWNER,
      },
    ]);
  }
  const members = Array.from({ length: 25 }, (_, i) => `u${i}`);
  const now = Date.now();
  for (const u of members) {
    await store.addMember({ accountId: A, userId: u, createdBy: OWNER });
    for (let k = Math.floor(r() * 4); k > 0; k--) {
      const grantOnly = r() < 0.2;
      const expiry = r();
      await store
        .createBinding(
          {
            ...placement(pick([...nodes.values()])),
            userId: u,
            roleId: grantOnly ? null : pick(roles),
            grant: grantOnly ? [pick(POOL)] : some(POOL, 0.1),
            revoke: grantOnly ? [] : some(POOL, 0.1),
            expiresAt: expiry < 0.15 ? new Date(now - 60_000) : expiry < 0.3 ? new Date(now + 3_600_000) : null,
            createdBy: OWNER,
          },
          new Date(now),
        )
        .catch(() => undefined); // the same (user, role, scope) twice: one binding, as the store keeps it
    }
  }
  const tokens: { id: string; userId: string; scopes: string[]; workspaceIds: string[] | null }[] = [];
  for (let i = 0; i < 12; i++) {
    const t = {
      _id: `t${i}`,
      accountId: A,
      userId: pick([OWNER, ...members]),
      scopes: some(POOL, 0.5),
      workspaceIds: pick([null, ['w1'], ['w2'], ['w1', 'w2']]),
      expiresAt: new Date(now + 86_400_000),
    };
    await store.createToken(t);
    if (i % 5 === 4) await store.revokeToken(t._id, new Date(now));
    else tokens.push({ id: t._id, userId: t.userId, scopes: t.scopes, workspaceIds: t.workspaceIds });
  }
  return { store, nodes, members: [OWNER, ...members], tokens, now };
}

describe.each([1, 2, 3, 4, 5, 6])('world %i', (seed) => {
  it('whoCan lists exactly who the request path allows, at every node, for every permission', async () => {
    const w = await world(seed);
    const acc = await readAccountAccess(w.store, A, new Date(w.now));
    const oracle = new Map<string, Awaited<ReturnType<typeof compileFor>>>();
    for (const u of w.members) oracle.set(u, await compileFor(w.store, { accountId: A, userId: u, now: w.now }));
    for (const t of w.tokens) oracle.set(t.id, await compileFor(w.store, { accountId: A, userId: t.userId, token: t, now: w.now }));
    let holders = 0;
    for (const node of w.nodes.values()) {
      for (const permission of POOL) {
        const bit = permissionBit(permission);
        const got = whoCanFrom(acc, { permission, bit, node, now: w.now });
        const expected = [...oracle].filter(([, c]) => !!c && allowed(c, bit, node.doc, node.chain, false)).map(([id]) => id);
        expect({ node: node.doc._id, permission, holders: got.map((h) => h.principalId).sort() }).toEqual({
          node: node.doc._id,
          permission,
          holders: expected.sort(),
        });
        for (const h of got) expect(h.path[h.path.length - 1]).toMatchObject({ kind: 'DECISION', grants: true });
        holders += got.length;
      }
    }
    expect(holders).toBeGreaterThan(0);
  });

  it.each(['acct', 'w1', 'p1'])('a review of %s lists at each scope exactly what the request path allows there', async (rootId) => {
    const w = await world(seed);
    const acc = await readAccountAccess(w.store, A, new Date(w.now));
    const rootNode = w.nodes.get(rootId)!;
    const root = { type: rootNode.type, id: rootId, doc: rootNode.doc, chain: rootNode.chain };
    const entries = reviewFrom(acc, root, w.now, { everyMember: rootId === A });
    const inSubtree = (n: Node) => n.chain.some((k) => n.doc[k] === rootId);
    const current = (u: string) =>
      (acc.bindingsByUser.get(u) ?? []).filter((b) => !b.expiresAt || new Date(b.expiresAt).getTime() > w.now).map((b) => b.scopeId);

    for (const u of w.members) {
      const c = (await compileFor(w.store, { accountId: A, userId: u, now: w.now }))!;
      const entry = entries.find((e) => e.userId === u);
      // Every scope of the subtree that is the root or where u is bound: listed with exactly what u may do there.
      const expected = [...w.nodes.values()]
        .filter((n) => inSubtree(n) && (n.doc._id === rootId || current(u).includes(n.doc._id)))
        .map((n) => ({ id: n.doc._id, permissions: permissionsAt(c, n.doc, n.chain) }))
        .filter((x) => x.permissions.length > 0);
      const listed = (entry?.permissions ?? []).map((sp) => ({ id: sp.node.id, permissions: sp.permissions }));
      expect({ u, scopes: listed.sort((x, y) => x.id.localeCompare(y.id)) }).toEqual({
        u,
        scopes: expected.sort((x, y) => x.id.localeCompare(y.id)),
      });
      if (rootId === A) expect(entry).toBeDefined();
      for (const t of w.tokens.filter((x) => x.userId === u)) {
        const tc = (await compileFor(w.store, { accountId: A, userId: u, token: t, now: w.now }))!;
        const listedT = entry?.tokens.find((x) => x.token._id === t.id)?.permissions ?? [];
        for (const sp of listedT) {
          const n = w.nodes.get(sp.node.id)!;
          expect({ t: t.id, at: n.doc._id, p: sp.permissions }).toEqual({ t: t.id, at: n.doc._id, p: permissionsAt(tc, n.doc, n.chain) });
        }
        // Nothing the token can do at the root goes unlisted.
        const atRoot = permissionsAt(tc, rootNode.doc, rootNode.chain);
        expect(listedT.find((sp) => sp.node.id === rootId)?.permissions ?? []).toEqual(atRoot);
      }
    }
  });
});
