// SCIM 2.0 provisioning state per account (RFC 7643): the token an identity provider authenticates
// with, the users it provisioned and its groups. Postern's own membership and role bindings are derived
// from these: an active SCIM user is a member; a member of a group holds the group's role at its scope.
import { model, type Model } from 'mongoose';
import { docSchema, issuedToken, inAccount, type BaseDoc, type InAccount, type IssuedToken } from '../db';

/** A SCIM bearer token (`scim_…`): shown once, stored hashed. SCIM requests act for the user who made it. */
export interface ScimTokenDoc extends BaseDoc, InAccount, IssuedToken {}

const scimTokenSchema = docSchema<ScimTokenDoc>({
  ...inAccount(),
  ...issuedToken(),
});
scimTokenSchema.index({ tokenHash: 1 }, { unique: true });
scimTokenSchema.index({ accountId: 1, _id: 1 });

export const ScimToken: Model<ScimTokenDoc> = model<ScimTokenDoc>('ScimToken', scimTokenSchema);

/** A user as the identity provider sees it in one account. The SCIM id is the Postern user id. */
export interface ScimUserDoc extends BaseDoc, InAccount {
  userId: string;
  /** As sent, and lower-cased for lookups (userName is case-insensitive, RFC 7643 §4.1.1). */
  userName: string;
  userNameKey: string;
  externalId?: string | null;
  /** The sign-in address (the primary email when provisioned), lower-cased; fixed once provisioned. */
  email: string;
  /** Every emails.value, lower-cased, for filters. */
  emailKeys?: string[];
  displayName?: string | null;
  displayNameKey?: string | null;
  active: boolean;
  /**
   * The attributes the provider set, as cleaned by the published schema (JSON: extension URNs and `$ref`
   * are not database keys). Read back as they were sent, so round trips compare.
   */
  attributes?: string | null;
  /** Bumped by every change: the ETag (RFC 7644 §3.14). */
  version?: number;
  /** Before `attributes` existed (read only). */
  givenName?: string | null;
  familyName?: string | null;
}

const scimUserSchema = docSchema<ScimUserDoc>({
  ...inAccount(),
  userId: { type: String, required: true },
  userName: { type: String, required: true },
  userNameKey: { type: String, required: true },
  externalId: { type: String, default: null },
  email: { type: String, required: true },
  emailKeys: { type: [String], default: [] },
  displayName: { type: String, default: null },
  displayNameKey: { type: String, default: null },
  active: { type: Boolean, default: true },
  attributes: { type: String, default: null },
  version: { type: Number, default: 1 },
  givenName: { type: String, default: null },
  familyName: { type: String, default: null },
});
scimUserSchema.index({ accountId: 1, userId: 1 }, { unique: true });
scimUserSchema.index({ accountId: 1, userNameKey: 1 }, { unique: true });
scimUserSchema.index({ accountId: 1, externalId: 1 });
scimUserSchema.index({ accountId: 1, email: 1 });

export const ScimUser: Model<ScimUserDoc> = model<ScimUserDoc>('ScimUser', scimUserSchema);

export interface ScimGroupMember {
  userId: string;
  /** The binding this group made for the member (null when inactive, or when they held it already). */
  bindingId: string | null;
}

/** A group, mapped to a role binding at a scope node: each member holds `roleId` on the scope. */
export interface ScimGroupDoc extends BaseDoc, InAccount {
  displayName: string;
  displayNameKey: string;
  externalId?: string | null;
  roleId: string | null;
  scopeType: string | null;
  scopeId: string | null;
  members: ScimGroupMember[];
  /** Bumped by every change: the ETag (RFC 7644 §3.14). */
  version?: number;
}

const scimGroupSchema = docSchema<ScimGroupDoc>({
  ...inAccount(),
  displayName: { type: String, required: true },
  displayNameKey: { type: String, required: true },
  externalId: { type: String, default: null },
  roleId: { type: String, default: null },
  scopeType: { type: String, default: null },
  scopeId: { type: String, default: null },
  members: { type: [{ _id: false, userId: String, bindingId: { type: String, default: null } }], default: [] },
  version: { type: Number, default: 1 },
});
scimGroupSchema.index({ accountId: 1, displayNameKey: 1 }, { unique: true });
scimGroupSchema.index({ accountId: 1, externalId: 1 });
scimGroupSchema.index({ accountId: 1, 'members.userId': 1 });

export const ScimGroup: Model<ScimGroupDoc> = model<ScimGroupDoc>('ScimGroup', scimGroupSchema);

/** What createScimToken answers (ScimTokenCreated): the token, shown this once, and its document. */
export interface ScimTokenCreatedResult {
  token: string;
  scimToken: ScimTokenDoc;
}
