// previewAccessChange at the GraphQL edge (docs/access-insight.md): what an access change would do, as the
// asker would make it, with nothing written. The mutation's own @requires is decided here as for a call of
// it, the input prepared with the request context; the dry run is the core's (src/authz/preview.ts:
// the change's check and write on a copy of the account read from `ctx.access`). A refusal — the
// @requires, a rule, a unique fact — is reported in `refusedBy` with the mutation's wording, and the
// change is still made on the copy, so the answer says who would have been affected.
import type { GraphQLSchema } from 'graphql';
import type { Context } from '../context';
import { BadInputError } from '../../errors';
import { dryRun, type AccessDelta } from '../../authz';
import type { AccessChange, PreparedChange } from './changes';
import { decideRoot, rootPermission } from './directives';

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
    // The store previewed is the request's (ctx.access): the copy is read from it.
    ({ deltas, refusedBy } = await dryRun(ctx.access, accountId, change, prepared, () => ctx.authz.actor(accountId), { refusedBy }));
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
