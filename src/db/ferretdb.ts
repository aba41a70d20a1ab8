// Starts and stops an embedded FerretDB (MongoDB wire protocol, SQLite backend) as a child process.
// Used by `npm start` when MONGODB_URI is unset, and by the test run (one instance per run).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { projectRoot } from '../paths';

export interface EmbeddedFerretDB {
  uri: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export async function ensureFerretDBBinary(): Promise<string> {
  // The installer is a plain ESM script so that `npm install` can run it before anything is built.
  const script = path.join(projectRoot, 'scripts', 'ferretdb.mjs');
  // Already built: use it without importing the script (jest workers cannot import an .mjs file).
  const version = /FERRETDB_VERSION = '([^']+)'/.exec(readFileSync(script, 'utf8'))?.[1];
  const built = version && path.join(projectRoot, '.tools', 'ferretdb', version, 'ferretdb');
  if (built && existsSync(built)) return built;
  const mod = (await import(script)) as { installFerretDB(opts?: { quiet?: boolean }): string | null };
  const saved = process.env.MONGODB_URI;
  delete process.env.MONGODB_URI; // we were asked for the embedded server explicitly
  try {
    const bin = mod.installFerretDB({ quiet: true });
    if (!bin) throw new Error('FerretDB binary could not be installed');
    return bin;
  } finally {
    if (saved !== undefined) process.env.MONGODB_URI = saved;
  }
}

/**
 * Starts FerretDB with its data under `dataDir` on a free loopback port. Each instance has its own
 * data and state directories and no debug listener, so several can run side by side.
 */
export async function startFerretDB(opts: { dataDir: string; port?: number; log?: (line: string) => void }): Promise<EmbeddedFerretDB> {
  const bin = await ensureFerretDBBinary();
  const sqliteDir = path.join(opts.dataDir, 'sqlite');
  const stateDir = path.join(opts.dataDir, 'state');
  mkdirSync(sqliteDir, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const child: ChildProcess = spawn(
    bin,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${sqliteDir}/`,
      `--state-dir=${stateDir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
      '--log-format=text',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FERRETDB_TELEMETRY: 'disable' } },
  );
  let output = '';
  const collect = (b: Buffer) => {
    const s = b.toString();
    output = (output + s).slice(-4000);
    opts.log?.(s);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  const deadline = Date.now() + 30_000;
  while (!(await canConnect(port))) {
    if (exited) throw new Error(`FerretDB exited during start-up:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`FerretDB did not listen on 127.0.0.1:${port} within 30s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    port,
    pid: child.pid ?? -1,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
