// Boots a gateway: database (the embedded FerretDB unless MONGODB_URI is set), secret key, schema,
// HTTP. Used by src/main.ts, by the tests (in-process) and by the benchmark.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { GraphQLSchema } from 'graphql';
import { loadConfig, type Config } from './config';
import { connectDatabase, disconnectDatabase } from './db/connect';
import { startFerretDB, type EmbeddedFerretDB } from './db/ferretdb';
import { setSecretKey } from './crypto/secrets';
import { createLogger } from './logger';
import { buildSchema } from './graphql/schema';
import { createGateway, type Gateway } from './http/app';
import { createMailer } from './mail/mailer';
import { setSessionTtlHours } from './modules/identity/service';

export interface RunningServer {
  url: string;
  port: number;
  gateway: Gateway;
  config: Config;
  ferret: EmbeddedFerretDB | null;
  stop(): Promise<void>;
}

/** The embedded default keeps a generated AES key beside its data, created once. */
function embeddedSecretKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

export interface StartOptions {
  config?: Config;
  log?: Logger;
  schema?: GraphQLSchema;
  /** Runs after the database is connected, before HTTP listens (the demo seed). */
  beforeListen?: (config: Config, log: Logger) => Promise<void>;
  monitorCommands?: boolean;
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const config = opts.config ?? loadConfig();
  const log = opts.log ?? createLogger(config.logLevel);
  setSecretKey(config.secretKey ?? embeddedSecretKey(config.dataDir));
  setSessionTtlHours(config.sessionTtlHours);

  let ferret: EmbeddedFerretDB | null = null;
  let uri = config.mongodbUri;
  if (!uri) {
    log.info({ dataDir: config.dataDir }, 'starting the embedded FerretDB');
    ferret = await startFerretDB({ dataDir: config.dataDir });
    uri = ferret.uri;
  }
  const schema = opts.schema ?? buildSchema();
  try {
    await connectDatabase({ uri, dbName: config.dbName, monitorCommands: opts.monitorCommands });
    await opts.beforeListen?.(config, log);
  } catch (err) {
    await ferret?.stop();
    throw err;
  }
  const gateway = await createGateway({
    schema,
    log,
    mailer: createMailer(config.smtpUrl),
    maxQueryDepth: config.maxQueryDepth,
    maxQueryCost: config.maxQueryCost,
  });
  await new Promise<void>((resolve) => gateway.httpServer.listen(config.port, config.host, resolve));
  const port = (gateway.httpServer.address() as AddressInfo).port;
  const url = `http://${config.host}:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      gateway.draining = true; // requests on kept-alive connections get 503 from now on
      log.info('draining: refusing new connections, finishing in-flight requests');
      await gateway.apollo.stop(); // stops listening, lets in-flight requests finish (drain plugin)
      await disconnectDatabase();
      log.info('database connection closed');
      await ferret?.stop();
    })();
    return stopping;
  };
  return { url, port, gateway, config, ferret, stop };
}
