// Shared steps of the access tests: real users made through createUser, signed in with login, bound
// through assignRole — the way an admin would do it.
import { startTestGateway, STRONG_PASSWORD, uniqueEmail, type GqlResponse, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { startMailbox, type Mailbox } from '../../helpers/mailbox';

export interface TestMember {
  userId: string;
  email: string;
  token: string;
}

export type Scope = { type: string; id: string };

export function ok<T = any>(r: GqlResponse<T>): T {
  if (r.body.errors) throw new Error(`unexpected errors: ${JSON.stringify(r.body.errors)}`);
  return r.body.data as T;
}

export function err(r: GqlResponse): { code?: string; field?: string; message: string; permission?: string } {
  const e = r.body.errors?.[0];
  return { code: e?.extensions?.code, field: e?.extensions?.field, permission: e?.extensions?.permission, message: e?.message ?? '' };
}

export const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { id email name } }`;
export const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { token } }`;
export const ASSIGN = `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id role { key } scope { type id } grant revoke expiresAt user { id } } }`;
export const UNASSIGN = `mutation($id: ID!) { unassignRole(id: $id) }`;
export const OVERRIDES = `mutation($input: SetPermissionOverridesInput!) { setPermissionOverrides(input: $input) { id grant revoke } }`;
export const CAN = `query($p: String!, $s: ScopeInput!) { viewer { can(permission: $p, scope: $s) } }`;
export const PERMS = `query($s: ScopeInput!) { viewer { permissions(scope: $s) } }`;
export const ROLES = `query($id: ID!) { account(id: $id) { roles(first: 200) { edges { node { id key name permissions system customisable pack } } } } }`;

/** Role ids of the account by key. */
export async function roleIds(gw: TestGateway, owner: TestOwner): Promise<Record<string, string>> {
  const d = ok(await gw.gql(ROLES, { id: owner.accountId }, owner.token));
  return Object.fromEntries(d.account.roles.edges.map((e: any) => [e.node.key, e.node.id]));
}

/** A new member of the owner's account (createUser), who followed the mailed verification link, signed in; no bindings. */
export async function newMember(gw: TestGateway, owner: TestOwner, tag = 'member', email = uniqueEmail(tag)): Promise<TestMember> {
  const d = ok(
    await gw.gql(
      CREATE_USER,
      { input: { accountId: owner.accountId, email, password: STRONG_PASSWORD, firstName: 'Test', lastName: tag } },
      owner.token,
    ),
  );
  await gw.verifyEmail(email);
  const l = ok(await gw.gql(LOGIN, { input: { email, password: STRONG_PASSWORD } }));
  return { userId: d.createUser.id, email, token: l.login.token };
}

/** Binds a role (by key) to a user at a scope, as `by` (the owner by default). Returns the binding id. */
export async function bind(
  gw: TestGateway,
  owner: TestOwner,
  userId: string,
  roleId: string,
  scope: Scope,
  by: string = owner.token,
  expiresAt?: string,
): Promise<string> {
  const d = ok(await gw.gql(ASSIGN, { input: { userId, roleId, scope, expiresAt } }, by));
  return d.assignRole.id;
}

/** A member holding a role at a scope (ACCOUNT by default). */
export async function memberWith(
  gw: TestGateway,
  owner: TestOwner,
  roleId: string,
  scope?: Scope,
  tag = 'member',
): Promise<TestMember & { bindingId: string }> {
  const m = await newMember(gw, owner, tag);
  const bindingId = await bind(gw, owner, m.userId, roleId, scope ?? { type: 'ACCOUNT', id: owner.accountId });
  return { ...m, bindingId };
}

export async function can(gw: TestGateway, token: string, permission: string, scope: Scope): Promise<boolean> {
  return ok(await gw.gql(CAN, { p: permission, s: scope }, token)).viewer.can;
}

export function acct(owner: TestOwner): Scope {
  return { type: 'ACCOUNT', id: owner.accountId };
}

export function wsScope(owner: TestOwner): Scope {
  return { type: 'WORKSPACE', id: owner.workspaceId };
}

export { STRONG_PASSWORD };

/** One file's world: a gateway delivering mail to a test mailbox, a signed-up owner, and the account's role ids by key. */
export interface OwnerWorld {
  gw: TestGateway;
  mailbox: Mailbox;
  owner: TestOwner;
  roles: Record<string, string>;
  stop: () => Promise<void>;
}

export async function startOwnerWorld(): Promise<OwnerWorld> {
  const mailbox = await startMailbox();
  const gw = await startTestGateway({ mailbox });
  const owner = await gw.signUp();
  const stop = async () => {
    await gw.stop();
    await mailbox.close();
  };
  return { gw, mailbox, owner, roles: await roleIds(gw, owner), stop };
}
