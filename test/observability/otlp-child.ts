// Run by test/observability/otlp.test.ts in a child process (node -r @swc-node/register): tracing as
// an operator turns it on (OTEL_EXPORTER_OTLP_ENDPOINT, exported over OTLP/HTTP to the test's
// receiver), a gateway, one request with a denial and a client request id; prints the gateway's log
// lines as JSON once every span is exported.
import { startTracing } from '../../src/observability/tracing';

const sdk = startTracing()!;

async function main(): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { startTestGateway } = require('../helpers/gateway') as typeof import('../helpers/gateway');
  const { addMember } = require('../authz/fixtures') as typeof import('../authz/fixtures');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const gw = await startTestGateway();
  try {
    const owner = await gw.signUp();
    const member = await addMember(owner.accountId, owner.userId, ['workspaces:view']);
    await gw.gql(`query Peek($id: ID!) { account(id: $id) { name } }`, { id: owner.accountId }, member.token, {
      'x-request-id': 'client-otlp-1',
    });
  } finally {
    await gw.stop();
    await sdk.shutdown(); // exports every span still batched
  }
  process.stdout.write(JSON.stringify({ logs: gw.logs }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
