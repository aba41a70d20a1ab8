// `npm start`: compiles only when a source file changed since the last build (tsc -b, incremental),
// then runs the gateway in this process. On a built checkout nothing is compiled.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildInfo = join(root, 'dist', 'tsconfig.build.tsbuildinfo');
const main = join(root, 'dist', 'src', 'main.js');

/** The newest modification time of a .ts file under `dir` (0 when none). */
function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) t = Math.max(t, newest(p));
    else if (entry.name.endsWith('.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

export function needsBuild() {
  if (!existsSync(main) || !existsSync(buildInfo)) return true;
  const built = statSync(buildInfo).mtimeMs;
  const inputs = ['tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(join(root, f)).mtimeMs);
  return Math.max(newest(join(root, 'src')), newest(join(root, 'bench')), ...inputs) > built;
}

export function build() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-b', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  // tsc leaves its build info untouched when nothing changed (a checkout that only touched files):
  // mark the build as current so that the next start does not ask again.
  if (existsSync(buildInfo)) {
    const now = new Date();
    utimesSync(buildInfo, now, now);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'build') {
    // The container build installs before copying the sources in (it builds later itself).
    if (!existsSync(join(root, 'src')) || !existsSync(join(root, 'tsconfig.build.json'))) process.exit(0);
    const t = Date.now();
    process.stderr.write('Postern: compiling TypeScript (incremental: only what changed)…\n');
    build();
    process.stderr.write(
      `Postern: built in ${((Date.now() - t) / 1000).toFixed(1)} s. Next: npm start (the gateway with demo data) or npm test.\n`,
    );
  } else {
    if (needsBuild()) {
      const t = Date.now();
      process.stderr.write('Postern: sources changed since the last build: compiling what changed…\n');
      build();
      process.stderr.write(`Postern: compiled in ${((Date.now() - t) / 1000).toFixed(1)} s.\n`);
    }
    // graphql-js checks every schema object's realm unless it runs in production (`npm run dev` keeps the checks).
    if (process.argv[2] !== 'dev') process.env.NODE_ENV ??= 'production';
    createRequire(import.meta.url)(main);
  }
}
