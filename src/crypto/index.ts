// The public face of src/crypto (README.md): what the other folders of src/ import from it.
export { assertStrongPassword, dummyHash, hashPassword, verifyPassword } from './passwords';
export { configureSecretKey, secretBox } from './secrets';
export { randomSecret, tokenHash } from './tokens';
