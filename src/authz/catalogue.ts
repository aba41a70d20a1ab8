// The closed permission catalogue (docs/design.md "Permissions"; docs/permissions.md). Every permission string written anywhere — a role,
// an override, a token scope, a directive — is parsed here, and an unknown one is refused.

export const CATALOGUE = {
  account: ['view', 'edit', 'delete', 'transferOwnership'],
  security: ['view', 'edit'],
  workspaces: ['view', 'create', 'edit', 'delete'],
  members: ['view', 'create', 'invite', 'edit', 'remove'],
  roles: ['view', 'create', 'edit', 'delete', 'assign'],
  apiKeys: ['view', 'create', 'rotate', 'delete', 'reveal'],
  apiTokens: ['view', 'create', 'revoke'],
  smtpCredentials: ['view', 'create', 'delete', 'reveal'],
  sendingServers: ['view', 'create', 'edit', 'delete', 'reveal'],
  domains: ['view', 'create', 'edit', 'delete'],
  webhooks: ['view', 'create', 'edit', 'delete'],
  routes: ['view', 'create', 'edit', 'delete'],
  suppressions: ['view', 'create', 'delete'],
  authorizedRecipients: ['view', 'create', 'delete'],
  campaigns: ['view', 'create', 'edit', 'delete', 'send'],
  lists: ['view', 'create', 'edit', 'delete'],
  contacts: ['view', 'create', 'edit', 'delete', 'import', 'export'],
  templates: ['view', 'create', 'edit', 'delete', 'clone'],
  automations: ['view', 'create', 'edit', 'delete', 'publish'],
  forms: ['view', 'create', 'edit', 'delete', 'publish'],
  reports: ['view', 'export'],
  projects: ['view', 'create', 'edit', 'delete'],
  inboxes: ['view', 'create', 'edit', 'delete'],
  messages: ['view', 'create', 'delete'],
  emails: ['send'],
  emailLogs: ['view', 'export'],
  emailContent: ['view'],
  billing: ['view', 'edit', 'limits'],
  supportTickets: ['view', 'create', 'comment'],
  auditLog: ['view', 'export'],
  accessRequests: ['view', 'resolve'],
  explorer: ['use'],
  access: ['review', 'viewAs', 'apply'],
} as const satisfies Record<string, readonly string[]>;

export type PermissionResource = keyof typeof CATALOGUE;

/** Every concrete permission, in a fixed order: its index is its bit. */
export const PERMISSIONS: readonly string[] = Object.entries(CATALOGUE).flatMap(([res, actions]) => actions.map((a) => `${res}:${a}`));

const INDEX = new Map<string, number>(PERMISSIONS.map((p, i) => [p, i]));

export const PERMISSION_COUNT = PERMISSIONS.length;

export class UnknownPermissionError extends Error {
  constructor(
    readonly permission: string,
    reason: string,
  ) {
    super(`Unknown permission "${permission}": ${reason}`);
    this.name = 'UnknownPermissionError';
  }
}

/** A parsed permission as written in a role, override or token: `res:action`, `res:action:own`, `res:*`. */
export interface ParsedPermission {
  /** Bit indexes this string stands for (several for `res:*`). */
  bits: number[];
  own: boolean;
  text: string;
}

export interface ParseOptions {
  /** `res:*` ("Full" in Mautic): allowed in role definitions. */
  allowWildcard?: boolean;
  /** `res:action:own`: allowed in roles and overrides, not in directives or token scopes. */
  allowOwn?: boolean;
}

export function parsePermission(text: string, opts: ParseOptions = {}): ParsedPermission {
  if (typeof text !== 'string') throw new UnknownPermissionError(String(text), 'not a string');
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3) {
    throw new UnknownPermissionError(text, 'expected resource:action or resource:action:own');
  }
  const [res, action, qualifier] = parts as [string, string, string | undefined];
  const actions = (CATALOGUE as Record<string, readonly string[]>)[res];
  if (!actions || !Object.prototype.hasOwnProperty.call(CATALOGUE, res)) {
    throw new UnknownPermissionError(text, `no resource "${res}" in the catalogue`);
  }
  let own = false;
  if (qualifier !== undefined) {
    if (qualifier !== 'own') throw new UnknownPermissionError(text, `qualifier must be "own", got "${qualifier}"`);
    if (!opts.allowOwn) throw new UnknownPermissionError(text, 'the :own qualifier is not allowed here');
    own = true;
  }
  if (action === '*') {
    if (!opts.allowWildcard) throw new UnknownPermissionError(text, 'wildcards are allowed only in role definitions');
    return { bits: actions.map((a) => INDEX.get(`${res}:${a}`)!), own, text };
  }
  const bit = INDEX.get(`${res}:${action}`);
  if (bit === undefined) {
    throw new UnknownPermissionError(text, `"${res}" has no action "${action}" (it has ${actions.join(', ')})`);
  }
  return { bits: [bit], own, text };
}

/** The bit of a plain `resource:action` permission; throws for anything else. */
export function permissionBit(permission: string): number {
  const bit = INDEX.get(permission);
  if (bit === undefined) throw new UnknownPermissionError(permission, 'not in the catalogue');
  return bit;
}

export function isPermission(permission: string): boolean {
  return INDEX.has(permission);
}

export function permissionResource(permission: string): PermissionResource {
  return permission.slice(0, permission.indexOf(':')) as PermissionResource;
}
