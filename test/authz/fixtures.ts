// Members with exactly the permissions a test needs, written straight to the database of an in-process
// gateway (roles and bindings as the access module would store them), plus a session to act as them.
import { randomBytes } from 'node:crypto';
import { PERMISSIONS } from '../../src/authz/catalogue';
import type { ScopeType } from '../../src/authz/resources';
import { newId } from '../../src/db/ids';
import { Member } from '../../src/modules/accounts/account.model';
import { bindDoc, createRoleDoc } from '../helpers/access';
import { Session, User } from '../../src/modules/identity/user.model';
import { randomSecret, tokenHash } from '../../src/crypto/tokens';
import { uniqueEmail, type GqlResponse } from '../helpers/gateway';

export interface TestMember {
  userId: string;
  token: string;
  roleId: string;
  bindingId: string;
}

export interface ScopeNode {
  type: ScopeType;
  id: string;
  workspaceId?: string | null;
  domainId?: string | null;
  projectId?: string | null;
  inboxId?: string | null;
}

/** A new user, member of `accountId`, bound to a custom role holding exactly `permissions` at `scope` (the account by default). */
export async function addMember(
  accountId: string,
  ownerId: string,
  permissions: readonly string[],
  scope?: ScopeNode,
): Promise<TestMember> {
  const user = await User.create({ email: uniqueEmail('member'), name: 'Mia Member', passwordHash: 'x' });
  await Member.create({ accountId, userId: user._id, createdBy: ownerId });
  const roleId = newId();
  await createRoleDoc({
    _id: roleId,
    accountId,
    key: `custom-${randomBytes(4).toString('hex')}`,
    name: 'Custom',
    permissions: [...permissions],
    system: false,
    customisable: true,
    createdBy: ownerId,
  });
  const bindingId = await bind(accountId, user._id, roleId, scope ?? { type: 'ACCOUNT', id: accountId }, ownerId);
  return { userId: user._id, token: await sessionFor(user._id), roleId, bindingId };
}

/** A password session for a user these fixtures made (written as the gate would: src/modules/identity/gate.service.ts). */
async function sessionFor(userId: string): Promise<string> {
  const token = randomSecret(32);
  await Session.create({ userId, tokenHash: tokenHash(token), expiresAt: new Date(Date.now() + 3600_000), method: 'password' });
  return token;
}

/** Binds `userId` to `roleId` at `scope` and bumps the account's permissionsVersion. */
export async function bind(accountId: string, userId: string, roleId: string, scope: ScopeNode, by: string): Promise<string> {
  const b = await bindDoc({
    accountId,
    userId,
    roleId,
    scopeType: scope.type,
    scopeId: scope.id,
    workspaceId: scope.type === 'WORKSPACE' ? scope.id : (scope.workspaceId ?? null),
    domainId: scope.type === 'DOMAIN' ? scope.id : (scope.domainId ?? null),
    projectId: scope.type === 'PROJECT' ? scope.id : (scope.projectId ?? null),
    inboxId: scope.type === 'INBOX' ? scope.id : (scope.inboxId ?? null),
    createdBy: by,
  });
  return b._id;
}

/** Every catalogue permission but `except`. */
export function allBut(...except: string[]): string[] {
  return PERMISSIONS.filter((p) => !except.includes(p));
}

export function errorsOf(r: GqlResponse): { code?: string; field?: string; permission?: string; path?: string }[] {
  return (r.body.errors ?? []).map((e) => ({
    code: e.extensions?.code,
    field: e.extensions?.field,
    permission: e.extensions?.permission,
    path: e.path?.join('.'),
  }));
}

export function inHours(h: number): string {
  return new Date(Date.now() + h * 3600_000).toISOString();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
