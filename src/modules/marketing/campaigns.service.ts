// Campaigns: DRAFT → (SCHEDULED) → SENDING → SENT. This file creates, edits, deletes and schedules
// them (edits only while DRAFT or SCHEDULED; every write audited); a send needs a list, a template and
// a subject of the same workspace (readyToSend), and is the delivery pipeline's:
// campaign-delivery.service.ts sends a campaign once, at most once per contact, for sendCampaign and
// for the scheduler (scheduler.ts) when a SCHEDULED campaign falls due.
import type { WorkspaceDoc } from '../accounts/account.model';
import type { Context } from '../../graphql';
import type { CreateCampaignInput, ScheduleCampaignInput, UpdateCampaignInput } from '../../generated';
import { BadInputError } from '../../errors';
import { createRecorded, deleteRecorded, saveChanges } from '../save';
import { assertVerifiedSender } from './sender.service';
import { cleanEmail } from '../../mail';
import { cleanName, cleanOptional, has, PERSON_NAME_MAX, SUBJECT_MAX } from './common';
import { Campaign, type CampaignDoc, type CampaignStatus } from './campaign.model';
import type { MailingListDoc } from './list.model';
import type { TemplateDoc } from './template.model';

// FAILED: the scheduler could not send it when due (see failureReason); fix it, then send or schedule it again.
export const EDITABLE: CampaignStatus[] = ['DRAFT', 'SCHEDULED', 'FAILED'];

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

function notEditable(c: { status: CampaignStatus }, what: string): BadInputError {
  return new BadInputError(`This campaign is ${c.status}: it can only be ${what} while DRAFT or SCHEDULED`, 'id');
}

/** The refusal of a write that found the campaign no longer editable (sent, or sending, meanwhile). */
async function refusedAs(id: string, what: string): Promise<never> {
  throw notEditable((await Campaign.findOne({ _id: id }).lean()) ?? { status: 'SENT' }, what);
}

export async function createCampaign(ctx: Context, input: CreateCampaignInput): Promise<CampaignDoc> {
  const name = cleanName(input.name, 'name');
  const subject = cleanSubject(input.subject);
  const fromEmail =
    input.fromEmail === null || input.fromEmail === undefined || input.fromEmail.trim() === ''
      ? null
      : cleanEmail(input.fromEmail, 'fromEmail');
  const fromName = cleanFromName(input.fromName);
  const ws = await ctx.loaders.existing<WorkspaceDoc>('Workspace', input.workspaceId);
  if (fromEmail) await assertVerifiedSender(ws.accountId, ws._id, fromEmail);
  const list = await sibling<MailingListDoc>(ctx, 'MailingList', 'listId', input.listId, ws._id);
  const template = await sibling<TemplateDoc>(ctx, 'Template', 'templateId', input.templateId, ws._id);
  return createRecorded(
    ctx,
    Campaign,
    {
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
    },
    { action: 'campaign.created' },
  );
}

export async function updateCampaign(ctx: Context, id: string, input: UpdateCampaignInput): Promise<CampaignDoc> {
  const current = await ctx.loaders.existing<CampaignDoc>('Campaign', id);
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
  return saveChanges(ctx, Campaign, current, set, {
    action: 'campaign.updated',
    where: { status: { $in: EDITABLE } },
    onRefused: () => refusedAs(id, 'edited'),
  });
}

export async function deleteCampaign(ctx: Context, id: string): Promise<boolean> {
  const current = await ctx.loaders.existing<CampaignDoc>('Campaign', id);
  if (current.status === 'SENDING') throw new BadInputError('This campaign is being sent: delete it once it is SENT', 'id');
  // Its EmailLogs stay: they are the record of mail that went out.
  return deleteRecorded(ctx, Campaign, current, { action: 'campaign.deleted', where: { status: { $ne: 'SENDING' } } });
}

/** The list and template a send or schedule needs, or BAD_USER_INPUT naming what is missing. */
export async function readyToSend(ctx: Context, c: CampaignDoc): Promise<{ list: MailingListDoc; template: TemplateDoc }> {
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

export async function scheduleCampaign(ctx: Context, input: ScheduleCampaignInput): Promise<CampaignDoc> {
  const current = await ctx.loaders.existing<CampaignDoc>('Campaign', input.id);
  if (!EDITABLE.includes(current.status)) throw notEditable(current, 'scheduled');
  const at = new Date(input.at);
  if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now()) throw new BadInputError('at must be in the future', 'at');
  await readyToSend(ctx, current);
  return saveChanges(
    ctx,
    Campaign,
    current,
    { status: 'SCHEDULED', scheduledAt: at },
    { action: 'campaign.scheduled', where: { status: { $in: EDITABLE } }, onRefused: () => refusedAs(input.id, 'scheduled') },
  );
}

export async function unscheduleCampaign(ctx: Context, id: string): Promise<CampaignDoc> {
  const current = await ctx.loaders.existing<CampaignDoc>('Campaign', id);
  const refused = () => new BadInputError(`This campaign is ${current.status}, not SCHEDULED`, 'id');
  if (current.status !== 'SCHEDULED') throw refused();
  return saveChanges(
    ctx,
    Campaign,
    current,
    { status: 'DRAFT', scheduledAt: null },
    { action: 'campaign.unscheduled', where: { status: 'SCHEDULED' }, onRefused: () => Promise.reject(refused()) },
  );
}
