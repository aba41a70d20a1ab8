import { model, type Model } from 'mongoose';
import { docSchema, inWorkspace, type BaseDoc, type InWorkspace } from '../../db';

export const PROVIDERS = ['SMTP', 'AMAZON_SES', 'SENDGRID', 'MAILGUN', 'POSTMARK', 'SPARKPOST', 'MAILJET', 'OTHER'] as const;
export type SendingServerProvider = (typeof PROVIDERS)[number];

/** An outgoing provider account of a workspace; the password the user gives is sealed (AES-256-GCM). */
export interface SendingServerDoc extends BaseDoc, InWorkspace {
  name: string;
  provider: SendingServerProvider;
  host: string;
  port: number;
  username: string;
  passwordEnc: string;
  /** The sending pool the server belongs to (Mailers.io); null: none. */
  pool?: string | null;
  /** Most emails per day through this server; null: no quota. */
  dailyQuota?: number | null;
  /** Most emails per hour; null: no quota. */
  hourlyQuota?: number | null;
}

const schema = docSchema<SendingServerDoc>({
  ...inWorkspace(),
  name: { type: String, required: true },
  provider: { type: String, required: true, enum: PROVIDERS },
  host: { type: String, required: true },
  port: { type: Number, required: true },
  username: { type: String, required: true },
  passwordEnc: { type: String, required: true },
  pool: { type: String, default: null },
  dailyQuota: { type: Number, default: null },
  hourlyQuota: { type: Number, default: null },
});
schema.index({ workspaceId: 1, _id: 1 });
schema.index({ accountId: 1 });

export const SendingServer: Model<SendingServerDoc> = model<SendingServerDoc>('SendingServer', schema);
