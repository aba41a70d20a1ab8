// `npm run seed:demo`: seeds the demo account into the configured database (the embedded database
// unless MONGODB_URI is set, exactly as `npm start` connects) when it holds no users yet.
import { loadConfigOrExit } from '../config';
import { createLogger } from '../logger';
import { configureSecretKey } from '../crypto';
import { openDatabase } from '../db';
import { createAccessStore, dataUpgrades, registerModules } from '../composition';
import { demoLogins, seedDemoIfEmpty } from './demo';

async function main(): Promise<number> {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel);
  configureSecretKey(config);
  registerModules();
  const db = await openDatabase(config, log, { upgrades: dataUpgrades });
  try {
    const started = Date.now();
    if (await seedDemoIfEmpty(log, createAccessStore())) {
      console.log(`Seeded the demo account in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
      console.log(demoLogins());
    } else {
      console.log(`The database "${config.dbName}" already has users: nothing seeded (the demo is only added to an empty database).`);
      console.log(demoLogins().replace(/^\n/, 'If it was seeded before, these logins work:\n'));
    }
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('Seeding failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
