// Opens the configured database: MONGODB_URI when set, else the embedded database (docs/storage.md)
// with its data in config.dataDir, started and supervised here. Shared by the gateway
// (src/server.ts) and the seed command (src/seed/cli.ts).
import type { Logger } from 'pino';
import type { Config } from '../config';
import { connectDatabase, disconnectDatabase, type DataUpgrade } from './connect';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded';

export interface OpenDatabase {
  embedded: EmbeddedDatabase | null;
  /** Disconnects mongoose, then stops the embedded server if one was started. */
  close(): Promise<void>;
}

export interface OpenOptions {
  monitorCommands?: boolean;
  /**
   * A database another process opened and prepared (a cluster worker: src/cluster.ts): connect to
   * this URI, start nothing, run no data upgrade and build no index.
   */
  prepared?: { uri: string };
  /** The data upgrades to run before the indexes are built (src/composition/registry.ts `dataUpgrades`). */
  upgrades: readonly DataUpgrade[];
}

export async function openDatabase(config: Config, log: Logger, opts: OpenOptions): Promise<OpenDatabase> {
  let embedded: EmbeddedDatabase | null = null;
  let uri = opts.prepared?.uri ?? config.mongodbUri;
  if (!uri) {
    log.info({ dataDir: config.dataDir }, 'starting the embedded database');
    embedded = await startEmbeddedDatabase({
      dataDir: config.dataDir,
      onEvent: ({ level, msg, detail }) => log[level](detail ?? {}, msg),
    });
    uri = embedded.uri;
  }
  try {
    await connectDatabase({
      uri,
      dbName: config.dbName,
      monitorCommands: opts.monitorCommands,
      prepare: !opts.prepared,
      upgrades: opts.upgrades,
    });
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  return {
    embedded,
    async close() {
      await disconnectDatabase();
      await embedded?.stop();
    },
  };
}
