// A campaign's From must be an address at a VERIFIED domain of its own workspace: anything else is
// spoofing someone's name. Checked on create, on update, on send and on schedule (campaigns.service.ts),
// and again by the scheduler when a scheduled campaign falls due (campaign-delivery.service.ts: the domain may
// have been unverified, renamed, moved or deleted since).
import { BadInputError } from '../../errors';
import { Domain } from '../sending/domain.model';

/** Why `fromEmail` may not send for this workspace now, or null when it may. */
export async function senderProblem(accountId: string, workspaceId: string, fromEmail: string): Promise<string | null> {
  const name = fromEmail.slice(fromEmail.lastIndexOf('@') + 1);
  const domain = await Domain.findOne({ accountId, name }).select({ workspaceId: 1, state: 1 }).lean();
  if (!domain || domain.workspaceId !== workspaceId) {
    return `fromEmail must be an address at a verified domain of this workspace, and ${name} is not one`;
  }
  if (domain.state !== 'VERIFIED') return `${name} is not verified: verify it with verifyDomain before sending from it`;
  return null;
}

/** BAD_USER_INPUT (field fromEmail) unless `fromEmail` is at a verified domain of the workspace. */
export async function assertVerifiedSender(accountId: string, workspaceId: string, fromEmail: string): Promise<void> {
  const problem = await senderProblem(accountId, workspaceId, fromEmail);
  if (problem) throw new BadInputError(problem, 'fromEmail');
}
