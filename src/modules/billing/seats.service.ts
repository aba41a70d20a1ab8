// Mailtrap's billing details (MT14, MT17): whether the viewer receives invoice emails (anyone who may
// see billing may opt out for themselves), and the seats the account uses against its plan's limit —
// every member counts, those without any access too.
import type { Context } from '../../graphql/context';
import { NotFoundError } from '../../errors';
import { Member, type MemberDoc } from '../accounts/account.model';
import type { BillingDoc, PlanName } from './billing.model';

/** Members a plan includes (shown, not enforced). */
export const PLAN_MEMBER_LIMIT: Record<PlanName, number> = { FREE: 1, STARTER: 3, GROWTH: 10, SCALE: 50, ENTERPRISE: 1000 };

export async function seatsUsed(accountId: string): Promise<number> {
  return Member.countDocuments({ accountId });
}

export async function receivesInvoiceEmails(ctx: Context, b: BillingDoc): Promise<boolean> {
  const m = await Member.findOne({ accountId: b.accountId, userId: ctx.actorId }).select({ invoiceEmails: 1 }).lean<MemberDoc>();
  return m?.invoiceEmails !== false;
}

export async function setInvoiceEmails(ctx: Context, input: { accountId: string; receive: boolean }): Promise<boolean> {
  const before = await Member.findOneAndUpdate(
    { accountId: input.accountId, userId: ctx.actorId },
    { $set: { invoiceEmails: input.receive } },
  ).lean<MemberDoc>();
  if (!before) throw new NotFoundError('member', ctx.actorId);
  if ((before.invoiceEmails !== false) !== input.receive) {
    await ctx.audit.change({
      accountId: input.accountId,
      action: 'billing.invoiceEmailsSet',
      target: { type: 'User', id: ctx.actorId },
      before: { invoiceEmails: before.invoiceEmails !== false },
      after: { invoiceEmails: input.receive },
    });
  }
  return input.receive;
}
