// The public face of src/docs (README.md): the generated documentation. The CLIs beside it are run by
// `npm run docs:permissions` and `npm run docs:access-schema`; nothing in src/ imports this folder.
export { renderPermissionsDoc } from './permissions';
