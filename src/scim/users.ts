// SCIM Users (RFC 7643 §4.1, RFC 7644 §3): provisioning people into one account. An active SCIM user
// is a member of the account (and holds the roles of its groups); `active: false` or DELETE removes
// the membership through removeMember, which ends the user's sessions and their tokens at once.
import { accessStore } from '../authz/store';
import { removeMember } from '../modules/access/members.service';
import { takeSeat } from '../modules/billing/seats.service';
import { User } from '../modules/identity/user.model';
import { userForIdentityProvider } from '../sso/sso.service';
import { badValue, ScimError } from './errors';
import { parseFilter } from './filter';
import { rebindGroupsOf, dropFromGroups } from './groups';
import { ScimUser, type ScimUserDoc } from './scim.model';
import { listPage, resourceMeta, type ScimRequest } from './request';
import { applyPatch, type PatchOperation } from './patch';
import { isDuplicateKey } from '../db/errors';
import { isEmailAddress } from '../mail/address';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

export function userResource(req: ScimRequest, u: ScimUserDoc): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA],
    id: u.userId,
    ...(u.externalId ? { externalId: u.externalId } : {}),
    userName: u.userName,
    name: {
      ...(u.givenName ? { givenName: u.givenName } : {}),
      ...(u.familyName ? { familyName: u.familyName } : {}),
      formatted: [u.givenName, u.familyName].filter(Boolean).join(' ') || undefined,
    },
    ...(u.displayName ? { displayName: u.displayName } : {}),
    emails: [{ value: u.email, type: 'work', primary: true }],
    active: u.active,
    meta: resourceMeta(req, 'User', u.userId, u),
  };
}

interface UserFields {
  userName: string;
  externalId: string | null;
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  email: string;
  active: boolean;
}

function str(value: unknown, field: string, max = 254): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw badValue(`${field} must be a string`);
  const v = value.trim();
  if (v.length > max) throw badValue(`${field} must be at most ${max} characters`);
  return v || null;
}

/** The fields of a full User representation (POST, PUT), validated. */
function userFields(body: Record<string, unknown>): UserFields {
  const userName = str(body.userName, 'userName');
  if (!userName) throw badValue('userName is required');
  const name = (body.name ?? {}) as Record<string, unknown>;
  if (typeof name !== 'object' || Array.isArray(name)) throw badValue('name must be an object');
  const emails = body.emails ?? [];
  if (!Array.isArray(emails)) throw badValue('emails must be a list');
  const primary = (emails.find((e) => e?.primary === true) ?? emails[0]) as { value?: unknown } | undefined;
  const email = (str(primary?.value, 'emails.value') ?? userName).toLowerCase();
  if (!isEmailAddress(email)) throw badValue('A user needs an email address: as userName or in emails');
  if (body.active !== undefined && typeof body.active !== 'boolean') throw badValue('active must be true or false');
  return {
    userName,
    externalId: str(body.externalId, 'externalId'),
    givenName: str(name.givenName, 'name.givenName', 100),
    familyName: str(name.familyName, 'name.familyName', 100),
    displayName: str(body.displayName, 'displayName', 200),
    email,
    active: body.active === undefined ? true : (body.active as boolean),
  };
}

async function scimUser(req: ScimRequest, id: string): Promise<ScimUserDoc> {
  const u = await ScimUser.findOne({ accountId: req.account._id, userId: id }).lean<ScimUserDoc>();
  if (!u) throw new ScimError(404, `No user with id ${JSON.stringify(id)}`);
  return u;
}

export async function getUser(req: ScimRequest, id: string): Promise<Record<string, unknown>> {
  return userResource(req, await scimUser(req, id));
}

export async function listUsers(
  req: ScimRequest,
  query: { filter?: string; startIndex: number; count: number },
): Promise<{ total: number; resources: Record<string, unknown>[] }> {
  const where: Record<string, unknown> = { accountId: req.account._id };
  for (const f of parseFilter(query.filter, ['username', 'externalid', 'emails.value', 'emails', 'id', 'active'])) {
    if (f.attribute === 'username') where.userNameKey = String(f.value).toLowerCase();
    else if (f.attribute === 'externalid') where.externalId = String(f.value);
    else if (f.attribute === 'id') where.userId = String(f.value);
    else if (f.attribute === 'active') where.active = f.value === true;
    else where.email = String(f.value).toLowerCase();
  }
  const { total, docs } = await listPage(ScimUser, where, query);
  return { total, resources: docs.map((d) => userResource(req, d)) };
}

/** Makes the user a member again (reactivation) and gives back the roles of their groups. */
async function activate(req: ScimRequest, u: ScimUserDoc): Promise<void> {
  // A seat of the plan first (all taken: 400). The access store bumps the account's permissionsVersion
  // itself; false when already a member.
  const seat = await takeSeat(req.account, u.userId, 'active');
  if (!(await accessStore.addMember({ accountId: req.account._id, userId: u.userId, createdBy: req.ctx.actorId }))) await seat.release();
  await rebindGroupsOf(req, u.userId);
}

/** Ends the membership: bindings removed, sessions and the user's tokens in this account ended at once. */
async function deactivate(req: ScimRequest, u: ScimUserDoc): Promise<void> {
  if (u.userId === req.account.ownerId) throw new ScimError(400, 'The account owner cannot be deprovisioned', 'mutability');
  if (await accessStore.isMember(req.account._id, u.userId)) {
    await removeMember(req.ctx, { accountId: req.account._id, userId: u.userId });
  }
  await dropFromGroups(req, u.userId, { keepMembership: true });
}

export async function createUser(req: ScimRequest, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const fields = userFields(body);
  const key = fields.userName.toLowerCase();
  if (await ScimUser.exists({ accountId: req.account._id, userNameKey: key })) {
    throw new ScimError(409, `A user with userName ${JSON.stringify(fields.userName)} exists`, 'uniqueness');
  }
  const found = await userForIdentityProvider(fields.email, req.account._id, {
    name: fields.displayName,
    firstName: fields.givenName,
    lastName: fields.familyName,
  });
  if (!found) {
    // The account's IdP would then sign them in, and their session would reach their other accounts.
    throw new ScimError(409, 'This address uses Postern in other accounts: invite them with inviteUser instead', 'uniqueness');
  }
  const { user, created: createdUser } = found;
  let doc: ScimUserDoc;
  try {
    doc = (
      await ScimUser.create({ ...fields, accountId: req.account._id, userId: user._id, userNameKey: key, createdBy: req.ctx.actorId })
    ).toObject();
  } catch (err) {
    if (createdUser) await User.deleteOne({ _id: user._id });
    if (isDuplicateKey(err)) throw new ScimError(409, 'This user is already provisioned in the account', 'uniqueness');
    throw err;
  }
  if (doc.active) {
    try {
      await activate(req, doc);
    } catch (err) {
      // Not provisioned after all (no seat left): nothing stays behind.
      await ScimUser.deleteOne({ _id: doc._id });
      if (createdUser) await User.deleteOne({ _id: user._id });
      throw err;
    }
  }
  await req.ctx.audit.change({
    accountId: req.account._id,
    action: 'scim.userProvisioned',
    target: { type: 'User', id: user._id },
    after: { userName: doc.userName, email: doc.email, externalId: doc.externalId, active: doc.active },
    meta: { scimTokenId: req.tokenId, newUser: createdUser },
  });
  return userResource(req, doc);
}

/** Stores new fields and applies a change of `active`. */
async function update(req: ScimRequest, before: ScimUserDoc, fields: UserFields): Promise<ScimUserDoc> {
  if (fields.email !== before.email) throw new ScimError(400, 'The email address of a provisioned user cannot change', 'mutability');
  const key = fields.userName.toLowerCase();
  let after: ScimUserDoc | null;
  try {
    after = await ScimUser.findOneAndUpdate(
      { _id: before._id },
      { $set: { ...fields, userNameKey: key } },
      { returnDocument: 'after' },
    ).lean<ScimUserDoc>();
  } catch (err) {
    if (isDuplicateKey(err)) throw new ScimError(409, `A user with userName ${JSON.stringify(fields.userName)} exists`, 'uniqueness');
    throw err;
  }
  if (!after) throw new ScimError(404, `No user with id ${JSON.stringify(before.userId)}`);
  try {
    if (before.active && !after.active) await deactivate(req, after);
    if (!before.active && after.active) await activate(req, after);
  } catch (err) {
    await ScimUser.updateOne({ _id: before._id }, { $set: { active: before.active } });
    throw err;
  }
  const view = (u: ScimUserDoc) => ({
    userName: u.userName,
    externalId: u.externalId,
    givenName: u.givenName,
    familyName: u.familyName,
    displayName: u.displayName,
    active: u.active,
  });
  await req.ctx.audit.change({
    accountId: req.account._id,
    action: before.active && !after.active ? 'scim.userDeactivated' : 'scim.userUpdated',
    target: { type: 'User', id: after.userId },
    before: view(before),
    after: view(after),
    meta: { scimTokenId: req.tokenId },
  });
  return after;
}

export async function replaceUser(req: ScimRequest, id: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const before = await scimUser(req, id);
  return userResource(req, await update(req, before, userFields(body)));
}

export async function patchUser(req: ScimRequest, id: string, operations: PatchOperation[]): Promise<Record<string, unknown>> {
  const before = await scimUser(req, id);
  const current = userResource(req, before);
  const patched = applyPatch(current, operations, ['userName', 'externalId', 'name', 'displayName', 'emails', 'active']);
  return userResource(req, await update(req, before, userFields(patched)));
}

export async function deleteUser(req: ScimRequest, id: string): Promise<void> {
  const u = await scimUser(req, id);
  if (u.active) await deactivate(req, u);
  await dropFromGroups(req, u.userId, { keepMembership: false });
  await ScimUser.deleteOne({ _id: u._id });
  await req.ctx.audit.change({
    accountId: req.account._id,
    action: 'scim.userDeleted',
    target: { type: 'User', id: u.userId },
    before: { userName: u.userName, email: u.email, externalId: u.externalId, active: u.active },
    meta: { scimTokenId: req.tokenId },
  });
}
