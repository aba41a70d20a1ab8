// How the database reports errors Postern reacts to, decided once for MongoDB and the embedded
// database (docs/storage.md).

/**
 * Whether an error from mongoose or the driver is a unique-index violation (E11000): from insertOne,
 * insertMany (a MongoBulkWriteError whose every write error is one), updateOne or findOneAndUpdate.
 * MongoDB and the embedded database both report code 11000; older servers used 11001 for updates.
 */
export function isDuplicateKey(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; codeName?: unknown; writeErrors?: unknown };
  // A bulk write's error carries the first failure's code: every refused document must be a duplicate.
  const writeErrors = writeErrorsOf(err);
  if (writeErrors.length > 0) return writeErrors.every((w) => isDuplicateKey(w));
  return e.code === 11000 || e.code === 11001 || e.codeName === 'DuplicateKey';
}

/** The per-document errors of a failed bulk write (insertMany), as a list (the driver gives one or many). */
export function writeErrorsOf(err: unknown): unknown[] {
  const w = err && typeof err === 'object' ? (err as { writeErrors?: unknown }).writeErrors : undefined;
  return w === undefined || w === null ? [] : [w].flat();
}

/** Errors of the driver (and mongoose) that mean "the database cannot be reached now". */
const UNAVAILABLE_NAMES = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoPoolClearedError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
]);
/** Server replies while it shuts down or steps down (InterruptedAtShutdown, ShutdownInProgress, NotWritablePrimary, …). */
const UNAVAILABLE_CODES = new Set([91, 189, 10107, 11600, 11602, 13435, 13436]);

/**
 * Whether an error means the database is unreachable or going away (not that the request was
 * wrong): the client should retry later (SERVICE_UNAVAILABLE, HTTP 503).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: unknown; code?: unknown; cause?: unknown; errorResponse?: unknown };
  if (typeof e.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (typeof e.code === 'number' && UNAVAILABLE_CODES.has(e.code)) return true;
  // A bulk write (insertMany) cut off by a lost connection wraps the network error.
  return [e.cause, e.errorResponse].some((inner) => inner !== err && isDatabaseUnavailable(inner));
}
