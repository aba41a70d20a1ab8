// `npm run bench`: measures every figure of the benchmark and writes BENCHMARKS.md (bench/report.ts).
//
// 1. It opens the database as the gateway does (the embedded default in a temporary directory, or
//    MONGODB_URI) and seeds the demo data.
// 2. In process: guarded vs bare vs graphql-shield over 1000 masked SMTP credentials (inprocess.ts,
//    shield.ts), then allowed() checks per second.
// 3. A gateway process on the same database (one worker per core, as `npm start` runs it): the
//    dashboard under load as an analyst and as the owner revealing passwords (load.ts), the analyst's
//    again on a gateway of one worker, a 100k-contact list (contacts.ts), concurrent permission
//    changes (concurrency.ts); database commands per dashboard request over HTTP (commands-http.ts).
// `--smoke`: every phase with tiny sizes (CI runs it so the benchmark cannot break unnoticed); the
// report goes to stdout and the exit status is 1 if a phase failed.
import { createAccessStore, dataUpgrades } from '../src/composition/registry';
import { execFile } from 'node:child_process';
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
import { contactsFigures, IMPORT_ROWS, LIST_SIZE } from './contacts';
import { LIST_ROWS, listsFigures, renderLists, type ListsResult } from './lists';
import { profileFigures, renderProfile, type ProfileResult } from './profile';
import type { HttpCommands } from './commands-http';
import { login, startGatewayProcess } from './gateway';
import { checksPerSecond, commandsOf, runInProcess } from './inprocess';
import { DASHBOARD_QUERY, dashboardLoad } from './load';
import { describeDatabase, embeddedStoreName, machine } from './machine';
import { renderReport, type RunReport } from './report';
import { growDashboard } from './seed';
import { registerModules } from '../src/composition/registry';
import { insightFigures } from './insight';

const env = process.env;
const SMOKE = process.argv.includes('--smoke');
const num = (name: string, def: number, smoke: number) => (env[name] ? Number(env[name]) : SMOKE ? smoke : def);
const KNOBS = {
  BENCH_LOAD_SECONDS: num('BENCH_LOAD_SECONDS', 60, 2),
  BENCH_CONNECTIONS: num('BENCH_CONNECTIONS', 200, 20),
  BENCH_ROUNDS: num('BENCH_ROUNDS', 6, 1),
  BENCH_ROUND_MS: num('BENCH_ROUND_MS', 10_000, 300),
  BENCH_CHECKS: num('BENCH_CHECKS', 20_000_000, 100_000),
  BENCH_CONTACTS_BUDGET_SECONDS: num('BENCH_CONTACTS_BUDGET_SECONDS', 600, 30),
  BENCH_WORKERS: num('BENCH_WORKERS', os.availableParallelism(), 2),
  BENCH_PROFILE_SECONDS: num('BENCH_PROFILE_SECONDS', 20, 2),
};
/** The big list: 100k in ten imports of 10k; a smoke run, 2k in two of 1k. */
const CONTACTS = SMOKE ? { list: 2_000, rows: 1_000 } : { list: LIST_SIZE, rows: IMPORT_ROWS };
const SKIP = new Set((env.BENCH_SKIP ?? '').split(',').filter(Boolean));
/** `npm run bench -- --only insight,checks` (or BENCH_ONLY=…): run only these phases. */
const ONLY = new Set(
  (onlyArg(process.argv.slice(2)) ?? env.BENCH_ONLY ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean),
);
const PHASES = [
  'inprocess',
  'checks',
  'dashboard',
  'commands',
  'load',
  'analyst',
  'owner',
  'single',
  'profile',
  'concurrency',
  'contacts',
  'lists',
  'insight',
] as const;
for (const p of ONLY)
  if (!(PHASES as readonly string[]).includes(p)) throw new Error(`--only: unknown phase ${p} (phases: ${PHASES.join(', ')})`);
/** Whether a phase runs: named by --only when given, and not in BENCH_SKIP. `load` covers analyst and owner. */
const runs = (phase: string) =>
  !SKIP.has(phase) &&
  (ONLY.size === 0 || ONLY.has(phase) || (ONLY.has('load') && (phase === 'analyst' || phase === 'owner' || phase === 'single')));
// A partial run does not replace the full report: it goes to BENCH_OUT when given, else only to stdout.
const OUT = env.BENCH_OUT || (ONLY.size === 0 && !SMOKE) ? path.resolve(projectRoot, env.BENCH_OUT ?? 'BENCHMARKS.md') : null;

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
  const db = await openDatabase(config, log, { monitorCommands: true, upgrades: dataUpgrades });
  const mongodbUri = config.mongodbUri ?? db.embedded!.uri;
  let lists: ListsResult | undefined;
  let profile: ProfileResult | undefined;
  const report: RunReport = {
    command: [
      ...Object.keys(env)
        .filter((k) => k.startsWith('BENCH_'))
        .sort()
        .map((k) => `${k}=${env[k]}`),
      ...(config.mongodbUri ? ['MONGODB_URI=…'] : []),
      `npm run bench${ONLY.size || SMOKE ? ' --' : ''}${SMOKE ? ' --smoke' : ''}${ONLY.size ? ` --only ${[...ONLY].join(',')}` : ''}`,
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
    const demo = await seedDemo(log, createAccessStore());
    const dashboard = ['dashboard', 'analyst', 'owner'].some(runs);
    if (dashboard) report.demo = await growDashboard(demo.accountId, demo.ownerId);

    if (runs('inprocess')) {
      say('in process: Postern vs bare vs graphql-shield, 1000 masked credentials');
      await phase('inprocess', async () => {
        const p = await runInProcess({ rounds: KNOBS.BENCH_ROUNDS, roundMs: KNOBS.BENCH_ROUND_MS, log: say });
        report.inProcess = p;
        say(`  analyst: guarded ÷ bare ${p.guardedVsBareCpu}, Postern ÷ shield ${p.posternVsShieldCpu}`);
        const o = await runInProcess({
          rounds: KNOBS.BENCH_ROUNDS,
          roundMs: KNOBS.BENCH_ROUND_MS,
          log: say,
          principal: 'owner',
          setup: p.setup,
        });
        report.inProcessOwner = o;
        say(`  owner (both decrypt): guarded ÷ bare ${o.guardedVsBareCpu}`);
        const m = await runInProcess({
          rounds: KNOBS.BENCH_ROUNDS,
          roundMs: KNOBS.BENCH_ROUND_MS,
          log: say,
          setup: p.setup,
          inMemory: true,
        });
        report.inProcessMemory = m;
        say(`  data in memory: Postern ÷ shield ${m.posternVsShieldCpu}, guarded ÷ bare ${m.guardedVsBareCpu}`);
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

    if (runs('commands')) {
      say('database commands per dashboard request over HTTP');
      await phase('commands', async () => {
        report.httpCommands = await httpCommands({
          mongodbUri,
          dbName: config.dbName,
          secretKey,
          principals: [
            { label: 'analyst', email: analyst.email, password: DEMO_OWNER.password },
            { label: 'owner', email: DEMO_OWNER.email, password: DEMO_OWNER.password },
          ],
        });
        const h = report.httpCommands;
        say(`  analyst ${h.analyst!.commands} (${h.analyst!.writes} writes), owner ${h.owner!.commands} (${h.owner!.writes} writes)`);
        for (const [who, c] of Object.entries(h))
          say(
            `    ${who}: ${Object.entries(c.byCommand)
              .map(([k, n]) => (n > 1 ? `${k} ×${n}` : k))
              .join(', ')}`,
          );
      });
    }

    const load = !SKIP.has('load');
    const needGateway =
      (load && (runs('analyst') || runs('owner') || runs('single') || runs('profile'))) ||
      runs('contacts') ||
      runs('concurrency') ||
      runs('lists');
    const startGateway = (workers: number) =>
      startGatewayProcess({
        mongodbUri,
        dbName: config.dbName,
        secretKey,
        logFile: gatewayLog,
        nodeArgs: env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean),
        workers,
      });
    if (needGateway) {
      gateway = await startGateway(KNOBS.BENCH_WORKERS);
      say(`gateway process ${gateway.pid} (${gateway.workers} workers) at ${gateway.url}`);
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
        if (runs('single')) {
          say(`dashboard load, analyst, on a gateway of 1 worker: ${load.connections} connections × ${load.seconds} s`);
          await phase('single', async () => {
            const one = await startGateway(1);
            try {
              const token = await login(one.url, analyst.email, DEMO_OWNER.password);
              const l = await dashboardLoad(one, { label: 'analyst, 1 worker', token, ...load });
              report.single = l;
              say(`  ${l.reqPerSec} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms, ${l.errors} errors`);
            } finally {
              await one.stop();
            }
          });
        }
      }
      if (load && runs('profile')) {
        say(`where the gateway's CPU goes: the analyst's dashboard on profiled workers, ${KNOBS.BENCH_PROFILE_SECONDS} s`);
        await phase('profile', async () => {
          profile = await profileFigures(
            (nodeArgs) =>
              startGatewayProcess({
                mongodbUri,
                dbName: config.dbName,
                secretKey,
                logFile: gatewayLog,
                nodeArgs,
                workers: KNOBS.BENCH_WORKERS,
              }),
            (url) => login(url, analyst.email, DEMO_OWNER.password),
            { seconds: KNOBS.BENCH_PROFILE_SECONDS, connections: KNOBS.BENCH_CONNECTIONS },
          );
          say(
            `  ${profile.byPlace
              .slice(0, 4)
              .map((p) => `${p.place} ${p.share} %`)
              .join(', ')}`,
          );
        });
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
          report.contacts = await contactsFigures(
            gateway!,
            ownerToken,
            marketing!._id,
            say,
            KNOBS.BENCH_CONTACTS_BUDGET_SECONDS * 1000,
            CONTACTS,
          );
          say(`  first page ${report.contacts.firstPage.medianMs} ms, deep page ${report.contacts.deepPage.medianMs} ms`);
        });
      }
      if (runs('lists')) {
        say('100k audit trail and email log, beside the contact list (bench/lists.ts)');
        await phase('lists', async () => {
          lists = await listsFigures(gateway!, ownerToken, demo.accountId, say, {
            rows: SMOKE ? 2_000 : LIST_ROWS,
            contacts: report.contacts,
          });
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
    writeFileSync(OUT, renderReport(report) + renderProfile(profile, report.failures.profile) + renderLists(lists, report.failures.lists));
    say(`wrote ${path.relative(process.cwd(), OUT) || OUT}`);
  } else {
    say(`\n${renderReport(report)}${renderProfile(profile, report.failures.profile)}${renderLists(lists, report.failures.lists)}`);
    say('(a partial run: BENCHMARKS.md left as it was; set BENCH_OUT to write this report to a file)');
  }
  const failed = Object.keys(report.failures);
  if (SMOKE && failed.length) {
    say(`smoke run: phases failed: ${failed.join(', ')}`);
    process.exit(1);
  }
}

/** Runs bench/commands-http.ts in a process of its own; its one line of JSON. */
function httpCommands(opts: {
  mongodbUri: string;
  dbName: string;
  secretKey: Buffer;
  principals: { label: string; email: string; password: string }[];
}): Promise<Record<string, HttpCommands>> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(__dirname, 'commands-http.js')],
      {
        env: {
          ...env,
          NODE_ENV: 'production',
          BENCH_COMMANDS_MONGODB_URI: opts.mongodbUri,
          BENCH_COMMANDS_DB_NAME: opts.dbName,
          BENCH_COMMANDS_SECRET_KEY: opts.secretKey.toString('base64'),
          BENCH_COMMANDS_PRINCIPALS: JSON.stringify(opts.principals),
        },
        timeout: 120_000,
      },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`commands-http: ${err.message}\n${stderr.slice(-1000)}`));
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, HttpCommands>);
      },
    );
  });
}

main().catch((err: unknown) => {
  console.error('benchmark failed:', err, `\n(the gateway's log: ${path.join(os.tmpdir(), `postern-bench-gateway-${process.pid}.log`)})`);
  process.exit(1);
});
