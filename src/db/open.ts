// Opens the configured database: MONGODB_URI when set, else the embedded database (docs/storage.md)
// with its data in config.dataDir, started and supervised here. Shared by the gateway
// (src/server.ts) and the seed command (src/seed/cli.ts).
import type { Logger } from 'pino';
import type { Config } from '../config';
import { connectDatabase, disconnectDatabase } from './connect';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded';

export interface OpenDatabase {
  embedded: EmbeddedDatabase | null;
  /** Disconnects mongoose, then stops the embedded server if one was started. */
  close(): Promise<void>;
}

export async function openDatabase(config: Config, log: Logger, opts: { monitorCommands?: boolean } = {}): Promise<OpenDatabase> {
  let embedded: EmbeddedDatabase | null = null;
  let uri = config.mongodbUri;
  if (!uri) {
    log.info({ dataDir: config.dataDir }, 'starting the embedded database');
    embedded = await startEmbeddedDatabase({
      dataDir: config.dataDir,
      onEvent: ({ level, msg, detail }) => log[level](detail ?? {}, msg),
    });
    uri = embedded.uri;
  }
  try {
    await connectDatabase({ uri, dbName: config.dbName, monitorCommands: opts.monitorCommands });
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
