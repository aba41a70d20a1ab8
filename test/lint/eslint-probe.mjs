// ESLint's Node API run outside jest (jest's VM cannot import eslint.config.mjs). Argument: JSON
// [{ file, code? }] with paths relative to the repository; `code` lints that text as if it were the
// file, without it the file on disk is linted. Prints [[ "ruleId: message", … ], …] in the same order.
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });
const out = [];
for (const { file, code } of JSON.parse(process.argv[2])) {
  const abs = path.join(root, file);
  const [result] = code === undefined ? await eslint.lintFiles([abs]) : await eslint.lintText(code, { filePath: abs });
  out.push(result.messages.map((m) => `${m.ruleId}: ${m.message}`));
}
process.stdout.write(JSON.stringify(out));
