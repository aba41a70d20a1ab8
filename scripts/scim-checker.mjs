#!/usr/bin/env node
// Installs the SCIM compliance checker the tests run (test/scim/scim-compliance.test.ts): scim2-tester
// and its pinned dependencies (test/scim/scim-checker.requirements.txt, from PyPI) in a Python virtual
// environment at .tools/scim-checker. Idempotent: a stamp holds the hash of the requirements, so an
// unchanged list is a no-op and a changed one is installed afresh. Run by `npm test` (pretest); needs
// python3 with its venv module (Debian: python3-venv).
//   node scripts/scim-checker.mjs          install if needed
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const requirements = join(root, 'test', 'scim', 'scim-checker.requirements.txt');
const venv = join(root, '.tools', 'scim-checker');
const stamp = join(venv, 'postern-requirements.sha256');
const python = join(venv, 'bin', 'python');

export function installScimChecker() {
  const want = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want) return false;
  console.log(`[scim-checker] installing the SCIM checker (${relative(root, requirements)}) into ${relative(root, venv)}…`);
  // A venv cannot be moved once made: a stale or half-made one is removed and made again in place;
  // the stamp is written last, so an interrupted install is redone next time.
  rmSync(venv, { recursive: true, force: true });
  try {
    execFileSync('python3', ['-m', 'venv', venv], { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    throw new Error(
      '[scim-checker] python3 with its venv module is needed to install the SCIM checker (Debian: apt-get install python3-venv).',
    );
  }
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  writeFileSync(stamp, `${want}\n`);
  return true;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    installScimChecker();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
