// Billing (one document per account, created on first read or write) and support tickets.
// Card numbers and security codes are validated (./card.ts) and never reach the database, a log line
// or the audit log: only brand, last four digits and expiry are kept. Every billing change is audited.
import type { Context } from '../../graphql';
import type { CommentOnSupportTicketInput, OpenSupportTicketInput, SetSendLimitInput, UpdateBillingInput } from '../../generated';
import { saveChanges } from '../save';
import { BadInputError, NotFoundError } from '../../errors';
import type { AccountDoc } from '../accounts/account.model';
import { newId, isDuplicateKey } from '../../db';
import { EmailLog } from '../sending/email-log.model';
import { validateCard } from './card';
import {
  Billing,
  SupportTicket,
  SupportTicketComment,
  type BillingDoc,
  type CardDoc,
  type PlanName,
  type SupportTicketCommentDoc,
  type SupportTicketDoc,
  type SupportTicketStatusName,
} from './billing.model';

/** Each plan's monthly maximums; an account's limits may be set lower (setSendLimit), never higher. */
export const PLAN_LIMITS: Record<PlanName, { send: number; verification: number }> = {
  FREE: { send: 1_000, verification: 100 },
  STARTER: { send: 50_000, verification: 1_000 },
  GROWTH: { send: 250_000, verification: 10_000 },
  SCALE: { send: 1_000_000, verification: 50_000 },
  ENTERPRISE: { send: 10_000_000, verification: 500_000 },
};

/** The account's billing document, created with the FREE plan the first time it is needed. */
export async function billingOf(accountId: string, createdBy: string): Promise<BillingDoc> {
  const found = await Billing.findOne({ accountId }).lean<BillingDoc>();
  if (found) return found;
  try {
    const created = await Billing.create({
      _id: newId(),
      accountId,
      plan: 'FREE',
      card: null,
      sendLimit: PLAN_LIMITS.FREE.send,
      verificationLimit: PLAN_LIMITS.FREE.verification,
      createdBy,
    });
    return created.toObject();
  } catch (err) {
    // Another request created it first (unique accountId): read theirs.
    if (!isDuplicateKey(err)) throw err;
    const again = await Billing.findOne({ accountId }).lean<BillingDoc>();
    if (!again) throw err;
    return again;
  }
}

/** A limit after a plan change: a custom (lower) limit is kept within the new maximum; a full one follows the plan. */
function carryLimit(current: number, oldMax: number, newMax: number): number {
  return current < oldMax ? Math.min(current, newMax) : newMax;
}

async function saveBilling(
  ctx: Context,
  before: BillingDoc,
  set: Partial<Pick<BillingDoc, 'plan' | 'card' | 'sendLimit' | 'verificationLimit'>>,
  action: string,
): Promise<BillingDoc> {
  return saveChanges(ctx, Billing, before, set, { action, view: publicBilling });
}

/** The fields of a billing document that may appear in an audit diff. */
function publicBilling(b: BillingDoc): Record<string, unknown> {
  return {
    plan: b.plan,
    card: b.card ? { brand: b.card.brand, last4: b.card.last4, expMonth: b.card.expMonth, expYear: b.card.expYear } : null,
    sendLimit: b.sendLimit,
    verificationLimit: b.verificationLimit,
  };
}

export async function updateBilling(ctx: Context, input: UpdateBillingInput): Promise<BillingDoc> {
  // Validate everything before writing anything.
  if ((input.plan === undefined || input.plan === null) && !input.card) {
    throw new BadInputError('Give a plan, a card, or both', 'plan');
  }
  const card: CardDoc | null = input.card ? validateCard(input.card) : null;
  const account = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  const before = await billingOf(account._id, account.ownerId);
  const plan = input.plan ?? before.plan;
  if (plan !== 'FREE' && !card && !before.card) {
    throw new BadInputError(`The ${plan} plan needs a card on file: add one in the same request`, 'card');
  }
  const set: Partial<BillingDoc> = {};
  if (card) set.card = card;
  if (plan !== before.plan) {
    set.plan = plan;
    set.sendLimit = carryLimit(before.sendLimit, PLAN_LIMITS[before.plan].send, PLAN_LIMITS[plan].send);
    set.verificationLimit = carryLimit(before.verificationLimit, PLAN_LIMITS[before.plan].verification, PLAN_LIMITS[plan].verification);
  }
  return saveBilling(ctx, before, set, 'billing.updated');
}

export async function removeCard(ctx: Context, accountId: string): Promise<BillingDoc> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', accountId);
  const before = await billingOf(account._id, account.ownerId);
  if (before.plan !== 'FREE') {
    throw new BadInputError(`The ${before.plan} plan needs a card on file: switch to FREE before removing it`, 'accountId');
  }
  if (!before.card) return before;
  return saveBilling(ctx, before, { card: null }, 'billing.cardRemoved');
}

function limitWithin(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new BadInputError(`${field} must be a whole number from 0 to ${max} (the plan's maximum)`, field);
  }
  return value;
}

export async function setSendLimit(ctx: Context, input: SetSendLimitInput): Promise<BillingDoc> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  const before = await billingOf(account._id, account.ownerId);
  const max = PLAN_LIMITS[before.plan];
  const set: Partial<BillingDoc> = { sendLimit: limitWithin(input.limit, max.send, 'limit') };
  if (input.verificationLimit !== undefined && input.verificationLimit !== null) {
    set.verificationLimit = limitWithin(input.verificationLimit, max.verification, 'verificationLimit');
  }
  return saveBilling(ctx, before, set, 'billing.limitsChanged');
}

/** Emails the account logged since the first of this month (UTC): what the send limit is measured against. */
export async function sentThisMonth(accountId: string, now = new Date()): Promise<number> {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return EmailLog.countDocuments({ accountId, createdAt: { $gte: start } });
}

// --- support tickets ------------------------------------------------------------------------------

export const TICKET_SUBJECT_MAX = 200;
export const TICKET_BODY_MAX = 10_000;

function text(value: string, field: string, max: number): string {
  const v = value.trim();
  if (!v) throw new BadInputError(`${field} must not be empty`, field);
  if (v.length > max) throw new BadInputError(`${field} must be at most ${max.toLocaleString('en')} characters`, field);
  return v;
}

export async function openSupportTicket(ctx: Context, input: OpenSupportTicketInput): Promise<SupportTicketDoc> {
  const subject = text(input.subject, 'subject', TICKET_SUBJECT_MAX);
  if (/[\r\n]/.test(subject)) throw new BadInputError('subject must be a single line', 'subject');
  const body = text(input.body, 'body', TICKET_BODY_MAX);
  const account = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  const ticket = (await SupportTicket.create({ accountId: account._id, subject, body, status: 'OPEN', createdBy: ctx.actorId })).toObject();
  ctx.loaders.prime('SupportTicket', ticket);
  await ctx.audit.record({
    accountId: ticket.accountId,
    action: 'supportTicket.opened',
    target: { type: 'SupportTicket', id: ticket._id },
    after: { subject: ticket.subject, status: ticket.status },
  });
  return ticket;
}

async function ticketOf(ctx: Context, id: string): Promise<SupportTicketDoc> {
  const ticket = await ctx.loaders.existing<SupportTicketDoc>('SupportTicket', id);
  return ticket;
}

/** Adds a comment; commenting on a closed ticket reopens it. */
export async function commentOnSupportTicket(
  ctx: Context,
  id: string,
  input: CommentOnSupportTicketInput,
): Promise<SupportTicketCommentDoc> {
  const body = text(input.body, 'body', TICKET_BODY_MAX);
  const ticket = await ticketOf(ctx, id);
  const comment = (
    await SupportTicketComment.create({ accountId: ticket.accountId, ticketId: ticket._id, body, createdBy: ctx.actorId })
  ).toObject();
  await SupportTicket.updateOne({ _id: ticket._id }, { $set: { status: 'OPEN' } });
  ctx.loaders.forget('SupportTicket', ticket._id);
  await ctx.audit.record({
    accountId: ticket.accountId,
    action: 'supportTicket.commented',
    target: { type: 'SupportTicket', id: ticket._id },
    meta: { commentId: comment._id, reopened: ticket.status === 'CLOSED' },
  });
  return comment;
}

export async function setSupportTicketStatus(ctx: Context, id: string, status: SupportTicketStatusName): Promise<SupportTicketDoc> {
  const before = await ticketOf(ctx, id);
  if (before.status === status) return before;
  const after = await SupportTicket.findOneAndUpdate(
    { _id: id },
    { $set: { status } },
    { returnDocument: 'after' },
  ).lean<SupportTicketDoc>();
  if (!after) throw new NotFoundError('SupportTicket', id);
  ctx.loaders.prime('SupportTicket', after);
  await ctx.audit.change({
    accountId: after.accountId,
    action: status === 'CLOSED' ? 'supportTicket.closed' : 'supportTicket.reopened',
    target: { type: 'SupportTicket', id },
    before: { status: before.status },
    after: { status: after.status },
  });
  return after;
}
