// Audit sinks with two replicas of the built gateway, each running its own background delivery loop:
// the receiver gets every event in chain order, never one ahead of a missing one, signed — the lease
// per sink keeps the two from delivering the same sink at once.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/gateway';
import { gqlAt, replicaSet, type Replica } from '../helpers/replicas';

const set = replicaSet('t_sinkrep');
let a: Replica;
let b: Replica;
let server: http.Server;
let secret = '';
/** Every delivery, duplicates included, in arrival order; signatures checked once the secret is known. */
const arrivals: { seq: number; body: string; timestamp: string; signature: unknown }[] = [];
/** A delivery may arrive before createAuditSink's answer hands the test its secret: checked afterwards. */
const signedWith = (key: string, x: (typeof arrivals)[number]) =>
  x.signature === `sha256=${createHmac('sha256', key).update(`${x.timestamp}.${x.body}`).digest('hex')}`;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      arrivals.push({
        seq: JSON.parse(body).seq,
        body,
        timestamp: String(req.headers['x-postern-timestamp']),
        signature: req.headers['x-postern-signature'],
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const env = {
    POSTERN_AUDIT_SINK_INTERVAL_MS: '50',
    POSTERN_AUDIT_SINK_ALLOW_HTTP_LOOPBACK: 'true',
    POSTERN_AUDIT_SINK_RETRY_BASE_MS: '20',
  };
  [a, b] = await Promise.all([set.start(env), set.start(env)]);
});
afterAll(async () => {
  await set.stop();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const ok = (r: { body: { data?: any; errors?: unknown[] } }) => {
  if (r.body.errors) throw new Error(JSON.stringify(r.body.errors));
  return r.body.data;
};

it('two replicas deliver one sink in order, each event signed, none ahead of a missing one', async () => {
  const signUp = await gqlAt(a, `mutation($input: SignUpInput!) { signUp(input: $input) { token account { id } } }`, {
    input: { email: uniqueEmail('sinkrep'), password: STRONG_PASSWORD, name: 'Sia Replica', accountName: 'Streamed' },
  });
  const { token, account } = ok(signUp).signUp;
  const port = (server.address() as AddressInfo).port;
  secret = ok(
    await gqlAt(
      b,
      `mutation($input: CreateAuditSinkInput!) { createAuditSink(input: $input) { secret } }`,
      { input: { accountId: account.id, url: `http://127.0.0.1:${port}/siem` } },
      token,
    ),
  ).createAuditSink.secret;
  // Writes through both replicas while both deliver.
  for (let i = 0; i < 8; i++) {
    ok(
      await gqlAt(
        i % 2 ? a : b,
        `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
        { input: { accountId: account.id, name: `S${i}` } },
        token,
      ),
    );
  }
  const LOG = `query($id: ID!) { account(id: $id) { auditLog(first: 200) { edges { node { seq } } } auditSinks { delivery { lastAckedSeq } } } }`;
  let total = 0;
  for (let i = 0; i < 200; i++) {
    const d = ok(await gqlAt(a, LOG, { id: account.id }, token)).account;
    total = d.auditLog.edges.length;
    if (d.auditSinks[0].delivery.lastAckedSeq >= total) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const firsts = arrivals.filter((x, i) => arrivals.findIndex((y) => y.seq === x.seq) === i).map((x) => x.seq);
  expect(firsts).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  expect(arrivals.every((x) => signedWith(secret, x))).toBe(true);
  // Never one ahead of a missing one: each arrival is at most one past the highest seen before it.
  let high = 0;
  for (const x of arrivals) {
    expect(x.seq).toBeLessThanOrEqual(high + 1);
    high = Math.max(high, x.seq);
  }
});
