import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../../db/schema';
import { scopePlacementFields, type ScopePlacement } from './placement';

export interface RoleDoc extends BaseDoc {
  accountId: string;
  key: string;
  name: string;
  description: string;
  permissions: string[];
  system: boolean;
  customisable: boolean;
  /** Set for roles installed from a role pack (mailgun, mailtrap, …). */
  pack?: string | null;
  createdBy: string;
}

const roleSchema = docSchema<RoleDoc>({
  accountId: { type: String, required: true },
  key: { type: String, required: true },
  name: { type: String, required: true },
  description: { type: String, default: '' },
  permissions: { type: [String], default: [] },
  system: { type: Boolean, default: false },
  customisable: { type: Boolean, default: true },
  pack: { type: String, default: null },
  createdBy: { type: String, required: true },
});
roleSchema.index({ accountId: 1, key: 1 }, { unique: true });

export const Role: Model<RoleDoc> = model<RoleDoc>('Role', roleSchema);

/**
 * (user, role, scope node). Carries the ids of the scope node's ancestors so the checker and the
 * filters find its place in the tree without reading the node.
 */
export interface RoleBindingDoc extends BaseDoc, ScopePlacement {
  accountId: string;
  userId: string;
  /** Null for a time-bound grant made by an approved access request. */
  roleId: string | null;
  grant: string[];
  revoke: string[];
  expiresAt?: Date | null;
  createdBy: string;
}

const bindingSchema = docSchema<RoleBindingDoc>({
  accountId: { type: String, required: true },
  userId: { type: String, required: true },
  roleId: { type: String, default: null },
  ...scopePlacementFields,
  grant: { type: [String], default: [] },
  revoke: { type: [String], default: [] },
  expiresAt: { type: Date, default: null },
  createdBy: { type: String, required: true },
});
bindingSchema.index({ accountId: 1, userId: 1 });
bindingSchema.index({ roleId: 1 });
bindingSchema.index({ scopeId: 1 });

export const RoleBinding: Model<RoleBindingDoc> = model<RoleBindingDoc>('RoleBinding', bindingSchema);

/** Partner API token (`pst_…`): shown once, stored as a hash, always expiring. */
export interface ApiTokenDoc extends BaseDoc {
  accountId: string;
  userId: string;
  name: string;
  tokenHash: string;
  prefix: string;
  scopes: string[];
  workspaceIds: string[] | null;
  expiresAt: Date;
  revokedAt?: Date | null;
  lastUsedAt?: Date | null;
  createdBy: string;
}

const apiTokenSchema = docSchema<ApiTokenDoc>({
  accountId: { type: String, required: true },
  userId: { type: String, required: true },
  name: { type: String, required: true },
  tokenHash: { type: String, required: true },
  prefix: { type: String, required: true },
  scopes: { type: [String], default: [] },
  workspaceIds: { type: [String], default: null },
  expiresAt: { type: Date, required: true },
  revokedAt: { type: Date, default: null },
  lastUsedAt: { type: Date, default: null },
  createdBy: { type: String, required: true },
});
apiTokenSchema.index({ tokenHash: 1 }, { unique: true });
apiTokenSchema.index({ accountId: 1 });

export const ApiToken: Model<ApiTokenDoc> = model<ApiTokenDoc>('ApiToken', apiTokenSchema);

// Extra query paths of bindings: members visible under a node (visibility of Member), bindings of a
// node's subtree.
bindingSchema.index({ accountId: 1, workspaceId: 1 });
bindingSchema.index({ accountId: 1, domainId: 1 });
bindingSchema.index({ accountId: 1, projectId: 1 });
bindingSchema.index({ accountId: 1, inboxId: 1 });

/**
 * An invitation to join an account with a role at a scope. The token is mailed once; only its
 * SHA-256 is stored. Accepted or revoked invitations stay as a record.
 */
export interface InvitationDoc extends BaseDoc, ScopePlacement {
  accountId: string;
  email: string;
  /** Null: the invited user joins with no binding. */
  roleId: string | null;
  tokenHash: string;
  expiresAt: Date;
  acceptedAt?: Date | null;
  acceptedBy?: string | null;
  revokedAt?: Date | null;
  createdBy: string;
}

const invitationSchema = docSchema<InvitationDoc>({
  accountId: { type: String, required: true },
  email: { type: String, required: true, lowercase: true, trim: true },
  roleId: { type: String, default: null },
  ...scopePlacementFields,
  tokenHash: { type: String, required: true },
  expiresAt: { type: Date, required: true },
  acceptedAt: { type: Date, default: null },
  acceptedBy: { type: String, default: null },
  revokedAt: { type: Date, default: null },
  createdBy: { type: String, required: true },
});
invitationSchema.index({ tokenHash: 1 }, { unique: true });
invitationSchema.index({ accountId: 1, _id: 1 });
invitationSchema.index({ accountId: 1, email: 1 });
invitationSchema.index({ roleId: 1 });

export const Invitation: Model<InvitationDoc> = model<InvitationDoc>('Invitation', invitationSchema);
