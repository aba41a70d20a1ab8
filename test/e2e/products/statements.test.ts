// docs/products.md numbers every statement of the five products' role models; each must name at
// least one test (`it('<ID>: …')`, or `…; <ID>: …` inside a title), so a statement cannot lose its test
// silently. Statements marked "pending <branch>" must have none yet: once their test lands, the mark goes.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const TEST_DIR = join(ROOT, 'test');
const DOC = readFileSync(join(ROOT, 'docs', 'products.md'), 'utf8');

interface Row {
  id: string;
  pinnedBy: string;
}

/** The rows of the statement tables: `| MT3 | statement | in Postern | pinned by |`. */
const rows: Row[] = DOC.split('\n')
  .filter((l) => /^\| M[GTCIA]\d+ \|/.test(l))
  .map((l) => {
    const cells = l.split(/(?<!\\)\|/).map((c) => c.trim());
    return { id: cells[1]!, pinnedBy: cells[4] ?? '' };
  });

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every `it(…)`/`test(…)` title in the test files, with its file. */
const TITLE = /\b(?:it|test)\(\s*(?:'((?:\\.|[^'\\])*)'|"((?:\\.|[^"\\])*)"|`((?:\\.|[^`\\])*)`)/g;
const titles: { file: string; title: string }[] = testFiles(TEST_DIR).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(TITLE)].map((m) => ({ file: relative(TEST_DIR, file), title: m[1] ?? m[2] ?? m[3]! })),
);

const pinning = (id: string) => titles.filter((t) => new RegExp(`(^|;\\s*)${id}:`).test(t.title));
const isPending = (r: Row) => /^pending\b/i.test(r.pinnedBy);

describe('docs/products.md: every statement has a named test', () => {
  it('lists the statements of all five products, each id once, numbered 1..n per product without gaps', () => {
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const prefix of ['MG', 'MT', 'MC', 'MI', 'MA']) {
      const numbers = ids.filter((id) => id.startsWith(prefix)).map((id) => Number(id.slice(2)));
      expect([prefix, numbers.length > 0]).toEqual([prefix, true]);
      expect([prefix, numbers]).toEqual([prefix, numbers.map((_, i) => i + 1)]);
    }
  });

  it('names, for each statement not pending, at least one test whose title carries its id', () => {
    const missing = rows.filter((r) => !isPending(r) && pinning(r.id).length === 0).map((r) => r.id);
    expect(missing).toEqual([]);
  });

  it('keeps no "pending" mark on a statement whose test has landed', () => {
    const landed = rows.filter((r) => isPending(r) && pinning(r.id).length > 0).map((r) => `${r.id}: ${pinning(r.id)[0]!.file}`);
    expect(landed).toEqual([]);
  });

  it('points only at test files that exist', () => {
    const paths = rows.flatMap((r) => [...r.pinnedBy.matchAll(/`([\w./-]+\.test\.ts)`/g)].map((m) => m[1]!));
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((p) => !existsSync(join(TEST_DIR, p)))).toEqual([]);
  });

  it('knows every statement id a test title uses', () => {
    const known = new Set(rows.map((r) => r.id));
    const used = titles.flatMap((t) => [...t.title.matchAll(/(?:^|;\s*)(M[GTCIA]\d+):/g)].map((m) => `${m[1]} (${t.file})`));
    expect(used.filter((u) => !known.has(u.split(' ')[0]!))).toEqual([]);
  });
});
