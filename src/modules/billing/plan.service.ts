// Features a plan includes (Mailers.io MI10: SSO from SCALE, SCIM on ENTERPRISE). A feature below its
// plan is refused with BAD_USER_INPUT on `accountId`, naming the plan needed and the account's own.
import { BadInputError } from '../../errors';
import { Billing, type BillingDoc, type PlanName } from './billing.model';

/** Plans from the smallest up. */
export const PLAN_ORDER: readonly PlanName[] = ['FREE', 'STARTER', 'GROWTH', 'SCALE', 'ENTERPRISE'];

/** The smallest plan that includes each gated feature. */
export const FEATURE_PLAN = {
  sso: 'SCALE',
  scim: 'ENTERPRISE',
} as const satisfies Record<string, PlanName>;

const FEATURE_NAME: Record<keyof typeof FEATURE_PLAN, string> = {
  sso: 'Single sign-on (SAML, OpenID Connect)',
  scim: 'SCIM provisioning',
};

export function planIncludes(plan: PlanName, feature: keyof typeof FEATURE_PLAN): boolean {
  return PLAN_ORDER.indexOf(plan) >= PLAN_ORDER.indexOf(FEATURE_PLAN[feature]);
}

/** Refuses `feature` unless the account's plan includes it (an account without billing is on FREE). */
export async function assertPlanIncludes(accountId: string, feature: keyof typeof FEATURE_PLAN): Promise<void> {
  const plan = (await Billing.findOne({ accountId }, { plan: 1 }).lean<Pick<BillingDoc, 'plan'>>())?.plan ?? 'FREE';
  if (!planIncludes(plan, feature)) {
    throw new BadInputError(
      `${FEATURE_NAME[feature]} needs the ${FEATURE_PLAN[feature]} plan or higher; this account is on ${plan} (change it with updateBilling)`,
      'accountId',
    );
  }
}
