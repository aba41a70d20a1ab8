// What Postern asks of the database, checked on the real server of the run (the embedded database,
// or MongoDB with MONGODB_URI): each operation the code uses answers as MongoDB does.
import type mongoose from 'mongoose';
import { isDuplicateKey } from '../../src/db/errors';
import { connectTestDatabase } from '../helpers/database';

let db: mongoose.mongo.Db;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ db, close } = await connectTestDatabase());
});
afterAll(() => close());

it('presents a server the driver accepts, without sessions or transactions', async () => {
  const hello = await db.admin().command({ hello: 1 });
  expect(hello.maxWireVersion).toBeGreaterThanOrEqual(9);
  if (!process.env.MONGODB_URI) {
    // The embedded database claims no sessions: the driver must not start any.
    expect(hello.logicalSessionTimeoutMinutes).toBeUndefined();
  }
});

// A collection of its own: the connection builds every registered model's indexes (contacts has a unique (listId, email)).
it('finds by _id, filters, sorts, skips, limits and counts', async () => {
  const c = db.collection<{ _id: string; listId: string; n: number }>('store_rows');
  await c.insertMany(
    Array.from({ length: 30 }, (_, i) => ({ _id: `c${String(i).padStart(2, '0')}`, listId: i % 3 === 0 ? 'a' : 'b', n: i })),
  );
  expect(await c.findOne({ _id: 'c07' })).toEqual({ _id: 'c07', listId: 'b', n: 7 });
  const page = await c.find({ listId: 'a' }).sort({ n: -1 }).skip(2).limit(3).toArray();
  expect(page.map((d) => d.n)).toEqual([21, 18, 15]);
  expect(await c.countDocuments({ listId: 'a' })).toBe(10);
  expect(await c.countDocuments({ listId: 'a', n: { $gte: 15 } })).toBe(5);
  expect(await c.find({ _id: { $in: ['c01', 'c02', 'zz'] } }).toArray()).toHaveLength(2);
});

it('filters with the operators the code uses: $or, $and, $ne, $gt/$gte/$lt/$lte, $in, $regex with options; updates with $unset', async () => {
  const c = db.collection<{ _id: string; name: string; n: number; ws?: string | null; note?: string }>('store_probe');
  await c.insertMany([
    { _id: 'r1', name: 'Admin', n: 1, ws: 'w1', note: 'x' },
    { _id: 'r2', name: 'admin-2', n: 2, ws: null },
    { _id: 'r3', name: 'Viewer', n: 3, ws: 'w2' },
    { _id: 'r4', name: 'a.b*c', n: 4, ws: 'w1' },
  ]);
  const ids = async (filter: object) => (await c.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);
  expect(await ids({ name: { $regex: '^admin$', $options: 'i' } })).toEqual(['r1']);
  expect(await ids({ name: { $regex: '^admin', $options: 'i' } })).toEqual(['r1', 'r2']);
  expect(await ids({ name: { $regex: 'a\\.b\\*' } })).toEqual(['r4']);
  expect(await ids({ $or: [{ ws: 'w2' }, { n: { $lte: 1 } }] })).toEqual(['r1', 'r3']);
  expect(await ids({ $and: [{ n: { $gt: 1 } }, { n: { $lt: 4 } }], ws: { $ne: null } })).toEqual(['r3']);
  expect(await ids({ n: { $gte: 3 }, ws: { $in: ['w1', 'w9'] } })).toEqual(['r4']);
  await c.updateOne({ _id: 'r1' }, { $unset: { note: '' } });
  expect(await c.findOne({ _id: 'r1' })).toEqual({ _id: 'r1', name: 'Admin', n: 1, ws: 'w1' });
});

it('iterates a cursor over many batches (getMore) without losing or repeating a document', async () => {
  const c = db.collection<{ _id: number }>('many');
  await c.insertMany(Array.from({ length: 1050 }, (_, i) => ({ _id: i })));
  const seen: number[] = [];
  for await (const d of c.find({}).sort({ _id: 1 }).batchSize(100)) seen.push(d._id);
  expect(seen).toEqual(Array.from({ length: 1050 }, (_, i) => i));
});

it('findOneAndUpdate applies $inc/$set with upsert and returns the new document', async () => {
  const c = db.collection<{ _id: string; n?: number; tag?: string }>('counters');
  const first = await c.findOneAndUpdate({ _id: 'k' }, { $inc: { n: 5 }, $set: { tag: 'x' } }, { upsert: true, returnDocument: 'after' });
  expect(first).toEqual({ _id: 'k', n: 5, tag: 'x' });
  const second = await c.findOneAndUpdate({ _id: 'k' }, { $inc: { n: 2 } }, { returnDocument: 'after' });
  expect(second).toEqual({ _id: 'k', n: 7, tag: 'x' });
  const guarded = await c.findOneAndUpdate({ _id: 'k', tag: 'y' }, { $set: { tag: 'z' } }, { returnDocument: 'after' });
  expect(guarded).toBeNull();
});

it('reports unique-index violations as duplicate keys from every kind of write', async () => {
  const c = db.collection<{ _id: string; email: string }>('users');
  await c.createIndex({ email: 1 }, { unique: true });
  await c.insertOne({ _id: 'u1', email: 'a@x' });
  await c.insertOne({ _id: 'u2', email: 'b@x' });
  const errors = await Promise.all([
    c.insertOne({ _id: 'u3', email: 'a@x' }).catch((e: unknown) => e),
    c.insertOne({ _id: 'u1', email: 'c@x' }).catch((e: unknown) => e),
    c.updateOne({ _id: 'u2' }, { $set: { email: 'a@x' } }).catch((e: unknown) => e),
    c.findOneAndUpdate({ _id: 'u2' }, { $set: { email: 'a@x' } }).catch((e: unknown) => e),
    c.findOneAndUpdate({ _id: 'new' }, { $set: { email: 'a@x' } }, { upsert: true }).catch((e: unknown) => e),
  ]);
  for (const err of errors) expect(isDuplicateKey(err)).toBe(true);
  // Nothing was changed by the refused writes.
  expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([
    { _id: 'u1', email: 'a@x' },
    { _id: 'u2', email: 'b@x' },
  ]);
  expect(isDuplicateKey(new Error('duplicate key in a message is not a code'))).toBe(false);
  // A bulk error carries its first failure's code: a mix with another failure is not "a duplicate".
  expect(isDuplicateKey({ code: 11000, writeErrors: [{ code: 11000 }, { code: 121 }] })).toBe(false);
  expect(isDuplicateKey({ code: 11000, writeErrors: { code: 11000 } })).toBe(true);
  expect(isDuplicateKey(undefined)).toBe(false);
});

it('insertMany ordered:false inserts every document it can and reports the duplicates', async () => {
  const c = db.collection<{ _id: string; email: string }>('imports');
  await c.createIndex({ email: 1 }, { unique: true });
  await c.insertOne({ _id: 'x0', email: 'taken@x' });
  const docs = [
    { _id: 'x1', email: 'one@x' },
    { _id: 'x2', email: 'taken@x' },
    { _id: 'x3', email: 'two@x' },
    { _id: 'x4', email: 'one@x' },
    { _id: 'x5', email: 'three@x' },
  ];
  const err = await c.insertMany(docs, { ordered: false }).catch((e: unknown) => e as mongoose.mongo.MongoBulkWriteError);
  expect(isDuplicateKey(err)).toBe(true);
  // Which ones were refused (the embedded database's insertedCount counts every document sent:
  // code must read writeErrors, never insertedCount).
  expect((err as mongoose.mongo.MongoBulkWriteError).writeErrors).toHaveLength(2);
  expect([(err as mongoose.mongo.MongoBulkWriteError).writeErrors].flat().map((w) => w.index)).toEqual([1, 3]);
  expect((await c.find({}).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(['x0', 'x1', 'x3', 'x5']);
});

it('aggregates with $match, $unwind, $group, $sort, $project, $skip, $limit and $count', async () => {
  const c = db.collection<{ _id: string; ws: string; status: string; tags: string[]; sent: number }>('campaigns');
  await c.insertMany([
    { _id: 'k1', ws: 'w1', status: 'SENT', tags: ['a', 'b'], sent: 10 },
    { _id: 'k2', ws: 'w1', status: 'SENT', tags: ['a'], sent: 5 },
    { _id: 'k3', ws: 'w1', status: 'DRAFT', tags: ['c'], sent: 0 },
    { _id: 'k4', ws: 'w2', status: 'SENT', tags: ['a'], sent: 7 },
  ]);
  const byStatus = await c
    .aggregate([
      { $match: { ws: 'w1' } },
      { $group: { _id: '$status', n: { $sum: 1 }, sent: { $sum: '$sent' } } },
      { $sort: { _id: 1 } },
      { $project: { _id: 0, status: '$_id', n: 1, sent: 1 } },
    ])
    .toArray();
  expect(byStatus).toEqual([
    { n: 1, sent: 0, status: 'DRAFT' },
    { n: 2, sent: 15, status: 'SENT' },
  ]);
  const tags = await c
    .aggregate([
      { $unwind: '$tags' },
      { $group: { _id: '$tags', n: { $sum: 1 } } },
      { $sort: { n: -1, _id: 1 } },
      { $skip: 1 },
      { $limit: 1 },
    ])
    .toArray();
  expect(tags).toEqual([{ _id: 'b', n: 1 }]);
  expect(await c.aggregate([{ $match: { status: 'SENT' } }, { $count: 'n' }]).toArray()).toEqual([{ n: 3 }]);
});
