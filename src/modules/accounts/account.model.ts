import { model, type Model } from 'mongoose';
import { docSchema, inAccount, type BaseDoc, type InAccount } from '../../db';

export interface AccountDoc extends BaseDoc {
  name: string;
  ownerId: string;
  /** Bumped by the access store on every change to roles, bindings, overrides, members or tokens (docs/permissions-rules.md "Rules no role can break", rule 6). */
  permissionsVersion: number;
  /** Counts ownership transfers: one transfer claims each epoch (rule 9: one owner). */
  ownerEpoch?: number;
  /** Role given to new members when none is named (least privilege by default). */
  defaultRoleId?: string | null;
  /** Who is notified of access requests: the owner only (Mailercloud), or every holder of accessRequests:resolve there. */
  accessRequestRecipients?: 'OWNER' | 'RESOLVERS';
  /** Every member must have a second factor: members without one can only enrol (two-factor.service.ts). */
  requireTwoFactor?: boolean;
  /**
   * Mirror of the SSO setting `ssoRequired` (written with it by src/sso/sso.service.ts saveSsoConfig),
   * kept here so the account gate (src/identity/gate.ts) decides from the account document alone.
   */
  ssoRequired?: boolean;
  /** An identity provider's MFA assertion (OIDC amr/acr, SAML AuthnContext) counts as the second factor (default: no). */
  trustIdpMfa?: boolean;
  createdBy: string;
}

const accountSchema = docSchema<AccountDoc>({
  name: { type: String, required: true },
  ownerId: { type: String, required: true },
  permissionsVersion: { type: Number, default: 0 },
  ownerEpoch: { type: Number, default: 0 },
  defaultRoleId: { type: String, default: null },
  accessRequestRecipients: { type: String, enum: ['OWNER', 'RESOLVERS'], default: 'RESOLVERS' },
  requireTwoFactor: { type: Boolean, default: false },
  ssoRequired: { type: Boolean, default: false },
  trustIdpMfa: { type: Boolean, default: false },
  createdBy: { type: String, required: true },
});
accountSchema.index({ ownerId: 1 });

export const Account: Model<AccountDoc> = model<AccountDoc>('Account', accountSchema);

/** Membership of a user in an account. A member with no bindings keeps no access (Mailtrap). */
export interface MemberDoc extends BaseDoc, InAccount {
  userId: string;
  /** False when the member opted out of invoice emails (Mailtrap's Billing Viewer may). */
  invoiceEmails?: boolean;
}

const memberSchema = docSchema<MemberDoc>({
  ...inAccount(),
  userId: { type: String, required: true },
  invoiceEmails: { type: Boolean, default: true },
});
memberSchema.index({ accountId: 1, userId: 1 }, { unique: true });
memberSchema.index({ userId: 1 });

export const Member: Model<MemberDoc> = model<MemberDoc>('Member', memberSchema);

export interface WorkspaceDoc extends BaseDoc, InAccount {
  name: string;
}

const workspaceSchema = docSchema<WorkspaceDoc>({
  ...inAccount(),
  name: { type: String, required: true },
});
workspaceSchema.index({ accountId: 1, _id: 1 });

export const Workspace: Model<WorkspaceDoc> = model<WorkspaceDoc>('Workspace', workspaceSchema);
