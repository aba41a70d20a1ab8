// Permission changes under concurrency, through the gateway: 100 parallel assignRole of distinct
// members (each must land, and permissionsVersion must move by exactly 100: every replica's next
// request depends on it), then 100 parallel copies of one assignRole (exactly one binding may come
// of them, the other 99 refused, the version moved by exactly 1).
import { createAccessStore } from '../src/composition/registry';
import { newId } from '../src/db/ids';
import { Account, Member } from '../src/modules/accounts/account.model';
import { User } from '../src/modules/identity/user.model';
import { gql, type GatewayProcess } from './gateway';

/** The benchmark's access store, built as the composition root builds the gateway's. */
const accessStore = createAccessStore();

export const PARALLEL = 100;

const ASSIGN = `mutation($i: AssignRoleInput!) { assignRole(input: $i) { id } }`;

export interface ConcurrencyResult {
  distinct: { ok: number; failed: number; bindings: number; versionDelta: number; firstError: string | null };
  same: { ok: number; failed: number; bindings: number; versionDelta: number; firstError: string | null };
}

async function newMembers(accountId: string, ownerId: string, n: number): Promise<string[]> {
  const users = Array.from({ length: n }, () => {
    const _id = newId();
    return { _id, email: `member-${_id}@bench.example.com`, name: 'Bench member', passwordHash: 'x', emailVerifiedAt: new Date() };
  });
  await User.insertMany(users);
  await Member.insertMany(users.map((u) => ({ accountId, userId: u._id, createdBy: ownerId })));
  return users.map((u) => u._id);
}

/**
 * Sends again, as a client should, what the gateway refused at capacity (503 SERVICE_UNAVAILABLE:
 * nothing of it ran), after a short wait; the figure is about what the 100 changes leave behind.
 */
async function untilAdmitted<T extends { errors?: { extensions?: { code?: string } }[] }>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const r = await send();
    if (attempt >= 50 || r.errors?.[0]?.extensions?.code !== 'SERVICE_UNAVAILABLE') return r;
    await new Promise((res) => setTimeout(res, 200 + Math.random() * 800));
  }
}

async function fire(gw: GatewayProcess, token: string, inputs: Record<string, unknown>[]) {
  const results = await Promise.all(
    inputs.map((i) =>
      untilAdmitted(() => gql<unknown>(gw.url, ASSIGN, { i }, token, { allowErrors: true })).catch((e: Error) => ({
        errors: [{ message: e.message }],
        data: undefined,
      })),
    ),
  );
  const failed = results.filter((r) => r.errors?.length);
  return { ok: results.length - failed.length, failed: failed.length, firstError: failed[0]?.errors?.[0]?.message ?? null };
}

const version = async (accountId: string) => (await Account.findById(accountId).lean())!.permissionsVersion;

export async function concurrencyFigures(
  gw: GatewayProcess,
  token: string,
  accountId: string,
  ownerId: string,
): Promise<ConcurrencyResult> {
  const role = await accessStore.roleByKey(accountId, 'viewer');
  if (!role) throw new Error('the account has no Viewer role');
  const scope = { type: 'ACCOUNT', id: accountId };

  const users = await newMembers(accountId, ownerId, PARALLEL);
  let v0 = await version(accountId);
  const distinct = await fire(
    gw,
    token,
    users.map((userId) => ({ userId, roleId: role._id, scope })),
  );
  const distinctResult = {
    ...distinct,
    bindings: (await accessStore.bindingsOf(accountId, users)).filter((b) => b.roleId === role._id).length,
    versionDelta: (await version(accountId)) - v0,
  };

  const [one] = await newMembers(accountId, ownerId, 1);
  v0 = await version(accountId);
  const same = await fire(
    gw,
    token,
    Array.from({ length: PARALLEL }, () => ({ userId: one, roleId: role._id, scope })),
  );
  return {
    distinct: distinctResult,
    same: {
      ...same,
      bindings: (await accessStore.bindingsOf(accountId, [one!])).filter((b) => b.roleId === role._id).length,
      versionDelta: (await version(accountId)) - v0,
    },
  };
}
