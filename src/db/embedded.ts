// Starts, supervises and stops Postern's embedded database (mongo-java-server with its H2 backend,
// built from embedded/ by scripts/embedded-db.mjs; see docs/storage.md) as a child process. Used by
// `npm start` when MONGODB_URI is unset, by the test run and by the benchmark.
// If the server dies, it is started again on the same port and data file with backoff; the MongoDB
// driver reconnects by itself once it listens again.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { projectRoot } from '../paths';

export interface EmbeddedDatabase {
  /** mongodb://127.0.0.1:PORT/ — the same for the life of the supervisor, across restarts. */
  uri: string;
  port: number;
  /** The running server's process id (changes on every restart; -1 while it is down). */
  readonly pid: number;
  /** How many times the supervisor has started the server again after it died. */
  readonly restarts: number;
  /** Stops supervising and stops the server (SIGTERM; SIGKILL after 10 s). */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** The data file is `<dataDir>/embedded/postern.mv.db`. */
  dataDir: string;
  /** Default: a free port chosen by the server on its first start (then kept). */
  port?: number;
  /** Restart the server when it dies (default true). */
  supervise?: boolean;
  /** Start-up and supervision events (warnings when the server died or could not be started). */
  onEvent?: (event: { level: 'info' | 'warn' | 'error'; msg: string; detail?: Record<string, unknown> }) => void;
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

/** The launcher jar, built first if needed (the installer is a plain .mjs script that jest workers cannot import). */
export function embeddedJar(): string {
  const script = path.join(projectRoot, 'scripts', 'embedded-db.mjs');
  const env = { ...process.env };
  delete env.MONGODB_URI; // we were asked for the embedded server explicitly
  return execFileSync(process.execPath, [script, 'path'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

const READY = /^postern-embedded-mongo ready [^\s:]+:(\d+)$/m;
const START_TIMEOUT_MS = 60_000;
const BACKOFF_MS = [100, 250, 500, 1000, 2000, 5000];
/** A server that stayed up this long resets the backoff. */
const STABLE_MS = 30_000;

interface Launched {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  output: () => string;
}

function launch(jar: string, file: string, port: number, compact: boolean): Promise<Launched> {
  const child = spawn(
    'java',
    // A small, steady JVM: the store is on disk (256 MB page cache); serial GC suits a 2-core machine
    // shared with Node. The heap is capped so a large query result cannot grow the JVM to a quarter of
    // the machine's memory (the JVM's default): past 1 GB it fails that query, not the machine.
    [
      '-XX:+UseSerialGC',
      '-Xmx1g',
      '-Xss512k',
      '-jar',
      jar,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--file',
      file,
      '--compact',
      String(compact),
      // It stops when this process goes away, however it ends (stdin is a pipe from us).
      '--exit-when-stdin-closes',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (b: Buffer) => {
    output = (output + b.toString()).slice(-4000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the embedded database did not start within ${START_TIMEOUT_MS / 1000}s:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = () => {
      const m = READY.exec(output);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({ child, port: Number(m[1]), exited, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`the embedded database could not be started (is Java 17+ installed?): ${err.message}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the embedded database exited during start-up (code ${code}):\n${output}`));
    });
  });
}

export async function startEmbeddedDatabase(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const jar = embeddedJar();
  const dir = path.join(opts.dataDir, 'embedded');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'postern.mv.db');
  const emit = opts.onEvent ?? (() => {});

  // The file is compacted on the first start only: a restart after a crash should be quick.
  let current: Launched | null = await launch(jar, file, opts.port ?? 0, true);
  const port = current.port;
  let stopping = false;
  let restarts = 0;
  let retry: NodeJS.Timeout | undefined;
  let launching: Promise<unknown> | undefined;

  const watch = (l: Launched) => {
    const startedAt = Date.now();
    void l.exited.then((code) => {
      if (current === l) current = null;
      if (stopping || opts.supervise === false) return;
      emit({ level: 'warn', msg: 'the embedded database stopped; restarting it', detail: { code, output: l.output().slice(-500) } });
      restartAfter(Date.now() - startedAt > STABLE_MS ? 0 : 1);
    });
  };
  const restartAfter = (attempt: number) => {
    const delay = attempt === 0 ? 0 : BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)];
    retry = setTimeout(() => {
      retry = undefined;
      if (stopping) return;
      launching = launch(jar, file, port, false).then(
        (l) => {
          current = l; // stop() stops it if it was called meanwhile
          if (stopping) return;
          restarts += 1;
          watch(l);
          emit({ level: 'info', msg: 'the embedded database is back', detail: { port, restarts } });
        },
        (err: Error) => {
          emit({
            level: 'error',
            msg: 'the embedded database could not be restarted; trying again',
            detail: { err: err.message, attempt },
          });
          restartAfter(attempt + 1);
        },
      );
    }, delay);
  };
  watch(current);

  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    port,
    get pid() {
      return current?.child.pid ?? -1;
    },
    get restarts() {
      return restarts;
    },
    async stop() {
      stopping = true;
      clearTimeout(retry);
      await launching;
      const l = current;
      if (!l) return;
      const force = setTimeout(() => l.child.kill('SIGKILL'), 10_000);
      l.child.kill('SIGTERM');
      await l.exited;
      clearTimeout(force);
    },
  };
}
