// The mongoose models of roles, bindings and invitations. Only src/authz imports this file (an ESLint
// rule enforces it): everything else goes through the access store.
import { model, type Model } from 'mongoose';
import { docSchema, inAccount } from '../../db';
import { scopePlacementFields, type InvitationDoc, type RoleBindingDoc, type RoleDoc } from '../../authz';

const roleSchema = docSchema<RoleDoc>({
  ...inAccount(),
  key: { type: String, required: true },
  name: { type: String, required: true },
  description: { type: String, default: '' },
  permissions: { type: [String], default: [] },
  system: { type: Boolean, default: false },
  customisable: { type: Boolean, default: true },
  pack: { type: String, default: null },
});
roleSchema.index({ accountId: 1, key: 1 }, { unique: true });

export const Role: Model<RoleDoc> = model<RoleDoc>('Role', roleSchema);

const bindingSchema = docSchema<RoleBindingDoc>({
  ...inAccount(),
  userId: { type: String, required: true },
  roleId: { type: String, default: null },
  ...scopePlacementFields,
  grant: { type: [String], default: [] },
  revoke: { type: [String], default: [] },
  expiresAt: { type: Date, default: null },
  key: { type: String, required: true },
});
// Rule 9: one binding per (user, role, scope), one owner binding per account — by a unique key.
bindingSchema.index({ key: 1 }, { unique: true });
bindingSchema.index({ accountId: 1, userId: 1 });
bindingSchema.index({ roleId: 1 });
bindingSchema.index({ scopeId: 1 });
// Members visible under a node, bindings of a node's subtree.
bindingSchema.index({ accountId: 1, workspaceId: 1 });
bindingSchema.index({ accountId: 1, domainId: 1 });
bindingSchema.index({ accountId: 1, projectId: 1 });
bindingSchema.index({ accountId: 1, inboxId: 1 });

export const RoleBinding: Model<RoleBindingDoc> = model<RoleBindingDoc>('RoleBinding', bindingSchema);

const invitationSchema = docSchema<InvitationDoc>({
  ...inAccount(),
  email: { type: String, required: true, lowercase: true, trim: true },
  roleId: { type: String, default: null },
  ...scopePlacementFields,
  tokenHash: { type: String, required: true },
  expiresAt: { type: Date, required: true },
  acceptedAt: { type: Date, default: null },
  acceptedBy: { type: String, default: null },
  revokedAt: { type: Date, default: null },
});
invitationSchema.index({ tokenHash: 1 }, { unique: true });
invitationSchema.index({ accountId: 1, _id: 1 });
invitationSchema.index({ accountId: 1, email: 1 });
invitationSchema.index({ roleId: 1 });

export const Invitation: Model<InvitationDoc> = model<InvitationDoc>('Invitation', invitationSchema);
