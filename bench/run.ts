// `npm run bench`: the cost of authorization (DESIGN.md §4–§5).
//
// 1. Throughput of one query listing 1000 campaigns with their fields (including the guarded
//    `list` and `template` of each), executed in-process with graphql's execute() and a real per-request
//    Context against two schemas built from the same SDL and resolvers: buildSchema() (directives
//    applied) and buildBareSchema() (no wrappers). Rounds alternate A/B/A/B to cancel drift and noise.
// 2. Checks per second of allowed() on a compiled permission set, in a tight loop.
//
// It starts its own embedded database in a temporary directory and removes it afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import mongoose from 'mongoose';
import { allowed } from '../src/authz/check';
import { permissionBit } from '../src/authz/catalogue';
import { compilePermissions } from '../src/authz/compile';
import { RESOURCE_TYPES } from '../src/authz/resources';
import { MANAGER_ROLE } from '../src/authz/roles';
import { setSecretKey } from '../src/crypto/secrets';
import { connectDatabase, disconnectDatabase } from '../src/db/connect';
import { startEmbeddedDatabase } from '../src/db/embedded';
import { newId } from '../src/db/ids';
import { encodeCursor } from '../src/graphql/connection';
import { createContext } from '../src/graphql/context';
import { buildBareSchema, buildSchema } from '../src/graphql/schema';
import { createLogger } from '../src/logger';
import { createMailer } from '../src/mail/mailer';
import { Member } from '../src/modules/accounts/model';
import { createAccount } from '../src/modules/accounts/service';
import { Role, RoleBinding } from '../src/modules/access/model';
import { User } from '../src/modules/identity/model';

const CAMPAIGNS = 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 10000);
const CHECKS = Number(process.env.BENCH_CHECKS ?? 20_000_000);

const QUERY = `
  fragment C on CampaignConnection {
    edges { cursor node { id name subject status fromEmail fromName scheduledAt sentAt recipientCount list { id name } template { id name } } }
    pageInfo { hasNextPage endCursor }
  }
  query Campaigns($w: ID!, $after: String!) {
    workspace(id: $w) {
      id
      name
      first: campaigns(first: 500) { ...C }
      second: campaigns(first: 500, after: $after) { ...C }
    }
  }`;

interface Setup {
  userId: string;
  workspaceId: string;
  after: string;
}

async function seed(): Promise<Setup> {
  const ownerId = newId();
  await User.create({ _id: ownerId, email: `owner-${ownerId}@bench.example.com`, name: 'Owner', passwordHash: 'x' });
  const { account, workspace } = await createAccount(ownerId, 'Bench');
  // The benchmark principal: a member with the Manager preset bound at the account (not the owner, so
  // every check walks the campaign's chain rather than stopping at an all-permissions account node).
  const userId = newId();
  await User.create({ _id: userId, email: `manager-${userId}@bench.example.com`, name: 'Manager', passwordHash: 'x' });
  await Member.create({ accountId: account._id, userId, createdBy: ownerId });
  const role = await Role.findOne({ accountId: account._id, key: MANAGER_ROLE.key }).lean();
  await RoleBinding.create({
    accountId: account._id,
    userId,
    roleId: role!._id,
    scopeType: 'ACCOUNT',
    scopeId: account._id,
    createdBy: ownerId,
  });
  const base = { accountId: account._id, workspaceId: workspace._id, createdBy: ownerId };
  const listId = newId();
  const templateId = newId();
  await mongoose.model('MailingList').create({ _id: listId, ...base, name: 'Newsletter' });
  await mongoose.model('Template').create({ _id: templateId, ...base, name: 'Monthly', html: '<p>Hello</p>' });
  const ids: string[] = [];
  const docs = Array.from({ length: CAMPAIGNS }, (_, i) => {
    const _id = newId();
    ids.push(_id);
    return {
      _id,
      ...base,
      name: `Campaign ${i}`,
      subject: `Subject ${i}`,
      status: 'DRAFT',
      listId,
      templateId,
      fromEmail: 'news@example.com',
    };
  });
  for (let i = 0; i < docs.length; i += 250) await mongoose.model('Campaign').insertMany(docs.slice(i, i + 250));
  ids.sort();
  return { userId, workspaceId: workspace._id, after: encodeCursor(ids[499]!) };
}

async function runOnce(
  schema: GraphQLSchema,
  document: DocumentNode,
  s: Setup,
  log: ReturnType<typeof createLogger>,
  mailer: ReturnType<typeof createMailer>,
) {
  const contextValue = createContext({
    requestId: 'bench',
    ip: null,
    principal: { kind: 'user', id: s.userId, userId: s.userId, sessionId: 'bench' },
    authRejected: false,
    log,
    mailer,
  });
  const r = await execute({ schema, document, variableValues: { w: s.workspaceId, after: s.after }, contextValue });
  if (r.errors?.length) throw new Error(`query failed: ${r.errors.map((e) => e.message).join('; ')}`);
  const w = (r.data as { workspace: { first: { edges: unknown[] }; second: { edges: unknown[] } } }).workspace;
  if (w.first.edges.length + w.second.edges.length !== CAMPAIGNS) throw new Error('query did not list every campaign');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Database commands one operation sends (the guarded schema adds the account read that keeps permissions fresh). */
async function commandsPerOp(op: () => Promise<void>): Promise<number> {
  let n = 0;
  const client = mongoose.connection.getClient();
  const listener = () => {
    n++;
  };
  client.on('commandStarted', listener);
  try {
    await op();
  } finally {
    client.off('commandStarted', listener);
  }
  return n;
}

/** allowed() on a Manager bound at the account, over 1024 campaign documents: three cases, each its own loop. */
/**
 * Rates per wall-clock second and per CPU second of this process (the latter is what one core does,
 * whatever else the machine runs).
 */
function checksPerSecond(): { perSecond: number; perCpuSecond: number; byCase: Record<string, { wall: number; cpu: number }> } {
  const accountId = newId();
  const workspaceId = newId();
  const compiled = compilePermissions({
    userId: newId(),
    accountId,
    version: 1,
    isOwner: false,
    bindings: [
      { _id: newId(), roleId: 'manager', scopeType: 'ACCOUNT', scopeId: accountId },
      { _id: newId(), roleId: null, scopeType: 'WORKSPACE', scopeId: workspaceId, workspaceId, grant: ['reports:export'] },
    ],
    roles: new Map([['manager', { _id: 'manager', permissions: MANAGER_ROLE.permissions }]]),
  });
  const docs = Array.from({ length: 1024 }, () => ({ _id: newId(), workspaceId, accountId, createdBy: 'someone' }));
  const chain = RESOURCE_TYPES.Campaign!.chain;
  const cases: [string, number][] = [
    ['campaigns:view (held at the account: 3 nodes walked)', permissionBit('campaigns:view')],
    ['reports:export (held at the workspace: 2 nodes walked)', permissionBit('reports:export')],
    ['billing:view (denied: whole chain walked)', permissionBit('billing:view')],
  ];
  const byCase: Record<string, { wall: number; cpu: number }> = {};
  let yes = 0;
  let totalMs = 0;
  let totalCpuMs = 0;
  for (const [name, bit] of cases) {
    for (let i = 0; i < 2_000_000; i++) if (allowed(compiled, bit, docs[i & 1023]!, chain, false)) yes++;
    const start = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let i = 0; i < CHECKS; i++) if (allowed(compiled, bit, docs[i & 1023]!, chain, false)) yes++;
    const c = process.cpuUsage(c0);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const cpuMs = (c.user + c.system) / 1000;
    totalMs += ms;
    totalCpuMs += cpuMs;
    byCase[name] = { wall: Math.round(CHECKS / (ms / 1000)), cpu: Math.round(CHECKS / (cpuMs / 1000)) };
  }
  if (yes !== (2_000_000 + CHECKS) * 2) throw new Error(`unexpected check results: ${yes}`);
  return { perSecond: (CHECKS * cases.length) / (totalMs / 1000), perCpuSecond: (CHECKS * cases.length) / (totalCpuMs / 1000), byCase };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'postern-bench-'));
  const ferret = await startEmbeddedDatabase({ dataDir, supervise: false });
  try {
    setSecretKey(randomBytes(32));
    await connectDatabase({ uri: ferret.uri, dbName: 'bench', monitorCommands: true });
    const setup = await seed();
    const guarded = buildSchema();
    const bare = buildBareSchema();
    const document = parse(QUERY);
    for (const schema of [guarded, bare]) {
      const errors = validate(schema, document);
      if (errors.length) throw new Error(`invalid benchmark query: ${errors.map((e) => e.message).join('; ')}`);
    }
    const log = createLogger('silent');
    const mailer = createMailer(undefined);
    const run = (schema: GraphQLSchema) => () => runOnce(schema, document, setup, log, mailer);

    // Warm-up: JIT, connection pool, compiled-permissions cache.
    for (let i = 0; i < 3; i++) {
      await run(guarded)();
      await run(bare)();
    }

    // Operations alternate one by one (A B B A A B …) so drift and background load hit both alike;
    // each schema's throughput is its operations over the time spent in them.
    const spent = { guarded: 0, bare: 0 };
    const count = { guarded: 0, bare: 0 };
    const rates: Record<'guarded' | 'bare', number[]> = { guarded: [], bare: [] };
    /** Per back-to-back pair: bare time / guarded time (the guarded throughput relative to bare). */
    const pairRatios: number[] = [];
    /** CPU time of this (gateway) process per schema, ms: excludes the database's own work and other processes. */
    const cpu = { guarded: 0, bare: 0 };
    for (let i = 0; i < ROUNDS; i++) {
      const roundSpent = { guarded: 0, bare: 0 };
      const roundCount = { guarded: 0, bare: 0 };
      const start = performance.now();
      for (let k = 0; performance.now() - start < ROUND_MS; k++) {
        const order: ('guarded' | 'bare')[] = k % 2 === 0 ? ['guarded', 'bare'] : ['bare', 'guarded'];
        const pair = { guarded: 0, bare: 0 };
        for (const which of order) {
          const t0 = performance.now();
          const c0 = process.cpuUsage();
          await run(which === 'guarded' ? guarded : bare)();
          const c = process.cpuUsage(c0);
          cpu[which] += (c.user + c.system) / 1000;
          const dt = performance.now() - t0;
          pair[which] = dt;
          roundSpent[which] += dt;
          roundCount[which] += 1;
        }
        pairRatios.push(pair.bare / pair.guarded);
      }
      for (const which of ['guarded', 'bare'] as const) {
        spent[which] += roundSpent[which];
        count[which] += roundCount[which];
        rates[which].push(roundCount[which] / (roundSpent[which] / 1000));
      }
      process.stdout.write(
        `round ${i + 1}/${ROUNDS}: guarded ${rates.guarded.at(-1)!.toFixed(2)} ops/s, bare ${rates.bare.at(-1)!.toFixed(2)} ops/s\n`,
      );
    }
    const g = count.guarded / (spent.guarded / 1000);
    const b = count.bare / (spent.bare / 1000);
    const commands = { guarded: await commandsPerOp(run(guarded)), bare: await commandsPerOp(run(bare)) };
    const checks = checksPerSecond();
    const result = {
      query: `workspace → 2 × campaigns(first: 500): ${CAMPAIGNS} campaigns, 10 fields each incl. guarded list and template`,
      rounds: ROUNDS,
      roundMs: ROUND_MS,
      opsMeasured: count,
      guardedOpsPerSec: Number(g.toFixed(2)),
      bareOpsPerSec: Number(b.toFixed(2)),
      ratio: Number((g / b).toFixed(3)),
      medianRoundRatio: Number((median(rates.guarded) / median(rates.bare)).toFixed(3)),
      medianPairRatio: Number(median(pairRatios).toFixed(3)),
      gatewayCpuMsPerOp: {
        guarded: Number((cpu.guarded / count.guarded).toFixed(2)),
        bare: Number((cpu.bare / count.bare).toFixed(2)),
      },
      cpuRatio: Number((cpu.bare / count.bare / (cpu.guarded / count.guarded)).toFixed(3)),
      guardedFieldChecksPerOp: CAMPAIGNS * 2 + 3,
      databaseCommandsPerOp: commands,
      allowedChecksPerSecByCase: checks.byCase,
      allowedChecksPerSec: Math.round(checks.perSecond),
      allowedChecksPerCpuSec: Math.round(checks.perCpuSecond),
      goals: { ratio: '>= 0.95', allowedChecksPerSec: '>= 10,000,000' },
      goalsMet: {
        ratio: g / b >= 0.95,
        medianPairRatio: median(pairRatios) >= 0.95,
        allowedChecksPerSec: checks.perSecond >= 10_000_000,
        allowedChecksPerCpuSec: checks.perCpuSecond >= 10_000_000,
      },
      loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      date: new Date().toISOString(),
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await disconnectDatabase().catch(() => undefined);
    await ferret.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error('benchmark failed:', err);
  process.exit(1);
});
