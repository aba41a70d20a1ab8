// The permission catalogue as partners and admins read it: each permission of src/authz/catalogue.ts
// with a sentence saying what it allows and whether a partner API token may hold it. Served by the
// `permissionCatalogue` query and written to docs/permissions.md (npm run docs:permissions).
import { CATALOGUE, PERMISSIONS, OWNER_ONLY } from '../../authz';

/** What each resource covers, as the object of a sentence. */
const SUBJECTS: Record<string, string> = {
  account: 'the account (its name and settings)',
  security: 'the account security settings (two-factor enforcement, sessions, single sign-on)',
  workspaces: 'workspaces',
  members: 'members of the account',
  roles: 'roles',
  apiKeys: 'sending API keys',
  apiTokens: 'partner API tokens',
  smtpCredentials: 'SMTP credentials of domains',
  sendingServers: 'sending servers (external SMTP relays)',
  domains: 'sending domains',
  webhooks: 'webhooks of domains',
  routes: 'inbound routes',
  suppressions: 'suppressions (bounces, unsubscribes, complaints)',
  authorizedRecipients: 'authorized recipients of domains',
  campaigns: 'marketing campaigns',
  lists: 'mailing lists',
  contacts: 'contacts of mailing lists',
  templates: 'email templates',
  automations: 'marketing automations',
  forms: 'sign-up forms',
  reports: 'reports',
  projects: 'email-testing projects',
  inboxes: 'email-testing inboxes',
  messages: 'messages captured in testing inboxes',
  emails: 'transactional email',
  emailLogs: 'email logs (delivery records)',
  emailContent: 'the bodies of logged and captured emails',
  billing: 'billing (plan and card)',
  supportTickets: 'support tickets',
  auditLog: 'the audit log',
  accessRequests: 'access requests',
  explorer: 'the GraphQL explorer',
  access: 'access insight (explain, preview, who can, review)',
};

const VERBS: Record<string, (subject: string) => string> = {
  view: (s) => `See ${s}.`,
  create: (s) => `Create ${s}.`,
  edit: (s) => `Change ${s}.`,
  delete: (s) => `Delete ${s}.`,
  export: (s) => `Export ${s}.`,
};

/** Sentences for the actions a verb alone does not explain. */
const SPECIFIC: Record<string, string> = {
  'account:delete': 'Delete the account and everything in it (owner only).',
  'account:transferOwnership': 'Hand the account over to another member (owner only).',
  'members:create': 'Create users directly in the account.',
  'members:invite': 'Invite people by email to join the account.',
  'members:edit': "Change members' details.",
  'members:remove': 'Remove members from the account.',
  'roles:assign': 'Bind roles and per-user overrides to members (only permissions the assigner holds at that scope).',
  'apiKeys:rotate': 'Replace the secret of a sending API key.',
  'apiKeys:reveal': 'Read sending API key secrets in full (each reveal is audited).',
  'apiTokens:create': 'Create partner API tokens and rotate or edit them (only with scopes the creator holds).',
  'apiTokens:revoke': 'Revoke partner API tokens.',
  'smtpCredentials:reveal': 'Read SMTP passwords in full (each reveal is audited).',
  'sendingServers:reveal': 'Read sending-server passwords in full (each reveal is audited).',
  'campaigns:send': 'Send or schedule marketing campaigns.',
  'contacts:import': 'Import contacts into mailing lists.',
  'contacts:export': 'Export contacts of mailing lists.',
  'templates:clone': 'Copy email templates.',
  'automations:publish': 'Publish and unpublish marketing automations.',
  'forms:publish': 'Publish and unpublish sign-up forms.',
  'messages:create': 'Send test emails into testing inboxes.',
  'emails:send': 'Send transactional email through a domain.',
  'emailContent:view': 'Read the bodies of logged and captured emails (masked as null otherwise).',
  'billing:limits': 'Change sending and verification limits.',
  'supportTickets:comment': 'Comment on support tickets.',
  'auditLog:export': 'Download the audit log as CSV or JSON lines (the export is itself audited).',
  'accessRequests:resolve': 'Approve or deny access requests.',
  'explorer:use': 'Use the GraphQL explorer at /graphiql.',
  'access:viewAs':
    'View the API as a member, a role at a scope or a partner token of the account (header X-Postern-View-As): read-only, secrets always masked, each use audited.',
  'access:review':
    'Explain access decisions, preview access changes, list who holds a permission, export the access review and the access document, and plan access documents.',
  'access:apply': 'Apply a reviewed access plan (access as code); approve plans so a partner token may apply them.',
};

/**
 * Permissions a partner API token may not hold: a token never mints tokens (createApiToken refuses
 * token principals), and the owner-only actions stay with the signed-in owner.
 */
export const NOT_TOKEN_GRANTABLE: ReadonlySet<string> = new Set(['apiTokens:create', 'access:viewAs', ...OWNER_ONLY]);

export interface PermissionEntry {
  permission: string;
  resource: string;
  action: string;
  description: string;
  tokenGrantable: boolean;
}

function words(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

export function describePermission(permission: string): string {
  const specific = SPECIFIC[permission];
  if (specific) return specific;
  const [resource, action] = permission.split(':') as [string, string];
  const subject = SUBJECTS[resource] ?? words(resource);
  const verb = VERBS[action];
  return verb ? verb(subject) : `${words(action)[0]!.toUpperCase()}${words(action).slice(1)} ${subject}.`;
}

/** Every permission, in catalogue order. */
export function permissionCatalogue(): PermissionEntry[] {
  return PERMISSIONS.map((permission) => {
    const [resource, action] = permission.split(':') as [string, string];
    return {
      permission,
      resource,
      action,
      description: describePermission(permission),
      tokenGrantable: !NOT_TOKEN_GRANTABLE.has(permission),
    };
  });
}

/** The resources in catalogue order (for grouping). */
export const RESOURCES: readonly string[] = Object.keys(CATALOGUE);
