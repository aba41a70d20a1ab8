// Adds a member with a custom role straight through the models (the access area's mutations are
// built elsewhere), then signs them in with the login mutation.
import { hashPassword } from '../../../src/crypto/passwords';
import { newId } from '../../../src/db/ids';
import { Member } from '../../../src/modules/accounts/account.model';
import { bindDoc, createRoleDoc } from '../../helpers/access';
import { User } from '../../../src/modules/identity/user.model';
import type { ScopeType } from '../../../src/authz/resources';
import { STRONG_PASSWORD, uniqueEmail, type TestGateway } from '../../helpers/gateway';

export interface TestMember {
  userId: string;
  email: string;
  token: string;
}

export async function addMember(
  gw: TestGateway,
  accountId: string,
  permissions: string[],
  scope: { type: ScopeType; id: string; workspaceId?: string; projectId?: string } = { type: 'ACCOUNT', id: accountId },
): Promise<TestMember> {
  const email = uniqueEmail('member');
  const user = await User.create({ email, name: 'Mia Member', passwordHash: await hashPassword(STRONG_PASSWORD) });
  await Member.create({ accountId, userId: user._id, createdBy: user._id });
  await addBinding(accountId, user._id, permissions, scope);
  const r = await gw.gql(`mutation($input: LoginInput!) { login(input: $input) { token } }`, {
    input: { email, password: STRONG_PASSWORD },
  });
  if (r.body.errors) throw new Error(`login failed: ${JSON.stringify(r.body.errors)}`);
  return { userId: user._id, email, token: r.body.data!.login.token };
}

/** Binds one more custom role to an existing member. */
export async function addBinding(
  accountId: string,
  userId: string,
  permissions: string[],
  scope: { type: ScopeType; id: string; workspaceId?: string; projectId?: string },
): Promise<void> {
  const role = await createRoleDoc({
    accountId,
    key: `custom-${newId()}`,
    name: 'Custom',
    permissions,
    system: false,
    customisable: true,
    createdBy: userId,
  });
  await bindDoc({
    accountId,
    userId,
    roleId: role._id,
    scopeType: scope.type,
    scopeId: scope.id,
    workspaceId: scope.workspaceId ?? null,
    projectId: scope.projectId ?? null,
    createdBy: userId,
  });
}
