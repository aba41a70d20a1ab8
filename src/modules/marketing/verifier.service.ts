// The email verifier (Mailercloud MC10): is an address worth mailing? The syntax is checked with the
// sending area's address rule (src/modules/sending/validate.ts), then the domain's mail servers are
// looked up in DNS (MX, node:dns through dns-check.ts). A syntax failure is answered INVALID at once
// and costs nothing; every DNS verification takes one unit of the account's monthly
// verificationLimit first (src/modules/billing/verifications.service.ts), and none is taken when the
// limit is reached (BAD_USER_INPUT).
import type { Context } from '../../graphql';
import type { VerifyEmailAddressInput } from '../../generated';
import { BadInputError } from '../../errors';
import type { AccountDoc, WorkspaceDoc } from '../accounts/account.model';
import { billingOf } from '../billing/billing.service';
import { returnVerification, takeVerification, verificationsThisMonth } from '../billing/verifications.service';
import { lookupMx } from '../sending/dns-check';
import { cleanEmail, domainOf } from '../../mail';

export type EmailVerdict = 'VALID' | 'INVALID' | 'UNKNOWN';

export interface EmailVerification {
  email: string;
  verdict: EmailVerdict;
  reason: string | null;
  mxHosts: string[];
  /** Verifications the account has left this month after this one. */
  remainingThisMonth: number;
}

/** Longer input is refused outright (an address has at most 254 characters). */
const INPUT_MAX = 1000;

export async function verifyEmailAddress(ctx: Context, input: VerifyEmailAddressInput): Promise<EmailVerification> {
  if (input.email.length > INPUT_MAX) throw new BadInputError(`email must be at most ${INPUT_MAX} characters`, 'email');
  const ws = await ctx.loaders.existing<WorkspaceDoc>('Workspace', input.workspaceId);
  const account = await ctx.loaders.existing<AccountDoc>('Account', ws.accountId);
  const billing = await billingOf(account._id, account.ownerId);

  let email: string;
  try {
    email = cleanEmail(input.email, 'email');
  } catch (err) {
    if (!(err instanceof BadInputError)) throw err;
    const left = billing.verificationLimit - (await verificationsThisMonth(account._id));
    return { email: input.email.trim(), verdict: 'INVALID', reason: err.message, mxHosts: [], remainingThisMonth: Math.max(0, left) };
  }

  const { month, remaining } = await takeVerification(account._id, billing.verificationLimit, 'email');
  const domain = domainOf(email);
  let found: Awaited<ReturnType<typeof lookupMx>>;
  try {
    found = await lookupMx(domain);
  } catch (err) {
    await returnVerification(account._id, month); // not answered: not counted
    throw err;
  }
  const result = { email, remainingThisMonth: remaining };
  if ('error' in found) {
    return { ...result, verdict: 'UNKNOWN', reason: `The mail servers of ${domain} could not be looked up (${found.error})`, mxHosts: [] };
  }
  const hosts = found.hosts.map((h) => h.exchange);
  // RFC 7505: a single MX of "." says the domain accepts no mail.
  if (hosts.length === 0 || hosts.every((h) => h === '' || h === '.')) {
    return { ...result, verdict: 'INVALID', reason: `${domain} accepts no mail: it publishes no MX record`, mxHosts: [] };
  }
  return { ...result, verdict: 'VALID', reason: null, mxHosts: hosts };
}
