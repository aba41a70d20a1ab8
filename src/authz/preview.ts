// The dry run of an access change (docs/access-insight.md "previewAccessChange"): the change's own
// check and write (an AccessChange, src/authz/changes.ts) run against an in-memory copy of the
// account's access data read from the store previewed (access-map.ts: copyOfAccount); everyone's
// effective permissions are compared before and after. The memory store and the MongoDB store answer
// the same conformance cases (test/authz/cases.test.ts, test/authz/store.test.ts), and
// test/modules/access/preview.test.ts checks a preview against the change then made: the copy cannot
// say what the store would not do. The GraphQL edge (src/graphql/authz/preview.ts) decides the
// mutation's @requires and prepares the input.
import { accessOf, copyOfAccount, diffAccess, type AccessDelta } from './access-map';
import type { AccessChange, PreparedChange } from './changes';
import type { Actor } from './rules';
import type { AccessStore } from './store/types';
import { BadInputError } from '../errors';

/**
 * Runs `change` as `actor` on a copy of `accountId` taken from `store`. `refusedBy`: a refusal already
 * known (the mutation's @requires): the rules are then not checked, and the change is still made on
 * the copy so the answer says who would have been affected.
 */
export async function dryRun<P extends PreparedChange, R>(
  store: AccessStore,
  accountId: string,
  change: Pick<AccessChange<unknown, never, P, R>, 'check' | 'write'>,
  prepared: P,
  actor: () => Promise<Actor>,
  opts: { refusedBy: string | null; now?: Date },
): Promise<{ deltas: AccessDelta[]; refusedBy: string | null }> {
  let refusedBy = opts.refusedBy;
  const now = opts.now ?? new Date();
  const copy = await copyOfAccount(store, accountId, now);
  const before = await accessOf(copy, accountId, now);
  if (!refusedBy) {
    try {
      await change.check(copy, await actor(), prepared);
    } catch (err) {
      if (!(err instanceof BadInputError)) throw err;
      refusedBy = err.message;
    }
  }
  try {
    await change.write(copy, prepared, now);
  } catch (err) {
    if (!refusedBy && !(err instanceof BadInputError)) throw err;
    refusedBy ??= (err as BadInputError).message;
  }
  return { deltas: diffAccess(before, await accessOf(copy, accountId, now)), refusedBy };
}
