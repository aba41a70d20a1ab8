// Roles and bindings written straight through the access store (as the access module would), for
// tests that need a member with exactly some permissions. The store bumps permissionsVersion.
import { randomBytes } from 'node:crypto';
import type { NewBinding, NewRole, RoleBindingDoc, RoleDoc } from '../../src/authz/store';
import { createAccessStore } from '../../src/composition/registry';

/** The tests' MongoDB access store, built as the composition root builds the gateway's (it keeps no state of its own). */
export const accessStore = createAccessStore();

/** A custom role (key, name and description made up unless given). */
export async function createRoleDoc(r: Partial<NewRole> & Pick<NewRole, 'accountId' | 'permissions' | 'createdBy'>): Promise<RoleDoc> {
  const [doc] = await accessStore.createRoles([
    {
      key: `custom-${randomBytes(4).toString('hex')}`,
      name: 'Custom',
      description: '',
      system: false,
      customisable: true,
      pack: null,
      ...r,
    },
  ]);
  return doc!;
}

/** A binding (ancestor ids default to none). */
export async function bindDoc(
  b: Partial<NewBinding> & Pick<NewBinding, 'accountId' | 'userId' | 'roleId' | 'scopeType' | 'scopeId' | 'createdBy'>,
): Promise<RoleBindingDoc> {
  return accessStore.createBinding(b, new Date());
}
