// docs/partners.md is run as written: every ```sh block, in order, in one bash session against a
// real gateway holding the demo account. A block followed by a ```json block must print exactly that
// JSON (one document per line), where a string containing "…" stands for any value starting with
// what comes before the "…".
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { projectRoot } from '../../src/paths';
import { createLogger } from '../../src/logger';
import { seedDemo } from '../../src/seed/demo';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { accessStore } from '../helpers/access';

interface Step {
  script: string;
  expected: string | null;
}

/** The doc's sh blocks, each with the json block that follows it (before the next sh block), if any. */
function docSteps(markdown: string): Step[] {
  const blocks = [...markdown.matchAll(/```(sh|json)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, body: m[2]! }));
  const steps: Step[] = [];
  for (const b of blocks) {
    if (b.lang === 'sh') steps.push({ script: b.body, expected: null });
    else if (steps.length && steps[steps.length - 1]!.expected === null) steps[steps.length - 1]!.expected = b.body;
  }
  return steps;
}

function matches(expected: unknown, actual: unknown, where: string): string | null {
  if (typeof expected === 'string' && expected.includes('…')) {
    return typeof actual === 'string' && actual.startsWith(expected.slice(0, expected.indexOf('…')))
      ? null
      : `${where}: ${JSON.stringify(actual)} does not match ${JSON.stringify(expected)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length)
      return `${where}: ${JSON.stringify(actual)} is not ${JSON.stringify(expected)}`;
    for (let i = 0; i < expected.length; i++) {
      const m = matches(expected[i], actual[i], `${where}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object') return `${where}: ${JSON.stringify(actual)} is not an object`;
    const ek = Object.keys(expected).sort();
    const ak = Object.keys(actual).sort();
    if (ek.join() !== ak.join()) return `${where}: keys ${ak.join(',')} are not ${ek.join(',')}`;
    for (const k of ek) {
      const m = matches((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], `${where}.${k}`);
      if (m) return m;
    }
    return null;
  }
  return expected === actual ? null : `${where}: ${JSON.stringify(actual)} is not ${JSON.stringify(expected)}`;
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
  await seedDemo(createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() })), accessStore);
});
afterAll(() => gw.stop());

/** Runs a bash script without blocking this process (the gateway answering it lives here). */
function bash(script: string, env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

it('docs/partners.md runs as written and prints what it shows', async () => {
  const steps = docSteps(readFileSync(path.join(projectRoot, 'docs', 'partners.md'), 'utf8'));
  expect(steps.length).toBeGreaterThan(8);
  const marker = (i: number) => `@@step ${i}@@`;
  const script = ['set -eu', ...steps.flatMap((s, i) => [`echo '${marker(i)}'`, s.script])].join('\n');
  const run = await bash(script, { POSTERN: gw.url });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const outputs = run.stdout.split(/@@step \d+@@\n/).slice(1);
  expect(outputs).toHaveLength(steps.length);
  const problems: string[] = [];
  steps.forEach((step, i) => {
    if (step.expected === null) return;
    const want = step.expected.trim().split('\n');
    const got = outputs[i]!.trim().split('\n');
    if (got.length !== want.length) {
      problems.push(`step ${i}: printed ${got.length} lines, the doc shows ${want.length}:\n${outputs[i]}`);
      return;
    }
    want.forEach((line, j) => {
      const m = matches(JSON.parse(line), JSON.parse(got[j]!), `step ${i} line ${j}`);
      if (m) problems.push(`${m}\nprinted: ${got[j]}`);
    });
  });
  expect(problems).toEqual([]);
});
