// Issue #19: under node:cluster (POSTERN_WORKERS=2) /metrics is the sum over the workers, whichever
// process a scrape reaches: the primary's metrics port, and with METRICS_TOKEN a worker on the API
// port (which asks the primary). 40 requests dealt out to both workers all count.
import { freePort } from '../../src/db/embedded';
import { replicaSet, stopReplica, type Replica } from '../helpers/replicas';

const set = replicaSet('t_clmetrics');
afterAll(() => set.stop());

const QUERY = '{ __typename }';

/** postern_http_requests_total for POST /graphql answered 200, from a scrape's text. */
function graphqlRequests(text: string): number {
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('postern_http_requests_total{') &&
        l.includes('route="/graphql"') &&
        l.includes('status="200"') &&
        l.includes('method="POST"'),
    );
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** Which workers answered: the `worker` of the gateway's request log lines. */
function workersServing(r: Replica): Set<number> {
  return new Set(
    r.output
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; worker?: number })
      .filter((l) => l.msg === 'request' && typeof l.worker === 'number')
      .map((l) => l.worker!),
  );
}

/** Until both workers have logged that they listen (readiness answers as soon as one does). */
async function bothListening(r: Replica): Promise<void> {
  const deadline = Date.now() + 30_000;
  const slots = () =>
    new Set(
      r.output
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{') && l.includes('"worker listening"'))
        .map((l) => (JSON.parse(l) as { worker?: number }).worker),
    );
  while (slots().size < 2) {
    if (Date.now() > deadline) throw new Error(`the workers did not both listen:\n${r.output.join('')}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

async function burst(r: Replica, n: number): Promise<void> {
  // Separate connections, so that the primary deals them out to both workers.
  const res = await Promise.all(
    Array.from({ length: n }, () =>
      fetch(`${r.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ query: QUERY }),
      }),
    ),
  );
  for (const x of res) expect(x.status).toBe(200);
}

it("the primary's metrics port serves the sum of both workers' counters", async () => {
  const port = await freePort();
  const gw = await set.start({ POSTERN_WORKERS: '2', LOG_LEVEL: 'info', METRICS_PORT: String(port) });
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    if (res.status !== 200)
      console.log(
        gw.output
          .join('')
          .split('\n')
          .filter((l) => l.includes('metrics'))
          .join('\n'),
      );
    expect(res.status).toBe(200);
    return res.text();
  };
  await bothListening(gw);
  const before = graphqlRequests(await scrape());
  await burst(gw, 40);
  await new Promise((r) => setTimeout(r, 300)); // the last log lines
  expect([...workersServing(gw)].sort()).toEqual([0, 1]);
  const text = await scrape();
  expect(graphqlRequests(text) - before).toBe(40);
  // Process metrics of the workers are there too (summed or by their own rule), once each.
  expect(text.match(/^# TYPE process_cpu_user_seconds_total /gm)).toHaveLength(1);
  await stopReplica(gw);
}, 120_000);

it('with METRICS_TOKEN a worker answers /metrics on the API port with the sum too', async () => {
  const gw = await set.start({ POSTERN_WORKERS: '2', LOG_LEVEL: 'info', METRICS_TOKEN: 'scrape-token-for-the-test' });
  const scrape = async () => {
    const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: 'Bearer scrape-token-for-the-test', connection: 'close' } });
    expect(res.status).toBe(200);
    return res.text();
  };
  await bothListening(gw);
  const before = graphqlRequests(await scrape());
  await burst(gw, 40);
  // Whichever worker answers the scrape, it reports all 40.
  for (let i = 0; i < 4; i++) expect(graphqlRequests(await scrape()) - before).toBe(40);
  expect([...workersServing(gw)].sort()).toEqual([0, 1]);
}, 120_000);
