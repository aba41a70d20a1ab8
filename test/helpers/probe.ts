// A test-only schema for operations tests: `viewer` is a public root field (no token needed), and
// its fields sleep or fail on demand. Served by the real gateway (startServer({ schema })).
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { makeExecutableSchema } from '@graphql-tools/schema';
import mongoose from 'mongoose';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startServer, type RunningServer } from '../../src/server';
import { TEST_SECRET_KEY } from './gateway';

export const probeSchema = makeExecutableSchema({
  typeDefs: /* GraphQL */ `
    type Query {
      viewer: Probe
    }
    type Probe {
      slow(ms: Int!): String
      boom: String
      dbRead: Int
    }
  `,
  resolvers: {
    Query: { viewer: () => ({}) },
    Probe: {
      slow: async (_: unknown, { ms }: { ms: number }) => {
        await new Promise((r) => setTimeout(r, ms));
        return `slept ${ms}`;
      },
      boom: () => {
        throw new Error('connection to 10.1.2.3:27017 refused: secret internals');
      },
      dbRead: async () => (await mongoose.connection.db!.collection('probe').countDocuments({})) as number,
    },
  },
});

export interface ProbeGateway {
  server: RunningServer;
  url: string;
  logs: string[];
}

export async function startProbeGateway(): Promise<ProbeGateway> {
  const uri = process.env.POSTERN_TEST_MONGODB_URI;
  if (!uri) throw new Error('POSTERN_TEST_MONGODB_URI is unset: run the tests through jest');
  const config = loadConfig({
    MONGODB_URI: uri,
    POSTERN_SECRET_KEY: TEST_SECRET_KEY,
    POSTERN_DB_NAME: `t_${randomBytes(6).toString('hex')}`,
    PORT: '0',
    METRICS_PORT: '0',
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const server = await startServer({ config, schema: probeSchema, log: createLogger('info', sink) });
  return { server, url: server.url, logs };
}

export async function probe(url: string, query: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: await res.json() };
}
