// Account-level billing (one document per account, created on first read or write) and support
// tickets with their comments (separate documents: no arrays of subdocuments to grow unbounded).
import { model, Schema, type Model } from 'mongoose';
import { docSchema, inAccount, type BaseDoc, type InAccount } from '../../db';

export type PlanName = 'FREE' | 'STARTER' | 'GROWTH' | 'SCALE' | 'ENTERPRISE';
export type CardBrandName = 'VISA' | 'MASTERCARD' | 'AMEX' | 'DISCOVER' | 'DINERS' | 'JCB' | 'UNIONPAY';

/** What is kept of a card: never the number, never the cvc. */
export interface CardDoc {
  brand: CardBrandName;
  last4: string;
  expMonth: number;
  expYear: number;
}

export interface BillingDoc extends BaseDoc, InAccount {
  plan: PlanName;
  card: CardDoc | null;
  sendLimit: number;
  verificationLimit: number;
}

const cardSchema = new Schema<CardDoc>(
  {
    brand: { type: String, required: true },
    last4: { type: String, required: true, match: /^\d{4}$/ },
    expMonth: { type: Number, required: true },
    expYear: { type: Number, required: true },
  },
  { _id: false, strict: 'throw' },
);

const billingSchema = docSchema<BillingDoc>({
  ...inAccount(),
  plan: { type: String, required: true, enum: ['FREE', 'STARTER', 'GROWTH', 'SCALE', 'ENTERPRISE'] },
  card: { type: cardSchema, default: null },
  sendLimit: { type: Number, required: true },
  verificationLimit: { type: Number, required: true },
});
billingSchema.index({ accountId: 1 }, { unique: true });

export const Billing: Model<BillingDoc> = model<BillingDoc>('Billing', billingSchema);

export type SupportTicketStatusName = 'OPEN' | 'CLOSED';

export interface SupportTicketDoc extends BaseDoc, InAccount {
  subject: string;
  body: string;
  status: SupportTicketStatusName;
}

const ticketSchema = docSchema<SupportTicketDoc>({
  ...inAccount(),
  subject: { type: String, required: true },
  body: { type: String, required: true },
  status: { type: String, required: true, enum: ['OPEN', 'CLOSED'], default: 'OPEN' },
});
ticketSchema.index({ accountId: 1, _id: 1 });

export const SupportTicket: Model<SupportTicketDoc> = model<SupportTicketDoc>('SupportTicket', ticketSchema);

export interface SupportTicketCommentDoc extends BaseDoc, InAccount {
  ticketId: string;
  body: string;
}

const commentSchema = docSchema<SupportTicketCommentDoc>({
  ...inAccount(),
  ticketId: { type: String, required: true },
  body: { type: String, required: true },
});
commentSchema.index({ ticketId: 1, _id: 1 });
commentSchema.index({ accountId: 1 });

export const SupportTicketComment: Model<SupportTicketCommentDoc> = model<SupportTicketCommentDoc>('SupportTicketComment', commentSchema);
