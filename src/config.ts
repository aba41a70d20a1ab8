// Configuration from the environment, parsed once at start with zod: every variable has one parser
// that names it in its message; a bad value stops the gateway (src/main.ts exits with status 2).
// Booleans are strict (true/false, 1/0, yes/no in any case; anything else is an error, so "FALSE"
// is false), HOST must be an IP address or a host name, and the demo account is seeded only on the
// embedded database unless POSTERN_SEED_DEMO is set explicitly.
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { projectRoot } from './paths';
import type { RateLimitConfig } from './limits';

export interface Config {
  port: number;
  host: string;
  /** Set: use this MongoDB server and start nothing. Unset: the embedded database (docs/storage.md). */
  mongodbUri: string | undefined;
  dbName: string;
  /** Where the embedded default keeps its database and generated secret key. */
  dataDir: string;
  logLevel: string;
  /** 32-byte AES-256-GCM key for secrets at rest (base64). Unset with the embedded default: made and kept in dataDir. */
  secretKey: Buffer | undefined;
  /** nodemailer SMTP transport URL; unset: mail is recorded, not delivered. */
  smtpUrl: string | undefined;
  sessionTtlHours: number;
  maxQueryDepth: number;
  /** Most objects a query may ask for (a connection counts its page size times one item). */
  maxQueryCost: number;
  /** Most tokens (names, punctuation, values) a query document may hold. */
  maxQueryTokens: number;
  /** Seed the demo account into an empty database at start. */
  seedDemo: boolean;
  /** Bearer token GET /metrics on the API's port requires; unset: /metrics is on its own port instead. */
  metricsToken: string | undefined;
  /** Where /metrics is served without METRICS_TOKEN (0: any free port). */
  metricsHost: string;
  metricsPort: number;
  /** Apollo usage reporting to GraphOS: off unless APOLLO_USAGE_REPORTING=true (and APOLLO_KEY set). */
  apolloUsageReporting: boolean;
  /** How often each replica looks for due scheduled campaigns and stalled sends (0: never). */
  schedulerIntervalMs: number;
  /** How long a campaign send's runner holds it without renewing before another replica may resume it. */
  sendLeaseMs: number;
  /** Express `trust proxy`: which peers' X-Forwarded-For is believed for the client IP (rate limits, audit). */
  trustProxy: boolean | number | string;
  rateLimits: RateLimitConfig;
  /** Base URL of the links in account mails (verification, password reset): the frontend's address. */
  appUrl: string;
  /** DNS servers verifyDomain asks (`ip` or `ip:port`); empty: the system's resolvers. */
  dnsServers: string[];
  /** Members each plan includes where the operator changes the defaults (POSTERN_PLAN_MEMBER_LIMITS). */
  planMemberLimits: Partial<Record<PlanName, number>>;
  /** Development only: SSO may talk to an identity provider over plain http on a loopback address. */
  ssoAllowHttpIdp: boolean;
  /** Audit sinks (src/audit/sinks.ts): how often each replica delivers (0: never), the first retry delay, http:// to loopback (development). */
  auditSinks: { intervalMs: number; retryBaseMs: number; allowLoopbackHttp: boolean };
  /** Gateway worker processes (node:cluster) sharing the port and the database; 1: this process serves alone. */
  workers: number;
  /** Operations one worker executes at once; more wait in a first-in, first-out queue (src/http/admission.ts). */
  maxConcurrentOperations: number;
  /** A request whose expected wait plus execution would pass this many ms is refused at once (503, Retry-After). */
  latencyBudgetMs: number;
}

const PLANS = ['FREE', 'STARTER', 'GROWTH', 'SCALE', 'ENTERPRISE'] as const;
type PlanName = (typeof PLANS)[number];

/** POSTERN_PLAN_MEMBER_LIMITS: `PLAN=n` pairs, comma-separated (`FREE=1,STARTER=5`). */
function planMemberLimits(raw: string): Partial<Record<PlanName, number>> | { error: string } {
  const out: Partial<Record<PlanName, number>> = {};
  for (const pair of raw.split(',').map((p) => p.trim())) {
    const m = /^([A-Z]+)=(\d{1,7})$/.exec(pair);
    if (!m || !(PLANS as readonly string[]).includes(m[1]!) || Number(m[2]) < 1) {
      return { error: `POSTERN_PLAN_MEMBER_LIMITS must be PLAN=n pairs (n ≥ 1) of ${PLANS.join(', ')}, comma-separated, got "${pair}"` };
    }
    out[m[1] as PlanName] = Number(m[2]);
  }
  return out;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(`Invalid configuration: ${message}`);
    this.name = 'ConfigError';
  }
}

type Raw = string | undefined;
const isUnset = (raw: Raw): raw is undefined | '' => raw === undefined || raw === '';

/** A variable: unset (or empty) gives `def`; otherwise `parse` returns the value or a message naming the variable. */
function variable<T>(def: T, parse: (raw: string) => T | { error: string }) {
  return z
    .string()
    .optional()
    .transform((raw: Raw, ctx): T => {
      if (isUnset(raw)) return def;
      const out = parse(raw);
      if (out && typeof out === 'object' && 'error' in out) {
        ctx.addIssue({ code: 'custom', message: out.error });
        return z.NEVER;
      }
      return out as T;
    });
}

function int(name: string, def: number, min: number, max: number) {
  return variable(def, (raw) => {
    const n = Number(raw);
    return Number.isInteger(n) && n >= min && n <= max
      ? n
      : { error: `${name} must be a whole number from ${min} to ${max}, got "${raw}"` };
  });
}

const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

function bool<D extends boolean | undefined>(name: string, def: D) {
  return variable<boolean | D>(def, (raw) => {
    const v = raw.trim().toLowerCase();
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
    return { error: `${name} must be true or false (also 1/0, yes/no), got "${raw}"` };
  });
}

function matching(name: string, test: RegExp, rule: string) {
  return variable<string | undefined>(undefined, (raw) => (test.test(raw) ? raw : { error: `${name} ${rule}` }));
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** TRUST_PROXY: false, a hop count, or addresses/subnets/names (loopback, linklocal, uniquelocal). */
function trustProxy(raw: string): boolean | number | string | { error: string } {
  if (raw === 'false') return false;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const items = raw.split(',').map((s) => s.trim());
  for (const item of items) {
    const [addr, bits, extra] = item.split('/');
    const ok =
      PROXY_NAMES.has(item) || (!!addr && isIP(addr) !== 0 && extra === undefined && (bits === undefined || /^\d{1,3}$/.test(bits)));
    if (!ok) {
      return {
        error: `TRUST_PROXY must be false, a hop count, or a comma-separated list of addresses, subnets, loopback, linklocal or uniquelocal; got "${item}"`,
      };
    }
  }
  return items.join(',');
}

/** DNS_SERVERS: comma-separated `ip` or `ip:port` (IPv6 as `[addr]:port`). */
function dnsServers(raw: string): string[] | { error: string } {
  const out: string[] = [];
  for (const item of raw.split(',')) {
    const s = item.trim();
    const m = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(s) ?? /^([^:]+)(?::(\d{1,5}))?$/.exec(s);
    const ok = m && isIP(m[1]!) !== 0 && (m[2] === undefined || Number(m[2]) <= 65535);
    if (!ok) return { error: `DNS_SERVERS must be comma-separated addresses with an optional port (127.0.0.1:5353), got "${s}"` };
    out.push(s);
  }
  return out;
}

const envSchema = z
  .object({
    PORT: int('PORT', 4000, 0, 65535),
    HOST: variable('127.0.0.1', (raw) =>
      isIP(raw) !== 0 || HOST_NAME.test(raw)
        ? raw
        : { error: `HOST must be an IP address (127.0.0.1, 0.0.0.0, ::) or a host name, got "${raw.slice(0, 100)}"` },
    ),
    MONGODB_URI: matching('MONGODB_URI', /^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://'),
    POSTERN_EMBEDDED_DB: bool('POSTERN_EMBEDDED_DB', true),
    POSTERN_DB_NAME: variable('postern', (raw) =>
      /^[A-Za-z0-9_-]{1,60}$/.test(raw) ? raw : { error: 'POSTERN_DB_NAME may hold only letters, digits, _ and - (at most 60)' },
    ),
    POSTERN_DATA_DIR: variable(path.join(projectRoot, 'data'), (raw) => raw),
    LOG_LEVEL: variable('info', (raw) =>
      LOG_LEVELS.includes(raw) ? raw : { error: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"` },
    ),
    POSTERN_SECRET_KEY: variable<Buffer | undefined>(undefined, (raw) => {
      const key = Buffer.from(raw, 'base64');
      return key.length === 32 ? key : { error: 'POSTERN_SECRET_KEY must be 32 random bytes, base64-encoded (openssl rand -base64 32)' };
    }),
    SMTP_URL: matching('SMTP_URL', /^smtps?:\/\//, 'must start with smtp:// or smtps://'),
    SESSION_TTL_HOURS: int('SESSION_TTL_HOURS', 24 * 14, 1, 24 * 365),
    MAX_QUERY_DEPTH: int('MAX_QUERY_DEPTH', 12, 2, 50),
    MAX_QUERY_COST: int('MAX_QUERY_COST', 500_000, 100, 100_000_000),
    MAX_QUERY_TOKENS: int('MAX_QUERY_TOKENS', 5000, 500, 1_000_000),
    POSTERN_SEED_DEMO: bool('POSTERN_SEED_DEMO', undefined),
    METRICS_TOKEN: variable<string | undefined>(undefined, (raw) =>
      raw.length >= 16 && !/\s/.test(raw)
        ? raw
        : { error: 'METRICS_TOKEN must be at least 16 characters without spaces (openssl rand -hex 24)' },
    ),
    METRICS_HOST: variable('127.0.0.1', (raw) =>
      isIP(raw) !== 0 || HOST_NAME.test(raw)
        ? raw
        : { error: `METRICS_HOST must be an IP address or a host name, got "${raw.slice(0, 100)}"` },
    ),
    METRICS_PORT: int('METRICS_PORT', 9464, 0, 65535),
    APOLLO_USAGE_REPORTING: bool('APOLLO_USAGE_REPORTING', false),
    TRUST_PROXY: variable<boolean | number | string>('loopback', trustProxy),
    RATE_LIMIT_LOGIN_FAILURES: int('RATE_LIMIT_LOGIN_FAILURES', 20, 1, 1_000_000),
    RATE_LIMIT_LOGIN_FAILURES_PER_IP: int('RATE_LIMIT_LOGIN_FAILURES_PER_IP', 100, 1, 1_000_000),
    RATE_LIMIT_LOGIN_WINDOW_MINUTES: int('RATE_LIMIT_LOGIN_WINDOW_MINUTES', 15, 1, 24 * 60),
    RATE_LIMIT_LOCKOUT_MINUTES: int('RATE_LIMIT_LOCKOUT_MINUTES', 15, 1, 24 * 60),
    RATE_LIMIT_ACTIONS_PER_IP_HOUR: int('RATE_LIMIT_ACTIONS_PER_IP_HOUR', 20, 1, 1_000_000),
    RATE_LIMIT_REQUESTS_PER_MINUTE: int('RATE_LIMIT_REQUESTS_PER_MINUTE', 1200, 1, 10_000_000),
    RATE_LIMIT_SECOND_FACTOR_FAILURES: int('RATE_LIMIT_SECOND_FACTOR_FAILURES', 10, 1, 1_000),
    RATE_LIMIT_CHALLENGES: int('RATE_LIMIT_CHALLENGES', 10, 1, 1_000),
    RATE_LIMIT_RESET_MAILS_PER_ADDRESS_HOUR: int('RATE_LIMIT_RESET_MAILS_PER_ADDRESS_HOUR', 5, 1, 1_000),
    APP_URL: variable('http://127.0.0.1:4000', (raw) =>
      /^https?:\/\/[^\s/]+(\/\S*)?$/.test(raw) ? raw : { error: `APP_URL must be an http(s) URL, got "${raw}"` },
    ),
    DNS_SERVERS: variable<string[]>([], dnsServers),
    POSTERN_SSO_ALLOW_HTTP_IDP: bool('POSTERN_SSO_ALLOW_HTTP_IDP', false),
    POSTERN_PLAN_MEMBER_LIMITS: variable<Partial<Record<PlanName, number>>>({}, planMemberLimits),
    POSTERN_SCHEDULER_INTERVAL_MS: int('POSTERN_SCHEDULER_INTERVAL_MS', 5_000, 0, 3_600_000),
    POSTERN_SEND_LEASE_MS: int('POSTERN_SEND_LEASE_MS', 60_000, 1_000, 3_600_000),
    // Read by src/observability/tracing.ts before the configuration is (it starts first); checked here.
    POSTERN_TRACE_GRAPHQL_PARSE: bool('POSTERN_TRACE_GRAPHQL_PARSE', false),
    POSTERN_AUDIT_SINK_INTERVAL_MS: int('POSTERN_AUDIT_SINK_INTERVAL_MS', 1_000, 0, 3_600_000),
    POSTERN_AUDIT_SINK_RETRY_BASE_MS: int('POSTERN_AUDIT_SINK_RETRY_BASE_MS', 1_000, 10, 3_600_000),
    POSTERN_AUDIT_SINK_ALLOW_HTTP_LOOPBACK: bool('POSTERN_AUDIT_SINK_ALLOW_HTTP_LOOPBACK', false),
    POSTERN_WORKERS: int('POSTERN_WORKERS', os.availableParallelism(), 1, 256),
    POSTERN_MAX_CONCURRENT_OPERATIONS: int('POSTERN_MAX_CONCURRENT_OPERATIONS', 16, 1, 100_000),
    POSTERN_LATENCY_BUDGET_MS: int('POSTERN_LATENCY_BUDGET_MS', 1_000, 10, 600_000),
  })
  .superRefine((env, ctx) => {
    // The container image has no embedded database: it must be pointed at MongoDB.
    if (!env.MONGODB_URI && !env.POSTERN_EMBEDDED_DB) {
      ctx.addIssue({
        code: 'custom',
        message: 'MONGODB_URI is required: this installation has no embedded database (POSTERN_EMBEDDED_DB=false)',
      });
    }
    if (env.MONGODB_URI && !env.POSTERN_SECRET_KEY) {
      ctx.addIssue({ code: 'custom', message: 'POSTERN_SECRET_KEY is required with MONGODB_URI (openssl rand -base64 32)' });
    }
  });

/** Every variable the gateway reads, taken from the schema above: a variable added there is known here. */
export const KNOWN_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/** What the cluster's primary hands each worker it forks (src/cluster.ts): set by Postern itself, never by a person. */
export const WORKER_VARIABLES = { database: 'POSTERN_WORKER_DATABASE_URI', slot: 'POSTERN_WORKER_SLOT' } as const;

/** Read outside this schema: by the install script, the test harness and the cluster's workers. */
const TOOLING_VARIABLES = new Set([
  'POSTERN_SKIP_EMBEDDED_DB',
  'POSTERN_TEST_MONGODB_URI',
  'POSTERN_TEST_DATA_DIR',
  ...Object.values(WORKER_VARIABLES),
]);

/**
 * Prefixes that belong to Postern: a variable starting with one that the gateway does not read is a
 * mistake (a typo like POSTERN_SEED_DEMOS would otherwise be silently ignored). Other software's
 * variables (OTEL_*, APOLLO_KEY, NODE_*) are left alone.
 */
export const KNOWN_PREFIXES: readonly string[] = ['POSTERN_', 'RATE_LIMIT_', 'MAX_QUERY_', 'METRICS_', 'SESSION_TTL_'];

/** Messages for set variables with a Postern prefix that no setting reads, each with the nearest known name. */
export function unknownVariables(env: NodeJS.ProcessEnv): string[] {
  const known = new Set(KNOWN_VARIABLES);
  const out: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (known.has(name) || TOOLING_VARIABLES.has(name) || !KNOWN_PREFIXES.some((p) => name.startsWith(p))) continue;
    const near = closest(name, KNOWN_VARIABLES as string[]);
    const hint = distance(name, near) <= Math.max(3, Math.floor(name.length / 3)) ? ` (did you mean ${near}?)` : '';
    out.push(`unknown variable ${name}${hint}; README.md "Configuration" lists the known ones`);
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const unknown = unknownVariables(env);
  if (unknown.length) throw new ConfigError(unknown.join('; '));
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => i.message).join('; '));
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    mongodbUri: e.MONGODB_URI,
    dbName: e.POSTERN_DB_NAME,
    dataDir: path.resolve(e.POSTERN_DATA_DIR),
    logLevel: e.LOG_LEVEL,
    secretKey: e.POSTERN_SECRET_KEY,
    smtpUrl: e.SMTP_URL,
    sessionTtlHours: e.SESSION_TTL_HOURS,
    maxQueryDepth: e.MAX_QUERY_DEPTH,
    maxQueryCost: e.MAX_QUERY_COST,
    maxQueryTokens: e.MAX_QUERY_TOKENS,
    // A production database (MONGODB_URI) never gets the demo's published logins unless asked for.
    seedDemo: e.POSTERN_SEED_DEMO ?? !e.MONGODB_URI,
    metricsToken: e.METRICS_TOKEN,
    metricsHost: e.METRICS_HOST,
    metricsPort: e.METRICS_PORT,
    apolloUsageReporting: e.APOLLO_USAGE_REPORTING,
    trustProxy: e.TRUST_PROXY,
    rateLimits: {
      loginFailures: e.RATE_LIMIT_LOGIN_FAILURES,
      loginFailuresPerIp: e.RATE_LIMIT_LOGIN_FAILURES_PER_IP,
      loginWindowMinutes: e.RATE_LIMIT_LOGIN_WINDOW_MINUTES,
      lockoutMinutes: e.RATE_LIMIT_LOCKOUT_MINUTES,
      actionsPerIpHour: e.RATE_LIMIT_ACTIONS_PER_IP_HOUR,
      requestsPerMinute: e.RATE_LIMIT_REQUESTS_PER_MINUTE,
      secondFactorFailures: e.RATE_LIMIT_SECOND_FACTOR_FAILURES,
      challenges: e.RATE_LIMIT_CHALLENGES,
      resetMailsPerAddressHour: e.RATE_LIMIT_RESET_MAILS_PER_ADDRESS_HOUR,
    },
    appUrl: e.APP_URL,
    dnsServers: e.DNS_SERVERS,
    planMemberLimits: e.POSTERN_PLAN_MEMBER_LIMITS,
    ssoAllowHttpIdp: e.POSTERN_SSO_ALLOW_HTTP_IDP,
    schedulerIntervalMs: e.POSTERN_SCHEDULER_INTERVAL_MS,
    sendLeaseMs: e.POSTERN_SEND_LEASE_MS,
    auditSinks: {
      intervalMs: e.POSTERN_AUDIT_SINK_INTERVAL_MS,
      retryBaseMs: e.POSTERN_AUDIT_SINK_RETRY_BASE_MS,
      allowLoopbackHttp: e.POSTERN_AUDIT_SINK_ALLOW_HTTP_LOOPBACK,
    },
    workers: e.POSTERN_WORKERS,
    maxConcurrentOperations: e.POSTERN_MAX_CONCURRENT_OPERATIONS,
    latencyBudgetMs: e.POSTERN_LATENCY_BUDGET_MS,
  };
}

/** For command-line entry points: the configuration, or exit 2 with the message naming the bad variable. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
