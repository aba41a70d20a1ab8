// One database server per test run: the embedded database, or MONGODB_URI when it is set.
// Each test file then uses a database of its own (test/helpers/gateway.ts).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/db/embedded';

declare global {
  var __POSTERN_EMBEDDED_DB__: EmbeddedDatabase | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) {
    process.env.POSTERN_TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'postern-test-db-'));
  const db = await startEmbeddedDatabase({ dataDir });
  globalThis.__POSTERN_EMBEDDED_DB__ = db;
  process.env.POSTERN_TEST_MONGODB_URI = db.uri;
  process.env.POSTERN_TEST_DATA_DIR = dataDir;
}
