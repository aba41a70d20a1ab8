// Pages of roles and invitations for the Account connections: reads of the access store's collections
// in the shape of src/graphql/connection.ts (the directive's visibility filter applies).
import { paginate, type Connection, type ConnectionArgs } from '../connection';
import { Invitation, Role } from '../../store';
import type { InvitationDoc, RoleDoc } from '../../authz';

export function rolesPage(accountId: string, args: ConnectionArgs): Promise<Connection<RoleDoc>> {
  return paginate(Role, { accountId }, args);
}

export function invitationsPage(accountId: string, args: ConnectionArgs): Promise<Connection<InvitationDoc>> {
  return paginate(Invitation, { accountId }, args);
}
