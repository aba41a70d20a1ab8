// Opens the configured database: MONGODB_URI when set, else the embedded FerretDB with its data in
// config.dataDir. Shared by the gateway (src/server.ts) and the seed command (src/seed/cli.ts).
import type { Logger } from 'pino';
import type { Config } from '../config';
import { connectDatabase, disconnectDatabase } from './connect';
import { startFerretDB, type EmbeddedFerretDB } from './ferretdb';

export interface OpenDatabase {
  ferret: EmbeddedFerretDB | null;
  /** Disconnects mongoose, then stops the embedded server if one was started. */
  close(): Promise<void>;
}

export async function openDatabase(config: Config, log: Logger, opts: { monitorCommands?: boolean } = {}): Promise<OpenDatabase> {
  let ferret: EmbeddedFerretDB | null = null;
  let uri = config.mongodbUri;
  if (!uri) {
    log.info({ dataDir: config.dataDir }, 'starting the embedded FerretDB');
    ferret = await startFerretDB({ dataDir: config.dataDir });
    uri = ferret.uri;
  }
  try {
    await connectDatabase({ uri, dbName: config.dbName, monitorCommands: opts.monitorCommands });
  } catch (err) {
    await ferret?.stop();
    throw err;
  }
  return {
    ferret,
    async close() {
      await disconnectDatabase();
      await ferret?.stop();
    },
  };
}
