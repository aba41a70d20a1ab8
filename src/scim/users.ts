// SCIM Users (RFC 7643 §4.1, RFC 7644 §3): provisioning people into one account. An active SCIM user
// is a member of the account (and holds the roles of its groups); `active: false` or DELETE removes
// the membership through removeMember, which ends the user's sessions and their tokens at once.
// Addresses: a user is created only at an address under a domain the account proved through DNS
// (trusted-domain.service); an existing login at the address is linked, never overwritten.
import { removeMember } from '../modules/access/members.service';
import { takeSeat } from '../modules/billing/seats.service';
import { User } from '../modules/identity/user.model';
import { accountMayVouchFor, domainOfAddress } from '../modules/sending/trusted-domain.service';
import { userForIdentityProvider } from '../sso/sso.service';
import { isDuplicateKey } from '../db';
import { isEmailAddress } from '../mail';
import { assertRequired, cleanAttributes, ENTERPRISE_USER_DEF, ENTERPRISE_USER_SCHEMA, keyOf, USER_DEF, USER_SCHEMA } from './attributes';
import { badValue, ScimError } from './errors';
import { filterQuery, type FilterField } from './filter';
import { dropFromGroups, rebindGroupsOf } from './groups';
import { applyPatch, type PatchOperation } from './patch';
import { assertMakerMay, assertMatches, listPage, resourceMeta, type ScimRequest } from './request';
import { ScimUser, type ScimUserDoc } from './scim.model';

export { USER_SCHEMA } from './attributes';

type Json = Record<string, unknown>;

/** What `filter` may name on Users, and where each is kept. */
const USER_FILTERS: Record<string, FilterField> = {
  id: { field: 'userId', type: 'string' },
  username: { field: 'userNameKey', type: 'string', lowerCased: true },
  externalid: { field: 'externalId', type: 'string' },
  'emails.value': { field: 'emailKeys', type: 'string', lowerCased: true },
  emails: { field: 'emailKeys', type: 'string', lowerCased: true },
  displayname: { field: 'displayNameKey', type: 'string', lowerCased: true },
  active: { field: 'active', type: 'boolean' },
};

/** The attributes the provider set, as stored (older documents kept names and the address as fields). */
function storedAttributes(u: ScimUserDoc): Json {
  if (u.attributes) return JSON.parse(u.attributes) as Json;
  const name = { ...(u.givenName ? { givenName: u.givenName } : {}), ...(u.familyName ? { familyName: u.familyName } : {}) };
  return {
    ...(Object.keys(name).length ? { name } : {}),
    ...(u.displayName ? { displayName: u.displayName } : {}),
    emails: [{ value: u.email, type: 'work', primary: true }],
    active: u.active,
  };
}

/** The User as SCIM shows it: exactly what the provider set (nothing invented), with id, active and meta. */
export function userResource(req: ScimRequest, u: ScimUserDoc): Json {
  const attrs = storedAttributes(u);
  const enterprise = attrs[ENTERPRISE_USER_SCHEMA];
  delete attrs[ENTERPRISE_USER_SCHEMA];
  return {
    schemas: enterprise ? [USER_SCHEMA, ENTERPRISE_USER_SCHEMA] : [USER_SCHEMA],
    id: u.userId,
    ...(u.externalId ? { externalId: u.externalId } : {}),
    ...attrs,
    userName: u.userName,
    ...(enterprise ? { [ENTERPRISE_USER_SCHEMA]: enterprise } : {}),
    meta: resourceMeta(req, 'User', u.userId, u),
  };
}

interface UserFields {
  userName: string;
  externalId: string | null;
  displayName: string | null;
  /** The sign-in address: the primary email, else the first; lower-cased. */
  email: string;
  emailKeys: string[];
  active: boolean;
  /** Everything to store (JSON). */
  attributes: Json;
}

/** A full User representation (POST, PUT, or the result of a PATCH), cleaned by the published schema. */
function userFields(body: Json): UserFields {
  const core = cleanAttributes(USER_DEF.attributes, body);
  assertRequired(USER_DEF.attributes, core);
  const extKey = keyOf(body, ENTERPRISE_USER_SCHEMA);
  const extRaw = extKey ? body[extKey] : undefined;
  if (extRaw !== undefined && extRaw !== null && (typeof extRaw !== 'object' || Array.isArray(extRaw))) {
    throw badValue(`${ENTERPRISE_USER_SCHEMA} must be an object`);
  }
  const enterprise = extRaw ? cleanAttributes(ENTERPRISE_USER_DEF.attributes, extRaw as Json) : {};

  const externalKey = keyOf(body, 'externalId');
  const externalRaw = externalKey ? body[externalKey] : undefined;
  if (externalRaw !== undefined && externalRaw !== null && typeof externalRaw !== 'string') throw badValue('externalId must be a string');
  const externalId = (externalRaw as string | undefined)?.trim().slice(0, 254) || null;

  const emails = core.emails as { value: string; primary?: boolean }[];
  for (const e of emails) if (!isEmailAddress(e.value)) throw badValue(`emails.value ${JSON.stringify(e.value)} is not an email address`);
  const primaries = emails.filter((e) => e.primary === true);
  // RFC 7643 §2.4: "primary" true appears at most once.
  if (primaries.length > 1) throw badValue('At most one email is primary');
  const email = (primaries[0] ?? emails[0]!).value.toLowerCase();
  // Unassigned (never sent, or removed) means active: the user is provisioned. It is shown only when set.
  const active = core.active === undefined ? true : (core.active as boolean);
  const userName = core.userName as string;
  delete core.userName;
  return {
    userName,
    externalId,
    displayName: (core.displayName as string | undefined) ?? null,
    email,
    emailKeys: [...new Set(emails.map((e) => e.value.toLowerCase()))],
    active,
    attributes: { ...core, ...(Object.keys(enterprise).length ? { [ENTERPRISE_USER_SCHEMA]: enterprise } : {}) },
  };
}

async function scimUser(req: ScimRequest, id: string): Promise<ScimUserDoc> {
  const u = await ScimUser.findOne({ accountId: req.account._id, userId: id }).lean<ScimUserDoc>();
  if (!u) throw new ScimError(404, `No user with id ${JSON.stringify(id)}`);
  return u;
}

export async function getUser(req: ScimRequest, id: string): Promise<Json> {
  return userResource(req, await scimUser(req, id));
}

export async function listUsers(
  req: ScimRequest,
  query: { filter?: string; startIndex: number; count: number },
): Promise<{ total: number; resources: Json[] }> {
  const where = { accountId: req.account._id, ...filterQuery(query.filter, USER_SCHEMA, USER_FILTERS) };
  const { total, docs } = await listPage(ScimUser, where, query);
  return { total, resources: docs.map((d) => userResource(req, d)) };
}

const ACCOUNT = (req: ScimRequest) => ({ type: 'ACCOUNT' as const, id: req.account._id });

/** Makes the user a member again (reactivation) and gives back the roles of their groups. */
async function activate(req: ScimRequest, u: ScimUserDoc): Promise<void> {
  // A seat of the plan first (all taken: 400). The access store bumps the account's permissionsVersion
  // itself; false when already a member.
  const seat = await takeSeat(req.account, u.userId, 'active');
  if (!(await req.ctx.access.addMember({ accountId: req.account._id, userId: u.userId, createdBy: req.ctx.actorId }))) await seat.release();
  await rebindGroupsOf(req, u.userId);
}

/** Ends the membership: bindings removed, sessions and the user's tokens in this account ended at once. */
async function deactivate(req: ScimRequest, u: ScimUserDoc): Promise<void> {
  if (u.userId === req.account.ownerId) throw new ScimError(400, 'The account owner cannot be deprovisioned', 'mutability');
  if (await req.ctx.access.isMember(req.account._id, u.userId)) {
    await removeMember(req.ctx, { accountId: req.account._id, userId: u.userId });
  }
  await dropFromGroups(req, u.userId, { keepMembership: true });
}

const HOW_TO_PROVE =
  'add the domain as a sending domain of the account (createDomain), publish its _postern TXT record and run verifyDomain; ' +
  'users can then be provisioned at addresses under it';

export async function createUser(req: ScimRequest, body: Json): Promise<Json> {
  const fields = userFields(body);
  await assertMakerMay(req, 'members:create', ACCOUNT(req), 'add members to the account');
  // Trust in an address (docs/identity-scim.md): only under a domain this account proved it owns.
  if (!(await accountMayVouchFor(req.account._id, fields.email))) {
    throw badValue(
      `${fields.email} is not under a domain this account proved it owns (${domainOfAddress(fields.email) || 'no domain'}): ${HOW_TO_PROVE}`,
    );
  }
  const key = fields.userName.toLowerCase();
  if (await ScimUser.exists({ accountId: req.account._id, userNameKey: key })) {
    throw new ScimError(409, `A user with userName ${JSON.stringify(fields.userName)} exists`, 'uniqueness');
  }
  // An existing verified login at the address is linked as it is (its profile and verification are not
  // touched); a new login gets no usable password and signs in through the account's IdP.
  const givenName = (fields.attributes.name as Json | undefined)?.givenName as string | undefined;
  const familyName = (fields.attributes.name as Json | undefined)?.familyName as string | undefined;
  const found = await userForIdentityProvider(fields.email, req.account._id, {
    name: fields.displayName,
    firstName: givenName ?? null,
    lastName: familyName ?? null,
  });
  if (!found) {
    // The account's IdP would then sign them in, and their session would reach their other accounts.
    throw new ScimError(409, 'This address has a Postern login in other accounts: invite them with inviteUser instead', 'uniqueness');
  }
  const { user, created: createdUser } = found;
  // A linked login that is already a member, provisioned as inactive, leaves the account (the rule of active).
  const leaves = !fields.active && !createdUser && (await req.ctx.access.isMember(req.account._id, user._id));
  if (leaves) {
    if (user._id === req.account.ownerId) throw new ScimError(400, 'The account owner cannot be deprovisioned', 'mutability');
    await assertMakerMay(req, 'members:remove', ACCOUNT(req), 'remove members');
  }
  let doc: ScimUserDoc;
  try {
    doc = (
      await ScimUser.create({
        accountId: req.account._id,
        userId: user._id,
        userName: fields.userName,
        userNameKey: key,
        externalId: fields.externalId,
        email: fields.email,
        emailKeys: fields.emailKeys,
        displayName: fields.displayName,
        displayNameKey: fields.displayName?.toLowerCase() ?? null,
        active: fields.active,
        attributes: JSON.stringify(fields.attributes),
        version: 1,
        createdBy: req.ctx.actorId,
      })
    ).toObject();
  } catch (err) {
    if (createdUser) await User.deleteOne({ _id: user._id });
    if (isDuplicateKey(err)) throw new ScimError(409, 'This user is already provisioned in the account', 'uniqueness');
    throw err;
  }
  if (leaves) await deactivate(req, doc);
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

/** Stores new fields and applies a change of `active`; only to the version the request read (If-Match). */
async function update(req: ScimRequest, before: ScimUserDoc, fields: UserFields): Promise<ScimUserDoc> {
  assertMatches(req, before.version);
  if (fields.email !== before.email) {
    throw new ScimError(
      400,
      `The sign-in address of a provisioned user is fixed (${before.email}): keep it as the primary email, or deprovision the user and provision the new address`,
      'mutability',
    );
  }
  if (before.active && !fields.active) await assertMakerMay(req, 'members:remove', ACCOUNT(req), 'remove members');
  if (!before.active && fields.active) await assertMakerMay(req, 'members:create', ACCOUNT(req), 'add members to the account');
  if (before.active && !fields.active && before.userId === req.account.ownerId) {
    throw new ScimError(400, 'The account owner cannot be deprovisioned', 'mutability');
  }
  const key = fields.userName.toLowerCase();
  let after: ScimUserDoc | null;
  try {
    after = await ScimUser.findOneAndUpdate(
      // The version read: a concurrent change in between answers 412 rather than being overwritten.
      { _id: before._id, version: before.version ?? null },
      {
        $set: {
          userName: fields.userName,
          userNameKey: key,
          externalId: fields.externalId,
          emailKeys: fields.emailKeys,
          displayName: fields.displayName,
          displayNameKey: fields.displayName?.toLowerCase() ?? null,
          active: fields.active,
          attributes: JSON.stringify(fields.attributes),
        },
        $inc: { version: 1 },
      },
      { returnDocument: 'after' },
    ).lean<ScimUserDoc>();
  } catch (err) {
    if (isDuplicateKey(err)) throw new ScimError(409, `A user with userName ${JSON.stringify(fields.userName)} exists`, 'uniqueness');
    throw err;
  }
  if (!after) {
    if (await ScimUser.exists({ _id: before._id })) throw new ScimError(412, 'The user changed meanwhile: read it again and retry');
    throw new ScimError(404, `No user with id ${JSON.stringify(before.userId)}`);
  }
  try {
    if (before.active && !after.active) await deactivate(req, after);
    if (!before.active && after.active) await activate(req, after);
  } catch (err) {
    await ScimUser.updateOne({ _id: before._id }, { $set: { active: before.active } });
    throw err;
  }
  const view = (u: ScimUserDoc) => ({
    userName: u.userName,
    externalId: u.externalId ?? null,
    displayName: u.displayName ?? null,
    active: u.active,
    attributes: storedAttributes(u),
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

export async function replaceUser(req: ScimRequest, id: string, body: Json): Promise<Json> {
  const before = await scimUser(req, id);
  return userResource(req, await update(req, before, userFields(body)));
}

export async function patchUser(req: ScimRequest, id: string, operations: PatchOperation[]): Promise<Json> {
  const before = await scimUser(req, id);
  const current = userResource(req, before);
  delete current.meta;
  const patched = applyPatch(current, operations, [ENTERPRISE_USER_SCHEMA]);
  return userResource(req, await update(req, before, userFields(patched)));
}

export async function deleteUser(req: ScimRequest, id: string): Promise<void> {
  const u = await scimUser(req, id);
  assertMatches(req, u.version);
  if (u.active) {
    await assertMakerMay(req, 'members:remove', ACCOUNT(req), 'remove members');
    await deactivate(req, u);
  }
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
