// The request gate (src/http/gate.ts) costs what authentication cost before it: per request, the
// credential by its hash, the person's second factor by id, and the request budget's one upsert —
// whether the route is /graphql or a REST export. No other write.
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { commandsDuring } from '../helpers/commands';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway({ monitorCommands: true, env: { POSTERN_SCHEDULER_INTERVAL_MS: '0' } });
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

it('a signed-in request to /graphql costs the session and the second factor, nothing else (the budget is counted in memory)', async () => {
  await gw.gql(`{ __typename }`, {}, owner.token); // warm
  const cmds = await commandsDuring(() => gw.gql(`{ __typename }`, {}, owner.token));
  expect(cmds.sort()).toEqual(['find:sessions', 'find:twofactors'].sort());
});

it('a refused request (no token) to a REST export reads nothing', async () => {
  const cmds = await commandsDuring(async () => {
    const res = await fetch(`${gw.url}/audit/export?accountId=${owner.accountId}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
  expect(cmds).toEqual([]);
});
