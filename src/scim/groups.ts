// SCIM Groups (RFC 7643 §4.2) mapped to role bindings: a group names a role and a scope node of the
// account (Postern's extension schema); each active member holds that role there, bound through the
// access services (assignRole / unassignRole) acting for the SCIM token's creator, so the rules no
// role breaks apply to provisioning too.
import { loadScopeNode } from '../graphql';
import { type ScopeType, type RoleDoc, assertGrantable, type AccessStore } from '../authz';
import { assignRole, unassignRole } from '../modules/access/bindings.service';
import { Workspace } from '../modules/accounts/account.model';
import {
  assertRequired,
  cleanAttributes,
  GROUP_DEF,
  GROUP_ROLE_SCHEMA,
  GROUP_SCHEMA,
  groupRoleDef,
  keyOf,
  SCOPE_TYPES,
} from './attributes';
import { badValue, ScimError } from './errors';
import { filterQuery, type FilterField } from './filter';
import { ScimGroup, ScimUser, type ScimGroupDoc, type ScimGroupMember, type ScimUserDoc } from './scim.model';
import { applyPatch, type PatchOperation } from './patch';
import { assertMakerMay, assertMatches, listPage, resourceMeta, type ScimRequest } from './request';
import { isDuplicateKey } from '../db';

export { GROUP_ROLE_SCHEMA, GROUP_SCHEMA } from './attributes';
const MAX_MEMBERS = 1000;

/** What `filter` may name on Groups, and where each is kept. */
const GROUP_FILTERS: Record<string, FilterField> = {
  id: { field: '_id', type: 'string' },
  displayname: { field: 'displayNameKey', type: 'string', lowerCased: true },
  externalid: { field: 'externalId', type: 'string' },
  'members.value': { field: 'members.userId', type: 'string' },
  members: { field: 'members.userId', type: 'string' },
};

/** The roles a group may map to: the account's, but never the owner's (ownership moves only by transferOwnership). */
export async function mappableRoleIds(store: AccessStore, accountId: string): Promise<string[]> {
  return (await store.rolesOf(accountId)).filter((r) => r.key !== 'owner').map((r) => r._id);
}

/** The scopes /Schemas suggests: the account and its workspaces. */
export async function suggestedScopes(accountId: string): Promise<string[]> {
  const workspaces = await Workspace.find({ accountId }, { _id: 1 }).sort({ _id: 1 }).limit(200).lean();
  return ['ACCOUNT', ...workspaces.map((w) => `WORKSPACE:${w._id}`)];
}

/** `ACCOUNT`, `<TYPE>:<id>`, or (as earlier versions published it) `{ type, id }`. */
function parseScope(raw: unknown): { type: ScopeType; id: string | null } {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const { type, id } = raw as { type?: unknown; id?: unknown };
    if (typeof type !== 'string' || (id !== undefined && typeof id !== 'string')) throw badValue('scope must be ACCOUNT or <TYPE>:<id>');
    raw = id ? `${type}:${id}` : type;
  }
  if (typeof raw !== 'string') throw badValue('scope must be ACCOUNT or <TYPE>:<id>');
  const i = raw.indexOf(':');
  const type = (i < 0 ? raw : raw.slice(0, i)).trim().toUpperCase() as ScopeType;
  const id = i < 0 ? null : raw.slice(i + 1).trim();
  if (!SCOPE_TYPES.includes(type) || (type !== 'ACCOUNT' && !id)) {
    throw badValue(`scope must be ACCOUNT or <TYPE>:<id> with TYPE one of ${SCOPE_TYPES.join(', ')}`);
  }
  return { type, id };
}

export function groupResource(req: ScimRequest, g: ScimGroupDoc): Record<string, unknown> {
  // The scope as the provider set it (none: the account).
  const role = g.roleId
    ? { roleId: g.roleId, ...(g.scopeType ? { scope: g.scopeId ? `${g.scopeType}:${g.scopeId}` : g.scopeType } : {}) }
    : null;
  return {
    schemas: role ? [GROUP_SCHEMA, GROUP_ROLE_SCHEMA] : [GROUP_SCHEMA],
    id: g._id,
    displayName: g.displayName,
    ...(g.externalId ? { externalId: g.externalId } : {}),
    ...(g.members.length
      ? { members: g.members.map((m) => ({ value: m.userId, $ref: `${req.baseUrl}/Users/${m.userId}`, type: 'User' })) }
      : {}),
    ...(role ? { [GROUP_ROLE_SCHEMA]: role } : {}),
    meta: resourceMeta(req, 'Group', g._id, g),
  };
}

interface GroupFields {
  displayName: string;
  externalId: string | null;
  roleId: string | null;
  scopeType: ScopeType | null;
  scopeId: string | null;
  memberIds: string[];
}

async function groupFields(req: ScimRequest, body: Record<string, unknown>): Promise<GroupFields> {
  const core = cleanAttributes(GROUP_DEF.attributes, body);
  assertRequired(GROUP_DEF.attributes, core);
  const externalKey = keyOf(body, 'externalId');
  const externalRaw = externalKey ? body[externalKey] : undefined;
  if (externalRaw !== undefined && externalRaw !== null && typeof externalRaw !== 'string') throw badValue('externalId must be a string');
  const members = (core.members ?? []) as { value?: string; $ref?: string }[];
  if (members.length > MAX_MEMBERS) throw new ScimError(400, `At most ${MAX_MEMBERS} members per group`, 'tooMany');
  // A member named by $ref only (…/Users/<id>) is that id.
  const values = [...new Set(members.map((m) => m.value ?? m.$ref?.split('/').pop()))];
  if (values.some((v) => typeof v !== 'string' || !v)) throw badValue('Each member needs a value: the id of a provisioned user');
  const memberIds = values as string[];
  const known = await ScimUser.find({ accountId: req.account._id, userId: { $in: memberIds } })
    .select({ userId: 1 })
    .lean();
  const unknown = memberIds.filter((id) => !known.some((k) => k.userId === id));
  if (unknown.length) throw badValue(`No provisioned user with id ${unknown.map((u) => JSON.stringify(u)).join(', ')}`);

  const extKey = keyOf(body, GROUP_ROLE_SCHEMA);
  const extRaw = extKey ? body[extKey] : undefined;
  if (extRaw !== undefined && extRaw !== null && (typeof extRaw !== 'object' || Array.isArray(extRaw))) {
    throw badValue(`${GROUP_ROLE_SCHEMA} must be an object`);
  }
  const extIn = { ...((extRaw ?? {}) as Record<string, unknown>) };
  const scopeKey = keyOf(extIn, 'scope');
  const scopeRaw = scopeKey ? extIn[scopeKey] : undefined;
  if (scopeKey) delete extIn[scopeKey];
  const ext = cleanAttributes(groupRoleDef(await mappableRoleIds(req.ctx.access, req.account._id), []).attributes, extIn);
  const roleId = (ext.roleId as string | undefined) ?? null;
  let scopeType: ScopeType | null = null;
  let scopeId: string | null = null;
  if (scopeRaw !== undefined && scopeRaw !== null && scopeRaw !== '') {
    if (!roleId) throw badValue('scope needs a roleId: the role the members hold there');
    const scope = parseScope(scopeRaw);
    const id = scope.id ?? req.account._id;
    if (scope.type === 'ACCOUNT' && id !== req.account._id) throw badValue(`No account with id ${JSON.stringify(id)} here: use ACCOUNT`);
    const node = await loadScopeNode(req.ctx, { type: scope.type, id });
    if (!node || node.accountId !== req.account._id) {
      throw badValue(`No ${scope.type.toLowerCase()} with id ${JSON.stringify(id)} in this account`);
    }
    scopeType = scope.type;
    scopeId = scope.id;
  }
  if (roleId) {
    // A SCIM token binds no more than its maker may: roles:assign where the group binds, and only a role
    // whose permissions the maker could grant there (refused before anything is stored).
    const where = effectiveScope(req, { scopeType, scopeId });
    await assertMakerMay(req, 'roles:assign', where, 'assign roles there');
    const [role, node, actor] = await Promise.all([
      req.ctx.loaders.existing<RoleDoc>('Role', roleId),
      loadScopeNode(req.ctx, where),
      req.ctx.authz.actor(req.account._id),
    ]);
    try {
      assertGrantable(actor.grantable, role.permissions, node!, 'roleId', { viaToken: actor.viaToken });
    } catch (err) {
      throw new ScimError(403, `This SCIM token acts for the person who made it: ${(err as Error).message}`);
    }
  }
  return {
    displayName: core.displayName as string,
    externalId: (externalRaw as string | undefined)?.trim().slice(0, 254) || null,
    roleId,
    scopeType,
    scopeId,
    memberIds,
  };
}

/** Where a group's role is held: its scope, or the account when it names none. */
function effectiveScope(req: ScimRequest, g: Pick<ScimGroupDoc, 'scopeType' | 'scopeId'>): { type: ScopeType; id: string } {
  return g.scopeType && g.scopeId ? { type: g.scopeType as ScopeType, id: g.scopeId } : { type: 'ACCOUNT', id: req.account._id };
}

/** Binds the group's role to an active member; null when there is nothing to bind or they hold it already. */
async function bind(req: ScimRequest, g: Pick<ScimGroupDoc, 'roleId' | 'scopeType' | 'scopeId'>, userId: string): Promise<string | null> {
  if (!g.roleId) return null;
  const scope = effectiveScope(req, g);
  const u = await ScimUser.findOne({ accountId: req.account._id, userId }).lean<ScimUserDoc>();
  if (!u?.active) return null;
  const held = (await req.ctx.access.bindingsOf(req.account._id, [userId])).some((b) => b.roleId === g.roleId && b.scopeId === scope.id);
  if (held) return null;
  // assignRole applies the rules no role breaks: the maker may grant only what they hold (403 otherwise).
  await assertMakerMay(req, 'roles:assign', scope, 'assign roles there');
  const binding = await assignRole(req.ctx, { userId, roleId: g.roleId, scope });
  return binding._id;
}

async function unbind(req: ScimRequest, bindingId: string | null): Promise<void> {
  const binding = bindingId ? await req.ctx.access.binding(bindingId) : null;
  if (!binding) return;
  await assertMakerMay(req, 'roles:assign', { type: binding.scopeType as ScopeType, id: binding.scopeId }, 'remove roles there');
  await unassignRole(req.ctx, binding._id);
}

/** Makes the group's members and bindings match `fields`. */
async function sync(
  req: ScimRequest,
  before: ScimGroupMember[],
  g: ScimGroupDoc,
  fields: GroupFields,
  remap: boolean,
): Promise<ScimGroupMember[]> {
  const members: ScimGroupMember[] = [];
  for (const m of before) {
    if (!fields.memberIds.includes(m.userId) || remap) await unbind(req, m.bindingId);
  }
  for (const userId of fields.memberIds) {
    const kept = before.find((m) => m.userId === userId);
    members.push({ userId, bindingId: kept && !remap ? kept.bindingId : await bind(req, fields, userId) });
  }
  await ScimGroup.updateOne({ _id: g._id }, { $set: { members } });
  return members;
}

async function scimGroup(req: ScimRequest, id: string): Promise<ScimGroupDoc> {
  const g = await ScimGroup.findOne({ _id: id, accountId: req.account._id }).lean<ScimGroupDoc>();
  if (!g) throw new ScimError(404, `No group with id ${JSON.stringify(id)}`);
  return g;
}

export async function getGroup(req: ScimRequest, id: string): Promise<Record<string, unknown>> {
  return groupResource(req, await scimGroup(req, id));
}

export async function listGroups(
  req: ScimRequest,
  query: { filter?: string; startIndex: number; count: number },
): Promise<{ total: number; resources: Record<string, unknown>[] }> {
  const where = { accountId: req.account._id, ...filterQuery(query.filter, GROUP_SCHEMA, GROUP_FILTERS) };
  const { total, docs } = await listPage(ScimGroup, where, query);
  return { total, resources: docs.map((d) => groupResource(req, d)) };
}

function audited(g: Pick<ScimGroupDoc, 'displayName' | 'externalId' | 'roleId' | 'scopeType' | 'scopeId'>, members: ScimGroupMember[]) {
  return {
    displayName: g.displayName,
    externalId: g.externalId ?? null,
    roleId: g.roleId,
    scope: g.scopeType ? { type: g.scopeType, id: g.scopeId } : null,
    members: members.map((m) => m.userId),
  };
}

export async function createGroup(req: ScimRequest, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const fields = await groupFields(req, body);
  let g: ScimGroupDoc;
  try {
    g = (
      await ScimGroup.create({
        accountId: req.account._id,
        displayName: fields.displayName,
        displayNameKey: fields.displayName.toLowerCase(),
        externalId: fields.externalId,
        roleId: fields.roleId,
        scopeType: fields.scopeType,
        scopeId: fields.scopeId,
        members: [],
        version: 1,
        createdBy: req.ctx.actorId,
      })
    ).toObject();
  } catch (err) {
    if (isDuplicateKey(err)) throw new ScimError(409, `A group named ${JSON.stringify(fields.displayName)} exists`, 'uniqueness');
    throw err;
  }
  let members: ScimGroupMember[];
  try {
    members = await sync(req, [], g, fields, false);
  } catch (err) {
    await ScimGroup.deleteOne({ _id: g._id });
    throw err;
  }
  await req.ctx.audit.change({
    accountId: req.account._id,
    action: 'scim.groupCreated',
    target: { type: 'ScimGroup', id: g._id },
    after: audited(g, members),
    meta: { scimTokenId: req.tokenId },
  });
  return groupResource(req, { ...g, members });
}

async function update(req: ScimRequest, before: ScimGroupDoc, fields: GroupFields): Promise<ScimGroupDoc> {
  assertMatches(req, before.version);
  const remap = fields.roleId !== before.roleId || fields.scopeType !== before.scopeType || fields.scopeId !== before.scopeId;
  try {
    const r = await ScimGroup.updateOne(
      // The version read: a concurrent change in between answers 412 rather than being overwritten.
      { _id: before._id, version: before.version ?? null },
      {
        $inc: { version: 1 },
        $set: {
          displayName: fields.displayName,
          displayNameKey: fields.displayName.toLowerCase(),
          externalId: fields.externalId,
          roleId: fields.roleId,
          scopeType: fields.scopeType,
          scopeId: fields.scopeId,
        },
      },
    );
    if (r.matchedCount === 0) throw new ScimError(412, 'The group changed meanwhile: read it again and retry');
  } catch (err) {
    if (isDuplicateKey(err)) throw new ScimError(409, `A group named ${JSON.stringify(fields.displayName)} exists`, 'uniqueness');
    throw err;
  }
  const members = await sync(req, before.members, before, fields, remap);
  const after = (await ScimGroup.findById(before._id).lean<ScimGroupDoc>())!;
  await req.ctx.audit.change({
    accountId: req.account._id,
    action: 'scim.groupUpdated',
    target: { type: 'ScimGroup', id: before._id },
    before: audited(before, before.members),
    after: audited(after, members),
    meta: { scimTokenId: req.tokenId },
  });
  return after;
}

export async function replaceGroup(req: ScimRequest, id: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const before = await scimGroup(req, id);
  return groupResource(req, await update(req, before, await groupFields(req, body)));
}

export async function patchGroup(req: ScimRequest, id: string, ops: PatchOperation[]): Promise<Record<string, unknown>> {
  const before = await scimGroup(req, id);
  const current = groupResource(req, before);
  delete current.meta;
  const patched = applyPatch(current, ops, [GROUP_ROLE_SCHEMA]);
  return groupResource(req, await update(req, before, await groupFields(req, patched)));
}

export async function deleteGroup(req: ScimRequest, id: string): Promise<void> {
  const g = await scimGroup(req, id);
  assertMatches(req, g.version);
  for (const m of g.members) await unbind(req, m.bindingId);
  await ScimGroup.deleteOne({ _id: g._id });
  await req.ctx.audit.change({
    accountId: req.account._id,
    action: 'scim.groupDeleted',
    target: { type: 'ScimGroup', id: g._id },
    before: audited(g, g.members),
    meta: { scimTokenId: req.tokenId },
  });
}

/** After a user's reactivation: the roles of the groups they are in, bound again. */
export async function rebindGroupsOf(req: ScimRequest, userId: string): Promise<void> {
  const groups = await ScimGroup.find({ accountId: req.account._id, 'members.userId': userId }).lean<ScimGroupDoc[]>();
  for (const g of groups) {
    const bindingId = await bind(req, g, userId);
    const members = g.members.map((m) => (m.userId === userId ? { userId, bindingId } : m));
    await ScimGroup.updateOne({ _id: g._id }, { $set: { members } });
  }
}

/**
 * After a deactivation (the bindings went with the membership) or before a delete: the user's group
 * entries forget their bindings, or leave the groups.
 */
export async function dropFromGroups(req: ScimRequest, userId: string, opts: { keepMembership: boolean }): Promise<void> {
  const groups = await ScimGroup.find({ accountId: req.account._id, 'members.userId': userId }).lean<ScimGroupDoc[]>();
  for (const g of groups) {
    const mine = g.members.find((m) => m.userId === userId);
    if (!opts.keepMembership) await unbind(req, mine?.bindingId ?? null);
    const members = opts.keepMembership
      ? g.members.map((m) => (m.userId === userId ? { userId, bindingId: null } : m))
      : g.members.filter((m) => m.userId !== userId);
    await ScimGroup.updateOne({ _id: g._id }, { $set: { members } });
  }
}
