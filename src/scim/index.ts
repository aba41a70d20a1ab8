// The public face of src/scim (README.md): what the other folders of src/ import from it.
export { scimRouter } from './router';
