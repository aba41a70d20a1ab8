import mongoose from 'mongoose';
import { isDatabaseUnavailable } from './errors';
import { databaseUnavailable, watchDatabase } from './health';

/** Brings data written by an older version up to date; a database it has nothing to do on costs a read or two. */
export type DataUpgrade = () => Promise<unknown>;

export interface DbOptions {
  uri: string;
  dbName: string;
  /** Emit driver command events (tests count database round trips with them). */
  monitorCommands?: boolean;
  /** Run the data upgrades and build the indexes (default true; false when another process did: a cluster worker). */
  prepare?: boolean;
  /**
   * The upgrades to run before the indexes are built: the modules' (src/composition/registry.ts `dataUpgrades`,
   * handed over by the entry points through openDatabase, so that this file imports no module). None by default.
   */
  upgrades?: readonly DataUpgrade[];
}

/** How long the first connection may take (the database may still be starting). */
const CONNECT_WITHIN_MS = 15_000;

/**
 * Connects the default mongoose connection and makes sure every model's indexes exist.
 * While the database is unreachable an operation fails after about a second (the gateway answers
 * 503 SERVICE_UNAVAILABLE, src/graphql/plugins/unavailable.ts) rather than waiting: no buffering by
 * mongoose, server selection gives up after 1 s, and the driver checks the server every second so
 * that it notices both the loss and the return within about a second.
 */
export async function connectDatabase(opts: DbOptions): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  const deadline = Date.now() + CONNECT_WITHIN_MS;
  for (;;) {
    try {
      await mongoose.connect(opts.uri, {
        dbName: opts.dbName,
        serverSelectionTimeoutMS: 1000,
        heartbeatFrequencyMS: 1000,
        bufferCommands: false,
        monitorCommands: opts.monitorCommands ?? false,
        autoIndex: false,
      });
      break;
    } catch (err) {
      if (Date.now() > deadline || !isDatabaseUnavailable(err)) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  watchDatabase(mongoose.connection.getClient());
  if (opts.prepare === false) return mongoose;
  // Older databases may break the unique indexes about to be built (the access store's keys, say): upgrade them first.
  for (const upgrade of opts.upgrades ?? []) await upgrade();
  await Promise.all(mongoose.modelNames().map((name) => mongoose.model(name).createIndexes()));
  return mongoose;
}

/** Whether the database answers a ping within `timeoutMs`. */
export async function pingDatabase(timeoutMs = 1000): Promise<boolean> {
  const db = mongoose.connection.db;
  if (!db || mongoose.connection.readyState !== 1 || databaseUnavailable()) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.admin().command({ ping: 1 }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('ping timed out')), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export async function disconnectDatabase(): Promise<void> {
  await mongoose.disconnect();
}
