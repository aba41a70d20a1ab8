import { memberLimit, receivesInvoiceEmails, seatsUsed, setInvoiceEmails } from './seats.service';
import type { Resolvers } from '../../generated';
import { paginate } from '../../graphql';
import type { UserDoc } from '../identity/user.model';
import { SupportTicket, SupportTicketComment, type SupportTicketDoc } from './billing.model';
import {
  billingOf,
  commentOnSupportTicket,
  openSupportTicket,
  PLAN_LIMITS,
  sentThisMonth,
  removeCard,
  setSendLimit,
  setSupportTicketStatus,
  updateBilling,
} from './billing.service';

export const billingResolvers: Resolvers = {
  Query: {
    supportTicket: (_, { id }, ctx) => ctx.loaders.load<SupportTicketDoc>('SupportTicket', id),
  },
  Mutation: {
    setInvoiceEmails: (_, { input }, ctx) => setInvoiceEmails(ctx, input),
    updateBilling: (_, { input }, ctx) => updateBilling(ctx, input),
    removeCard: (_, { accountId }, ctx) => removeCard(ctx, accountId),
    setSendLimit: (_, { input }, ctx) => setSendLimit(ctx, input),
    openSupportTicket: (_, { input }, ctx) => openSupportTicket(ctx, input),
    commentOnSupportTicket: (_, { id, input }, ctx) => commentOnSupportTicket(ctx, id, input),
    setSupportTicketStatus: (_, { id, status }, ctx) => setSupportTicketStatus(ctx, id, status),
  },
  Account: {
    billing: (a) => billingOf(a._id, a.ownerId),
    supportTickets: (a, args) => paginate(SupportTicket, { accountId: a._id }, args),
  },
  Billing: {
    planSendLimit: (b) => PLAN_LIMITS[b.plan].send,
    planVerificationLimit: (b) => PLAN_LIMITS[b.plan].verification,
    sentThisMonth: (b) => sentThisMonth(b.accountId),
    invoiceEmails: (b, _, ctx) => receivesInvoiceEmails(ctx, b),
    seatsUsed: (b) => seatsUsed(b.accountId),
    memberLimit: (b) => memberLimit(b.plan),
  },
  SupportTicket: {
    openedBy: (t, _, ctx) => ctx.loaders.load<UserDoc>('User', t.createdBy),
    comments: (t, args) => paginate(SupportTicketComment, { ticketId: t._id }, args),
  },
  SupportTicketComment: {
    author: (c, _, ctx) => ctx.loaders.load<UserDoc>('User', c.createdBy),
  },
};
