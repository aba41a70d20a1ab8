// Test-only: a member of an account holding exactly `permissions` at the account (or a workspace), made by inserting
// User, Member, Role and RoleBinding documents directly (no API grants them), then logging in.
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../src/crypto/passwords';
import { newId } from '../../src/db/ids';
import { User } from '../../src/modules/identity/user.model';
import { Member } from '../../src/modules/accounts/account.model';
import { bindDoc, createRoleDoc } from './access';
import { STRONG_PASSWORD, uniqueEmail, type TestGateway } from './gateway';

export interface TestMember {
  userId: string;
  token: string;
  email: string;
}

export async function addMember(
  gw: TestGateway,
  accountId: string,
  ownerId: string,
  permissions: string[],
  /** Where the role is bound: the account unless a workspace id is given. */
  workspaceId?: string,
): Promise<TestMember> {
  const email = uniqueEmail('member');
  const user = await User.create({ _id: newId(), email, passwordHash: await hashPassword(STRONG_PASSWORD), name: 'Mo Member' });
  await Member.create({ _id: newId(), accountId, userId: user._id, createdBy: ownerId });
  const role = await createRoleDoc({
    _id: newId(),
    accountId,
    key: `custom-${randomBytes(4).toString('hex')}`,
    name: 'Custom',
    permissions,
    createdBy: ownerId,
  });
  await bindDoc({
    _id: newId(),
    accountId,
    userId: user._id,
    roleId: role._id,
    scopeType: workspaceId ? 'WORKSPACE' : 'ACCOUNT',
    scopeId: workspaceId ?? accountId,
    workspaceId: workspaceId ?? null,
    createdBy: ownerId,
  });
  const r = await gw.gql(`mutation($input: LoginInput!) { login(input: $input) { token } }`, {
    input: { email, password: STRONG_PASSWORD },
  });
  if (r.body.errors) throw new Error(`login failed: ${JSON.stringify(r.body.errors)}`);
  return { userId: user._id, token: r.body.data!.login.token, email };
}
