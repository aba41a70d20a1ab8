#!/usr/bin/env node
// Builds Postern's embedded database (embedded/: mongo-java-server + H2, see docs/storage.md) into
// .tools/embedded-mongo/<key>/postern-embedded-mongo.jar with Maven (Java 17+, Maven 3.8+; Maven
// downloads the dependencies from Maven Central into ~/.m2 the first time). <key> is a hash of the
// launcher's pom and sources, so a changed launcher is rebuilt and an unchanged one is not: a no-op
// when already built.
//   node scripts/embedded-db.mjs install          build if needed (npm postinstall)
//   node scripts/embedded-db.mjs path             build if needed, print the jar's path
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'embedded');
const toolsDir = join(root, '.tools', 'embedded-mongo');

function files(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? files(p) : [p];
    });
}

/** Path of the jar for the launcher as it is in embedded/ now. */
export function embeddedJarPath() {
  const hash = createHash('sha256');
  for (const f of files(sourceDir)) hash.update(relative(sourceDir, f)).update('\0').update(readFileSync(f)).update('\0');
  return join(toolsDir, hash.digest('hex').slice(0, 16), 'postern-embedded-mongo.jar');
}

function need(cmd, args, what) {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
  } catch {
    throw new Error(`[embedded-db] ${what} is needed to build the embedded database (or set MONGODB_URI to use MongoDB).`);
  }
}

export function installEmbeddedDb({ quiet = false } = {}) {
  const jar = embeddedJarPath();
  if (existsSync(jar)) return jar;
  need('java', ['-version'], 'Java 17 or newer (`java`)');
  need('mvn', ['-v'], 'Maven 3.8 or newer (`mvn`)');
  if (!quiet) console.log('[embedded-db] building the embedded database with Maven (once; under a minute)…');
  const build = join(toolsDir, 'build');
  rmSync(build, { recursive: true, force: true });
  // Maven's own output (and the ANSI codes its console library writes even in batch mode) is kept
  // back and shown, plain, only if the build fails.
  const mvn = spawnSync(
    'mvn',
    ['-q', '-B', '--no-transfer-progress', '-Dstyle.color=never', '-f', join(sourceDir, 'pom.xml'), 'package', '-DskipTests'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, MAVEN_OPTS: `${process.env.MAVEN_OPTS ?? ''} -Djansi.passthrough=false -Djansi.strip=true`.trim() },
    },
  );
  if (mvn.status !== 0) {
    const plain = `${mvn.stdout ?? ''}${mvn.stderr ?? ''}`.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g'), '');
    throw new Error(`[embedded-db] the Maven build failed (exit ${mvn.status ?? mvn.signal}):\n${plain.trim()}`);
  }
  const built = readdirSync(build).find((n) => n.startsWith('postern-embedded-mongo-') && n.endsWith('.jar'));
  if (!built) throw new Error(`[embedded-db] Maven finished but no jar is in ${build}`);
  mkdirSync(dirname(jar), { recursive: true });
  // Copy then rename: a concurrent start never sees half a jar.
  copyFileSync(join(build, built), `${jar}.tmp`);
  renameSync(`${jar}.tmp`, jar);
  rmSync(build, { recursive: true, force: true });
  // Older builds of the launcher are no longer used.
  for (const name of readdirSync(toolsDir))
    if (name !== relative(toolsDir, dirname(jar))) rmSync(join(toolsDir, name), { recursive: true, force: true });
  if (!quiet) console.log(`[embedded-db] built ${relative(root, jar)}`);
  return jar;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2] ?? 'install';
  try {
    if (cmd === 'install') {
      // Container images run on MongoDB and have no Java: POSTERN_SKIP_EMBEDDED_DB=1 skips the build.
      if (process.env.POSTERN_SKIP_EMBEDDED_DB === '1') console.log('[embedded-db] POSTERN_SKIP_EMBEDDED_DB=1: not built.');
      else if (process.env.MONGODB_URI) console.log('[embedded-db] MONGODB_URI is set: the embedded database is not needed.');
      else installEmbeddedDb();
    } else if (cmd === 'path') {
      console.log(installEmbeddedDb({ quiet: true }));
    } else {
      console.error('usage: node scripts/embedded-db.mjs [install|path]');
      process.exit(2);
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
