import { model, type Model } from 'mongoose';
import { docSchema, inWorkspace, type BaseDoc, type InWorkspace } from '../../db';

/** The UTC calendar day of a moment, as reports group by it: YYYY-MM-DD. */
export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export const EMAIL_STATUSES = [
  'QUEUED',
  'RECORDED',
  'DELIVERED',
  'FAILED',
  'OPENED',
  'CLICKED',
  'UNSUBSCRIBED',
  'COMPLAINED',
  'BOUNCED',
] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

/**
 * How far an email got. Delivery events (src/modules/reports/ingest.service.ts) move a log's status only
 * forward: QUEUED, RECORDED, FAILED → DELIVERED → OPENED → CLICKED → UNSUBSCRIBED → COMPLAINED → BOUNCED.
 * A late DELIVERED never resurrects a BOUNCED email, and an OPENED after a CLICKED leaves it CLICKED.
 */
export const STATUS_RANK: Record<EmailStatus, number> = {
  QUEUED: 0,
  RECORDED: 0,
  FAILED: 0,
  DELIVERED: 1,
  OPENED: 2,
  CLICKED: 3,
  UNSUBSCRIBED: 4,
  COMPLAINED: 5,
  BOUNCED: 6,
};

/** The statuses a log may move from to reach `status` (those ranked below it). */
export function statusesBelow(status: EmailStatus): EmailStatus[] {
  return EMAIL_STATUSES.filter((s) => STATUS_RANK[s] < STATUS_RANK[status]);
}

/**
 * One sent (or recorded) email: transactional sends through a domain, and one entry per recipient
 * of a campaign send. Bodies are sensitive (`emailContent:view`).
 */
export interface EmailLogDoc extends BaseDoc, InWorkspace {
  /** The sending domain; null for a campaign sent without one. */
  domainId: string | null;
  campaignId: string | null;
  from: string;
  to: string;
  subject: string;
  status: EmailStatus;
  html: string | null;
  text: string | null;
  messageId: string | null;
  error: string | null;
  /** The UTC day it was sent (YYYY-MM-DD): reports group sends by it. */
  day?: string;
  /** The campaign delivery run that wrote it (tells a resumed run what it wrote itself). */
  runId?: string | null;
  /**
   * `"<domainId or campaignId>:<n>"`, unique: where it stands in its parent's list, which is paged by
   * it (email-log-pages.service.ts); `~<_id>` until numbered.
   */
  place?: string | null;
}

const emailLogSchema = docSchema<EmailLogDoc>({
  ...inWorkspace(),
  domainId: { type: String, default: null },
  campaignId: { type: String, default: null },
  from: { type: String, required: true },
  to: { type: String, required: true },
  subject: { type: String, required: true },
  status: { type: String, required: true, enum: EMAIL_STATUSES },
  html: { type: String, default: null },
  text: { type: String, default: null },
  messageId: { type: String, default: null },
  error: { type: String, default: null },
  day: { type: String, default: () => utcDay(new Date()) },
  runId: { type: String, default: null },
  place: {
    type: String,
    default: function (this: { _id: string }) {
      return `~${this._id}`;
    },
  },
});
// Pages of a domain's or a campaign's logs by `place $in` on the embedded database.
emailLogSchema.index({ place: 1 }, { unique: true });
emailLogSchema.index({ domainId: 1, _id: 1 });
emailLogSchema.index({ campaignId: 1, _id: 1 });
emailLogSchema.index({ workspaceId: 1, _id: 1 });
emailLogSchema.index({ accountId: 1 });
// Reports: a domain's or a campaign's sends in a date range.
emailLogSchema.index({ domainId: 1, createdAt: 1 });
emailLogSchema.index({ campaignId: 1, createdAt: 1 });

export const EmailLog: Model<EmailLogDoc> = model<EmailLogDoc>('EmailLog', emailLogSchema);
