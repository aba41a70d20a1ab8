// SCIM Groups (RFC 7643 §4.2) mapped to role bindings: a group names a role and a scope node of the
// account (Postern's extension schema); each active member holds that role there, bound through the
// access services (assignRole / unassignRole) acting for the SCIM token's creator, so the rules no
// role breaks apply to provisioning too.
import { loadScopeNode } from '../authz/introspect';
import { SCOPE_MODEL, type ScopeType } from '../authz/resources';
import { assignRole, unassignRole } from '../modules/access/bindings.service';
import { accessStore, type RoleDoc } from '../authz/store';
import { badValue, ScimError } from './errors';
import { parseFilter } from './filter';
import { ScimGroup, ScimUser, type ScimGroupDoc, type ScimGroupMember, type ScimUserDoc } from './scim.model';
import { applyPatch, type PatchOperation } from './patch';
import { listPage, resourceMeta, type ScimRequest } from './request';
import { isDuplicateKey } from '../db/errors';

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** Postern's extension: the role the group's members hold, and where. */
export const GROUP_ROLE_SCHEMA = 'urn:postern:params:scim:schemas:extension:2.0:Group';
const MAX_MEMBERS = 1000;

export function groupResource(req: ScimRequest, g: ScimGroupDoc): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA, GROUP_ROLE_SCHEMA],
    id: g._id,
    displayName: g.displayName,
    ...(g.externalId ? { externalId: g.externalId } : {}),
    members: g.members.map((m) => ({ value: m.userId, $ref: `${req.baseUrl}/Users/${m.userId}`, type: 'User' })),
    [GROUP_ROLE_SCHEMA]: g.roleId ? { roleId: g.roleId, scope: { type: g.scopeType, id: g.scopeId } } : {},
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
  const displayName = typeof body.displayName === 'string' ? body.displayName.trim() : '';
  if (!displayName || displayName.length > 200) throw badValue('displayName is required (at most 200 characters)');
  if (body.externalId !== undefined && body.externalId !== null && typeof body.externalId !== 'string') {
    throw badValue('externalId must be a string');
  }
  const members = body.members ?? [];
  if (!Array.isArray(members)) throw badValue('members must be a list');
  if (members.length > MAX_MEMBERS) throw new ScimError(400, `At most ${MAX_MEMBERS} members per group`, 'tooMany');
  const values = [...new Set(members.map((m) => (m as { value?: unknown })?.value))];
  if (values.some((v) => typeof v !== 'string')) throw badValue('Each member needs a value: the id of a provisioned user');
  const memberIds = values as string[];
  const known = await ScimUser.find({ accountId: req.account._id, userId: { $in: memberIds } })
    .select({ userId: 1 })
    .lean();
  const unknown = memberIds.filter((id) => !known.some((k) => k.userId === id));
  if (unknown.length) throw badValue(`No provisioned user with id ${unknown.map((u) => JSON.stringify(u)).join(', ')}`);

  const ext = (body[GROUP_ROLE_SCHEMA] ?? {}) as { roleId?: unknown; scope?: { type?: unknown; id?: unknown } };
  if (typeof ext !== 'object') throw badValue(`${GROUP_ROLE_SCHEMA} must be an object`);
  let roleId: string | null = null;
  let scopeType: ScopeType | null = null;
  let scopeId: string | null = null;
  if (ext.roleId !== undefined && ext.roleId !== null) {
    if (typeof ext.roleId !== 'string') throw badValue('roleId must be a string');
    const role = await req.ctx.loaders.load<RoleDoc>('Role', ext.roleId);
    if (!role || role.accountId !== req.account._id) throw badValue(`No role with id ${JSON.stringify(ext.roleId)} in this account`);
    roleId = role._id;
    const type = (ext.scope?.type ?? 'ACCOUNT') as ScopeType;
    const id = (ext.scope?.id ?? req.account._id) as string;
    if (typeof type !== 'string' || !SCOPE_MODEL[type] || typeof id !== 'string') throw badValue('scope must be { type, id }');
    const node = await loadScopeNode(req.ctx, { type, id });
    if (!node || node.accountId !== req.account._id)
      throw badValue(`No ${type.toLowerCase()} with id ${JSON.stringify(id)} in this account`);
    scopeType = type;
    scopeId = id;
  }
  return {
    displayName,
    externalId: (body.externalId as string | undefined)?.trim() || null,
    roleId,
    scopeType,
    scopeId,
    memberIds,
  };
}

/** Binds the group's role to an active member; null when there is nothing to bind or they hold it already. */
async function bind(req: ScimRequest, g: Pick<ScimGroupDoc, 'roleId' | 'scopeType' | 'scopeId'>, userId: string): Promise<string | null> {
  if (!g.roleId || !g.scopeType || !g.scopeId) return null;
  const u = await ScimUser.findOne({ accountId: req.account._id, userId }).lean<ScimUserDoc>();
  if (!u?.active) return null;
  const held = (await accessStore.bindingsOf(req.account._id, [userId])).some((b) => b.roleId === g.roleId && b.scopeId === g.scopeId);
  if (held) return null;
  const binding = await assignRole(req.ctx, { userId, roleId: g.roleId, scope: { type: g.scopeType as ScopeType, id: g.scopeId } });
  return binding._id;
}

async function unbind(req: ScimRequest, bindingId: string | null): Promise<void> {
  if (bindingId && (await accessStore.binding(bindingId))) await unassignRole(req.ctx, bindingId);
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
  const where: Record<string, unknown> = { accountId: req.account._id };
  for (const f of parseFilter(query.filter, ['displayname', 'externalid', 'id', 'members.value'])) {
    if (f.attribute === 'displayname') where.displayNameKey = String(f.value).toLowerCase();
    else if (f.attribute === 'externalid') where.externalId = String(f.value);
    else if (f.attribute === 'id') where._id = String(f.value);
    else where['members.userId'] = String(f.value);
  }
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
  const remap = fields.roleId !== before.roleId || fields.scopeType !== before.scopeType || fields.scopeId !== before.scopeId;
  try {
    await ScimGroup.updateOne(
      { _id: before._id },
      {
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
  const patched = applyPatch(groupResource(req, before), ops, ['displayName', 'externalId', 'members', GROUP_ROLE_SCHEMA]);
  return groupResource(req, await update(req, before, await groupFields(req, patched)));
}

export async function deleteGroup(req: ScimRequest, id: string): Promise<void> {
  const g = await scimGroup(req, id);
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
