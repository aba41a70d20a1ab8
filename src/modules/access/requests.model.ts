// Access requests (docs/permissions-rules.md "Rules no role can break") and the notifications they send.
import { model, type Model } from 'mongoose';
import { docSchema, inAccount, type BaseDoc, type InAccount } from '../../db';
import { scopePlacementFields, type ScopePlacement } from '../../authz';

export type AccessRequestStatus = 'PENDING' | 'APPROVED' | 'DENIED';

/** Carries the scope node's ancestor ids like a RoleBinding, so checks and filters need no extra reads. */
export interface AccessRequestDoc extends BaseDoc, ScopePlacement, InAccount {
  requesterId: string;
  permission: string;
  note?: string | null;
  status: AccessRequestStatus;
  reason?: string | null;
  expiresAt?: Date | null;
  resolvedBy?: string | null;
  resolvedAt?: Date | null;
  /** The time-bound binding an approval created. */
  bindingId?: string | null;
  /** Unique: `requester|permission|scope` while pending (one pending request each), `done|<id>` after. */
  pendingKey: string;
}

export function pendingKey(requesterId: string, permission: string, scopeId: string): string {
  return `${requesterId}|${permission}|${scopeId}`;
}

const accessRequestSchema = docSchema<AccessRequestDoc>({
  ...inAccount(),
  requesterId: { type: String, required: true },
  permission: { type: String, required: true },
  ...scopePlacementFields,
  note: { type: String, default: null },
  status: { type: String, required: true, default: 'PENDING' },
  reason: { type: String, default: null },
  expiresAt: { type: Date, default: null },
  resolvedBy: { type: String, default: null },
  resolvedAt: { type: Date, default: null },
  bindingId: { type: String, default: null },
  pendingKey: {
    type: String,
    required: true,
    default(this: AccessRequestDoc): string {
      return this.status === 'PENDING' ? pendingKey(this.requesterId, this.permission, this.scopeId) : `done|${this._id}`;
    },
  },
});
accessRequestSchema.index({ pendingKey: 1 }, { unique: true });
accessRequestSchema.index({ accountId: 1, _id: 1 });
accessRequestSchema.index({ requesterId: 1, scopeId: 1, permission: 1, status: 1 });

export const AccessRequest: Model<AccessRequestDoc> = model<AccessRequestDoc>('AccessRequest', accessRequestSchema);

/** A message for one user (an access request to resolve, or the outcome of theirs). */
export interface NotificationDoc extends BaseDoc, InAccount {
  userId: string;
  kind: 'accessRequest.created' | 'accessRequest.approved' | 'accessRequest.denied';
  message: string;
  accessRequestId?: string | null;
  readAt?: Date | null;
}

const notificationSchema = docSchema<NotificationDoc>({
  ...inAccount(),
  userId: { type: String, required: true },
  kind: { type: String, required: true },
  message: { type: String, required: true },
  accessRequestId: { type: String, default: null },
  readAt: { type: Date, default: null },
});
notificationSchema.index({ userId: 1, _id: 1 });
notificationSchema.index({ accessRequestId: 1 });

export const Notification: Model<NotificationDoc> = model<NotificationDoc>('Notification', notificationSchema);
