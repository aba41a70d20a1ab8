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
  if (e.code === 11000 || e.code === 11001 || e.codeName === 'DuplicateKey') return true;
  if (Array.isArray(e.writeErrors) && e.writeErrors.length > 0) return e.writeErrors.every((w) => isDuplicateKey(w));
  return false;
}
