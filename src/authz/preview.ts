// previewAccessChange (docs/access-insight.md): what an access change would do, as the asker would make it, with
// nothing written. The change runs the same code as its mutation (an AccessChange, src/authz/changes.ts)
// against an in-memory copy of the account's access data; everyone's effective permissions are compared
// before and after (access-map.ts). A refusal — the mutation's own @requires, a rule, a unique fact —
// is reported in `refusedBy` with the mutation's wording, and the change is still made on the copy, so
// the answer says who would have been affected.
import type { GraphQLSchema } from 'graphql';
import type { Context } from '../graphql/context';
import { BadInputError } from '../errors';
import { accessOf, copyOfAccount, diffAccess, type AccessDelta } from './access-map';
import type { AccessChange, PreparedChange } from './changes';
import { decideRoot, rootPermission } from './directives';
import { accessStore } from './store';

export interface PreviewedMutation {
  /** The Mutation field the change is made with (its @requires is decided as for a call of it). */
  field: string;
  /** The arguments that call would take. */
  args: Record<string, unknown>;
}

export async function previewChange<I, P extends PreparedChange, R>(
  ctx: Context,
  schema: GraphQLSchema,
  accountId: string,
  mutation: PreviewedMutation,
  change: AccessChange<I, P, R>,
  input: I,
): Promise<AccessDelta[]> {
  let refusedBy: string | null = null;
  const perm = rootPermission(schema, 'Mutation', mutation.field);
  if (perm) {
    const decided = await decideRoot(ctx, mutation.field, perm, mutation.args);
    if (decided.accountId !== accountId) {
      throw new BadInputError(`This change is about another account than ${accountId}: preview it there`, 'accountId');
    }
    refusedBy = decided.denied?.message ?? null;
  }

  let prepared: P | null = null;
  try {
    prepared = await change.prepare(ctx, input);
  } catch (err) {
    if (!refusedBy) throw err; // the mutation would have stopped at its @requires first
  }
  let deltas: AccessDelta[] = [];
  if (prepared) {
    const now = new Date();
    const copy = await copyOfAccount(accessStore, accountId, now);
    const before = await accessOf(copy, accountId, now);
    if (!refusedBy) {
      try {
        await change.check(copy, await ctx.authz.actor(accountId), prepared);
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
    deltas = diffAccess(before, await accessOf(copy, accountId, now));
  }
  if (!refusedBy) return deltas;
  if (!deltas.length) {
    // Nobody's access would change: the refusal is told about whom the change is (or the asker).
    const subject = prepared?.subject ?? { userId: ctx.actorId, scope: { type: 'ACCOUNT', id: accountId } };
    deltas.push({
      principalId: subject.userId,
      kind: 'USER',
      userId: subject.userId,
      scope: subject.scope,
      gained: [],
      lost: [],
      refusedBy: null,
    });
  }
  return deltas.map((d) => ({ ...d, refusedBy }));
}
