// A database written before the access store: bindings and pending requests without their unique keys
// get them at start-up, and the duplicates the keys forbid are resolved (one binding kept).
import mongoose from 'mongoose';
import { backfillAccessKeys } from '../../../src/modules/access/backfill';
import { newId } from '../../../src/db/ids';
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { accessStore } from '../../helpers/access';

let gw: TestGateway;
let owner: TestOwner;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const raw = (name: string) => mongoose.connection.db!.collection(name);

it('keys legacy bindings, drops a legacy duplicate of a binding, and keys a legacy pending request', async () => {
  const viewer = (await accessStore.roleByKey(owner.accountId, 'viewer'))!;
  const userId = newId();
  const legacy = {
    _id: newId(),
    accountId: owner.accountId,
    userId,
    roleId: viewer._id,
    scopeType: 'ACCOUNT',
    scopeId: owner.accountId,
    grant: [],
    revoke: [],
    expiresAt: null,
    createdBy: owner.userId,
  } as Record<string, unknown>;
  await raw('rolebindings').insertOne(legacy as never);
  expect(await backfillAccessKeys()).toMatchObject({ bindings: 1, duplicates: 0 });
  expect((await accessStore.binding(String(legacy._id)))!.key).toBe(`${userId}|role:${viewer._id}|${owner.accountId}`);

  // The same binding again, as the old races made it: removed, the first one stays.
  const twin = { ...legacy, _id: newId() };
  await raw('rolebindings').insertOne(twin as never);
  expect(await backfillAccessKeys()).toMatchObject({ bindings: 1, duplicates: 1 });
  expect(await accessStore.binding(String(twin._id))).toBeNull();
  expect(await accessStore.binding(String(legacy._id))).not.toBeNull();

  const req = {
    _id: newId(),
    accountId: owner.accountId,
    requesterId: userId,
    permission: 'lists:view',
    scopeType: 'ACCOUNT',
    scopeId: owner.accountId,
    status: 'PENDING',
    createdBy: userId,
  };
  await raw('accessrequests').insertOne(req as never);
  expect(await backfillAccessKeys()).toMatchObject({ requests: 1 });
  expect((await raw('accessrequests').findOne({ _id: req._id } as never))!.pendingKey).toBe(`${userId}|lists:view|${owner.accountId}`);
  expect(await backfillAccessKeys()).toEqual({ bindings: 0, duplicates: 0, requests: 0 });
});

it('gives the admin roles of older accounts the permissions added to the catalogue since (access:apply)', async () => {
  const o = await gw.signUp();
  const admin = (await accessStore.roleByKey(o.accountId, 'admin'))!;
  expect(admin.permissions).toContain('access:apply');
  // As an account made before access:apply existed stores it.
  await raw('roles').updateOne({ _id: admin._id as never }, { $pull: { permissions: 'access:apply' } } as never);
  expect((await accessStore.roleByKey(o.accountId, 'admin'))!.permissions).not.toContain('access:apply');
  await backfillAccessKeys();
  const after = (await accessStore.roleByKey(o.accountId, 'admin'))!;
  expect(after.permissions).toContain('access:apply');
  expect(after.permissions).not.toContain('account:delete');
  expect(new Set(after.permissions).size).toBe(after.permissions.length);
});
