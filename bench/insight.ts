// Access insight figures: explainAccess for one person, and whoCan over an account of
// 1,000 members, in process on the benchmark's database, through the access store. Each is measured
// twice: with the account's access facts cached at its unchanged permissionsVersion (what the gateway
// serves between two access changes: "from compiled data"), and reading every fact from the store on
// each call (the first call after a change). Medians over many runs after a warm-up.
import { createAccessStore } from '../src/composition/registry';
import { newId } from '../src/db/ids';
import { permissionBit, explainAccess, RESOURCE_TYPES, accountAccess, readAccountAccess, whoCan, whoCanFrom } from '../src/authz';
import { registerModules } from '../src/composition/registry';
import { createAccount } from '../src/modules/accounts/accounts.service';
import { Member, Workspace } from '../src/modules/accounts/account.model';
import { User } from '../src/modules/identity/user.model';

/** The benchmark's access store, built as the composition root builds the gateway's. */
const accessStore = createAccessStore();

export const INSIGHT_MEMBERS = 1000;

export interface Timing {
  medianMs: number;
  p90Ms: number;
  runs: number;
}

export interface InsightResult {
  members: number;
  tokens: number;
  bindings: number;
  /** explainAccess for a member bound at the workspace, with an override (lists:edit at the workspace). */
  explain: { cached: Timing; reads: Timing };
  /** whoCan(campaigns:view, the main workspace): holders found (people and tokens), each with its path. */
  holders: number;
  whoCan: { cached: Timing; reads: Timing };
}

async function time(runs: number, warm: number, fn: () => unknown): Promise<Timing> {
  for (let i = 0; i < warm; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { medianMs: r(ms[Math.floor(ms.length / 2)]!), p90Ms: r(ms[Math.floor(ms.length * 0.9)]!), runs };
}

/**
 * One account: 1,000 members. 10 % Manager at the account; 40 % Analyst on the main workspace; 25 %
 * Viewer there with an override grant and a revoke; 10 % a custom role on the main workspace plus a
 * time-bound access grant; 5 % Analyst on a second workspace; 10 % no binding. Every Manager has a
 * partner token (half of them restricted to the main workspace).
 */
async function seed(): Promise<{ accountId: string; workspaceId: string; sampleUserId: string; tokens: number; bindings: number }> {
  registerModules();
  const ownerId = newId();
  await User.create({ _id: ownerId, email: `owner-${ownerId}@insight.bench.example.com`, name: 'Owner', passwordHash: 'x' });
  const { account, workspace } = await createAccount(accessStore, ownerId, 'Insight bench');
  const accountId = account._id;
  const other = (await Workspace.create({ _id: newId(), accountId, name: 'Second', createdBy: ownerId })).toObject();
  const users = Array.from({ length: INSIGHT_MEMBERS - 1 }, (_, i) => ({
    _id: newId(),
    email: `m${i}-${accountId}@insight.bench.example.com`,
    name: `Member ${i}`,
    passwordHash: 'x',
  }));
  for (let i = 0; i < users.length; i += 250) {
    await User.insertMany(users.slice(i, i + 250));
    await Member.insertMany(users.slice(i, i + 250).map((u) => ({ _id: newId(), accountId, userId: u._id, createdBy: ownerId })));
  }
  const role = async (key: string) => (await accessStore.roleByKey(accountId, key))!._id;
  const [manager, analyst, viewer] = [await role('manager'), await role('analyst'), await role('viewer')];
  const [custom] = await accessStore.createRoles([
    {
      accountId,
      key: 'custom-insight',
      name: 'Campaign editors',
      description: '',
      permissions: ['workspaces:view', 'campaigns:*', 'lists:*', 'templates:view', 'reports:view'],
      system: false,
      customisable: true,
      pack: null,
      createdBy: ownerId,
    },
  ]);
  const now = new Date();
  const ws = { scopeType: 'WORKSPACE' as const, scopeId: workspace._id, workspaceId: workspace._id };
  let bindings = 0;
  let tokens = 0;
  let sampleUserId = '';
  const jobs = users.map((u, i) => async () => {
    const base = { accountId, userId: u._id, createdBy: ownerId };
    const k = i % 20;
    if (k < 2) {
      await accessStore.createBinding({ ...base, roleId: manager, scopeType: 'ACCOUNT', scopeId: accountId }, now);
      await accessStore.createToken({
        _id: newId(),
        accountId,
        userId: u._id,
        name: `token ${i}`,
        tokenHash: newId(),
        prefix: 'pst_bench',
        scopes: ['campaigns:view', 'lists:view'],
        workspaceIds: k === 0 ? [workspace._id] : null,
        expiresAt: new Date(Date.now() + 864e5),
        createdBy: u._id,
      });
      bindings++;
      tokens++;
    } else if (k < 10) {
      await accessStore.createBinding({ ...base, roleId: analyst, ...ws }, now);
      bindings++;
    } else if (k < 15) {
      const b = await accessStore.createBinding({ ...base, roleId: viewer, ...ws }, now);
      await accessStore.setOverrides(b._id, ['lists:edit'], ['contacts:view']);
      if (!sampleUserId) sampleUserId = u._id;
      bindings++;
    } else if (k < 17) {
      await accessStore.createBinding({ ...base, roleId: custom!._id, ...ws }, now);
      await accessStore.createBinding(
        { ...base, roleId: null, ...ws, grant: ['reports:export'], expiresAt: new Date(Date.now() + 864e5) },
        now,
      );
      bindings += 2;
    } else if (k === 17) {
      await accessStore.createBinding(
        { ...base, roleId: analyst, scopeType: 'WORKSPACE', scopeId: other._id, workspaceId: other._id },
        now,
      );
      bindings++;
    }
  });
  for (let i = 0; i < jobs.length; i += 25) await Promise.all(jobs.slice(i, i + 25).map((j) => j()));
  return { accountId, workspaceId: workspace._id, sampleUserId, tokens, bindings };
}

export async function insightFigures(log: (line: string) => void): Promise<InsightResult> {
  const s = await seed();
  log(`  seeded ${INSIGHT_MEMBERS} members, ${s.bindings} bindings, ${s.tokens} tokens`);
  const wsDoc = { _id: s.workspaceId, accountId: s.accountId };
  const node = { doc: wsDoc, chain: RESOURCE_TYPES.Workspace!.chain };

  const version = await accessStore.version(s.accountId);
  await accountAccess(accessStore, s.accountId, new Date(), version); // what a first whoCan or review leaves behind

  // explainAccess (src/authz/explain.ts, as the explain service calls it).
  const explainInput = { accountId: s.accountId, userId: s.sampleUserId, permission: 'lists:edit', node };
  for (const v of [version, undefined]) {
    if (!(await explainAccess(accessStore, { ...explainInput, version: v })).allowed) {
      throw new Error('explainAccess: the sample member should hold lists:edit through an override');
    }
  }
  const explain = {
    cached: await time(5000, 500, () => explainAccess(accessStore, { ...explainInput, version })),
    reads: await time(300, 30, () => explainAccess(accessStore, explainInput)),
  };
  log(`  explainAccess: ${explain.cached.medianMs} ms on cached facts, ${explain.reads.medianMs} ms reading them (median)`);

  // whoCan over the account (src/authz/who-can.ts, as the whoCan service calls it).
  const bit = permissionBit('campaigns:view');
  const whoInput = { accountId: s.accountId, permission: 'campaigns:view', bit, node };
  const holders = (await whoCan(accessStore, { ...whoInput, version })).length;
  const acc = await readAccountAccess(accessStore, s.accountId, new Date());
  if (whoCanFrom(acc, { ...whoInput, now: Date.now() }).length !== holders) throw new Error('whoCan: cached and fresh facts disagree');
  const who = {
    cached: await time(100, 10, () => whoCan(accessStore, { ...whoInput, version })),
    reads: await time(40, 5, async () =>
      whoCanFrom(await readAccountAccess(accessStore, s.accountId, new Date()), { ...whoInput, now: Date.now() }),
    ),
  };
  log(`  whoCan: ${holders} holders; ${who.cached.medianMs} ms on cached facts, ${who.reads.medianMs} ms reading them (median)`);
  return { members: INSIGHT_MEMBERS, tokens: s.tokens, bindings: s.bindings, explain, holders, whoCan: who };
}
