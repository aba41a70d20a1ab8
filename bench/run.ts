// `npm run bench`: measures every figure of the benchmark and writes BENCHMARKS.md (bench/report.ts).
//
// 1. It opens the database as the gateway does (the embedded default in a temporary directory, or
//    MONGODB_URI) and seeds the demo data.
// 2. In process: guarded vs bare vs graphql-shield over 1000 masked SMTP credentials (inprocess.ts,
//    shield.ts), then allowed() checks per second.
// 3. A gateway process on the same database: the dashboard under load as an analyst and as the owner
//    revealing passwords (load.ts), a 100k-contact list (contacts.ts), concurrent permission changes
//    (concurrency.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config';
import { configureSecretKey } from '../src/crypto/secrets';
import { openDatabase } from '../src/db/open';
import { createLogger } from '../src/logger';
import { projectRoot } from '../src/paths';
import { DEMO_MEMBERS, DEMO_OWNER, seedDemo } from '../src/seed/demo';
import { Workspace } from '../src/modules/accounts/account.model';
import { User } from '../src/modules/identity/user.model';
import { concurrencyFigures } from './concurrency';
import { contactsFigures } from './contacts';
import { login, startGatewayProcess } from './gateway';
import { checksPerSecond, commandsOf, runInProcess } from './inprocess';
import { DASHBOARD_QUERY, dashboardLoad } from './load';
import { describeDatabase, embeddedStoreName, machine } from './machine';
import { renderReport, type RunReport } from './report';
import { growDashboard } from './seed';
import { registerModules } from '../src/graphql/registry';
import { insightFigures } from './insight';

const env = process.env;
const num = (name: string, def: number) => (env[name] ? Number(env[name]) : def);
const KNOBS = {
  BENCH_LOAD_SECONDS: num('BENCH_LOAD_SECONDS', 60),
  BENCH_CONNECTIONS: num('BENCH_CONNECTIONS', 200),
  BENCH_ROUNDS: num('BENCH_ROUNDS', 6),
  BENCH_ROUND_MS: num('BENCH_ROUND_MS', 10_000),
  BENCH_CHECKS: num('BENCH_CHECKS', 20_000_000),
  BENCH_CONTACTS_BUDGET_SECONDS: num('BENCH_CONTACTS_BUDGET_SECONDS', 600),
};
const SKIP = new Set((env.BENCH_SKIP ?? '').split(',').filter(Boolean));
/** `npm run bench -- --only insight,checks` (or BENCH_ONLY=…): run only these phases. */
const ONLY = new Set(
  (onlyArg(process.argv.slice(2)) ?? env.BENCH_ONLY ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean),
);
const PHASES = ['inprocess', 'checks', 'dashboard', 'load', 'analyst', 'owner', 'concurrency', 'contacts', 'insight'] as const;
for (const p of ONLY)
  if (!(PHASES as readonly string[]).includes(p)) throw new Error(`--only: unknown phase ${p} (phases: ${PHASES.join(', ')})`);
/** Whether a phase runs: named by --only when given, and not in BENCH_SKIP. `load` covers analyst and owner. */
const runs = (phase: string) =>
  !SKIP.has(phase) && (ONLY.size === 0 || ONLY.has(phase) || (ONLY.has('load') && (phase === 'analyst' || phase === 'owner')));
// A partial run does not replace the full report: it goes to BENCH_OUT when given, else only to stdout.
const OUT = env.BENCH_OUT || ONLY.size === 0 ? path.resolve(projectRoot, env.BENCH_OUT ?? 'BENCHMARKS.md') : null;

function onlyArg(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (i < 0) return undefined;
  return argv[i]!.includes('=') ? argv[i]!.slice('--only='.length) : argv[i + 1];
}

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const started = new Date();
  const t0 = performance.now();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'postern-bench-'));
  const secretKey = env.POSTERN_SECRET_KEY ? Buffer.from(env.POSTERN_SECRET_KEY, 'base64') : randomBytes(32);
  const config = loadConfig({
    ...env,
    POSTERN_DATA_DIR: dataDir,
    POSTERN_DB_NAME: `bench_${Date.now()}`,
    POSTERN_SECRET_KEY: secretKey.toString('base64'),
    LOG_LEVEL: 'silent',
  });
  const log = createLogger('silent');
  configureSecretKey(config);
  registerModules(); // the models, data upgrades and access store the database and the seed need
  const db = await openDatabase(config, log, { monitorCommands: true });
  const mongodbUri = config.mongodbUri ?? db.embedded!.uri;
  const report: RunReport = {
    command: [
      ...Object.keys(env)
        .filter((k) => k.startsWith('BENCH_'))
        .sort()
        .map((k) => `${k}=${env[k]}`),
      ...(config.mongodbUri ? ['MONGODB_URI=…'] : []),
      ONLY.size ? `npm run bench -- --only ${[...ONLY].join(',')}` : 'npm run bench',
    ].join(' '),
    started,
    seconds: 0,
    knobs: { ...KNOBS, ...(SKIP.size ? { BENCH_SKIP: [...SKIP].join(',') } : {}), ...(ONLY.size ? { only: [...ONLY].join(',') } : {}) },
    machine: machine(await describeDatabase(config.mongodbUri ? null : embeddedStoreName())),
    loadAverageEnd: [],
    demo: '',
    failures: {},
  };
  /** A phase that fails is reported as failed (with its error); the others still run. */
  const phase = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      report.failures[name] = err instanceof Error ? err.message : String(err);
      say(`  ${name} failed: ${report.failures[name]}`);
    }
  };
  let gateway: Awaited<ReturnType<typeof startGatewayProcess>> | undefined;
  // Kept when the run fails (the gateway's side of the story); removed after a good run.
  const gatewayLog = path.join(os.tmpdir(), `postern-bench-gateway-${process.pid}.log`);
  // Interrupted: stop the gateway process and the database before exiting.
  const interrupted = (signal: string) => {
    say(`${signal}: stopping`);
    void Promise.allSettled([gateway?.stop(), db.close()]).then(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    say(`database: ${report.machine.database}`);
    const demo = await seedDemo(log);
    const dashboard = ['dashboard', 'analyst', 'owner'].some(runs);
    if (dashboard) report.demo = await growDashboard(demo.accountId, demo.ownerId);

    if (runs('inprocess')) {
      say('in process: Postern vs bare vs graphql-shield, 1000 masked credentials');
      await phase('inprocess', async () => {
        const p = await runInProcess({ rounds: KNOBS.BENCH_ROUNDS, roundMs: KNOBS.BENCH_ROUND_MS, log: say });
        report.inProcess = p;
        say(`  guarded ÷ bare ${p.guardedVsBareCpu}, Postern ÷ shield ${p.posternVsShieldCpu}`);
      });
    }
    if (runs('checks')) {
      report.checks = checksPerSecond(KNOBS.BENCH_CHECKS);
      say(`allowed(): ${(report.checks.perSecond / 1e6).toFixed(1)} M checks/s`);
    }

    if (runs('insight')) {
      say(`access insight: explainAccess, whoCan over 1,000 members`);
      await phase('insight', async () => {
        report.insight = await insightFigures(say);
      });
    }

    const analyst = DEMO_MEMBERS.find((m) => m.role === 'analyst')!;
    const userIdOf = async (email: string) => (await User.findOne({ email }).lean())!._id;
    if (dashboard) {
      report.dashboardCommands = {
        analyst: await commandsOf(DASHBOARD_QUERY, await userIdOf(analyst.email)),
        owner: await commandsOf(DASHBOARD_QUERY, demo.ownerId),
      };
      say(
        `dashboard: ${report.dashboardCommands.analyst} database commands as the analyst, ${report.dashboardCommands.owner} as the owner`,
      );
    }

    const load = !SKIP.has('load');
    const needGateway = (load && (runs('analyst') || runs('owner'))) || runs('contacts') || runs('concurrency');
    if (needGateway) {
      gateway = await startGatewayProcess({
        mongodbUri,
        dbName: config.dbName,
        secretKey,
        logFile: gatewayLog,
        nodeArgs: env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean),
      });
      say(`gateway process ${gateway.pid} at ${gateway.url}`);
      const ownerToken = await login(gateway.url, DEMO_OWNER.email, DEMO_OWNER.password);
      if (load && (runs('analyst') || runs('owner'))) {
        const analystToken = await login(gateway.url, analyst.email, DEMO_OWNER.password);
        const load = {
          connections: KNOBS.BENCH_CONNECTIONS,
          seconds: KNOBS.BENCH_LOAD_SECONDS,
          databasePid: db.embedded?.pid,
          cores: os.cpus().length,
        };
        if (runs('analyst')) {
          say(`dashboard load, analyst: ${load.connections} connections × ${load.seconds} s`);
          await phase('analyst', async () => {
            const l = await dashboardLoad(gateway!, { label: 'analyst (passwords masked)', token: analystToken, ...load });
            report.analyst = l;
            say(`  ${l.reqPerSec} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms, ${l.errors} errors`);
          });
        }
        if (runs('owner')) {
          say(`dashboard load, owner revealing passwords: ${load.connections} connections × ${load.seconds} s`);
          await phase('owner', async () => {
            const l = await dashboardLoad(gateway!, { label: 'owner (passwords revealed)', token: ownerToken, ...load });
            report.owner = l;
            say(`  ${l.reqPerSec} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms, ${l.errors} errors`);
          });
        }
      }
      // Before the big list: its load on the store must not colour the other figures.
      if (runs('concurrency')) {
        say('100 concurrent permission changes');
        await phase('concurrency', async () => {
          report.concurrency = await concurrencyFigures(gateway!, ownerToken, demo.accountId, demo.ownerId);
          say(`  ${JSON.stringify(report.concurrency)}`);
        });
      }
      if (runs('contacts')) {
        say('100k-contact list');
        const marketing = await Workspace.findOne({ accountId: demo.accountId, name: 'Marketing' }).lean();
        await phase('contacts', async () => {
          report.contacts = await contactsFigures(gateway!, ownerToken, marketing!._id, say, KNOBS.BENCH_CONTACTS_BUDGET_SECONDS * 1000);
          say(`  first page ${report.contacts.firstPage.medianMs} ms, deep page ${report.contacts.deepPage.medianMs} ms`);
        });
      }
    }
  } finally {
    await gateway?.stop();
    await db.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
  rmSync(gatewayLog, { force: true });
  report.seconds = (performance.now() - t0) / 1000;
  report.loadAverageEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  if (OUT) {
    writeFileSync(OUT, renderReport(report));
    say(`wrote ${path.relative(process.cwd(), OUT) || OUT}`);
  } else {
    say(`\n${renderReport(report)}`);
    say('(a partial run: BENCHMARKS.md left as it was; set BENCH_OUT to write this report to a file)');
  }
}

main().catch((err: unknown) => {
  console.error('benchmark failed:', err, `\n(the gateway's log: ${path.join(os.tmpdir(), `postern-bench-gateway-${process.pid}.log`)})`);
  process.exit(1);
});
