#!/usr/bin/env node
// Builds the embedded FerretDB (MongoDB wire protocol over SQLite) into .tools/ferretdb/.
// `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` produces a binary that panics at
// start ("Invalid build/version/version.txt file content"): the module as served by the Go proxy
// lacks the version file its release build generates. So we fetch the same module through the
// proxy (`go mod download`), add that one file, and `go build` it. A no-op when already built.
import { execFileSync } from 'node:child_process';
import { cpSync, chmodSync, existsSync, mkdirSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';

export const FERRETDB_VERSION = 'v1.24.2';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const FERRETDB_BIN = join(root, '.tools', 'ferretdb', FERRETDB_VERSION, 'ferretdb');

function makeWritable(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    chmodSync(p, st.mode | 0o200);
    if (st.isDirectory()) makeWritable(p);
  }
}

export function installFerretDB({ quiet = false } = {}) {
  if (process.env.MONGODB_URI) {
    if (!quiet) console.log('[ferretdb] MONGODB_URI is set: the embedded FerretDB is not needed.');
    return null;
  }
  if (existsSync(FERRETDB_BIN)) return FERRETDB_BIN;
  console.log(`[ferretdb] building FerretDB ${FERRETDB_VERSION} with Go (once; about a minute)…`);
  const mod = `github.com/FerretDB/FerretDB@${FERRETDB_VERSION}`;
  const info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', mod], { encoding: 'utf8' }));
  if (!info.Dir) throw new Error(`go mod download ${mod} failed: ${info.Error ?? 'no directory'}`);
  const work = join(tmpdir(), `postern-ferretdb-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  cpSync(info.Dir, work, { recursive: true });
  makeWritable(work);
  writeFileSync(join(work, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
  mkdirSync(dirname(FERRETDB_BIN), { recursive: true });
  execFileSync('go', ['build', '-o', FERRETDB_BIN, './cmd/ferretdb'], {
    cwd: work,
    stdio: 'inherit',
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
  });
  rmSync(work, { recursive: true, force: true });
  console.log(`[ferretdb] built ${FERRETDB_BIN}`);
  return FERRETDB_BIN;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2] ?? 'install';
  // Container builds (Dockerfile) run on MongoDB and have no Go: POSTERN_SKIP_FERRETDB=1 skips the build.
  if (cmd === 'install' && process.env.POSTERN_SKIP_FERRETDB === '1') {
    console.log('[ferretdb] POSTERN_SKIP_FERRETDB=1: the embedded FerretDB is not built.');
  } else if (cmd === 'install') installFerretDB();
  else if (cmd === 'path') console.log(FERRETDB_BIN);
  else {
    console.error(`usage: node scripts/ferretdb.mjs [install|path]`);
    process.exit(2);
  }
}
