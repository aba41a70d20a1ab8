// Delivery events a sending provider posts back (delivered, bounced, opened, …), one per provider
// event id: the unique key (accountId, eventId) makes a re-posted event count once.
import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../../db';

export const DELIVERY_EVENT_TYPES = ['DELIVERED', 'BOUNCED', 'OPENED', 'CLICKED', 'COMPLAINED', 'UNSUBSCRIBED'] as const;
export type DeliveryEventType = (typeof DELIVERY_EVENT_TYPES)[number];

export interface DeliveryEventDoc extends BaseDoc {
  accountId: string;
  workspaceId: string;
  domainId: string | null;
  campaignId: string | null;
  emailLogId: string;
  /** The provider's id of the event: unique per account. */
  eventId: string;
  type: DeliveryEventType;
  at: Date;
  /** UTC day of `at`, YYYY-MM-DD (reports group by it). */
  day: string;
  /** The post that brought it (tells accepted from duplicate events of one post). */
  batchId: string;
}

const schema = docSchema<DeliveryEventDoc>({
  accountId: { type: String, required: true },
  workspaceId: { type: String, required: true },
  domainId: { type: String, default: null },
  campaignId: { type: String, default: null },
  emailLogId: { type: String, required: true },
  eventId: { type: String, required: true },
  type: { type: String, required: true, enum: DELIVERY_EVENT_TYPES },
  at: { type: Date, required: true },
  day: { type: String, required: true },
  batchId: { type: String, required: true },
});
schema.index({ accountId: 1, eventId: 1 }, { unique: true });
schema.index({ domainId: 1, at: 1 });
schema.index({ campaignId: 1, at: 1 });
schema.index({ workspaceId: 1, at: 1 });
schema.index({ emailLogId: 1 });

export const DeliveryEvent: Model<DeliveryEventDoc> = model<DeliveryEventDoc>('DeliveryEvent', schema);
