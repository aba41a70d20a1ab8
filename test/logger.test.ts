// Logs (one pino line per request) and errors: secrets never reach a log line; unexpected errors are
// logged with the request id and reach the client as a generic INTERNAL_SERVER_ERROR.
import { Writable } from 'node:stream';
import mongoose from 'mongoose';
import { createLogger } from '../src/logger';
import { startTestGateway, STRONG_PASSWORD, type TestGateway } from './helpers/gateway';
import { probe, startProbeGateway } from './helpers/probe';

type Line = Record<string, any>;
const parse = (logs: string[]): Line[] => logs.map((l) => JSON.parse(l) as Line);

describe('request log lines', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.stop());

  it('writes one line per request with its id, operation, principal, duration and outcome', async () => {
    const owner = await gw.signUp();
    const res = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}`, 'x-request-id': 'trace-abc.123' },
      body: JSON.stringify({ query: 'query WhoAmI { viewer { user { id } } }' }),
    });
    // The gateway's own id answers; the client's is kept beside it, never taken for ours.
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    await res.json();
    const lines = parse(gw.logs).filter((l) => l.clientRequestId === 'trace-abc.123');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.requestId).toBe(requestId);
    expect(lines[0]).toMatchObject({
      msg: 'request',
      method: 'POST',
      path: '/graphql',
      status: 200,
      operationName: 'WhoAmI',
      principalId: owner.userId,
      outcome: 'ok',
    });
    expect(typeof lines[0]!.durationMs).toBe('number');

    // A denied field: outcome "partial" or "error" with the codes, still one line.
    const other = await gw.signUp();
    const denied = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}`, 'x-request-id': 'trace-denied' },
      body: JSON.stringify({ query: 'query Peek($id: ID!) { account(id: $id) { id } }', variables: { id: other.accountId } }),
    });
    await denied.json();
    const d = parse(gw.logs).filter((l) => l.clientRequestId === 'trace-denied');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ operationName: 'Peek', principalId: owner.userId, errorCodes: ['NOT_FOUND'] });
    expect(['partial', 'error']).toContain(d[0]!.outcome);
  });

  it('gives a fresh request id when the incoming one is unusable', async () => {
    const res = await fetch(`${gw.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces\u00e9' } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(parse(gw.logs).filter((l) => l.requestId === id)).toHaveLength(1);
  });

  it('never logs passwords, bearer tokens or authorization headers', async () => {
    const password = `Log-${STRONG_PASSWORD}-x7`;
    const owner = await gw.signUp({ password });
    const login = await gw.gql(`mutation Login($input: LoginInput!) { login(input: $input) { token } }`, {
      input: { email: owner.email, password },
    });
    const token = login.body.data!.login.token as string;
    expect(token.length).toBeGreaterThan(20);
    await gw.gql('query Me { viewer { user { email } } }', {}, token);
    await gw.gql('query Bad { account(id: "000000000000000000000000") { id } }', {}, token);
    await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{bad',
    });
    const all = gw.logs.join('');
    expect(all).toContain('"operationName":"Login"');
    expect(all).toContain('"operationName":"Me"');
    expect(all).not.toContain(password);
    expect(all).not.toContain(token);
    expect(all).not.toContain(owner.token);
    expect(all.toLowerCase()).not.toContain('bearer');
  });
});

describe('the logger', () => {
  it('redacts authorization headers, passwords, tokens and secrets wherever it is handed them', () => {
    const out: string[] = [];
    const log = createLogger(
      'info',
      new Writable({
        write(chunk, _enc, cb) {
          out.push(String(chunk));
          cb();
        },
      }),
    );
    log.info(
      {
        req: { headers: { authorization: 'Bearer sekrit-bearer', cookie: 'sid=sekrit-cookie' } },
        input: { password: 'sekrit-pw', token: 'sekrit-token', secret: 'sekrit-secret' },
        variables: { anything: 'sekrit-vars' },
      },
      'probe',
    );
    expect(out).toHaveLength(1);
    expect(out[0]).not.toMatch(/sekrit/);
    expect(JSON.parse(out[0]!).input).toEqual({ password: '[REDACTED]', token: '[REDACTED]', secret: '[REDACTED]' });
  });
});

describe('unexpected errors', () => {
  it('are logged with the request id and returned as a generic INTERNAL_SERVER_ERROR', async () => {
    const gw = await startProbeGateway();
    try {
      const res = await fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query Boom { viewer { boom } }' }),
      });
      const requestId = res.headers.get('x-request-id')!;
      const text = await res.text();
      const body = JSON.parse(text);
      expect(body.errors).toEqual([
        {
          message: 'Internal server error',
          locations: [{ line: 1, column: 23 }],
          path: ['viewer', 'boom'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ]);
      expect(body.data).toEqual({ viewer: { boom: null } });
      expect(text).not.toMatch(/10\.1\.2\.3|internals|stack|\.ts:|\.js:/);

      const lines = parse(gw.logs).filter((l) => l.requestId === requestId);
      const error = lines.find((l) => l.msg === 'unexpected error');
      expect(error?.err?.message).toMatch(/secret internals/); // the operator sees what happened
      expect(lines.find((l) => l.msg === 'request')).toMatchObject({
        operationName: 'Boom',
        outcome: 'partial',
        errorCodes: ['INTERNAL_SERVER_ERROR'],
      });

      // The database goes away mid-flight: SERVICE_UNAVAILABLE with HTTP 503 (retry later), no driver message.
      const ok = await probe(gw.url, '{ viewer { dbRead } }');
      expect(ok.body).toEqual({ data: { viewer: { dbRead: 0 } } });
      await mongoose.disconnect();
      const r = await fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query Read { viewer { dbRead } }' }),
      });
      const rText = await r.text();
      const rBody = JSON.parse(rText);
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(rBody.errors).toHaveLength(1);
      expect(rBody.errors[0].message).toBe('The database is unavailable: retry in a moment.');
      expect(rBody.errors[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
      expect(rText).not.toMatch(/Mongo|client|connect|topology/i);
      // The operator sees it in the request's log line.
      const dbLine = parse(gw.logs).find((l) => l.requestId === r.headers.get('x-request-id') && l.msg === 'request');
      expect(dbLine).toMatchObject({ status: 503, errorCodes: ['SERVICE_UNAVAILABLE'] });
    } finally {
      await gw.server.stop();
    }
  });
});
