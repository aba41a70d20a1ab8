// The access document (docs/access-as-code.md): an account's roles, role packs, bindings by member
// email and scope path, overrides, expiries, partner tokens' scopes (never their secrets) and the
// account settings that govern access, as one file kept in version control. Validated with zod;
// the JSON Schema published in docs/access-document.schema.json and served at
// GET /access/document.schema.json is generated from the same zod schema (accessDocumentJsonSchema).
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BadInputError } from '../../errors';
import type { RolePackName } from '../../authz';

export const DOCUMENT_VERSION = 1;
export const MAX_DOCUMENT_CHARS = 1_000_000;

const PACKS = ['mailgun', 'mailtrap', 'mailercloud', 'mailersio', 'mautic'] as const satisfies readonly RolePackName[];

const permission = z
  .string()
  .min(3)
  .max(100)
  .describe('A permission of the catalogue (docs/permissions.md): `res:action`, `res:action:own` or, in roles, `res:*`.');
const scopePath = z
  .string()
  .max(1000)
  .describe(
    'Where the binding is placed: `account`, or type/name pairs from the account down, such as `workspace/Marketing/domain/mail.example.com` or `workspace/QA/project/Web/inbox/Staging`. Types: workspace, domain, project, inbox, sending-server, campaign, list, template. A name containing `/` or `%` is percent-encoded; `@<id>` stands for a node whose name is shared by a sibling.',
  );

export const roleSchema = z
  .object({
    key: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'lowercase letters, digits and dashes')
      .describe('The role key, unique in the account (`custom-…` for roles of your own, `<pack>-…` for role-pack roles).'),
    name: z.string().min(1).max(200),
    description: z.string().max(1000).default(''),
    permissions: z.array(permission).max(500),
  })
  .strict();

export const bindingSchema = z
  .object({
    member: z.string().min(3).max(254).describe("The member's email address (they must already be a member of the account)."),
    role: z.string().min(1).max(80).describe('The role key.'),
    scope: scopePath,
    grant: z.array(permission).max(200).default([]).describe('Overrides: permissions added to the role on this binding.'),
    revoke: z.array(permission).max(200).default([]).describe('Overrides: permissions taken from the role on this binding.'),
    expiresAt: z.iso.datetime({ offset: true }).nullable().default(null).describe('When the binding lapses; null: never.'),
  })
  .strict();

export const tokenSchema = z
  .object({
    name: z.string().max(200),
    owner: z.string().max(254).describe('The email of the member who made the token (it never exceeds their access).'),
    scopes: z.array(permission).max(200),
    workspaces: z.array(z.string().max(1000)).nullable().describe('Workspace names the token is limited to; null: all.'),
    expiresAt: z.iso.datetime({ offset: true }),
  })
  .strict();

export const grantSchema = z
  .object({
    member: z.string().max(254),
    permission,
    scope: scopePath,
    expiresAt: z.iso.datetime({ offset: true }).nullable(),
  })
  .strict();

export const settingsSchema = z
  .object({
    defaultRole: z.string().max(80).nullable().describe('Key of the role inviteUser binds when none is named; null: none.'),
    accessRequestRecipients: z.enum(['OWNER', 'RESOLVERS']).describe('Who receives access requests.'),
    auditRetentionDays: z.number().int().nullable().describe("Days the audit log keeps events; null: the plan's maximum."),
  })
  .partial()
  .strict();

export const accessDocumentSchema = z
  .object({
    $schema: z.string().max(1000).optional(),
    version: z.literal(DOCUMENT_VERSION),
    account: z
      .object({ id: z.string().max(100), name: z.string().max(200), owner: z.string().max(254) })
      .partial()
      .strict()
      .optional()
      .describe('Informational: which account the document was exported from. Never applied.'),
    settings: settingsSchema.default({}).describe('Account settings that govern access; a setting left out is left as it is.'),
    rolePacks: z
      .array(z.enum(PACKS))
      .default([])
      .describe('Role packs installed. A listed pack role left out of `roles` is kept as the pack defines it.'),
    roles: z.array(roleSchema).max(1000).default([]).describe('Every role but the system ones (owner, admin). A role left out is deleted.'),
    bindings: z
      .array(bindingSchema)
      .max(20000)
      .default([])
      .describe("Every role binding but the owner's. A binding left out is removed; one added is made."),
    tokens: z
      .array(tokenSchema)
      .max(1000)
      .default([])
      .describe('Partner tokens in force, for review: read-only (made and revoked with createApiToken / revokeApiToken).'),
    grants: z
      .array(grantSchema)
      .max(5000)
      .default([])
      .describe('Time-bound grants of approved access requests, for review: read-only (they lapse on their own).'),
  })
  .strict();

export type AccessDocument = z.infer<typeof accessDocumentSchema>;
export type DocumentRole = z.infer<typeof roleSchema>;
export type DocumentBinding = z.infer<typeof bindingSchema>;

/** The published JSON Schema of the document (draft 2020-12), generated from the zod schema. */
export function accessDocumentJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(accessDocumentSchema, { io: 'input' }),
    $id: 'https://postern.dev/schemas/access-document.schema.json',
    title: 'Postern access document',
    description: "An account's access as code: exportAccess writes it, planAccess and applyAccess read it (docs/access-as-code.md).",
  };
}

/** Parses JSON or YAML text (YAML is a superset of JSON) and validates it; BAD_USER_INPUT names the first problems. */
export function parseAccessDocument(text: string): AccessDocument {
  if (typeof text !== 'string' || !text.trim()) throw new BadInputError('The document is empty', 'document');
  if (text.length > MAX_DOCUMENT_CHARS) throw new BadInputError(`The document is larger than ${MAX_DOCUMENT_CHARS} characters`, 'document');
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (err) {
    throw new BadInputError(`The document is neither valid JSON nor YAML: ${(err as Error).message.split('\n')[0]}`, 'document');
  }
  const parsed = accessDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    const shown = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : '(document)'}: ${i.message}`)
      .join('; ');
    throw new BadInputError(`The document does not match the access document schema: ${shown}`, 'document');
  }
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Scope paths

export const PATH_TYPES = {
  workspace: 'WORKSPACE',
  domain: 'DOMAIN',
  project: 'PROJECT',
  inbox: 'INBOX',
  'sending-server': 'SENDING_SERVER',
  campaign: 'CAMPAIGN',
  list: 'LIST',
  template: 'TEMPLATE',
} as const;
export type PathType = keyof typeof PATH_TYPES;
export const PATH_TYPE_OF: Record<string, PathType> = Object.fromEntries(Object.entries(PATH_TYPES).map(([k, v]) => [v, k as PathType]));

/** What may hold what: the parent type of each path type (null: the account). */
export const PATH_PARENT: Record<PathType, PathType | null> = {
  workspace: null,
  domain: 'workspace',
  project: 'workspace',
  inbox: 'project',
  'sending-server': 'workspace',
  campaign: 'workspace',
  list: 'workspace',
  template: 'workspace',
};

export const encodeSegment = (name: string): string => name.replace(/%/g, '%25').replace(/\//g, '%2F');

/** `workspace/Marketing/domain/mail.example.com` → [{type, name}] (or `id` for `@<id>` segments). */
export function splitPath(path: string): { type: PathType; name?: string; id?: string }[] {
  const p = path.trim();
  if (p === 'account' || p === '') return [];
  const parts = p.split('/');
  if (parts.length % 2) throw new BadInputError(`Scope path "${path}" must be "account" or type/name pairs`, 'document');
  const out: { type: PathType; name?: string; id?: string }[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const type = parts[i] as PathType;
    if (!(type in PATH_TYPES)) {
      throw new BadInputError(
        `Scope path "${path}": unknown type "${parts[i]}" (one of ${Object.keys(PATH_TYPES).join(', ')})`,
        'document',
      );
    }
    const expected = out.length ? out[out.length - 1]!.type : null;
    if (PATH_PARENT[type] !== expected) {
      throw new BadInputError(
        `Scope path "${path}": a ${type} sits under ${PATH_PARENT[type] ? `a ${PATH_PARENT[type]}` : 'the account'}`,
        'document',
      );
    }
    const seg = parts[i + 1]!;
    let name: string;
    try {
      name = decodeURIComponent(seg);
    } catch {
      throw new BadInputError(`Scope path "${path}": "${seg}" is not a valid segment`, 'document');
    }
    out.push(seg.startsWith('@') ? { type, id: seg.slice(1) } : { type, name });
  }
  return out;
}
