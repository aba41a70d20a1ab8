import { model, type Model } from 'mongoose';
import { docSchema, inWorkspace, type BaseDoc, type InWorkspace } from '../../db';

export type CampaignStatus = 'DRAFT' | 'SCHEDULED' | 'SENDING' | 'SENT' | 'FAILED';
export const CAMPAIGN_STATUSES: readonly CampaignStatus[] = ['DRAFT', 'SCHEDULED', 'SENDING', 'SENT', 'FAILED'];

/**
 * An email campaign of a workspace (scope node CAMPAIGN): DRAFT → (SCHEDULED) → SENDING → SENT, or
 * SCHEDULED → FAILED when the scheduler finds it cannot be sent when due (failureReason says why).
 */
export interface CampaignDoc extends BaseDoc, InWorkspace {
  name: string;
  subject: string;
  status: CampaignStatus;
  listId: string | null;
  templateId: string | null;
  fromEmail: string | null;
  fromName: string | null;
  scheduledAt: Date | null;
  sentAt: Date | null;
  recipientCount: number;
  /** Why the scheduler could not send it (meaningful while FAILED). */
  failureReason?: string | null;
  /** Places of its email logs (email-log-pages.service.ts): the next to reserve, and the first live one. */
  logSeq?: number | null;
  logFrom?: number | null;
}

const campaignSchema = docSchema<CampaignDoc>({
  ...inWorkspace(),
  name: { type: String, required: true },
  subject: { type: String, default: '' },
  status: { type: String, required: true, enum: CAMPAIGN_STATUSES, default: 'DRAFT' },
  listId: { type: String, default: null },
  templateId: { type: String, default: null },
  fromEmail: { type: String, default: null },
  fromName: { type: String, default: null },
  scheduledAt: { type: Date, default: null },
  sentAt: { type: Date, default: null },
  recipientCount: { type: Number, default: 0 },
  failureReason: { type: String, default: null },
  logSeq: { type: Number },
  logFrom: { type: Number },
});
campaignSchema.index({ workspaceId: 1, _id: 1 });
campaignSchema.index({ accountId: 1 });
// The scheduler: due SCHEDULED campaigns, and SENDING ones to resume.
campaignSchema.index({ status: 1, scheduledAt: 1 });
campaignSchema.index({ listId: 1 });
campaignSchema.index({ templateId: 1 });

export const Campaign: Model<CampaignDoc> = model<CampaignDoc>('Campaign', campaignSchema);

/**
 * The claim of a campaign's one send: `_id` is the campaign's id, so the insert succeeds for exactly
 * one request even when two race (a unique key is atomic on MongoDB and on FerretDB, whose
 * findAndModify is not guaranteed to be).
 */
export interface CampaignSendDoc extends BaseDoc, InWorkspace {
  /** When the send began: part of every email log id of the send (src/modules/marketing/campaign-delivery.service.ts). */
  startedAt?: Date;
  /** Lease epoch: bumped, under a claim, by each replica that takes a stalled send over. */
  epoch?: number;
  runner?: string;
  /** The runner renews this after every batch; once it lapses another replica may take over. */
  leaseUntil?: Date | null;
}

const campaignSendSchema = docSchema<CampaignSendDoc>({
  _id: { type: String, required: true },
  ...inWorkspace(),
  startedAt: { type: Date },
  epoch: { type: Number, default: 0 },
  runner: { type: String },
  leaseUntil: { type: Date, default: null },
});
campaignSendSchema.index({ accountId: 1 });

export const CampaignSend: Model<CampaignSendDoc> = model<CampaignSendDoc>('CampaignSend', campaignSendSchema);
