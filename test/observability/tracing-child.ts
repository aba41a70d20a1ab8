// Run by test/observability/tracing.test.ts in a child process (node -r @swc-node/register), because
// OpenTelemetry patches modules as Node loads them, which jest's module system bypasses. Starts
// tracing with an in-memory exporter BEFORE loading the gateway, runs a request with a denial, and
// prints the finished spans as JSON.
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../../src/observability/tracing';

const exporter = new InMemorySpanExporter();
const sdk = startTracing({ exporter, env: {} })!;

async function main(): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { startTestGateway } = require('../helpers/gateway') as typeof import('../helpers/gateway');
  const { addMember } = require('../authz/fixtures') as typeof import('../authz/fixtures');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const gw = await startTestGateway();
  try {
    const owner = await gw.signUp();
    const member = await addMember(owner.accountId, owner.userId, ['workspaces:view']);
    exporter.reset();
    const r = await gw.gql(`query Peek($id: ID!) { account(id: $id) { name } }`, { id: owner.accountId }, member.token);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const spans = exporter.getFinishedSpans().map((s) => ({
      name: s.name,
      kind: s.kind,
      traceId: s.spanContext().traceId,
      attributes: s.attributes,
      events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
      scope: s.instrumentationScope.name,
    }));
    process.stdout.write(JSON.stringify({ response: r.body, secret: member.token, spans }));
  } finally {
    await gw.stop();
    await sdk.shutdown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
