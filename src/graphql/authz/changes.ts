// Access changes at the GraphQL edge: an AccessChange (src/authz/changes.ts) prepared with the
// request context (loaders, the access store of `ctx.access`), checked as the acting principal
// (`ctx.authz.actor`) and written to the store the mutation is given.
import type { Context } from '../context';
import { applyChange, type AccessChange as CoreAccessChange, type AccessStore, type PreparedChange } from '../../authz';

export type { PreparedChange };

/** An access change whose input is prepared with the GraphQL request context. */
export type AccessChange<I, P extends PreparedChange, R> = CoreAccessChange<Context, I, P, R>;

/** What a mutation does: prepare, check, write — against `store`, as the acting principal. */
export async function performChange<I, P extends PreparedChange, R>(
  ctx: Context,
  store: AccessStore,
  change: AccessChange<I, P, R>,
  input: I,
): Promise<{ prepared: P; result: R }> {
  const prepared = await change.prepare(ctx, input);
  return { prepared, result: await applyChange(store, change, await ctx.authz.actor(prepared.accountId), prepared, new Date()) };
}
