// Where each resource sits in the tree (docs/design.md "The resource tree"). Every document carries its ancestors' ids, so
// the checker finds a resource's scope chain by reading fields: no extra reads.
import type { PermissionResource } from './catalogue';

export type ScopeType = 'ACCOUNT' | 'WORKSPACE' | 'DOMAIN' | 'PROJECT' | 'INBOX' | 'SENDING_SERVER' | 'CAMPAIGN' | 'LIST' | 'TEMPLATE';

export const SCOPE_TYPES: readonly ScopeType[] = [
  'ACCOUNT',
  'WORKSPACE',
  'DOMAIN',
  'PROJECT',
  'INBOX',
  'SENDING_SERVER',
  'CAMPAIGN',
  'LIST',
  'TEMPLATE',
];

export interface ResourceType {
  /** mongoose model name (= GraphQL type name). */
  model: string;
  /** Document fields holding the scope-node ids that a check walks, nearest first. */
  chain: readonly string[];
  /** Set when documents of this type are themselves scope nodes (bindings can be placed on them). */
  scopeType?: ScopeType;
}

const ws = ['workspaceId', 'accountId'] as const;
const dom = ['domainId', 'workspaceId', 'accountId'] as const;
const acct = ['accountId'] as const;

export const RESOURCE_TYPES: Record<string, ResourceType> = {
  Account: { model: 'Account', chain: ['_id'], scopeType: 'ACCOUNT' },
  Workspace: { model: 'Workspace', chain: ['_id', 'accountId'], scopeType: 'WORKSPACE' },
  Domain: { model: 'Domain', chain: ['_id', ...ws], scopeType: 'DOMAIN' },
  SmtpCredential: { model: 'SmtpCredential', chain: dom },
  Webhook: { model: 'Webhook', chain: dom },
  Suppression: { model: 'Suppression', chain: dom },
  AuthorizedRecipient: { model: 'AuthorizedRecipient', chain: dom },
  EmailLog: { model: 'EmailLog', chain: dom },
  SendingServer: { model: 'SendingServer', chain: ['_id', ...ws], scopeType: 'SENDING_SERVER' },
  Campaign: { model: 'Campaign', chain: ['_id', ...ws], scopeType: 'CAMPAIGN' },
  MailingList: { model: 'MailingList', chain: ['_id', ...ws], scopeType: 'LIST' },
  Contact: { model: 'Contact', chain: ['listId', ...ws] },
  Template: { model: 'Template', chain: ['_id', ...ws], scopeType: 'TEMPLATE' },
  Automation: { model: 'Automation', chain: ws },
  Form: { model: 'Form', chain: ws },
  Route: { model: 'Route', chain: ws },
  Project: { model: 'Project', chain: ['_id', ...ws], scopeType: 'PROJECT' },
  Inbox: { model: 'Inbox', chain: ['_id', 'projectId', ...ws], scopeType: 'INBOX' },
  Message: { model: 'Message', chain: ['inboxId', 'projectId', ...ws] },
  Role: { model: 'Role', chain: acct },
  // A binding is checked where it grants: at its scope node and that node's ancestors.
  RoleBinding: { model: 'RoleBinding', chain: ['scopeId', 'inboxId', 'projectId', 'domainId', 'workspaceId', 'accountId'] },
  ApiKey: { model: 'ApiKey', chain: acct },
  ApiToken: { model: 'ApiToken', chain: acct },
  Billing: { model: 'Billing', chain: acct },
  SupportTicket: { model: 'SupportTicket', chain: acct },
  SupportTicketComment: { model: 'SupportTicketComment', chain: acct },
  AuditEvent: { model: 'AuditEvent', chain: ['workspaceId', 'accountId'] },
  AuditRetention: { model: 'AuditRetention', chain: acct },
  AuditSink: { model: 'AuditSink', chain: acct },
  AccessRequest: { model: 'AccessRequest', chain: ['scopeId', 'inboxId', 'projectId', 'domainId', 'workspaceId', 'accountId'] },
  Invitation: { model: 'Invitation', chain: acct },
  Member: { model: 'Member', chain: acct },
  SsoConfiguration: { model: 'SsoConfig', chain: acct },
};

/** The GraphQL/mongoose type of each scope type's nodes. */
export const SCOPE_MODEL: Record<ScopeType, string> = {
  ACCOUNT: 'Account',
  WORKSPACE: 'Workspace',
  DOMAIN: 'Domain',
  PROJECT: 'Project',
  INBOX: 'Inbox',
  SENDING_SERVER: 'SendingServer',
  CAMPAIGN: 'Campaign',
  LIST: 'MailingList',
  TEMPLATE: 'Template',
};

/** The type a permission's resource names, used to load the target of `someMutation(id: …)`. */
export const PERMISSION_TARGET: Partial<Record<PermissionResource, string>> = {
  account: 'Account',
  security: 'Account',
  workspaces: 'Workspace',
  members: 'Account',
  roles: 'Role',
  apiKeys: 'ApiKey',
  apiTokens: 'ApiToken',
  smtpCredentials: 'SmtpCredential',
  sendingServers: 'SendingServer',
  domains: 'Domain',
  webhooks: 'Webhook',
  routes: 'Route',
  suppressions: 'Suppression',
  authorizedRecipients: 'AuthorizedRecipient',
  campaigns: 'Campaign',
  lists: 'MailingList',
  contacts: 'Contact',
  templates: 'Template',
  automations: 'Automation',
  forms: 'Form',
  projects: 'Project',
  inboxes: 'Inbox',
  messages: 'Message',
  emails: 'Domain',
  emailLogs: 'EmailLog',
  billing: 'Account',
  supportTickets: 'SupportTicket',
  auditLog: 'Account',
  accessRequests: 'AccessRequest',
};

/**
 * For root fields without an `id`: the argument keys that name the parent node, most specific
 * first. A resource's own parent key comes before the general order (createCampaign names a
 * workspace, a list and a template: the campaign's parent is the workspace).
 */
export const PARENT_KEYS: Partial<Record<PermissionResource, readonly string[]>> = {
  workspaces: ['accountId'],
  smtpCredentials: ['domainId'],
  webhooks: ['domainId'],
  suppressions: ['domainId'],
  authorizedRecipients: ['domainId'],
  emailLogs: ['domainId'],
  campaigns: ['workspaceId'],
  lists: ['workspaceId'],
  contacts: ['listId'],
  templates: ['workspaceId'],
  messages: ['inboxId'],
  emails: ['domainId'],
  inboxes: ['projectId'],
};

export const GENERAL_KEYS: readonly [string, string][] = [
  ['bindingId', 'RoleBinding'],
  ['inboxId', 'Inbox'],
  ['projectId', 'Project'],
  ['domainId', 'Domain'],
  ['listId', 'MailingList'],
  ['campaignId', 'Campaign'],
  ['templateId', 'Template'],
  ['sendingServerId', 'SendingServer'],
  ['workspaceId', 'Workspace'],
  ['accountId', 'Account'],
];

export const KEY_MODEL: Record<string, string> = Object.fromEntries(GENERAL_KEYS);

/** The account a document belongs to. */
export function accountIdOf(type: string, doc: { _id: string; accountId?: string }): string | undefined {
  return type === 'Account' ? doc._id : doc.accountId;
}

/** The nearest scope node of a document, for FORBIDDEN's `scope` extension. */
export function scopeOf(type: string, doc: Record<string, unknown>): { type: ScopeType; id: string } {
  const rt = RESOURCE_TYPES[type];
  if (rt?.scopeType) return { type: rt.scopeType, id: String(doc._id) };
  if (type === 'RoleBinding' || type === 'AccessRequest') {
    return { type: doc.scopeType as ScopeType, id: String(doc.scopeId) };
  }
  for (const key of rt?.chain ?? ['accountId']) {
    const id = doc[key];
    if (typeof id === 'string') {
      const model = KEY_MODEL[key];
      const scopeType = (Object.keys(SCOPE_MODEL) as ScopeType[]).find((s) => SCOPE_MODEL[s] === model);
      if (scopeType) return { type: scopeType, id };
    }
  }
  return { type: 'ACCOUNT', id: String(doc.accountId ?? doc._id) };
}

/** Root fields whose `id` names something other than their permission's resource. */
export const ID_TARGET_BY_FIELD: Record<string, string> = {
  unassignRole: 'RoleBinding',
};
