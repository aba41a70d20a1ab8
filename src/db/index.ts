// The public face of src/db (README.md): what the other folders of src/ import from it.
export { Claim, claimOnce, releaseClaim } from './claims';
export { disconnectDatabase, pingDatabase, type DataUpgrade } from './connect';
export { type EmbeddedDatabase } from './embedded';
export { isDatabaseUnavailable, isDuplicateKey, writeErrorsOf } from './errors';
export { databaseUnavailable } from './health';
export { isId, newId } from './ids';
export { openDatabase } from './open';
export {
  type BaseDoc,
  type InAccount,
  type InWorkspace,
  type IssuedToken,
  type OnDomain,
  docSchema,
  inAccount,
  inWorkspace,
  issuedToken,
  onDomain,
} from './schema';
export { placeKey, placeNumber, walkPlaces } from './places';
export { SWEEP_GRACE_MS, startSweeper, sweepExpired, type Expiring, type Sweeper } from './sweep';
