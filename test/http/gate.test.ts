// The request gate (src/http/gate.ts) costs one read per signed-in request: the session by its hash,
// which carries the person's second-factor state (the budget is counted in memory) — whether the
// route is /graphql or a REST export. No write.
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { commandsDuring } from '../helpers/commands';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway({ monitorCommands: true, env: { POSTERN_SCHEDULER_INTERVAL_MS: '0' } });
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

it('a signed-in request to /graphql costs the session, nothing else (it carries the second factor; the budget is counted in memory)', async () => {
  await gw.gql(`{ __typename }`, {}, owner.token); // warm
  const cmds = await commandsDuring(() => gw.gql(`{ __typename }`, {}, owner.token));
  expect(cmds).toEqual(['find:sessions']);
});

it('a refused request (no token) to a REST export reads nothing', async () => {
  const cmds = await commandsDuring(async () => {
    const res = await fetch(`${gw.url}/audit/export?accountId=${owner.accountId}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
  expect(cmds).toEqual([]);
});
