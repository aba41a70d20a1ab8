// An access change — assignRole, unassignRole, setPermissionOverrides, updateRole, removeMember,
// installRolePack — written once and run two ways: by its mutation against the access store, and by
// the preview (src/authz/preview.ts) against an in-memory copy of the account. Three steps:
// `prepare` reads and validates the input (NOT_FOUND, malformed input: BAD_USER_INPUT) with whatever
// the caller reads through (`Ctx`: the GraphQL edge passes its request context, src/graphql/authz/changes.ts),
// `check` applies the rules no role breaks (src/authz/rules.ts) and throws the refusal, `write` makes the
// change in the store it is given. The mutation adds what is not access (audit, sessions) around it.
import type { ScopeType } from './resources';
import type { Actor } from './rules';
import type { AccessStore } from './store/types';

export interface PreparedChange {
  accountId: string;
  /** Whom the change is about (null: a role's holders, or nobody in particular). */
  subject: { userId: string; scope: { type: ScopeType; id: string } } | null;
}

export interface AccessChange<Ctx, I, P extends PreparedChange, R> {
  /** Loads and validates: throws NOT_FOUND for unknown ids and BAD_USER_INPUT for malformed input. */
  prepare(ctx: Ctx, input: I): Promise<P>;
  /** The rules, against `store`: throws the refusal (BAD_USER_INPUT) the mutation answers with. */
  check(store: AccessStore, actor: Actor, prepared: P): Promise<void>;
  /** Makes the change in `store`; a unique fact that already holds is a refusal (BAD_USER_INPUT). */
  write(store: AccessStore, prepared: P, now: Date): Promise<R>;
}

/** What a mutation does once prepared: check, then write — against `store`, as `actor`. */
export async function applyChange<P extends PreparedChange, R>(
  store: AccessStore,
  change: Pick<AccessChange<unknown, never, P, R>, 'check' | 'write'>,
  actor: Actor,
  prepared: P,
  now: Date,
): Promise<R> {
  await change.check(store, actor, prepared);
  return change.write(store, prepared, now);
}
