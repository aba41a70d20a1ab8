// Lapsed sessions, email links, second-factor challenges and SSO sign-in leftovers are deleted a day
// after they lapse (src/db/sweep.ts), by the hourly sweep of the background jobs: nothing piles up for
// ever, and nothing still valid — or lapsed only recently — is touched.
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { EmailToken, Session } from '../../src/modules/identity/user.model';
import { LoginChallenge } from '../../src/modules/identity/two-factor.model';
import { SsoAttempt, SsoLinkClaim, SsoPendingChange } from '../../src/sso/sso.model';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw.stop();
});

const HOUR = 60 * 60 * 1000;
const VIEWER = `{ viewer { user { id } } }`;

it('deletes what lapsed more than a day ago, keeps what is valid or lapsed within the day', async () => {
  const kept = await gw.signUp();
  const lapsedLongAgo = await gw.signUp();
  const lapsedLately = await gw.signUp();
  const now = Date.now();
  await Session.updateOne({ userId: lapsedLongAgo.userId }, { $set: { expiresAt: new Date(now - 49 * HOUR) } });
  await Session.updateOne({ userId: lapsedLately.userId }, { $set: { expiresAt: new Date(now - 2 * HOUR) } });
  // A lapsed session signs no one in, before the sweep as after it.
  expect((await gw.gql(VIEWER, {}, lapsedLongAgo.token)).body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');

  const old = new Date(now - 30 * HOUR);
  const fresh = new Date(now + HOUR);
  for (const m of [EmailToken, LoginChallenge, SsoAttempt, SsoLinkClaim, SsoPendingChange]) {
    await m.collection.insertMany([
      // Each unique key of these models filled, so the two documents do not collide on a missing one.
      { _id: `${m.modelName}-old` as never, expiresAt: old, tokenHash: `${m.modelName}-old`, stateHash: `${m.modelName}-old` },
      { _id: `${m.modelName}-fresh` as never, expiresAt: fresh, tokenHash: `${m.modelName}-fresh`, stateHash: `${m.modelName}-fresh` },
    ]);
  }

  const deleted = await gw.server.scheduler.expired.sweep();
  expect(deleted).toMatchObject({
    Session: 1,
    EmailToken: 1,
    LoginChallenge: 1,
    SsoAttempt: 1,
    SsoLinkClaim: 1,
    SsoPendingChange: 1,
  });
  expect(await Session.exists({ userId: lapsedLongAgo.userId })).toBeNull();
  expect(await Session.exists({ userId: lapsedLately.userId })).not.toBeNull();
  for (const m of [EmailToken, LoginChallenge, SsoAttempt, SsoLinkClaim, SsoPendingChange]) {
    expect(await m.collection.countDocuments({ _id: `${m.modelName}-old` as never })).toBe(0);
    expect(await m.collection.countDocuments({ _id: `${m.modelName}-fresh` as never })).toBe(1);
  }
  // The valid session still signs its person in; a second sweep finds nothing more.
  expect((await gw.gql(VIEWER, {}, kept.token)).body.data).toEqual({ viewer: { user: { id: kept.userId } } });
  expect(Object.values(await gw.server.scheduler.expired.sweep()).every((n) => n === 0)).toBe(true);
});
