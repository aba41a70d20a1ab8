// The permission core (src/authz, src/authz/README.md) imports neither GraphQL nor MongoDB nor any
// layer above it: ESLint refuses such an import in src/authz (eslint.config.mjs, CORE_PURE), and lets
// the GraphQL edge (src/graphql/authz) and the MongoDB store (src/store/access) make the same imports.
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(__dirname, '../..');
const run = promisify(execFile);

async function lintAll(jobs: { file: string; code?: string }[]): Promise<string[][]> {
  const { stdout } = await run(process.execPath, [path.join(__dirname, 'eslint-probe.mjs'), JSON.stringify(jobs)], { cwd: root });
  return JSON.parse(stdout) as string[][];
}

const BAD: Record<string, string> = {
  graphql: "import { GraphQLError } from 'graphql';\nexport const E = GraphQLError;\n",
  '@graphql-tools': "import { mapSchema } from '@graphql-tools/utils';\nexport const m = mapSchema;\n",
  mongoose: "import { model } from 'mongoose';\nexport const m = model;\n",
  mongodb: "import type { Db } from 'mongodb';\nexport type D = Db;\n",
  'src/graphql': "import type { Context } from '../graphql/context';\nexport type C = Context;\n",
  'src/db': "import { newId } from '../db/ids';\nexport const id = newId;\n",
  'src/http': "import { egressFetch } from '../http';\nexport const f = egressFetch;\n",
  'src/store': "import { MongoAccessStore } from '../store/access';\nexport const S = MongoAccessStore;\n",
  'src/modules': "import { Member } from '../modules/accounts/account.model';\nexport const M = Member;\n",
};

describe('src/authz imports neither GraphQL nor MongoDB nor the layers above it', () => {
  it('refuses each such import in a file of src/authz, and in one of its subfolders', async () => {
    const names = Object.keys(BAD);
    const results = await lintAll([
      ...names.map((name) => ({ file: 'src/authz/lint-probe.ts', code: BAD[name]! })),
      { file: 'src/authz/store/lint-probe.ts', code: "import type { Context } from '../../graphql/context';\nexport type C = Context;\n" },
      { file: 'src/authz/store/lint-probe.ts', code: "import { Types } from 'mongoose';\nexport const T = Types;\n" },
    ]);
    for (const [i, messages] of results.entries()) {
      expect({ probe: names[i] ?? `src/authz/store #${i - names.length}`, messages }).toEqual({
        probe: names[i] ?? `src/authz/store #${i - names.length}`,
        messages: [expect.stringMatching(/^no-restricted-imports: .*(permission core \(src\/authz\)|Only src\/modules)/)],
      });
    }
  });

  it('lets the core import itself and the error codes, and the edge and the store import the core and their libraries', async () => {
    const results = await lintAll([
      {
        file: 'src/authz/lint-probe.ts',
        code: "import { BadInputError } from '../errors';\nimport { allowed } from './check';\nexport const x = [BadInputError, allowed];\n",
      },
      {
        file: 'src/graphql/authz/lint-probe.ts',
        code: "import { GraphQLError } from 'graphql';\nimport { allowed } from '../../authz';\nexport const x = [GraphQLError, allowed];\n",
      },
      {
        file: 'src/store/access/lint-probe.ts',
        code: "import { model } from 'mongoose';\nimport type { AccessStore } from '../../authz';\nexport const m = model;\nexport type S = AccessStore;\n",
      },
    ]);
    expect(results).toEqual([[], [], []]);
  });

  it('the core as it is passes', async () => {
    const walk = (dir: string): string[] =>
      readdirSync(path.join(root, dir)).flatMap((name) => {
        const rel = path.join(dir, name);
        return statSync(path.join(root, rel)).isDirectory() ? walk(rel) : rel.endsWith('.ts') ? [rel] : [];
      });
    const files = walk('src/authz');
    expect(files.length).toBeGreaterThan(20);
    expect(await lintAll(files.map((file) => ({ file })))).toEqual(files.map(() => []));
  });
});
