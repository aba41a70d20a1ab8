// A log line finds its trace: with tracing exported over OTLP/HTTP to a local receiver (an HTTP
// server here collecting OTLP/JSON), the request's log line carries the trace id and the gateway's
// request id; that trace's server span carries the same request id, the client's X-Request-Id as a
// separate attribute, and the denial event; GraphQL's parse spans are not exported.
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../src/paths';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: OtlpValue }[];
  events?: { name: string; attributes?: { key: string; value: OtlpValue }[] }[];
}

let receiver: http.Server;
const spans: OtlpSpan[] = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

function runChild(endpoint: string): Promise<{ logs: string[] }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', path.join(projectRoot, 'test', 'observability', 'otlp-child.ts')],
      {
        cwd: projectRoot,
        env: {
          ...process.env,
          SWC_NODE_PROJECT: path.join(projectRoot, 'tsconfig.json'),
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        },
        timeout: 90_000,
        maxBuffer: 20e6,
      },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout))),
    );
  });
}

const attr = (s: { attributes?: { key: string; value: OtlpValue }[] }, key: string) =>
  s.attributes?.find((a) => a.key === key)?.value.stringValue;

it("joins a request's log line to its trace by the trace id, with one request id on both", async () => {
  const { port } = receiver.address() as AddressInfo;
  const { logs } = await runChild(`http://127.0.0.1:${port}`);
  const line = logs.map((l) => JSON.parse(l) as Record<string, string>).find((l) => l.clientRequestId === 'client-otlp-1')!;
  expect(line).toMatchObject({ msg: 'request', traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
  expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);

  const trace = spans.filter((s) => s.traceId === line.traceId);
  const server = trace.find((s) => s.kind === 2 && s.name.startsWith('POST'));
  expect(server).toBeDefined();
  expect(attr(server!, 'postern.request_id')).toBe(line.requestId);
  expect(attr(server!, 'postern.client_request_id')).toBe('client-otlp-1');
  // The denial sits on the request's own span.
  const denial = server!.events?.find((e) => e.name === 'authz.denied');
  expect(denial && attr(denial, 'postern.permission')).toBe('account:view');
  // Parse noise is off by default; execution is there.
  expect(trace.some((s) => s.name === 'graphql.parse')).toBe(false);
  expect(trace.some((s) => s.name.startsWith('query Peek') || attr(s, 'graphql.operation.name') === 'Peek')).toBe(true);
}, 120_000);
