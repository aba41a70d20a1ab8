// The layer rules of `npm run lint` (eslint.config.mjs, .dependency-cruiser.cjs) refuse what they are
// meant to refuse: probe files placed where the rules look, linted with the project's own configuration.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode } from '../../src/errors';

const root = path.resolve(__dirname, '../..');
const run = promisify(execFile);
const probe = `lint-probe-${randomBytes(4).toString('hex')}`;
const written: string[] = [];

afterAll(() => {
  for (const p of written) rmSync(p, { recursive: true, force: true });
});

/** The messages ESLint's Node API gives each file (`code`: as if the file held it), in a child process. */
async function lintAll(jobs: { file: string; code?: string }[]): Promise<string[][]> {
  const { stdout } = await run(process.execPath, [path.join(__dirname, 'eslint-probe.mjs'), JSON.stringify(jobs)], { cwd: root });
  return JSON.parse(stdout) as string[][];
}

async function lint(file: string, code: string): Promise<string[]> {
  return (await lintAll([{ file, code }]))[0]!;
}

/** Writes probe files (relative to the repository) that are removed after the tests. */
function place(dir: string, files: Record<string, string>): string {
  const abs = path.join(root, dir);
  mkdirSync(abs, { recursive: true });
  written.push(abs);
  for (const [name, code] of Object.entries(files)) writeFileSync(path.join(abs, name), code);
  return abs;
}

const MODEL_IMPORT = "import { Member } from '../modules/accounts/account.model';\nexport const members = Member;\n";

describe('src/authz and src/graphql/plugins import no module', () => {
  it('refuses a module model imported into src/authz', async () => {
    const messages = await lint(`src/authz/${probe}.ts`, MODEL_IMPORT);
    expect(messages).toEqual([expect.stringMatching(/^no-restricted-imports: .*src\/composition\/registry\.ts/)]);
  });

  it('refuses a type-only import of a module service, and one into src/graphql/plugins', async () => {
    expect(
      await lint(
        `src/authz/store/${probe}.ts`,
        "import type { DnsRecordView } from '../../modules/sending/dns-check';\nexport type V = DnsRecordView;\n",
      ),
    ).toEqual([expect.stringMatching(/^no-restricted-imports: /)]);
    expect(
      await lint(
        `src/graphql/plugins/${probe}.ts`,
        "import { signUp } from '../../modules/identity/identity.service';\nexport const s = signUp;\n",
      ),
    ).toEqual([expect.stringMatching(/^no-restricted-imports: /)]);
  });

  it('lets the registry (src/composition/registry.ts) import the same model', async () => {
    expect(await lint('src/composition/registry.ts', MODEL_IMPORT)).toEqual([]);
  });
});

describe('outside src/modules only the composition root (src/composition/registry.ts) imports a module', () => {
  it('refuses module imports into authentication, the database, HTTP and the server start', async () => {
    const results = await lintAll([
      { file: `src/identity/${probe}.ts`, code: "import { Session } from '../modules/identity/user.model';\nexport const s = Session;\n" },
      {
        file: `src/db/${probe}.ts`,
        code: "import { backfillAccessKeys } from '../modules/access/backfill';\nexport const b = backfillAccessKeys;\n",
      },
      {
        file: `src/http/${probe}.ts`,
        code: "import type { Scheduler } from '../modules/marketing/scheduler';\nexport type S = Scheduler;\n",
      },
      { file: 'src/server.ts', code: "import { setAppUrl } from './modules/identity/email.service';\nexport const a = setAppUrl;\n" },
      { file: `src/graphql/${probe}.ts`, code: "import { moduleResolvers } from '../modules';\nexport const r = moduleResolvers;\n" },
    ]);
    for (const messages of results) {
      expect(messages).toEqual([
        expect.stringMatching(/^no-restricted-imports: .*Only src\/modules and the composition root import a module/),
      ]);
    }
  });

  it('lets the composition root import them, and the layers import the root', async () => {
    const [root, server] = await lintAll([
      {
        file: 'src/composition/registry.ts',
        code: "import { setAppUrl } from '../modules/identity/email.service';\nexport const a = setAppUrl;\n",
      },
      { file: 'src/server.ts', code: "import { configureModules } from './composition/registry';\nexport const c = configureModules;\n" },
    ]);
    expect(root).toEqual([]);
    expect(server).toEqual([]);
  });

  it('the layers as they are import no module', async () => {
    const files = ['src/identity/principal.ts', 'src/db/connect.ts', 'src/app.ts', 'src/server.ts', 'src/composition/schema.ts'];
    expect(await lintAll(files.map((file) => ({ file })))).toEqual(files.map(() => []));
  });
});

/** dependency-cruiser with the project's configuration over `paths`: rejects with its report on stdout when a rule fails. */
function cruise(...paths: string[]) {
  return run(
    process.execPath,
    [path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), ...paths, '--config', '.dependency-cruiser.cjs'],
    { cwd: root },
  );
}

describe('the layers of ARCHITECTURE.md "Layers" (dependency-cruiser)', () => {
  it('refuses an import from a layer above (types included), and a folder of src/ that is in no layer', async () => {
    const low = `src/db/${probe}-layer`;
    const stray = `src/${probe}-folder`;
    place(low, { 'up.ts': "import type { Context } from '../../graphql/context';\nexport type C = Context;\n" });
    place(stray, { 'a.ts': "import { ErrorCode } from '../errors';\nexport const c = ErrorCode.NOT_FOUND;\n" });
    const failure = await cruise(low, stray).then(
      () => null,
      (err: { stdout: string }) => err.stdout,
    );
    expect(failure).toMatch(new RegExp(`layer-db: ${low}/up\\.ts → src/graphql/context\\.ts`));
    expect(failure).toMatch(new RegExp(`layer-unknown: ${stray}/a\\.ts`));
  });

  it('refuses a module imported into src/graphql (the composition root above it may), and a deep import of a lower folder', async () => {
    const edge = `src/graphql/${probe}-layer`;
    const probeFile = path.join(root, edge, 'a.ts');
    place(edge, { 'a.ts': "import { Member } from '../../modules/accounts/account.model';\nexport const m = Member;\n" });
    await expect(cruise(edge)).rejects.toMatchObject({ stdout: expect.stringMatching(/layer-graphql: .*account\.model\.ts/) });
    writeFileSync(probeFile, "import { newId } from '../../db/ids';\nexport const id = newId;\n");
    await expect(cruise(edge)).rejects.toMatchObject({ stdout: expect.stringMatching(/no-deep-import: .*a\.ts → src\/db\/ids\.ts/) });
    writeFileSync(probeFile, "import { newId } from '../../db';\nexport const id = newId;\n");
    await expect(cruise(edge, 'src/composition/registry.ts')).resolves.toMatchObject({
      stdout: expect.stringMatching(/no dependency violations found/),
    });
  });
});

describe('no import cycle in src/', () => {
  it('refuses two modules importing each other', async () => {
    const dir = `src/modules/${probe}`;
    place(dir, {
      'a.ts': "import { b } from './b';\nexport const a = (): number => b() + 1;\n",
      'b.ts': "import { a } from './a';\nexport const b = (): number => (a ? 1 : 0);\n",
    });
    const [a, b] = await lintAll([{ file: `${dir}/a.ts` }, { file: `${dir}/b.ts` }]);
    expect(a).toEqual(['import-x/no-cycle: Dependency cycle detected']);
    expect(b).toEqual(['import-x/no-cycle: Dependency cycle detected']);
  });

  it('refuses a cycle through type-only imports (dependency-cruiser), and passes once it is broken', async () => {
    const dir = `src/modules/${probe}-types`;
    place(dir, {
      'a.ts': "import type { B } from './b';\nexport interface A { b: B }\n",
      'b.ts': "import type { A } from './a';\nexport interface B { a?: A }\n",
    });
    await expect(cruise(dir)).rejects.toMatchObject({ stdout: expect.stringMatching(/no-circular: .*a\.ts/) });
    writeFileSync(path.join(root, dir, 'b.ts'), 'export interface B { n: number }\n');
    await expect(cruise(dir)).resolves.toMatchObject({ stdout: expect.stringMatching(/no dependency violations found/) });
  });
});

describe('error codes are written once, in src/errors.ts', () => {
  it('refuses every code of ErrorCode written as a string literal elsewhere in src/, and accepts ErrorCode.<CODE>', async () => {
    const codes = Object.values(ErrorCode);
    const literal = codes.map((c) => `export const c${codes.indexOf(c)} = { code: '${c}' };`).join('\n') + '\n';
    const [messages, named] = await lintAll([
      { file: `src/http/${probe}.ts`, code: literal },
      {
        file: `src/http/${probe}.ts`,
        code: "import { ErrorCode } from '../errors';\nexport const c = { code: ErrorCode.NOT_FOUND };\n",
      },
    ]);
    expect(messages).toEqual(codes.map(() => expect.stringMatching(/^no-restricted-syntax: Write error codes as ErrorCode/)));
    expect(named).toEqual([]);
  });
});
