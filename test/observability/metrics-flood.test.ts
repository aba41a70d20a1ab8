// /metrics by default (no METRICS_TOKEN): not on the API's port but on a loopback port of its own; an
// anonymous flood of operation names adds no label value, a signed-in principal at most 20; the pool
// counters follow the driver's events so that created minus closed is what is open.
import { startTestGateway, type TestGateway } from '../helpers/gateway';

describe('metrics that cannot be flooded', () => {
  let plain: TestGateway;
  beforeAll(async () => {
    plain = await startTestGateway(); // no METRICS_TOKEN: the default
  });
  afterAll(() => plain.stop());

  async function scrapePort(): Promise<string> {
    expect(plain.server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(plain.server.metricsUrl).not.toContain(`:${plain.server.port}/`);
    const res = await fetch(plain.server.metricsUrl!);
    expect(res.status).toBe(200);
    return res.text();
  }

  /** The distinct values of the `operation` label. */
  function operationLabels(text: string): Set<string> {
    return new Set([...text.matchAll(/^postern_graphql_operations_total\{[^}]*operation="([^"]*)"/gm)].map((m) => m[1]!));
  }

  it("is not public: the API's port answers 404, the metrics port (loopback) serves them", async () => {
    const res = await fetch(`${plain.url}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('METRICS_PORT');
    expect(await scrapePort()).toMatch(/^postern_http_requests_total/m);
  });

  it('keeps the operation label count unchanged under an anonymous flood of operation names', async () => {
    await plain.gql('query Warmup { __typename }'); // the one value anonymous callers get
    const before = operationLabels(await scrapePort());
    for (let i = 0; i < 120; i++) await plain.gql(`query Flood${i}_${Date.now()} { __typename }`);
    const after = operationLabels(await scrapePort());
    expect([...after].sort()).toEqual([...before].sort());
    expect(after.has('unauthenticated')).toBe(true);
  });

  it('bounds the names one signed-in principal adds (20), the rest counted as other', async () => {
    const someone = await plain.signUp();
    const before = operationLabels(await scrapePort());
    for (let i = 0; i < 30; i++) await plain.gql(`query Mine${i}x${Date.now()} { __typename }`, {}, someone.token);
    const added = [...operationLabels(await scrapePort())].filter((l) => !before.has(l));
    expect(added.filter((l) => l.startsWith('Mine'))).toHaveLength(20);
  });

  it('counts the pool by the driver events so that created minus closed is what is open', async () => {
    const text = await scrapePort();
    const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
    const created = value('postern_db_pool_connections_created_total');
    const closed = value('postern_db_pool_connections_closed_total');
    const open = value('postern_db_pool_connections_open');
    expect(created).toBeGreaterThan(0);
    expect(created - closed).toBe(open);
  });
});
