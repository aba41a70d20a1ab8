// What a view-as is (src/graphql/authz/view-as.ts resolves one): types only, so that the request context can
// hold a view without importing the code that makes it (which takes the context).
import type { Principal } from '../../identity';
import type { CompiledPermissions, ScopeType } from '../../authz';

export type ViewAsTarget =
  | { kind: 'member'; userId: string }
  | { kind: 'role'; roleId: string; scope: { type: ScopeType | null; id: string } }
  | { kind: 'token'; tokenId: string };

export interface ViewAs {
  /** Who is looking (the signed-in admin). */
  by: Principal;
  target: ViewAsTarget;
  /** The one account the view is in. */
  accountId: string;
  /** The principal the request runs as. */
  principal: Principal;
  /** How the audit log and the explorer name the view: `member:…`, `role:…@SCOPE:…`, `token:…`. */
  label: string;
  /** For a role at a scope: its permissions, compiled as for a member holding only that binding. */
  compile?: (accountId: string) => Promise<CompiledPermissions | null>;
}
