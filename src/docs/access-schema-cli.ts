// `npm run docs:access-schema`: writes docs/access-document.schema.json, the published JSON Schema of
// the access document (generated from its zod schema; GET /access/document.schema.json serves the same).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths';
import { accessDocumentJsonSchema } from '../modules';

const file = path.join(projectRoot, 'docs', 'access-document.schema.json');
writeFileSync(file, `${JSON.stringify(accessDocumentJsonSchema(), null, 2)}\n`);
console.error(`wrote ${path.relative(projectRoot, file)}`);
