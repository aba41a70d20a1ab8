// Configuration is validated once at start (src/config.ts): a bad value stops the gateway with a
// message naming the variable, and `node dist/src/main.js` exits with status 2.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, KNOWN_VARIABLES, loadConfig } from '../src/config';
import { TEST_SECRET_KEY } from './helpers/gateway';

const MAIN = path.join(__dirname, '..', 'dist', 'src', 'main.js');
const GOOD = { MONGODB_URI: 'mongodb://127.0.0.1:27017', POSTERN_SECRET_KEY: TEST_SECRET_KEY };

const CASES: [string, Record<string, string>, RegExp][] = [
  ['PORT', { PORT: 'eighty' }, /PORT must be a whole number from 0 to 65535, got "eighty"/],
  ['PORT', { PORT: '70000' }, /PORT must be a whole number from 0 to 65535, got "70000"/],
  ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"/],
  ['POSTERN_SECRET_KEY', { POSTERN_SECRET_KEY: 'c2hvcnQ=' }, /POSTERN_SECRET_KEY must be 32 random bytes, base64-encoded/],
  ['POSTERN_SECRET_KEY', { POSTERN_SECRET_KEY: '' }, /POSTERN_SECRET_KEY is required with MONGODB_URI/],
  ['MONGODB_URI', { MONGODB_URI: 'postgres://db.example/postern' }, /MONGODB_URI must start with mongodb:\/\/ or mongodb\+srv:\/\//],
  // The container image (POSTERN_EMBEDDED_DB=false) has no embedded database to fall back on.
  ['MONGODB_URI', { MONGODB_URI: '', POSTERN_EMBEDDED_DB: 'false' }, /MONGODB_URI is required: this installation has no embedded database/],
  ['TRUST_PROXY', { TRUST_PROXY: 'everyone' }, /TRUST_PROXY must be false, a hop count, or a comma-separated list/],
  ['RATE_LIMIT_LOGIN_FAILURES', { RATE_LIMIT_LOGIN_FAILURES: '0' }, /RATE_LIMIT_LOGIN_FAILURES must be a whole number from 1/],
  ['APP_URL', { APP_URL: 'ftp://example.com' }, /APP_URL must be an http\(s\) URL/],
  ['DNS_SERVERS', { DNS_SERVERS: 'ns1.example:53' }, /DNS_SERVERS must be comma-separated addresses with an optional port/],
  ['MONGODB_URI', { MONGODB_URI: '', POSTERN_EMBEDDED_DB: 'FALSE' }, /MONGODB_URI is required: this installation has no embedded database/],
  ['HOST', { HOST: 'my host;rm' }, /HOST must be an IP address \(127\.0\.0\.1, 0\.0\.0\.0, ::\) or a host name, got "my host;rm"/],
  ['POSTERN_SEED_DEMO', { POSTERN_SEED_DEMO: 'maybe' }, /POSTERN_SEED_DEMO must be true or false \(also 1\/0, yes\/no\), got "maybe"/],
  ['METRICS_TOKEN', { METRICS_TOKEN: 'short' }, /METRICS_TOKEN must be at least 16 characters/],
  // A misspelt variable would otherwise be ignored silently: refused, with the nearest known name.
  ['POSTERN_SEED_DEMOS', { POSTERN_SEED_DEMOS: 'false' }, /unknown variable POSTERN_SEED_DEMOS \(did you mean POSTERN_SEED_DEMO\?\)/],
  ['RATE_LIMIT_LOGIN_FAILURE', { RATE_LIMIT_LOGIN_FAILURE: '5' }, /did you mean RATE_LIMIT_LOGIN_FAILURES\?/],
];

describe('loadConfig', () => {
  it('accepts a valid environment', () => {
    const c = loadConfig({ ...GOOD, PORT: '8080', LOG_LEVEL: 'warn' });
    expect(c.port).toBe(8080);
    expect(c.logLevel).toBe('warn');
    expect(c.mongodbUri).toBe(GOOD.MONGODB_URI);
    expect(c.secretKey).toHaveLength(32);
    expect(c.trustProxy).toBe('loopback');
    expect(c.rateLimits.loginFailures).toBe(20);
    const behind = loadConfig({ ...GOOD, TRUST_PROXY: '10.0.0.0/8, loopback', DNS_SERVERS: '127.0.0.1:5353,[::1]:53' });
    expect(behind.trustProxy).toBe('10.0.0.0/8,loopback');
    expect(behind.dnsServers).toEqual(['127.0.0.1:5353', '[::1]:53']);
  });

  it('reads booleans strictly: FALSE, 0 and no are false', () => {
    for (const off of ['FALSE', 'false', '0', 'no', 'No']) expect(loadConfig({ ...GOOD, POSTERN_SEED_DEMO: off }).seedDemo).toBe(false);
    for (const on of ['TRUE', 'true', '1', 'yes']) expect(loadConfig({ ...GOOD, POSTERN_SEED_DEMO: on }).seedDemo).toBe(true);
    expect(loadConfig({ ...GOOD, APOLLO_USAGE_REPORTING: 'False' }).apolloUsageReporting).toBe(false);
    expect(loadConfig({ ...GOOD }).apolloUsageReporting).toBe(false);
    // SSO over plain http is a development setting: off unless asked for.
    expect(loadConfig({ ...GOOD }).ssoAllowHttpIdp).toBe(false);
    expect(loadConfig({ ...GOOD, POSTERN_SSO_ALLOW_HTTP_IDP: 'yes' }).ssoAllowHttpIdp).toBe(true);
    expect(() => loadConfig({ ...GOOD, POSTERN_SSO_ALLOW_HTTP_IDP: 'sometimes' })).toThrow(
      /POSTERN_SSO_ALLOW_HTTP_IDP must be true or false/,
    );
  });

  it('seeds the demo on the embedded database only, unless POSTERN_SEED_DEMO says otherwise', () => {
    expect(loadConfig({}).seedDemo).toBe(true);
    expect(loadConfig({ POSTERN_SEED_DEMO: 'false' }).seedDemo).toBe(false);
    expect(loadConfig({ ...GOOD }).seedDemo).toBe(false);
    expect(loadConfig({ ...GOOD, POSTERN_SEED_DEMO: 'true' }).seedDemo).toBe(true);
  });

  it('accepts IP addresses and host names as HOST', () => {
    for (const host of ['0.0.0.0', '::', '127.0.0.1', 'localhost', 'gateway.internal.example'])
      expect(loadConfig({ ...GOOD, HOST: host }).host).toBe(host);
  });

  it("knows every variable of the schema, and leaves other software's variables alone", () => {
    expect(KNOWN_VARIABLES).toEqual(expect.arrayContaining(['PORT', 'POSTERN_SEED_DEMO', 'METRICS_TOKEN', 'RATE_LIMIT_LOCKOUT_MINUTES']));
    const env = { ...GOOD, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', APOLLO_KEY: 'x', NODE_ENV: 'production' };
    expect(loadConfig(env).port).toBe(4000);
    expect(() => loadConfig({ ...GOOD, POSTERN_NONSENSE_XYZ_ABC: '1' })).toThrow(/unknown variable POSTERN_NONSENSE_XYZ_ABC/);
  });

  it.each(CASES)('refuses a bad %s with a ConfigError naming it', (name, env, message) => {
    let thrown: unknown;
    try {
      loadConfig({ ...GOOD, ...env });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toMatch(/^Invalid configuration: /);
    expect((thrown as Error).message).toContain(name);
    expect((thrown as Error).message).toMatch(message);
  });
});

function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

describe('node dist/src/main.js', () => {
  it.each(CASES)('exits 2 on a bad %s, printing the message', async (name, env, message) => {
    const r = await runMain({ ...GOOD, ...env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(name);
    expect(r.stdout).toBe('');
  });
});
