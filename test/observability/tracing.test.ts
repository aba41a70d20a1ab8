// OpenTelemetry: with tracing on, one request yields one trace with the HTTP, Express, GraphQL and
// MongoDB spans and the denial as an event, and nothing secret. Runs test/observability/tracing-child.ts in a
// child process (OpenTelemetry patches modules as Node loads them; jest's loader bypasses that).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../src/paths';

interface SpanView {
  name: string;
  /** SpanKind: 1 is SERVER. */
  kind: number;
  traceId: string;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  scope: string;
}

function runChild(): Promise<{ response: any; secret: string; spans: SpanView[] }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', path.join(projectRoot, 'test', 'observability', 'tracing-child.ts')],
      {
        cwd: projectRoot,
        env: { ...process.env, SWC_NODE_PROJECT: path.join(projectRoot, 'tsconfig.json') },
        timeout: 90_000,
        maxBuffer: 20e6,
      },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout))),
    );
  });
}

it('traces a request through HTTP, Express, GraphQL and MongoDB, with its denial, and no secret', async () => {
  const { response, secret, spans } = await runChild();
  expect(response.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'account:view' });

  const server = spans.find((s) => s.kind === 1 && s.scope.endsWith('instrumentation-http') && s.name.startsWith('POST'));
  expect(server).toBeDefined();
  const trace = spans.filter((s) => s.traceId === server!.traceId);
  const scopes = new Set(trace.map((s) => s.scope.replace('@opentelemetry/', '')));
  expect([...scopes]).toEqual(
    expect.arrayContaining(['instrumentation-http', 'instrumentation-express', 'instrumentation-graphql', 'instrumentation-mongodb']),
  );
  expect(trace.some((s) => s.name.startsWith('query Peek') || s.attributes['graphql.operation.name'] === 'Peek')).toBe(true);

  const denial = trace.flatMap((s) => s.events).find((e) => e.name === 'authz.denied');
  expect(denial?.attributes).toMatchObject({ 'postern.permission': 'account:view', 'graphql.path': 'account' });
  expect(JSON.stringify(spans)).not.toContain(secret);
}, 120_000);
