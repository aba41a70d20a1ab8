// Mailtrap's inbox settings (MT12): the inbox's email address, its SMTP credentials (the password
// sealed, shown masked but to inbox admins) and forwarding rules. Inbox admins manage them
// (inboxes:edit); viewers see the address and rules, never the password.
import type { Context } from '../../graphql';
import type { SetInboxEmailAddressInput, SetInboxForwardingInput } from '../../generated';
import { secretBox, randomSecret } from '../../crypto';
import { isDuplicateKey } from '../../db';
import { BadInputError } from '../../errors';
import { saveChanges } from '../save';
import { cleanEmail } from '../../mail';
import { Inbox, InboxAddress, type InboxAddressDoc, type InboxDoc } from './testing.model';

export const INBOX_MAIL_DOMAIN = 'inbox.postern.email';
const LOCAL_PART = /^[a-z0-9][a-z0-9._-]{1,62}$/;
const MAX_FORWARDS = 20;

/** Inbox documents as the audit log may show them: no sealed secret. */
const view = ({ smtpPasswordEnc: _p, ...rest }: InboxDoc) => rest;

export function inboxSmtpPassword(i: InboxDoc): string | null {
  return i.smtpPasswordEnc ? secretBox().open(i.smtpPasswordEnc) : null;
}

/** New SMTP credentials for the inbox: the old ones stop working at once. */
export async function resetInboxCredentials(ctx: Context, id: string): Promise<InboxDoc> {
  const before = await ctx.loaders.existing<InboxDoc>('Inbox', id);
  return saveChanges(
    ctx,
    Inbox,
    before,
    { smtpUsername: `inbox-${randomSecret(6)}`.toLowerCase(), smtpPasswordEnc: secretBox().seal(randomSecret(18)) },
    { action: 'inbox.credentialsReset', view },
  );
}

/**
 * Claims an address for an inbox (a unique key). A claim left by an inbox that no longer exists (deleted
 * before addresses were released with it, or by a crash between the two deletes) is taken over: the
 * stale claim is removed only if it still names that dead inbox, then the insert is tried once more.
 */
async function claimAddress(address: string, inbox: InboxDoc): Promise<boolean> {
  const doc = { _id: address, accountId: inbox.accountId, workspaceId: inbox.workspaceId, projectId: inbox.projectId, inboxId: inbox._id };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await InboxAddress.create(doc);
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const holder = await InboxAddress.findById(address).select({ inboxId: 1 }).lean<InboxAddressDoc>();
    if (!holder) continue; // released meanwhile
    if (await Inbox.exists({ _id: holder.inboxId })) return false;
    await InboxAddress.deleteOne({ _id: address, inboxId: holder.inboxId });
  }
  return false;
}

/** Sets the inbox's address `<localPart>@inbox.postern.email`; each address belongs to one inbox only. */
export async function setInboxEmailAddress(ctx: Context, input: SetInboxEmailAddressInput): Promise<InboxDoc> {
  const before = await ctx.loaders.existing<InboxDoc>('Inbox', input.id);
  const local = input.localPart.trim().toLowerCase();
  if (!LOCAL_PART.test(local)) {
    throw new BadInputError('localPart must be 2–63 lowercase letters, digits, dots, dashes or underscores', 'localPart');
  }
  const address = `${local}@${INBOX_MAIL_DOMAIN}`;
  if (address === before.emailAddress) return before;
  if (!(await claimAddress(address, before))) throw new BadInputError(`${address} is taken: choose another`, 'localPart');
  try {
    const after = await saveChanges(ctx, Inbox, before, { emailAddress: address }, { action: 'inbox.addressSet', view });
    if (before.emailAddress) await InboxAddress.deleteOne({ _id: before.emailAddress, inboxId: before._id });
    return after;
  } catch (err) {
    await InboxAddress.deleteOne({ _id: address, inboxId: before._id });
    throw err;
  }
}

export async function setInboxForwarding(ctx: Context, input: SetInboxForwardingInput): Promise<InboxDoc> {
  const before = await ctx.loaders.existing<InboxDoc>('Inbox', input.id);
  if (input.forwardTo.length > MAX_FORWARDS) throw new BadInputError(`At most ${MAX_FORWARDS} forwarding addresses`, 'forwardTo');
  const forwardTo = [...new Set(input.forwardTo.map((e) => cleanEmail(e, 'forwardTo')))];
  return saveChanges(ctx, Inbox, before, { forwardTo }, { action: 'inbox.forwardingSet', view });
}
