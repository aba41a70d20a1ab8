// Single-document atomicity under concurrency on the real server of the run: what every once-only
// rule and every permissionsVersion bump rests on. Each write is fired in parallel and the effect
// counted exactly (FerretDB v1 lost most of these: docs/storage.md).
import { randomBytes } from 'node:crypto';
import type mongoose from 'mongoose';
import { isDuplicateKey } from '../../src/db/errors';
import { Account } from '../../src/modules/accounts/account.model';
import { accessStore } from '../helpers/access';
import { connectTestDatabase } from '../helpers/database';

let db: mongoose.mongo.Db;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ db, close } = await connectTestDatabase());
});
afterAll(() => close());

const times = <T>(n: number, f: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => f(i)));

it('100 concurrent $inc on one document add exactly 100', async () => {
  const c = db.collection<{ _id: string; n: number }>('counters');
  await c.insertOne({ _id: 'k', n: 0 });
  await times(100, () => c.updateOne({ _id: 'k' }, { $inc: { n: 1 } }));
  expect(await c.findOne({ _id: 'k' })).toEqual({ _id: 'k', n: 100 });
});

it('100 concurrent access changes raise permissionsVersion by exactly 100', async () => {
  const account = await Account.create({ name: 'Race', ownerId: 'u1', createdBy: 'u1' });
  await times(100, (i) => accessStore.addMember({ accountId: account._id, userId: `member-${i}`, createdBy: 'u1' }));
  expect((await Account.findById(account._id).lean())?.permissionsVersion).toBe(100);
});

it.each([20, 100])('%i concurrent guarded findOneAndUpdate on one DRAFT: exactly one wins', async (n) => {
  const c = db.collection<{ _id: string; status: string; by?: number }>('campaigns');
  const id = `camp-${n}`;
  await c.insertOne({ _id: id, status: 'DRAFT' });
  const results = await times(n, (i) =>
    c.findOneAndUpdate({ _id: id, status: 'DRAFT' }, { $set: { status: 'SENDING', by: i } }, { returnDocument: 'after' }),
  );
  const winners = results.filter((r) => r !== null);
  expect(winners).toHaveLength(1);
  // The stored document is the winner's.
  expect(await c.findOne({ _id: id })).toEqual({ _id: id, status: 'SENDING', by: winners[0]!.by });
});

it('100 concurrent inserts of one unique key: exactly one succeeds, the rest are duplicate keys', async () => {
  const c = db.collection<{ _id: string; key: string }>('bindings');
  await c.createIndex({ key: 1 }, { unique: true });
  const key = `user:role:${randomBytes(4).toString('hex')}`;
  const results = await times(100, (i) =>
    c.insertOne({ _id: `b${i}`, key }).then(
      () => 'ok',
      (err: unknown) => err,
    ),
  );
  expect(results.filter((r) => r === 'ok')).toHaveLength(1);
  expect(results.filter((r) => r !== 'ok').every((e) => isDuplicateKey(e))).toBe(true);
  expect(await c.countDocuments({ key })).toBe(1);
});
