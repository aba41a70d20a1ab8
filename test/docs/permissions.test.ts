// docs/permissions.md is generated (npm run docs:permissions) and must match the catalogue and the
// schema as they are now.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/paths';
import { renderPermissionsDoc } from '../../src/docs/permissions';
import { PERMISSIONS } from '../../src/authz/catalogue';

it('docs/permissions.md is up to date (run `npm run docs:permissions` after changing permissions or directives)', () => {
  const onDisk = readFileSync(path.join(projectRoot, 'docs', 'permissions.md'), 'utf8');
  const fresh = renderPermissionsDoc();
  expect(onDisk === fresh ? 'up to date' : 'stale: run npm run docs:permissions').toBe('up to date');
});

it('lists every permission with the fields it guards', () => {
  const doc = renderPermissionsDoc();
  for (const p of PERMISSIONS) expect(doc).toContain(`| \`${p}\` |`);
  expect(doc).toMatch(/\| `smtpCredentials:reveal` \|.*`SmtpCredential\.password \(reveal\)`/);
  expect(doc).toMatch(/\| `domains:view` \| See sending domains\. \| owner, admin, [^|]*\| yes \|.*`Query\.domain`/);
});
