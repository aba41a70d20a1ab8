// Role packs (docs/design.md "Roles, bindings, overrides"): the role models of the five seed products,
// expressed as permission sets. An account installs a pack with installRolePack: its roles become
// customisable presets of that account. Owner and Admin are the system roles (src/authz/roles.ts),
// which every account already has: packs never redefine them.
import { CATALOGUE, PERMISSIONS } from './catalogue';
import { ADMIN_ROLE, ANALYST_ROLE, MANAGER_ROLE, VIEWER_ROLE, parseRolePermissions } from './roles';

export type RolePackName = 'mailgun' | 'mailtrap' | 'mailercloud' | 'mailersio' | 'mautic';

export interface PackRole {
  /** Unique in the account: `<pack>-<slug>`. */
  key: string;
  name: string;
  description: string;
  permissions: readonly string[];
  /** The product's administrator: bound, unbound, edited and customised only as the system admin is (MT4). */
  standsForAdmin?: true;
}

export interface RolePack {
  name: RolePackName;
  title: string;
  roles: readonly PackRole[];
  /** Account settings the product implies, applied on install. */
  settings?: {
    accessRequestRecipients?: 'OWNER' | 'RESOLVERS';
    /** The key of the pack role that becomes the account's default role (Mailgun: Admin; Mautic: Administrator). */
    defaultRoleKey?: string;
  };
}

const views = (...except: string[]): string[] => PERMISSIONS.filter((p) => p.endsWith(':view') && !except.includes(p));
/** Everything the system Admin holds (all but deleting the account and transferring it). */
const ADMIN = ADMIN_ROLE.permissions;

// ---------------------------------------------------------------------------------------------
// Mailgun: Admin (default), Developer, Support, Billing, Analyst.

const MAILGUN: RolePack = {
  name: 'mailgun',
  title: 'Mailgun account user roles',
  settings: { defaultRoleKey: 'mailgun-admin' },
  roles: [
    {
      key: 'mailgun-admin',
      name: 'Mailgun Admin',
      description:
        'The default role. Read/write access to everything: rotate and expire API keys, create and revoke SMTP credentials, administer users, edit account details. Reads API keys and SMTP passwords.',
      permissions: ADMIN,
      standsForAdmin: true,
    },
    {
      key: 'mailgun-developer',
      name: 'Mailgun Developer',
      description:
        'Reads and writes almost all data: webhooks, routes, domain settings; views API keys and SMTP passwords. No users, roles, billing changes or account settings.',
      permissions: [
        ...views(),
        'domains:*',
        'webhooks:*',
        'routes:*',
        'smtpCredentials:*',
        'suppressions:*',
        'authorizedRecipients:*',
        'apiKeys:view',
        'apiKeys:reveal',
        'apiTokens:view',
        'apiTokens:create',
        'sendingServers:view',
        'sendingServers:reveal',
        'campaigns:*',
        'lists:*',
        'contacts:*',
        'templates:*',
        'automations:*',
        'forms:*',
        'reports:*',
        'emailLogs:*',
        'emails:send',
        'projects:*',
        'inboxes:*',
        'messages:*',
        'supportTickets:*',
      ],
    },
    {
      key: 'mailgun-support',
      name: 'Mailgun Support',
      description:
        'Reads most data; edits suppressions, mailing lists and their members, authorized recipients; opens and comments on support tickets.',
      permissions: [
        ...views('emailContent:view', 'security:view', 'auditLog:view'),
        'suppressions:*',
        'lists:*',
        'contacts:*',
        'authorizedRecipients:*',
        'supportTickets:*',
      ],
    },
    {
      key: 'mailgun-billing',
      name: 'Mailgun Billing',
      description:
        'Mostly read-only; the only non-admin role that upgrades the account, edits the card on file and sets or clears custom send and verification limits.',
      permissions: [...views('emailContent:view', 'security:view', 'auditLog:view'), 'billing:*'],
    },
    {
      key: 'mailgun-analyst',
      name: 'Mailgun Analyst',
      description: 'Reads most data; can only modify their own settings.',
      permissions: views('emailContent:view', 'security:view', 'auditLog:view'),
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Mailtrap: Account/Domain/Project/Inbox/Billing/Email Campaign Admin and Viewer, and per-domain View
// Email Content. Each is meant to be bound at its node (a Domain Admin on one DOMAIN, …).

/** Admins of a node add and remove that node's team members. */
const TEAM = ['members:view', 'members:invite', 'roles:view', 'roles:assign'];

const MAILTRAP: RolePack = {
  name: 'mailtrap',
  title: 'Mailtrap user management',
  roles: [
    {
      key: 'mailtrap-account-admin',
      name: 'Account Admin',
      description: 'Everything the Account Owner can do, except deleting the account and transferring its ownership.',
      permissions: ADMIN,
      standsForAdmin: true,
    },
    {
      key: 'mailtrap-account-viewer',
      name: 'Account Viewer',
      description: 'Sees all entities of the account (projects, inboxes, billing) but adds, edits and removes nothing.',
      permissions: views('emailContent:view'),
    },
    {
      key: 'mailtrap-domain-admin',
      name: 'Domain Admin',
      description:
        'Renames and deletes the domain, manages its settings (credentials, open/click tracking, unsubscribe footer), views email bodies, adds and removes the domain team members.',
      permissions: [
        'domains:view',
        'domains:edit',
        'domains:delete',
        'smtpCredentials:*',
        'webhooks:*',
        'suppressions:*',
        'authorizedRecipients:*',
        'emailLogs:*',
        'emailContent:view',
        'reports:view',
        ...TEAM,
      ],
    },
    {
      key: 'mailtrap-domain-viewer',
      name: 'Domain Viewer',
      description: 'Views domain settings, reports, statistics and email logs (without email content); changes nothing.',
      permissions: [
        'domains:view',
        'smtpCredentials:view',
        'webhooks:view',
        'suppressions:view',
        'authorizedRecipients:view',
        'emailLogs:view',
        'reports:view',
      ],
    },
    {
      key: 'mailtrap-view-email-content',
      name: 'View Email Content',
      description: 'Lets a viewer see email bodies in the email logs of the domain it is bound to (and of no other).',
      permissions: ['emailContent:view'],
    },
    {
      key: 'mailtrap-email-campaign-admin',
      name: 'Email Campaign Admin',
      description: 'Creates, edits, deletes and sends email campaigns, and views reports.',
      permissions: ['campaigns:*', 'reports:view', 'lists:view', 'templates:view'],
    },
    {
      key: 'mailtrap-email-campaign-viewer',
      name: 'Email Campaign Viewer',
      description: 'Views email campaigns and campaign reports only.',
      permissions: ['campaigns:view', 'reports:view'],
    },
    {
      key: 'mailtrap-project-admin',
      name: 'Project Admin',
      description:
        'Renames and deletes the project, fully manages its inboxes, adds and removes project team members. Cannot add projects.',
      permissions: ['projects:view', 'projects:edit', 'projects:delete', 'inboxes:*', 'messages:*', 'emailContent:view', ...TEAM],
    },
    {
      key: 'mailtrap-project-viewer',
      name: 'Project Viewer',
      description: 'Sees all the inboxes of the project and their messages; edits nothing, adds or removes no one.',
      permissions: ['projects:view', 'inboxes:view', 'messages:view', 'emailContent:view'],
    },
    {
      key: 'mailtrap-inbox-admin',
      name: 'Inbox Admin',
      description:
        'Renames and deletes the inbox, manages its settings and messages, adds and removes inbox team members. Cannot add inboxes or projects.',
      permissions: ['inboxes:view', 'inboxes:edit', 'inboxes:delete', 'messages:*', 'emailContent:view', ...TEAM],
    },
    {
      key: 'mailtrap-inbox-viewer',
      name: 'Inbox Viewer',
      description: 'Sees all the inbox messages; edits nothing.',
      permissions: ['inboxes:view', 'messages:view', 'emailContent:view'],
    },
    {
      key: 'mailtrap-billing-admin',
      name: 'Billing Admin',
      description: 'Manages billing: cards, upgrades and downgrades, limits, cancellation.',
      permissions: ['account:view', 'billing:*'],
    },
    {
      key: 'mailtrap-billing-viewer',
      name: 'Billing Viewer',
      description: 'Sees the card on file and the current subscription.',
      permissions: ['account:view', 'billing:view'],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Mailercloud: Owner and Admin are the system roles (not customisable); Manager, Analyst and Viewer
// are customisable through the Permission Picker (setPermissionOverrides).

const MAILERCLOUD: RolePack = {
  name: 'mailercloud',
  title: 'Mailercloud roles and permissions',
  // "The only role that receives Request access notifications from teammates" is the Owner.
  settings: { accessRequestRecipients: 'OWNER' },
  roles: [MANAGER_ROLE, ANALYST_ROLE, VIEWER_ROLE].map((r) => ({
    key: `mailercloud-${r.key}`,
    name: `Mailercloud ${r.name}`,
    description: r.description,
    permissions: r.permissions,
  })),
};

// ---------------------------------------------------------------------------------------------
// Mailers.io: full or read-only per resource group, assigned per workspace.

const MAILERSIO_GROUPS: readonly { key: string; name: string; resources: readonly (keyof typeof CATALOGUE)[] }[] = [
  { key: 'campaigns', name: 'Campaigns', resources: ['campaigns', 'reports'] },
  { key: 'lists', name: 'Lists', resources: ['lists', 'contacts'] },
  { key: 'automations', name: 'Automations', resources: ['automations'] },
  { key: 'templates', name: 'Templates', resources: ['templates'] },
  { key: 'forms', name: 'Forms', resources: ['forms'] },
  { key: 'servers', name: 'Sending servers', resources: ['sendingServers'] },
  {
    key: 'domains',
    name: 'Sending domains',
    resources: ['domains', 'smtpCredentials', 'webhooks', 'suppressions', 'authorizedRecipients', 'emailLogs'],
  },
];

const MAILERSIO: RolePack = {
  name: 'mailersio',
  title: 'Mailers.io custom roles',
  roles: [
    ...MAILERSIO_GROUPS.flatMap((g) => [
      {
        key: `mailersio-${g.key}-full`,
        name: `${g.name}: full`,
        description: `Full access to ${g.name.toLowerCase()} in the workspace it is bound to.`,
        permissions: ['workspaces:view', ...g.resources.map((r) => `${r}:*`)],
      },
      {
        key: `mailersio-${g.key}-read`,
        name: `${g.name}: read-only`,
        description: `Read-only access to ${g.name.toLowerCase()} in the workspace it is bound to.`,
        permissions: ['workspaces:view', ...g.resources.map((r) => `${r}:view`)],
      },
    ]),
    {
      key: 'mailersio-templates-clone',
      name: 'Templates: clone and ship',
      description: 'Sees the shared templates and clones them (editing only their own copies); cannot edit or delete the originals.',
      permissions: ['workspaces:view', 'templates:view', 'templates:clone', 'templates:edit:own'],
    },
    {
      key: 'mailersio-auditor',
      name: 'Auditor',
      description: 'Read-only visibility across the whole workspace, including the audit log.',
      // account:view: an auditor bound on the account opens it (account(id:)) to read its audit log.
      permissions: [
        'account:view',
        'workspaces:view',
        'auditLog:view',
        ...MAILERSIO_GROUPS.flatMap((g) => g.resources.map((r) => `${r}:view`)),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Mautic: View / Edit / Create / Delete / Publish / Full per category, each with own vs others.

const MAUTIC_CATEGORIES: readonly { res: keyof typeof CATALOGUE; name: string }[] = [
  { res: 'campaigns', name: 'Emails and campaigns' },
  { res: 'automations', name: 'Campaigns (automations)' },
  { res: 'lists', name: 'Segments' },
  { res: 'contacts', name: 'Contacts' },
  { res: 'templates', name: 'Templates' },
  { res: 'forms', name: 'Forms' },
];

function mauticRoles(res: keyof typeof CATALOGUE, name: string): PackRole[] {
  const actions = CATALOGUE[res] as readonly string[];
  const roles: PackRole[] = [];
  const add = (level: string, label: string, permissions: string[]) =>
    roles.push({
      key: `mautic-${res}-${level}`,
      name: `${name}: ${label}`,
      description: `${name} — ${label}.`,
      permissions,
    });
  add('view-own', 'View own', [`${res}:view:own`]);
  add('view-others', 'View others', [`${res}:view`]);
  add('edit-own', 'Edit own', [`${res}:view:own`, `${res}:edit:own`]);
  add('edit-others', 'Edit others', [`${res}:view`, `${res}:edit`]);
  add('create', 'Create', [`${res}:view:own`, `${res}:create`]);
  add('delete-own', 'Delete own', [`${res}:view:own`, `${res}:delete:own`]);
  add('delete-others', 'Delete others', [`${res}:view`, `${res}:delete`]);
  if (actions.includes('publish')) {
    add('publish-own', 'Publish own', [`${res}:view:own`, `${res}:publish:own`]);
    add('publish-others', 'Publish others', [`${res}:view`, `${res}:publish`]);
  }
  add('full', 'Full', [`${res}:*`]);
  return roles;
}

const MAUTIC: RolePack = {
  name: 'mautic',
  title: 'Mautic users and roles',
  settings: { defaultRoleKey: 'mautic-administrator' },
  roles: [
    {
      key: 'mautic-administrator',
      name: 'Administrator',
      description: 'Full system access (Mautic gives new users this role by default): everything but deleting or transferring the account.',
      permissions: ADMIN,
      standsForAdmin: true,
    },
    ...MAUTIC_CATEGORIES.flatMap((c) => mauticRoles(c.res, c.name)),
  ],
};

// ---------------------------------------------------------------------------------------------

export const ROLE_PACKS: Readonly<Record<RolePackName, RolePack>> = {
  mailgun: MAILGUN,
  mailtrap: MAILTRAP,
  mailercloud: MAILERCLOUD,
  mailersio: MAILERSIO,
  mautic: MAUTIC,
};

/** Keys of the pack roles that stand for the product's administrator (protected as the system admin). */
export const ADMIN_EQUIVALENT_KEYS: readonly string[] = Object.values(ROLE_PACKS).flatMap((p) =>
  p.roles.filter((r) => r.standsForAdmin).map((r) => r.key),
);

/** The system admin, or a pack role standing for it: bound and unbound only by the owner and admins, never edited. */
export function isAdminRole(role: { key: string }): boolean {
  return role.key === 'admin' || ADMIN_EQUIVALENT_KEYS.includes(role.key);
}

// Every pack role must parse against the catalogue (fails at start-up, not at install).
for (const pack of Object.values(ROLE_PACKS)) for (const r of pack.roles) parseRolePermissions(r.permissions);
