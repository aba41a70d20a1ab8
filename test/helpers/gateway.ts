// Starts a real gateway in this test file's process, on its own database of the run's server.
// Nothing is mocked: requests go over HTTP to Apollo, and mongoose talks to the embedded database (or MongoDB).
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import mongoose from 'mongoose';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startServer, type RunningServer } from '../../src/server';
import { clearCompiledCache } from '../../src/graphql/authz/request';
import { startDnsServer, type TestDns } from './dns';
import type { OutgoingMail } from '../../src/mail/mailer';
import type { Mailbox } from './mailbox';

export interface GqlResponse<T = Record<string, any>> {
  status: number;
  body: { data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[] };
  /** The raw response text (search it for secrets that must not be there). */
  text: string;
}

export interface TestGateway {
  url: string;
  server: RunningServer;
  dbName: string;
  /** Every log line the gateway wrote. */
  logs: string[];
  /** The DNS server the gateway resolves through (DNS_SERVERS): publish domains' records here. */
  dns: TestDns;
  /** Mail the gateway sent to `address` (recorded in its outbox: the tests run without SMTP_URL), oldest first. */
  mailTo(address: string): Pick<OutgoingMail, 'text'>[];
  /** Where mailTo reads when the test delivers over SMTP (SMTP_URL set): the texts its SMTP server received. */
  mailSource?: (address: string) => Pick<OutgoingMail, 'text'>[];
  /** The token of the newest `verify-email` or `reset-password` link mailed to `address` (waits briefly for it). */
  mailedToken(address: string, link: 'verify-email' | 'reset-password'): Promise<string>;
  /** Follows the newest verification link mailed to `address`. */
  verifyEmail(address: string): Promise<void>;
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
    headers?: Record<string, string>,
  ): Promise<GqlResponse<T>>;
  /** Signs up a new owner with a fresh account; returns its token, user id, account id and Default workspace id. */
  signUp(
    overrides?: Partial<{ email: string; password: string; name: string; accountName: string }>,
    headers?: Record<string, string>,
  ): Promise<TestOwner>;
  stop(): Promise<void>;
}

export interface TestOwner {
  token: string;
  userId: string;
  accountId: string;
  workspaceId: string;
  email: string;
  password: string;
}

export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');
export const STRONG_PASSWORD = 'Correct-Horse-9-Battery';

export const RELAXED_LIMITS: Record<string, string> = {
  RATE_LIMIT_LOGIN_FAILURES: '100000',
  RATE_LIMIT_LOGIN_FAILURES_PER_IP: '100000',
  RATE_LIMIT_ACTIONS_PER_IP_HOUR: '100000',
  RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
  // Tests send bursts on a busy machine: no request is refused for the latency budget unless a test
  // sets one (test/http/admission.test.ts).
  POSTERN_LATENCY_BUDGET_MS: '600000',
  // Tests add people to FREE accounts freely; the member limit test (test/e2e/products/mailtrap.test.ts) sets its own.
  POSTERN_PLAN_MEMBER_LIMITS: 'FREE=100000,STARTER=100000,GROWTH=100000,SCALE=100000,ENTERPRISE=100000',
};

export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${randomBytes(5).toString('hex')}@example.com`;
}

/** `mailbox`: deliver mail over SMTP to this test mailbox, and read verification links from it. */
export async function startTestGateway(
  opts: { monitorCommands?: boolean; env?: Record<string, string>; mailbox?: Mailbox } = {},
): Promise<TestGateway> {
  const uri = process.env.POSTERN_TEST_MONGODB_URI;
  if (!uri) throw new Error('POSTERN_TEST_MONGODB_URI is unset: run the tests through jest (global setup starts the database)');
  const dbName = `t_${randomBytes(6).toString('hex')}`;
  const dns = await startDnsServer();
  const config = loadConfig({
    DNS_SERVERS: dns.address,
    MONGODB_URI: uri,
    POSTERN_SECRET_KEY: TEST_SECRET_KEY,
    POSTERN_DB_NAME: dbName,
    PORT: '0',
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    // Tests sign up and sign in far more often from 127.0.0.1 than anyone would: limits raised here,
    // and test/modules/identity/rate-limit.test.ts sets the ones it checks.
    ...RELAXED_LIMITS,
    // Audit sinks are delivered by the tests that have them (scheduler.auditSinks.tick()): no background
    // pass counts toward the commands other tests measure.
    POSTERN_AUDIT_SINK_INTERVAL_MS: '0',
    ...(opts.mailbox ? { SMTP_URL: opts.mailbox.url } : {}),
    ...opts.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  clearCompiledCache();
  const server = await startServer({ config, log: createLogger('info', sink), monitorCommands: opts.monitorCommands });
  const url = server.url;

  const gql: TestGateway['gql'] = async (query, variables, token, headers = {}) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text), text };
  };

  const signUp: TestGateway['signUp'] = async (overrides = {}, headers) => {
    const input = { email: uniqueEmail('owner'), password: STRONG_PASSWORD, name: 'Olive Owner', accountName: 'Acme Mail', ...overrides };
    const r = await gql(
      `mutation($input: SignUpInput!) { signUp(input: $input) { token user { id } account { id workspaces { edges { node { id } } } } } }`,
      { input },
      undefined,
      headers,
    );
    if (r.body.errors) throw new Error(`signUp failed: ${JSON.stringify(r.body.errors)}`);
    const p = r.body.data!.signUp;
    return {
      token: p.token,
      userId: p.user.id,
      accountId: p.account.id,
      workspaceId: p.account.workspaces.edges[0].node.id,
      email: input.email,
      password: input.password,
    };
  };

  const mailTo: TestGateway['mailTo'] = (address) =>
    gateway.mailSource?.(address) ??
    server.mailer.outbox.filter((m) => [m.to].flat().some((to) => to.toLowerCase() === address.toLowerCase()));
  const mailedToken: TestGateway['mailedToken'] = async (address, link) => {
    const re = new RegExp(`/${link}\\?token=([A-Za-z0-9_-]+)`);
    for (let i = 0; i < 50; i++) {
      const found = mailTo(address)
        .map((m) => re.exec(m.text ?? '')?.[1])
        .filter(Boolean);
      if (found.length) return found[found.length - 1]!;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no ${link} link was mailed to ${address}`);
  };
  const verifyEmail: TestGateway['verifyEmail'] = async (address) => {
    const token = await mailedToken(address, 'verify-email');
    const r = await gql(`mutation($t: String!) { verifyEmail(token: $t) }`, { t: token });
    if (r.body.errors) throw new Error(`verifyEmail failed: ${JSON.stringify(r.body.errors)}`);
  };

  const gateway: TestGateway = {
    url,
    server,
    mailSource: opts.mailbox?.textsTo,
    mailTo,
    mailedToken,
    verifyEmail,
    dbName,
    logs,
    dns,
    gql,
    signUp,
    async stop() {
      try {
        await mongoose.connection.db?.dropDatabase();
      } finally {
        await server.stop();
        await dns.stop();
      }
    },
  };
  return gateway;
}

/** The first error's extensions.code of a response. */
export function errorCode(r: GqlResponse): string | undefined {
  return r.body.errors?.[0]?.extensions?.code;
}
