// Mailtrap's billing details (MT14, MT17): whether the viewer receives invoice emails (anyone who may
// see billing may opt out for themselves), and the seats the account uses against its plan's member
// limit — every member counts, those without any access too. The limit is enforced: whoever joins
// (createUser, acceptInvitation, SCIM, single sign-on) first takes a seat with one guarded $inc on the
// account's SeatCount, given back when the join does not happen and when a member is removed. The FREE
// plan includes the owner alone: user management starts with STARTER (Mailtrap: "available for the
// Team plan and higher").
import type { Context } from '../../graphql';
import type { SetInvoiceEmailsInput } from '../../generated';
import { BadInputError, NotFoundError } from '../../errors';
import { isDuplicateKey } from '../../db';
import { Member, type MemberDoc } from '../accounts/account.model';
import type { BillingDoc, PlanName } from './billing.model';
import { billingOf } from './billing.service';
import { SeatCount } from './seat-count.model';

/** Members each plan includes, unless POSTERN_PLAN_MEMBER_LIMITS says otherwise. */
export const DEFAULT_PLAN_MEMBER_LIMITS: Record<PlanName, number> = { FREE: 1, STARTER: 3, GROWTH: 10, SCALE: 50, ENTERPRISE: 1000 };

let limits: Record<PlanName, number> = { ...DEFAULT_PLAN_MEMBER_LIMITS };

/** The operator's member limits per plan (POSTERN_PLAN_MEMBER_LIMITS); set once at start. */
export function setPlanMemberLimits(overrides: Partial<Record<PlanName, number>>): void {
  limits = { ...DEFAULT_PLAN_MEMBER_LIMITS, ...overrides };
}

export function memberLimit(plan: PlanName): number {
  return limits[plan];
}

function seatsTaken(plan: PlanName, limit: number, field: string): BadInputError {
  return new BadInputError(
    limit <= 1
      ? `The ${plan} plan includes the owner alone: upgrade the plan (updateBilling) to add people`
      : `All ${limit} members the ${plan} plan includes are taken: remove a member or upgrade the plan (updateBilling)`,
    field,
  );
}

/** Refuses early (inviting, creating a user) when every seat is taken; the join itself takes the seat. */
export async function assertSeatFree(account: { _id: string; ownerId: string }, field: string): Promise<void> {
  const billing = await billingOf(account._id, account.ownerId);
  const limit = memberLimit(billing.plan);
  if ((await seatsUsed(account._id)) >= limit) throw seatsTaken(billing.plan, limit, field);
}

/** A seat taken for someone about to join; give it back when they do not join after all. */
export interface Seat {
  release(): Promise<void>;
}

const NO_SEAT: Seat = { release: async () => {} };

/**
 * Takes a seat for `userId` (none for a member already: NO_SEAT). BAD_USER_INPUT on `field` when every
 * seat of the plan is taken: nothing changes.
 */
export async function takeSeat(account: { _id: string; ownerId: string }, userId: string, field: string): Promise<Seat> {
  if (await Member.exists({ accountId: account._id, userId })) return NO_SEAT;
  const billing = await billingOf(account._id, account.ownerId);
  const limit = memberLimit(billing.plan);
  // The counter starts from the members the account has (the owner, those seeded before it existed).
  if (!(await SeatCount.exists({ _id: account._id }))) {
    const used = await Member.countDocuments({ accountId: account._id });
    try {
      await SeatCount.create({ _id: account._id, accountId: account._id, used });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  const taken = await SeatCount.findOneAndUpdate({ _id: account._id, used: { $lt: limit } }, { $inc: { used: 1 } }).lean();
  if (!taken) throw seatsTaken(billing.plan, limit, field);
  return { release: () => seatFreed(account._id) };
}

/** A member left (or a taken seat went unused): the seat is free again. */
export async function seatFreed(accountId: string): Promise<void> {
  await SeatCount.updateOne({ _id: accountId, used: { $gt: 0 } }, { $inc: { used: -1 } });
}

export async function seatsUsed(accountId: string): Promise<number> {
  return Member.countDocuments({ accountId });
}

export async function receivesInvoiceEmails(ctx: Context, b: BillingDoc): Promise<boolean> {
  const m = await Member.findOne({ accountId: b.accountId, userId: ctx.actorId }).select({ invoiceEmails: 1 }).lean<MemberDoc>();
  return m?.invoiceEmails !== false;
}

export async function setInvoiceEmails(ctx: Context, input: SetInvoiceEmailsInput): Promise<boolean> {
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
