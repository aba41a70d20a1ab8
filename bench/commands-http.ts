// Database commands per dashboard request over HTTP, in a process of its own (the
// benchmark's process holds its own connection): a gateway started here (`startServer`, one
// process, background jobs off) with the driver's command monitoring on, on the benchmark's
// database; each principal logs in, sends the dashboard twice to warm the caches a running gateway
// has, then once more while every `commandStarted` event is recorded. Only that request is in
// flight, so every command belongs to it: authentication, rate limits, the two-factor gate, the
// data. Prints one JSON line: `{ "<label>": { commands, writes, byCommand } }`.
// Run by bench/run.ts as `node dist/bench/commands-http.js` with BENCH_COMMANDS_* in its environment.
import mongoose from 'mongoose';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startServer } from '../src/server';
import { login, gql } from './gateway';
import { DASHBOARD_QUERY } from './load';

export interface HttpCommands {
  commands: number;
  writes: number;
  /** `find mailinglists` → how many. */
  byCommand: Record<string, number>;
}

const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify']);

async function main(): Promise<void> {
  const env = process.env;
  const principals = JSON.parse(env.BENCH_COMMANDS_PRINCIPALS!) as { label: string; email: string; password: string }[];
  const config = loadConfig({
    ...env,
    MONGODB_URI: env.BENCH_COMMANDS_MONGODB_URI,
    POSTERN_DB_NAME: env.BENCH_COMMANDS_DB_NAME,
    POSTERN_SECRET_KEY: env.BENCH_COMMANDS_SECRET_KEY,
    PORT: '0',
    LOG_LEVEL: 'silent',
    POSTERN_WORKERS: '1',
    POSTERN_SEED_DEMO: 'false',
    POSTERN_SCHEDULER_INTERVAL_MS: '0',
    // Background loops off: their reads would land among the request's.
    POSTERN_AUDIT_SINK_INTERVAL_MS: '0',
    RATE_LIMIT_REQUESTS_PER_MINUTE: '10000000',
  });
  const server = await startServer({ config, log: createLogger('silent'), monitorCommands: true });
  const out: Record<string, HttpCommands> = {};
  try {
    const client = mongoose.connection.getClient();
    for (const p of principals) {
      const token = await login(server.url, p.email, p.password);
      await gql(server.url, DASHBOARD_QUERY, {}, token);
      await gql(server.url, DASHBOARD_QUERY, {}, token);
      const seen: string[] = [];
      const listener = (e: { commandName: string; command: Record<string, unknown> }) => {
        const target = e.command[e.commandName];
        seen.push(`${e.commandName}${typeof target === 'string' ? ` ${target}` : ''}`);
      };
      client.on('commandStarted', listener);
      try {
        await gql(server.url, DASHBOARD_QUERY, {}, token);
      } finally {
        client.off('commandStarted', listener);
      }
      const byCommand: Record<string, number> = {};
      for (const s of seen) byCommand[s] = (byCommand[s] ?? 0) + 1;
      out[p.label] = { commands: seen.length, writes: seen.filter((s) => WRITES.has(s.split(' ')[0]!)).length, byCommand };
    }
  } finally {
    await server.stop();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
