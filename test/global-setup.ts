// One database server per test run: the embedded FerretDB, or MONGODB_URI when it is set.
// Each test file then uses a database of its own (test/helpers/gateway.ts).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFerretDB, type EmbeddedFerretDB } from '../src/db/ferretdb';

declare global {
  var __POSTERN_FERRET__: EmbeddedFerretDB | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) {
    process.env.POSTERN_TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'postern-test-db-'));
  const ferret = await startFerretDB({ dataDir });
  globalThis.__POSTERN_FERRET__ = ferret;
  process.env.POSTERN_TEST_MONGODB_URI = ferret.uri;
  process.env.POSTERN_TEST_DATA_DIR = dataDir;
}
