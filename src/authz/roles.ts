// System roles and the default presets every new account gets (docs/design.md "Roles, bindings, overrides"). Role packs built from
// the seed products live in ./packs.ts.
import { PERMISSIONS, parsePermission, type ParsedPermission } from './catalogue';

export interface RoleDefinition {
  key: string;
  name: string;
  description: string;
  permissions: readonly string[];
  system: boolean;
  customisable: boolean;
}

/** Permissions only the owner exercises (rule 8): in no other role, override, grant, request or token scope. */
export const OWNER_ONLY: readonly string[] = ['account:delete', 'account:transferOwnership'];

const ALL_VIEWS = PERMISSIONS.filter((p) => p.endsWith(':view'));

export const OWNER_ROLE: RoleDefinition = {
  key: 'owner',
  name: 'Owner',
  description: 'Everything in the account. Exactly one per account; changed only by transfer.',
  permissions: PERMISSIONS,
  system: true,
  customisable: false,
};

export const ADMIN_ROLE: RoleDefinition = {
  key: 'admin',
  name: 'Admin',
  description: 'Everything except deleting the account and transferring its ownership.',
  permissions: PERMISSIONS.filter((p) => !OWNER_ONLY.includes(p)),
  system: true,
  customisable: false,
};

export const MANAGER_ROLE: RoleDefinition = {
  key: 'manager',
  name: 'Manager',
  description:
    'Day-to-day marketing and sending: campaigns, lists, contacts, templates, automations, forms and transactional sending. No billing, team or security.',
  permissions: [
    'account:view',
    'workspaces:view',
    'campaigns:*',
    'lists:*',
    'contacts:*',
    'templates:*',
    'automations:*',
    'forms:*',
    'reports:view',
    'domains:view',
    'suppressions:*',
    'emails:send',
    'emailLogs:view',
    'projects:view',
    'inboxes:view',
    'messages:view',
    'messages:create',
    'supportTickets:view',
    'supportTickets:create',
    'supportTickets:comment',
  ],
  system: false,
  customisable: true,
};

export const ANALYST_ROLE: RoleDefinition = {
  key: 'analyst',
  name: 'Analyst',
  description: 'Read-only everywhere, with reporting, contact, log and audit export.',
  permissions: [...ALL_VIEWS, 'reports:export', 'contacts:export', 'emailLogs:export', 'auditLog:export'],
  system: false,
  customisable: true,
};

export const VIEWER_ROLE: RoleDefinition = {
  key: 'viewer',
  name: 'Viewer',
  description: 'Minimal read-only access: workspaces, lists, contacts and campaigns. No exports, no billing.',
  permissions: ['account:view', 'workspaces:view', 'lists:view', 'contacts:view', 'campaigns:view'],
  system: false,
  customisable: true,
};

/** The roles created with every account, in display order. */
export const DEFAULT_ROLES: readonly RoleDefinition[] = [OWNER_ROLE, ADMIN_ROLE, MANAGER_ROLE, ANALYST_ROLE, VIEWER_ROLE];

/** Validates a role's permission list as written: wildcards and `:own` are allowed. */
export function parseRolePermissions(list: readonly string[]): ParsedPermission[] {
  return list.map((p) => parsePermission(p, { allowWildcard: true, allowOwn: true }));
}
