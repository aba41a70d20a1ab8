// Connects mongoose to a database of its own on the run's server (the embedded database, or
// MONGODB_URI), for tests of the storage layer itself; drops it afterwards.
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { connectDatabase, disconnectDatabase } from '../../src/db/connect';
import { registerModules } from '../../src/composition/registry';

export async function connectTestDatabase(): Promise<{ db: mongoose.mongo.Db; close(): Promise<void> }> {
  const uri = process.env.POSTERN_TEST_MONGODB_URI;
  if (!uri) throw new Error('POSTERN_TEST_MONGODB_URI is unset: run the tests through jest (global setup starts the database)');
  registerModules(); // the access store's models (no schema is built here)
  await connectDatabase({ uri, dbName: `t_${randomBytes(6).toString('hex')}` });
  const db = mongoose.connection.db!;
  return {
    db,
    async close() {
      try {
        await db.dropDatabase();
      } finally {
        await disconnectDatabase();
      }
    },
  };
}
