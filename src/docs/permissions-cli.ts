// `npm run docs:permissions`: writes docs/permissions.md from the catalogue and the schema.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths';
import { renderPermissionsDoc } from './permissions';

const file = path.join(projectRoot, 'docs', 'permissions.md');
writeFileSync(file, renderPermissionsDoc());
console.error(`wrote ${path.relative(projectRoot, file)}`);
