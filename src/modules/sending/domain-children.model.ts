// Small children of a domain (webhooks, suppressions, authorized recipients) and a workspace's routes.
import { model, type Model } from 'mongoose';
import { docSchema, inWorkspace, type BaseDoc, type InWorkspace } from '../../db';

export const WEBHOOK_EVENTS = [
  'ACCEPTED',
  'DELIVERED',
  'PERMANENT_FAIL',
  'TEMPORARY_FAIL',
  'OPENED',
  'CLICKED',
  'UNSUBSCRIBED',
  'COMPLAINED',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const SUPPRESSION_TYPES = ['BOUNCE', 'UNSUBSCRIBE', 'COMPLAINT'] as const;
export type SuppressionType = (typeof SUPPRESSION_TYPES)[number];

interface DomainChild extends BaseDoc {
  accountId: string;
  workspaceId: string;
  domainId: string;
  createdBy: string;
}

const domainChild = {
  accountId: { type: String, required: true },
  workspaceId: { type: String, required: true },
  domainId: { type: String, required: true },
  createdBy: { type: String, required: true },
};

export interface WebhookDoc extends DomainChild {
  event: WebhookEvent;
  url: string;
}
const webhookSchema = docSchema<WebhookDoc>({
  ...domainChild,
  event: { type: String, required: true, enum: WEBHOOK_EVENTS },
  url: { type: String, required: true },
});
webhookSchema.index({ domainId: 1, event: 1, url: 1 }, { unique: true });
webhookSchema.index({ domainId: 1, _id: 1 });
webhookSchema.index({ accountId: 1 });
export const Webhook: Model<WebhookDoc> = model<WebhookDoc>('Webhook', webhookSchema);

export interface SuppressionDoc extends DomainChild {
  type: SuppressionType;
  address: string;
  reason: string | null;
}
const suppressionSchema = docSchema<SuppressionDoc>({
  ...domainChild,
  type: { type: String, required: true, enum: SUPPRESSION_TYPES },
  address: { type: String, required: true },
  reason: { type: String, default: null },
});
suppressionSchema.index({ domainId: 1, type: 1, address: 1 }, { unique: true });
suppressionSchema.index({ domainId: 1, address: 1 });
suppressionSchema.index({ domainId: 1, _id: 1 });
suppressionSchema.index({ accountId: 1 });
export const Suppression: Model<SuppressionDoc> = model<SuppressionDoc>('Suppression', suppressionSchema);

export interface AuthorizedRecipientDoc extends DomainChild {
  email: string;
}
const recipientSchema = docSchema<AuthorizedRecipientDoc>({
  ...domainChild,
  email: { type: String, required: true },
});
recipientSchema.index({ domainId: 1, email: 1 }, { unique: true });
recipientSchema.index({ domainId: 1, _id: 1 });
recipientSchema.index({ accountId: 1 });
export const AuthorizedRecipient: Model<AuthorizedRecipientDoc> = model<AuthorizedRecipientDoc>('AuthorizedRecipient', recipientSchema);

/** An inbound route of a workspace (Mailgun's Routes): a filter expression and actions, by priority. */
export interface RouteDoc extends BaseDoc, InWorkspace {
  expression: string;
  actions: string[];
  priority: number;
  description: string | null;
}
const routeSchema = docSchema<RouteDoc>({
  ...inWorkspace(),
  expression: { type: String, required: true },
  actions: { type: [String], default: [] },
  priority: { type: Number, required: true },
  description: { type: String, default: null },
});
routeSchema.index({ workspaceId: 1, _id: 1 });
routeSchema.index({ accountId: 1 });
export const Route: Model<RouteDoc> = model<RouteDoc>('Route', routeSchema);
