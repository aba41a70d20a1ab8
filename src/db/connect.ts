import mongoose from 'mongoose';

export interface DbOptions {
  uri: string;
  dbName: string;
  /** Emit driver command events (tests count database round trips with them). */
  monitorCommands?: boolean;
}

/** Connects the default mongoose connection and makes sure every model's indexes exist. */
export async function connectDatabase(opts: DbOptions): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  await mongoose.connect(opts.uri, {
    dbName: opts.dbName,
    serverSelectionTimeoutMS: 5000,
    monitorCommands: opts.monitorCommands ?? false,
    autoIndex: false,
  });
  await Promise.all(mongoose.modelNames().map((name) => mongoose.model(name).createIndexes()));
  return mongoose;
}

/** Whether the database answers a ping within `timeoutMs`. */
export async function pingDatabase(timeoutMs = 1000): Promise<boolean> {
  const db = mongoose.connection.db;
  if (!db || mongoose.connection.readyState !== 1) return false;
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
