// Side by side: two gateways on one database (another build's dist/src/main.js, or this build with other
// settings), loaded in turn with the analyst's dashboard — A B A B … — so that a busy machine's drift hits
// both alike. For comparing one change at a time; the figures are ratios, not the goal's.
//
//   node dist/bench/ab.js <A: path to dist/src/main.js or "self"> <B: …> [seconds per turn] [turns]
//   BENCH_AB_ENV_A / BENCH_AB_ENV_B: JSON of extra environment for A / B; BENCH_AB_ARGS_A / BENCH_AB_ARGS_B:
//   node options for A / B (e.g. --max-semi-space-size=32); BENCH_CONNECTIONS, BENCH_WORKERS.
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config';
import { configureSecretKey } from '../src/crypto/secrets';
import { openDatabase } from '../src/db/open';
import { createLogger } from '../src/logger';
import { createAccessStore, dataUpgrades, registerModules } from '../src/composition/registry';
import { DEMO_MEMBERS, DEMO_OWNER, seedDemo } from '../src/seed/demo';
import { login, startGatewayProcess, type GatewayProcess } from './gateway';
import { dashboardLoad, type LoadResult } from './load';
import { growDashboard } from './seed';

async function main(): Promise<void> {
  const [a, b, secs = '10', turns = '3'] = process.argv.slice(2);
  if (!a || !b) throw new Error('usage: ab.js <A main.js|self> <B main.js|self> [seconds] [turns]');
  const env = process.env;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'postern-ab-'));
  const secretKey = randomBytes(32);
  const config = loadConfig({
    ...env,
    POSTERN_DATA_DIR: dataDir,
    POSTERN_DB_NAME: `ab_${Date.now()}`,
    POSTERN_SECRET_KEY: secretKey.toString('base64'),
    LOG_LEVEL: 'silent',
  });
  configureSecretKey(config);
  registerModules();
  const db = await openDatabase(config, createLogger('silent'), { upgrades: dataUpgrades });
  const gateways: GatewayProcess[] = [];
  try {
    const demo = await seedDemo(createLogger('silent'), createAccessStore());
    await growDashboard(demo.accountId, demo.ownerId);
    const mongodbUri = config.mongodbUri ?? db.embedded!.uri;
    const workers = Number(env.BENCH_WORKERS ?? os.availableParallelism());
    const connections = Number(env.BENCH_CONNECTIONS ?? 200);
    const analyst = DEMO_MEMBERS.find((m) => m.role === 'analyst')!;
    const sides = [
      { name: 'A', main: a, env: env.BENCH_AB_ENV_A, args: env.BENCH_AB_ARGS_A },
      { name: 'B', main: b, env: env.BENCH_AB_ENV_B, args: env.BENCH_AB_ARGS_B },
    ];
    const started = [];
    for (const s of sides) {
      const gw = await startGatewayProcess({
        mongodbUri,
        dbName: config.dbName,
        secretKey,
        logFile: path.join(os.tmpdir(), `postern-ab-${process.pid}-${s.name}.log`),
        workers,
        main: s.main === 'self' ? undefined : path.resolve(s.main),
        env: s.env ? (JSON.parse(s.env) as Record<string, string>) : undefined,
        nodeArgs: [...(env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' '), ...(s.args ?? '').split(' ')].filter(Boolean),
      });
      gateways.push(gw);
      started.push({ ...s, gw, token: await login(gw.url, analyst.email, DEMO_OWNER.password) });
    }
    const results: Record<string, LoadResult[]> = { A: [], B: [] };
    for (let t = 0; t < Number(turns); t++) {
      for (const s of t % 2 ? [...started].reverse() : started) {
        const l = await dashboardLoad(s.gw, {
          label: s.name,
          token: s.token,
          connections,
          seconds: Number(secs),
          databasePid: db.embedded?.pid,
          cores: os.cpus().length,
        });
        results[s.name]!.push(l);
        process.stdout.write(
          `${s.name} turn ${t + 1}: ${l.reqPerSec} req/s, p50 ${l.p50} p99 ${l.p99} max ${l.max} ms, ${l.errors} errors (${l.refused} 503), ` +
            `CPU ms/req gateway ${l.cpuMsPerRequest.gateway} db ${l.cpuMsPerRequest.database} load ${l.cpuMsPerRequest.loadGenerator}\n`,
        );
      }
    }
    const sum = (ls: LoadResult[], f: (l: LoadResult) => number) => ls.reduce((x, l) => x + f(l), 0) / ls.length;
    for (const s of ['A', 'B']) {
      const ls = results[s]!;
      process.stdout.write(
        `${s} mean: ${sum(ls, (l) => l.reqPerSec).toFixed(1)} req/s, p99 ${sum(ls, (l) => l.p99).toFixed(0)} ms, ${sum(ls, (l) => l.errors).toFixed(0)} errors, ` +
          `gateway ${sum(ls, (l) => l.cpuMsPerRequest.gateway).toFixed(2)} db ${sum(ls, (l) => l.cpuMsPerRequest.database ?? 0).toFixed(2)} CPU ms/req\n`,
      );
    }
  } finally {
    await Promise.allSettled(gateways.map((g) => g.stop()));
    await db.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
