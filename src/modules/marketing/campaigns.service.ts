// Campaigns: DRAFT → (SCHEDULED) → SENDING → SENT. Edits only while DRAFT or SCHEDULED; a send needs
// a list, a template and a subject of the same workspace, and happens once: the send is claimed by a
// unique insert, and each contact's email log is its own claim (src/modules/marketing/campaign-delivery.ts),
// so a send resumed after a crash never mails a contact twice. SCHEDULED campaigns are sent when due
// by the scheduler of whichever replica claims them (src/modules/marketing/scheduler.ts).
// Without SMTP configured the emails are RECORDED, not delivered.
import type { Context } from '../../graphql/context';
import { BadInputError, NotFoundError } from '../../errors';
import { EmailLog } from '../sending/email-log.model';
import { claimSend, deliver, finishSend, fromHeader, newRunner } from './campaign-delivery';
import type { UserDoc } from '../identity/user.model';
import { assertVerifiedSender } from './sender.service';
import { cleanEmail } from '../../mail/address';
import { cleanName, cleanOptional, has, PERSON_NAME_MAX, SUBJECT_MAX, workspaceOf } from './common';
import { Campaign, CampaignSend, type CampaignDoc, type CampaignStatus } from './campaign.model';
import type { MailingListDoc } from './list.model';
import type { TemplateDoc } from './template.model';

// FAILED: the scheduler could not send it when due (see failureReason); fix it, then send or schedule it again.
const EDITABLE: CampaignStatus[] = ['DRAFT', 'SCHEDULED', 'FAILED'];

export interface CampaignInput {
  name?: string | null;
  subject?: string | null;
  listId?: string | null;
  templateId?: string | null;
  fromEmail?: string | null;
  fromName?: string | null;
}

function cleanSubject(value: unknown): string {
  const s = cleanOptional(value, 'subject', SUBJECT_MAX) ?? '';
  if (/[\r\n]/.test(s)) throw new BadInputError('subject must be one line', 'subject');
  return s;
}

function cleanFromName(value: unknown): string | null {
  const s = cleanOptional(value, 'fromName', PERSON_NAME_MAX);
  if (s && /["<>\p{Cc}]/u.test(s))
    throw new BadInputError('fromName must not contain quotes, angle brackets or control characters', 'fromName');
  return s;
}

/** A list or template id of the campaign's workspace (anything else reads as "no such … here"). */
async function sibling<T extends { _id: string; workspaceId: string }>(
  ctx: Context,
  type: 'MailingList' | 'Template',
  field: string,
  id: string | null | undefined,
  workspaceId: string,
): Promise<T | null> {
  if (id === null || id === undefined) return null;
  const doc = await ctx.loaders.load<T>(type, id);
  if (!doc || doc.workspaceId !== workspaceId) {
    throw new BadInputError(`No ${type === 'MailingList' ? 'list' : 'template'} with id ${JSON.stringify(id)} in this workspace`, field);
  }
  return doc;
}

async function loadCampaign(ctx: Context, id: string): Promise<CampaignDoc> {
  const c = await ctx.loaders.existing<CampaignDoc>('Campaign', id);
  return c;
}

function notEditable(c: { status: CampaignStatus }, what: string): BadInputError {
  return new BadInputError(`This campaign is ${c.status}: it can only be ${what} while DRAFT or SCHEDULED`, 'id');
}

export async function createCampaign(ctx: Context, input: CampaignInput & { workspaceId: string; name: string }): Promise<CampaignDoc> {
  const name = cleanName(input.name, 'name');
  const subject = cleanSubject(input.subject);
  const fromEmail =
    input.fromEmail === null || input.fromEmail === undefined || input.fromEmail.trim() === ''
      ? null
      : cleanEmail(input.fromEmail, 'fromEmail');
  const fromName = cleanFromName(input.fromName);
  const ws = await workspaceOf(ctx, input.workspaceId);
  if (fromEmail) await assertVerifiedSender(ws.accountId, ws._id, fromEmail);
  const list = await sibling<MailingListDoc>(ctx, 'MailingList', 'listId', input.listId, ws._id);
  const template = await sibling<TemplateDoc>(ctx, 'Template', 'templateId', input.templateId, ws._id);
  const c = (
    await Campaign.create({
      accountId: ws.accountId,
      workspaceId: ws._id,
      name,
      subject,
      status: 'DRAFT',
      listId: list?._id ?? null,
      templateId: template?._id ?? null,
      fromEmail,
      fromName,
      createdBy: ctx.actorId,
    })
  ).toObject();
  ctx.loaders.prime('Campaign', c);
  return c;
}

export async function updateCampaign(ctx: Context, id: string, input: CampaignInput): Promise<CampaignDoc> {
  const current = await loadCampaign(ctx, id);
  if (!EDITABLE.includes(current.status)) throw notEditable(current, 'edited');
  const set: Partial<CampaignDoc> = {};
  if (has(input, 'name')) set.name = cleanName(input.name, 'name');
  if (has(input, 'subject')) set.subject = cleanSubject(input.subject);
  if (has(input, 'fromEmail')) set.fromEmail = input.fromEmail && input.fromEmail.trim() ? cleanEmail(input.fromEmail, 'fromEmail') : null;
  if (set.fromEmail) await assertVerifiedSender(current.accountId, current.workspaceId, set.fromEmail);
  if (has(input, 'fromName')) set.fromName = cleanFromName(input.fromName);
  if (has(input, 'listId')) set.listId = (await sibling(ctx, 'MailingList', 'listId', input.listId, current.workspaceId))?._id ?? null;
  if (has(input, 'templateId'))
    set.templateId = (await sibling(ctx, 'Template', 'templateId', input.templateId, current.workspaceId))?._id ?? null;
  if (current.status === 'SCHEDULED' && (set.listId === null || set.templateId === null)) {
    throw new BadInputError(
      'A scheduled campaign keeps its list and template: unschedule it first',
      set.listId === null ? 'listId' : 'templateId',
    );
  }
  const c = await Campaign.findOneAndUpdate({ _id: id, status: { $in: EDITABLE } }, { $set: set }, { returnDocument: 'after' }).lean();
  if (!c) throw notEditable((await Campaign.findOne({ _id: id }).lean()) ?? { status: 'SENT' }, 'edited');
  ctx.loaders.prime('Campaign', c);
  return c;
}

export async function deleteCampaign(ctx: Context, id: string): Promise<boolean> {
  const current = await loadCampaign(ctx, id);
  if (current.status === 'SENDING') throw new BadInputError('This campaign is being sent: delete it once it is SENT', 'id');
  const res = await Campaign.deleteOne({ _id: id, status: { $ne: 'SENDING' } });
  if (res.deletedCount === 0) throw new NotFoundError('Campaign', id);
  ctx.loaders.forget('Campaign', id);
  // Its EmailLogs stay: they are the record of mail that went out.
  return true;
}

/** The list and template a send or schedule needs, or BAD_USER_INPUT naming what is missing. */
async function readyToSend(ctx: Context, c: CampaignDoc): Promise<{ list: MailingListDoc; template: TemplateDoc }> {
  const list = c.listId ? await ctx.loaders.load<MailingListDoc>('MailingList', c.listId) : null;
  if (!list || list.workspaceId !== c.workspaceId) throw new BadInputError('Choose a mailing list for this campaign first', 'listId');
  const template = c.templateId ? await ctx.loaders.load<TemplateDoc>('Template', c.templateId) : null;
  if (!template || template.workspaceId !== c.workspaceId)
    throw new BadInputError('Choose a template for this campaign first', 'templateId');
  if (!c.subject) throw new BadInputError('Give this campaign a subject first', 'subject');
  if (!c.fromEmail) throw new BadInputError('Give this campaign a fromEmail at a verified domain of its workspace first', 'fromEmail');
  await assertVerifiedSender(c.accountId, c.workspaceId, c.fromEmail);
  return { list, template };
}

export async function scheduleCampaign(ctx: Context, input: { id: string; at: Date }): Promise<CampaignDoc> {
  const current = await loadCampaign(ctx, input.id);
  if (!EDITABLE.includes(current.status)) throw notEditable(current, 'scheduled');
  const at = new Date(input.at);
  if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now()) throw new BadInputError('at must be in the future', 'at');
  await readyToSend(ctx, current);
  const c = await Campaign.findOneAndUpdate(
    { _id: input.id, status: { $in: EDITABLE } },
    { $set: { status: 'SCHEDULED', scheduledAt: at } },
    { returnDocument: 'after' },
  ).lean();
  if (!c) throw notEditable((await Campaign.findOne({ _id: input.id }).lean()) ?? { status: 'SENT' }, 'scheduled');
  ctx.loaders.prime('Campaign', c);
  return c;
}

export async function unscheduleCampaign(ctx: Context, id: string): Promise<CampaignDoc> {
  const current = await loadCampaign(ctx, id);
  const c = await Campaign.findOneAndUpdate(
    { _id: id, status: 'SCHEDULED' },
    { $set: { status: 'DRAFT', scheduledAt: null } },
    { returnDocument: 'after' },
  ).lean();
  if (!c) throw new BadInputError(`This campaign is ${current.status}, not SCHEDULED`, 'id');
  ctx.loaders.prime('Campaign', c);
  return c;
}

export async function sendCampaign(ctx: Context, id: string): Promise<CampaignDoc> {
  const current = await loadCampaign(ctx, id);
  if (!EDITABLE.includes(current.status)) {
    throw new BadInputError(`This campaign is ${current.status}: it is sent only once, from DRAFT or SCHEDULED`, 'id');
  }
  const { list, template } = await readyToSend(ctx, current);
  const creator = await ctx.loaders.load<UserDoc>('User', current.createdBy);
  const from = fromHeader(current, null)!; // readyToSend required a verified fromEmail

  // Claim the send: exactly one request (or scheduler) inserts the campaign's send record.
  const alreadySent = () => new BadInputError('This campaign is already being sent or was sent: it is sent only once', 'id');
  const runner = newRunner();
  const send = await claimSend(current, ctx.actorId, runner);
  if (!send) throw alreadySent();
  const claimed = await Campaign.findOneAndUpdate(
    { _id: id, status: { $in: EDITABLE } },
    { $set: { status: 'SENDING' } },
    { returnDocument: 'after' },
  ).lean();
  if (!claimed) {
    await CampaignSend.deleteOne({ _id: id });
    throw alreadySent();
  }
  ctx.loaders.forget('Campaign', id);

  let outcome;
  try {
    outcome = await deliver(claimed, { list, template, from, signature: creator?.signature ?? '' }, send, ctx.mailer, runner, ctx.log);
  } catch (err) {
    // Nothing left the building: undo the records and put the campaign back as it was. Otherwise the
    // campaign stays SENDING and the scheduler of any replica resumes it once the lease lapses.
    if (!ctx.mailer.configured || (await EmailLog.countDocuments({ campaignId: id, status: 'DELIVERED' })) === 0) {
      await EmailLog.deleteMany({ campaignId: current._id });
      await Campaign.updateOne({ _id: id }, { $set: { status: current.status } });
      await CampaignSend.deleteOne({ _id: id });
    }
    throw err;
  }

  // Null when a replica resumed this send (its lease lapsed) and finished it first.
  const done = (await finishSend(id)) ?? (await Campaign.findOne({ _id: id }).lean());
  if (!done) throw new NotFoundError('Campaign', id);
  ctx.loaders.prime('Campaign', done);
  await ctx.audit.record({
    accountId: done.accountId,
    workspaceId: done.workspaceId,
    action: 'campaign.sent',
    target: { type: 'Campaign', id: done._id },
    meta: {
      listId: list._id,
      templateId: template._id,
      recipientCount: done.recipientCount,
      delivered: ctx.mailer.configured,
      sent: outcome.written,
    },
  });
  return done;
}
