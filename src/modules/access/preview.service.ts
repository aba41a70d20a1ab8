// previewAccessChange: which change is asked for, run through the same AccessChange as its mutation
// (src/authz/preview.ts does the dry run).
import type { GraphQLSchema } from 'graphql';
import { type Context, previewChange } from '../../graphql';
import type { AccessChangeInput, AccessDelta } from '../../generated';
import { removeMemberChange } from './members.service';
import { BadInputError } from '../../errors';
import { assignRoleChange, setPermissionOverridesChange, unassignRoleChange } from './bindings.service';
import { installRolePackChange, updateRoleChange } from './roles.service';

const KINDS = ['assignRole', 'unassignRole', 'setPermissionOverrides', 'updateRole', 'removeMember', 'installRolePack'] as const;

export async function previewAccessChange(ctx: Context, schema: GraphQLSchema, change: AccessChangeInput): Promise<AccessDelta[]> {
  const given = KINDS.filter((k) => change[k] !== undefined && change[k] !== null);
  if (given.length !== 1) {
    throw new BadInputError(`Give exactly one change to preview (one of ${KINDS.join(', ')}); got ${given.length}`, 'change');
  }
  const run = (args: Record<string, unknown>) => ({ field: given[0]!, args });
  const { accountId } = change;
  if (change.assignRole) {
    return previewChange(ctx, schema, accountId, run({ input: change.assignRole }), assignRoleChange, change.assignRole);
  }
  if (change.unassignRole) {
    return previewChange(ctx, schema, accountId, run(change.unassignRole), unassignRoleChange, change.unassignRole);
  }
  if (change.setPermissionOverrides) {
    const input = change.setPermissionOverrides;
    return previewChange(ctx, schema, accountId, run({ input }), setPermissionOverridesChange, input);
  }
  if (change.updateRole) {
    return previewChange(ctx, schema, accountId, run(change.updateRole), updateRoleChange, change.updateRole);
  }
  if (change.removeMember) {
    return previewChange(ctx, schema, accountId, run({ input: change.removeMember }), removeMemberChange, change.removeMember);
  }
  const input = change.installRolePack!;
  return previewChange(ctx, schema, accountId, run({ input }), installRolePackChange, input);
}
