// Configuration from the environment, validated once at start with a message naming the bad value.
import { isIP } from 'node:net';
import path from 'node:path';
import { projectRoot } from './paths';
import type { RateLimitConfig } from './http/rate-limit';

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
  seedDemo: boolean;
  /** Express `trust proxy`: which peers' X-Forwarded-For is believed for the client IP (rate limits, audit). */
  trustProxy: boolean | number | string;
  rateLimits: RateLimitConfig;
  /** Base URL of the links in account mails (verification, password reset): the frontend's address. */
  appUrl: string;
  /** DNS servers verifyDomain asks (`ip` or `ip:port`); empty: the system's resolvers. */
  dnsServers: string[];
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(`Invalid configuration: ${message}`);
    this.name = 'ConfigError';
  }
}

function int(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** TRUST_PROXY: false, a hop count, or addresses/subnets/names (loopback, linklocal, uniquelocal). */
function trustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '') return 'loopback';
  if (raw === 'false') return false;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const items = raw.split(',').map((s) => s.trim());
  for (const item of items) {
    const [addr, bits, extra] = item.split('/');
    const ok =
      PROXY_NAMES.has(item) || (!!addr && isIP(addr) !== 0 && extra === undefined && (bits === undefined || /^\d{1,3}$/.test(bits)));
    if (!ok) {
      throw new ConfigError(
        `TRUST_PROXY must be false, a hop count, or a comma-separated list of addresses, subnets, loopback, linklocal or uniquelocal; got "${item}"`,
      );
    }
  }
  return items.join(',');
}

/** DNS_SERVERS: comma-separated `ip` or `ip:port` (IPv6 as `[addr]:port`). */
function dnsServers(raw: string | undefined): string[] {
  if (!raw) return [];
  return raw.split(',').map((item) => {
    const s = item.trim();
    const m = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(s) ?? /^([^:]+)(?::(\d{1,5}))?$/.exec(s);
    const ok = m && isIP(m[1]!) !== 0 && (m[2] === undefined || Number(m[2]) <= 65535);
    if (!ok) throw new ConfigError(`DNS_SERVERS must be comma-separated addresses with an optional port (127.0.0.1:5353), got "${s}"`);
    return s;
  });
}

function appUrl(raw: string | undefined): string {
  const url = raw || 'http://127.0.0.1:4000';
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(url)) throw new ConfigError(`APP_URL must be an http(s) URL, got "${url}"`);
  return url;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const mongodbUri = env.MONGODB_URI || undefined;
  // The container image has no embedded database: it must be pointed at MongoDB.
  if (!mongodbUri && env.POSTERN_EMBEDDED_DB === 'false') {
    throw new ConfigError('MONGODB_URI is required: this installation has no embedded database (POSTERN_EMBEDDED_DB=false)');
  }
  if (mongodbUri && !/^mongodb(\+srv)?:\/\//.test(mongodbUri)) {
    throw new ConfigError('MONGODB_URI must start with mongodb:// or mongodb+srv://');
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  let secretKey: Buffer | undefined;
  if (env.POSTERN_SECRET_KEY) {
    secretKey = Buffer.from(env.POSTERN_SECRET_KEY, 'base64');
    if (secretKey.length !== 32) {
      throw new ConfigError('POSTERN_SECRET_KEY must be 32 random bytes, base64-encoded (openssl rand -base64 32)');
    }
  } else if (mongodbUri) {
    throw new ConfigError('POSTERN_SECRET_KEY is required with MONGODB_URI (openssl rand -base64 32)');
  }
  const smtpUrl = env.SMTP_URL || undefined;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) {
    throw new ConfigError('SMTP_URL must start with smtp:// or smtps://');
  }
  const dbName = env.POSTERN_DB_NAME || 'postern';
  if (!/^[A-Za-z0-9_-]{1,60}$/.test(dbName)) {
    throw new ConfigError('POSTERN_DB_NAME may hold only letters, digits, _ and - (at most 60)');
  }
  return {
    port: int(env, 'PORT', 4000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    mongodbUri,
    dbName,
    dataDir: path.resolve(env.POSTERN_DATA_DIR || path.join(projectRoot, 'data')),
    logLevel,
    secretKey,
    smtpUrl,
    sessionTtlHours: int(env, 'SESSION_TTL_HOURS', 24 * 14, 1, 24 * 365),
    maxQueryDepth: int(env, 'MAX_QUERY_DEPTH', 12, 2, 50),
    maxQueryCost: int(env, 'MAX_QUERY_COST', 500_000, 100, 100_000_000),
    seedDemo: env.POSTERN_SEED_DEMO !== 'false',
    trustProxy: trustProxy(env.TRUST_PROXY),
    rateLimits: {
      loginFailures: int(env, 'RATE_LIMIT_LOGIN_FAILURES', 20, 1, 1_000_000),
      loginFailuresPerIp: int(env, 'RATE_LIMIT_LOGIN_FAILURES_PER_IP', 100, 1, 1_000_000),
      loginWindowMinutes: int(env, 'RATE_LIMIT_LOGIN_WINDOW_MINUTES', 15, 1, 24 * 60),
      lockoutMinutes: int(env, 'RATE_LIMIT_LOCKOUT_MINUTES', 15, 1, 24 * 60),
      actionsPerIpHour: int(env, 'RATE_LIMIT_ACTIONS_PER_IP_HOUR', 20, 1, 1_000_000),
      requestsPerMinute: int(env, 'RATE_LIMIT_REQUESTS_PER_MINUTE', 1200, 1, 10_000_000),
    },
    dnsServers: dnsServers(env.DNS_SERVERS),
    appUrl: appUrl(env.APP_URL),
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
