// `npm run seed:demo`: seeds the demo account into the configured database (the embedded FerretDB
// unless MONGODB_URI is set, exactly as `npm start` connects) when it holds no users yet.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { setSecretKey } from '../crypto/secrets';
import { connectDatabase, disconnectDatabase } from '../db/connect';
import { startFerretDB, type EmbeddedFerretDB } from '../db/ferretdb';
import '../modules';
import { demoLogins, seedDemoIfEmpty } from './demo';

/** The embedded default's AES key, kept beside its data (the same file src/server.ts uses). */
function embeddedSecretKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  setSecretKey(config.secretKey ?? embeddedSecretKey(config.dataDir));
  let ferret: EmbeddedFerretDB | null = null;
  let uri = config.mongodbUri;
  if (!uri) {
    log.info({ dataDir: config.dataDir }, 'starting the embedded FerretDB');
    ferret = await startFerretDB({ dataDir: config.dataDir });
    uri = ferret.uri;
  }
  try {
    await connectDatabase({ uri, dbName: config.dbName });
    const started = Date.now();
    if (await seedDemoIfEmpty(log)) {
      console.log(`Seeded the demo account in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    } else {
      console.log(`The database "${config.dbName}" already has users: nothing seeded (the demo is only added to an empty database).`);
      console.log(demoLogins().replace(/^\n/, 'If it was seeded before, these logins work:\n'));
    }
    return 0;
  } finally {
    await disconnectDatabase();
    await ferret?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('Seeding failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
