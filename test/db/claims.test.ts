// One-time claims hold under concurrency on the real database (the embedded one, or MongoDB).
import { claimOnce, releaseClaim } from '../../src/db/claims';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.stop());

it('exactly one of twenty simultaneous claims of a key wins', async () => {
  const wins = await Promise.all(Array.from({ length: 20 }, () => claimOnce('test:race', 'acct')));
  expect(wins.filter(Boolean)).toHaveLength(1);
  expect(await claimOnce('test:race', 'acct')).toBe(false);
});

it('a released claim can be taken again; other keys are independent', async () => {
  expect(await claimOnce('test:a', 'acct')).toBe(true);
  expect(await claimOnce('test:b', 'acct')).toBe(true);
  await releaseClaim('test:a');
  expect(await claimOnce('test:a', 'acct')).toBe(true);
  expect(await claimOnce('test:b', 'acct')).toBe(false);
});
