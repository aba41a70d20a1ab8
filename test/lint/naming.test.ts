// One naming scheme: a module file says what it holds — `<subject>.<kind>.ts` for models,
// services, resolvers and HTTP routes, plain `<name>.ts` for pure helpers, never a bare `model.ts` —
// and the test tree mirrors src/, apart from the shared helpers, the cross-cutting scenario suites
// (test/e2e) and the checks of the repository's own lint rules (test/lint).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const KINDS = ['model', 'service', 'resolvers', 'http'];
const OUTSIDE_SRC = ['helpers', 'e2e', 'lint'];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

function dirs(dir: string): string[] {
  return readdirSync(dir).filter((name) => statSync(path.join(dir, name)).isDirectory());
}

it('module files are named <subject>.<kind>.ts or <name>.ts, never a bare kind', () => {
  const offenders = walk(path.join(root, 'src/modules'))
    .map((f) => path.relative(root, f))
    // A folder's README.md says what it holds and what it may import (ARCHITECTURE.md "Layers"): not a module file.
    .filter((f) => path.basename(f) !== 'README.md')
    .filter((f) => {
      const base = path.basename(f);
      if (!/^[a-z0-9-]+(\.[a-z]+)?\.ts$/.test(base)) return true;
      const [first, kind] = base.replace(/\.ts$/, '').split('.');
      if (kind === undefined) return KINDS.includes(first!);
      return !KINDS.includes(kind);
    });
  expect(offenders).toEqual([]);
});

it('every test folder mirrors a folder of src/', () => {
  const stray: string[] = [];
  const visit = (rel: string) => {
    for (const d of dirs(path.join(root, 'test', rel))) {
      const sub = path.join(rel, d);
      if (rel === '' && OUTSIDE_SRC.includes(d)) continue;
      const mirror = path.join(root, 'src', sub);
      if (!existsSync(mirror) || !statSync(mirror).isDirectory()) stray.push(`test/${sub}`);
      else visit(sub);
    }
  };
  visit('');
  expect(stray).toEqual([]);
});
