// Transactional sending through a domain: validate, refuse suppressed (and, while the domain is
// UNVERIFIED, unauthorized) recipients, log, hand to the mailer, record the outcome.
import type { Context } from '../../graphql';
import type { SendEmailInput } from '../../generated';
import { BadInputError } from '../../errors';
import type { Model } from 'mongoose';
import { newId } from '../../db';
import { Domain, type DomainDoc } from './domain.model';
import { placeLogs, type LogParent } from './email-log-pages.service';
import { AuthorizedRecipient, Suppression } from './domain-children.model';
import { EmailLog, type EmailLogDoc, type EmailStatus } from './email-log.model';
import { cleanEmail, domainOf } from '../../mail';

export const SUBJECT_MAX = 998;
export const DISPLAY_NAME_MAX = 200;
export const BODY_MAX = 1_000_000;

/** `Name <user@host>` or `user@host` → the cleaned address and the header value to send. */
export function parseFrom(value: string, field = 'from'): { address: string; header: string } {
  const raw = value.trim();
  const m = /^(.*?)\s*<([^<>]+)>$/.exec(raw);
  if (!m) {
    const address = cleanEmail(raw, field);
    return { address, header: address };
  }
  const name = m[1]!.trim().replace(/^"(.*)"$/, '$1');
  if (name.length > DISPLAY_NAME_MAX)
    throw new BadInputError(`${field}: the display name must be at most ${DISPLAY_NAME_MAX} characters`, field);
  if (/[\r\n"<>\\]/.test(name) || [...name].some((c) => c.charCodeAt(0) < 32)) {
    throw new BadInputError(`${field}: the display name must not contain quotes, angle brackets or control characters`, field);
  }
  const address = cleanEmail(m[2]!, field);
  return { address, header: name ? `"${name}" <${address}>` : address };
}

function body(value: string | null | undefined, field: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (value.length > BODY_MAX) throw new BadInputError(`${field} must be at most ${BODY_MAX} characters`, field);
  return value;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export async function sendEmail(ctx: Context, input: SendEmailInput): Promise<EmailLogDoc> {
  const domain = await ctx.loaders.existing<DomainDoc>('Domain', input.domainId);
  const from = parseFrom(input.from);
  if (domainOf(from.address) !== domain.name) throw new BadInputError(`from must be an address at ${domain.name}`, 'from');
  const to = cleanEmail(input.to, 'to');
  const subject = input.subject.trim();
  if (!subject) throw new BadInputError('subject must not be empty', 'subject');
  if (subject.length > SUBJECT_MAX) throw new BadInputError(`subject must be at most ${SUBJECT_MAX} characters`, 'subject');
  if (/[\r\n]/.test(subject)) throw new BadInputError('subject must be one line', 'subject');
  let text = body(input.text, 'text');
  let html = body(input.html, 'html');
  if (text === null && html === null) throw new BadInputError('Give a text or an html body', 'text');

  const suppressed = await Suppression.findOne({ domainId: domain._id, address: to }).select({ type: 1 }).lean();
  if (suppressed) throw new BadInputError(`${to} is on the ${suppressed.type} suppression list of ${domain.name}`, 'to');
  if (domain.state !== 'VERIFIED' && !(await AuthorizedRecipient.exists({ domainId: domain._id, email: to }))) {
    throw new BadInputError(
      `${domain.name} is not verified yet: it can send only to its authorized recipients, and ${to} is not one`,
      'to',
    );
  }
  if (domain.unsubscribeFooter) {
    if (text !== null) text = `${text}\n\n${domain.unsubscribeFooter}`;
    if (html !== null) html = `${html}\n<p>${escapeHtml(domain.unsubscribeFooter)}</p>`;
  }

  // Its place in the domain's logs (email-log-pages.service.ts): one `$inc` on the domain.
  const placed = { _id: newId(), place: null as string | null };
  await placeLogs(Domain as unknown as Model<LogParent>, domain._id, [placed]);
  const log = (
    await EmailLog.create({
      ...placed,
      accountId: domain.accountId,
      workspaceId: domain.workspaceId,
      domainId: domain._id,
      campaignId: null,
      from: from.header,
      to,
      subject,
      status: 'QUEUED',
      html,
      text,
      createdBy: ctx.actorId,
    })
  ).toObject();

  let status: EmailStatus;
  let messageId: string | null;
  let error: string | null;
  try {
    const result = await ctx.mailer.send({ from: from.header, to, subject, text, html });
    status = !ctx.mailer.configured ? 'RECORDED' : result.delivered ? 'DELIVERED' : 'FAILED';
    messageId = result.messageId;
    error = result.delivered ? null : (result.error ?? (ctx.mailer.configured ? 'SEND_FAILED' : null));
  } catch {
    status = 'FAILED';
    messageId = null;
    error = 'SEND_FAILED';
  }
  // A delivery event may have moved the log on meanwhile: the mailer's outcome never sets it back.
  const done =
    (await EmailLog.findOneAndUpdate(
      { _id: log._id, status: 'QUEUED' },
      { $set: { status, messageId, error } },
      { returnDocument: 'after' },
    ).lean()) ?? (await EmailLog.findOneAndUpdate({ _id: log._id }, { $set: { messageId, error } }, { returnDocument: 'after' }).lean());
  return done ?? { ...log, status, messageId, error };
}
