// A campaign's delivery, resumable and at most once per contact, whoever runs it: the request of
// sendCampaign (here), or the scheduler of any replica (src/modules/marketing/scheduler.ts). Creating,
// editing and scheduling campaigns is campaigns.service.ts's. Without SMTP configured the emails are
// RECORDED, not delivered.
//
// - The send is claimed once: CampaignSend's `_id` is the campaign id (a unique insert).
// - Each contact's email log has an id derived from (send start, campaign, contact): inserting it is
//   the per-contact claim. A runner that resumes after a crash inserts the same ids, and only those
//   not written before go in; only what this runner inserted is handed to the mailer.
// - The runner holds a lease, renewed after every batch. When it lapses (the process died), another
//   replica takes the send over by claiming the next lease epoch (a unique key, not a conditional
//   update) and resumes where the logs stop.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { newId, claimOnce, isDuplicateKey } from '../../db';
import type { Mailer } from '../../mail';
import type { Context } from '../../graphql';
import { BadInputError, NotFoundError } from '../../errors';
import { EmailLog, utcDay, type EmailLogDoc, type EmailStatus } from '../sending/email-log.model';
import type { Model } from 'mongoose';
import { Domain } from '../sending/domain.model';
import { placeLogs, type LogParent } from '../sending/email-log-pages.service';
import { Suppression } from '../sending/domain-children.model';
import { User, type UserDoc } from '../identity/user.model';
import { Campaign, CampaignSend, type CampaignDoc, type CampaignSendDoc, type CampaignStatus } from './campaign.model';
import { EDITABLE, readyToSend } from './campaigns.service';
import { Contact, type ContactDoc } from './contact.model';
import { MailingList, type MailingListDoc } from './list.model';
import { Template, type TemplateDoc } from './template.model';
import { senderProblem } from './sender.service';

let LEASE_MS = 60_000;

/** How long a runner holds a send without renewing it (POSTERN_SEND_LEASE_MS). */
export function setSendLeaseMs(ms: number): void {
  LEASE_MS = ms;
}
const LOG_BATCH = 500;
const LOG_BATCH_BYTES = 4 * 1024 * 1024;
const DELIVERY_CONCURRENCY = 10;

/** The email log id of one contact's mail in one send: 4 bytes of the send's start, 8 of a hash. */
export function campaignLogId(sendStartedAt: Date, campaignId: string, contactId: string): string {
  const seconds = Math.floor(sendStartedAt.getTime() / 1000)
    .toString(16)
    .padStart(8, '0');
  return seconds + createHash('sha256').update(`${campaignId}\u0000${contactId}`).digest('hex').slice(0, 16);
}

const MERGE_TAG = /\{\{\s*(email|firstName|lastName|signature)\s*\}\}|\{signature\}/g;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * The template's HTML for one contact: {{email}}, {{firstName}}, {{lastName}} filled in, and Mautic's
 * {signature} (or {{signature}}): the sender's profile signature, line breaks kept. All escaped.
 */
export function render(html: string, contact: Pick<ContactDoc, 'email' | 'firstName' | 'lastName'>, signature = ''): string {
  if (!html.includes('{')) return html;
  return html.replace(MERGE_TAG, (_m, key: 'email' | 'firstName' | 'lastName' | 'signature' | undefined) =>
    key && key !== 'signature' ? escapeHtml(contact[key] ?? '') : escapeHtml(signature).replace(/\r?\n/g, '<br>'),
  );
}

/** The From header of a campaign: its fromEmail, else its creator's address. */
export function fromHeader(c: CampaignDoc, creator: UserDoc | null): string | null {
  const address = c.fromEmail ?? creator?.email ?? null;
  if (!address) return null;
  return c.fromName ? `"${c.fromName}" <${address}>` : address;
}

export interface SendParts {
  list: MailingListDoc;
  template: TemplateDoc;
  from: string;
  /** The sender's (the campaign creator's) profile signature, for {signature}. */
  signature: string;
}

/** What is missing for a send: the input field to fix and a reason a user can read. */
export interface MissingPart {
  missing: 'listId' | 'templateId' | 'subject' | 'fromEmail';
  reason: string;
}

/**
 * What a send needs, read without a request (the scheduler), or what is missing. The From address is
 * checked again here: its domain may have been unverified, renamed or deleted since it was scheduled.
 */
export async function sendParts(c: CampaignDoc): Promise<SendParts | MissingPart> {
  const [list, template, creator] = await Promise.all([
    c.listId ? MailingList.findOne({ _id: c.listId }).lean<MailingListDoc>() : null,
    c.templateId ? Template.findOne({ _id: c.templateId }).lean<TemplateDoc>() : null,
    User.findOne({ _id: c.createdBy }).lean<UserDoc>(),
  ]);
  if (!list || list.workspaceId !== c.workspaceId) return { missing: 'listId', reason: 'Its mailing list was deleted' };
  if (!template || template.workspaceId !== c.workspaceId) return { missing: 'templateId', reason: 'Its template was deleted' };
  if (!c.subject) return { missing: 'subject', reason: 'It has no subject' };
  // Sent only from its fromEmail, at a domain of the workspace verified now, never the creator's address.
  const from = c.fromEmail ? fromHeader(c, null) : null;
  if (!from) return { missing: 'fromEmail', reason: 'It has no fromEmail' };
  const problem = await senderProblem(c.accountId, c.workspaceId, c.fromEmail!);
  if (problem) return { missing: 'fromEmail', reason: problem };
  return { list, template, from, signature: creator?.signature ?? '' };
}

/** Claims a campaign's one send. False when it was claimed before (by anyone, anywhere). */
export async function claimSend(c: CampaignDoc, createdBy: string, runner: string): Promise<CampaignSendDoc | null> {
  const now = new Date();
  try {
    return (
      await CampaignSend.create({
        _id: c._id,
        accountId: c.accountId,
        workspaceId: c.workspaceId,
        createdBy,
        startedAt: now,
        epoch: 0,
        runner,
        leaseUntil: new Date(now.getTime() + LEASE_MS),
      })
    ).toObject();
  } catch (err) {
    if (isDuplicateKey(err)) return null;
    throw err;
  }
}

/**
 * Claims a campaign's one send and moves it to SENDING from one of the `from` states. Null when the send
 * was claimed before (by anyone, anywhere) or the campaign left those states meanwhile.
 */
export async function startSend(
  c: CampaignDoc,
  from: readonly CampaignStatus[],
  createdBy: string,
  runner: string,
): Promise<{ send: CampaignSendDoc; campaign: CampaignDoc } | null> {
  const send = await claimSend(c, createdBy, runner);
  if (!send) return null;
  const campaign = await Campaign.findOneAndUpdate(
    { _id: c._id, status: { $in: from } },
    { $set: { status: 'SENDING' } },
    { returnDocument: 'after' },
  ).lean<CampaignDoc>();
  if (!campaign) {
    await CampaignSend.deleteOne({ _id: c._id }); // unscheduled, or sent, meanwhile
    return null;
  }
  return { send, campaign };
}

/** Takes over a send whose lease lapsed: exactly one replica wins each epoch. */
export async function takeOver(send: CampaignSendDoc, runner: string): Promise<CampaignSendDoc | null> {
  const epoch = (send.epoch ?? 0) + 1;
  if (!(await claimOnce(`campaign-send:${send._id}:${epoch}`, send.accountId))) return null;
  const leaseUntil = new Date(Date.now() + LEASE_MS);
  await CampaignSend.updateOne({ _id: send._id }, { $set: { epoch, runner, leaseUntil } });
  return { ...send, epoch, runner, leaseUntil };
}

export interface DeliveryOutcome {
  /** Logs this runner wrote. */
  written: number;
  /** Mails the mailer accepted in this run. */
  delivered: number;
  /** Contacts skipped in this run: suppressed on the sending domain. */
  suppressed: number;
}

/**
 * Writes (and with a mailer, delivers) one email per contact of the list that has none yet in this
 * send. Safe to run again after a crash, or concurrently with a runner that lost its lease.
 */
export async function deliver(
  c: CampaignDoc,
  parts: SendParts,
  send: CampaignSendDoc,
  mailer: Mailer,
  runner: string,
  log?: Logger,
): Promise<DeliveryOutcome> {
  const startedAt = new Date(send.startedAt ?? send.createdAt);
  const createdBy = send.createdBy;
  const status: EmailStatus = mailer.configured ? 'QUEUED' : 'RECORDED';
  const outcome: DeliveryOutcome = { written: 0, delivered: 0, suppressed: 0 };
  // Addresses suppressed on the sending domain (the From address's; bounces, complaints, unsubscribes,
  // manual entries) get no email and no log, as sendEmail refuses them.
  // Each batch asks only when the domain suppresses anyone at all (most sends: one read in all).
  const domain = c.fromEmail
    ? await Domain.findOne({ accountId: c.accountId, name: c.fromEmail.slice(c.fromEmail.lastIndexOf('@') + 1).toLowerCase() })
        .select({ _id: 1 })
        .lean()
    : null;
  const fromDomain = domain && (await Suppression.exists({ domainId: domain._id })) ? domain : null;
  let batch: EmailLogDoc[] = [];
  let bytes = 0;
  let renewedAt = Date.now();
  const renew = async () => {
    renewedAt = Date.now();
    await CampaignSend.updateOne({ _id: send._id, epoch: send.epoch ?? 0 }, { $set: { leaseUntil: new Date(renewedAt + LEASE_MS) } });
  };

  const flush = async () => {
    if (!batch.length) return;
    let docs = batch;
    batch = [];
    bytes = 0;
    if (fromDomain) {
      const blocked = new Set(
        (
          await Suppression.find({ domainId: fromDomain._id, address: { $in: docs.map((d) => d.to.toLowerCase()) } })
            .select({ address: 1 })
            .lean()
        ).map((s) => s.address),
      );
      if (blocked.size) {
        const kept = docs.filter((d) => !blocked.has(d.to.toLowerCase()));
        outcome.suppressed += docs.length - kept.length;
        docs = kept;
      }
    }
    if (!docs.length) return renew();
    // Their places in the campaign's logs (email-log-pages.service.ts): one `$inc` for the batch. A log
    // an earlier run wrote is refused below; its place stays a gap.
    await placeLogs(Campaign as unknown as Model<LogParent>, c._id, docs);
    try {
      await EmailLog.insertMany(docs, { ordered: false, lean: true });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    // What this runner wrote (the others were written by an earlier or concurrent run).
    const mine = await EmailLog.find({ _id: { $in: docs.map((d) => d._id) }, runId: runner })
      .select({ _id: 1 })
      .lean();
    const mineIds = new Set(mine.map((m) => m._id));
    outcome.written += mineIds.size;
    if (mailer.configured) {
      const todo = docs.filter((d) => mineIds.has(d._id));
      for (let i = 0; i < todo.length; i += DELIVERY_CONCURRENCY) {
        await Promise.all(
          todo.slice(i, i + DELIVERY_CONCURRENCY).map(async (d) => {
            const r = await mailer.send({ from: d.from, to: d.to, subject: d.subject, html: d.html });
            if (r.delivered) outcome.delivered++;
            // The status only while QUEUED: a delivery event that came first is not set back.
            const sent = { messageId: r.messageId, error: r.error ?? null };
            const u = await EmailLog.updateOne(
              { _id: d._id, status: 'QUEUED' },
              { $set: { status: r.delivered ? 'DELIVERED' : 'FAILED', ...sent } },
            );
            if (u.matchedCount === 0) await EmailLog.updateOne({ _id: d._id }, { $set: sent });
          }),
        );
      }
    }
    await renew();
  };

  const cursor = Contact.find({ listId: parts.list._id })
    .sort({ _id: 1 })
    .select({ email: 1, firstName: 1, lastName: 1 })
    .lean()
    .cursor({ batchSize: 1000 });
  for await (const contact of cursor) {
    const html = render(parts.template.html, contact, parts.signature);
    const now = new Date();
    batch.push({
      createdAt: now,
      updatedAt: now,
      _id: campaignLogId(startedAt, c._id, contact._id),
      accountId: c.accountId,
      workspaceId: c.workspaceId,
      domainId: null,
      campaignId: c._id,
      from: parts.from,
      to: contact.email,
      subject: c.subject,
      status,
      html,
      text: null,
      messageId: null,
      error: null,
      day: utcDay(now),
      runId: runner,
      createdBy,
    });
    bytes += html.length;
    if (batch.length >= LOG_BATCH || bytes >= LOG_BATCH_BYTES) await flush();
    else if (Date.now() - renewedAt > LEASE_MS / 3) await renew();
  }
  await flush();
  log?.debug({ campaignId: c._id, runner, ...outcome }, 'campaign delivery run finished');
  return outcome;
}

/** Marks the send done: SENT, with the number of emails its logs hold; null when it was done already. */
export async function finishSend(campaignId: string): Promise<CampaignDoc | null> {
  const recipientCount = await EmailLog.countDocuments({ campaignId });
  return Campaign.findOneAndUpdate(
    { _id: campaignId, status: 'SENDING' },
    { $set: { status: 'SENT', sentAt: new Date(), recipientCount, scheduledAt: null } },
    { returnDocument: 'after' },
  ).lean();
}

export function newRunner(): string {
  return newId();
}

/** Sends a DRAFT or SCHEDULED campaign now, once: the request waits for the whole send. */
export async function sendCampaign(ctx: Context, id: string): Promise<CampaignDoc> {
  const current = await ctx.loaders.existing<CampaignDoc>('Campaign', id);
  if (!EDITABLE.includes(current.status)) {
    throw new BadInputError(`This campaign is ${current.status}: it is sent only once, from DRAFT or SCHEDULED`, 'id');
  }
  const { list, template } = await readyToSend(ctx, current);
  const creator = await ctx.loaders.load<UserDoc>('User', current.createdBy);
  const from = fromHeader(current, null)!; // readyToSend required a verified fromEmail

  // Claim the send: exactly one request (or scheduler) inserts the campaign's send record.
  const alreadySent = () => new BadInputError('This campaign is already being sent or was sent: it is sent only once', 'id');
  const runner = newRunner();
  const started = await startSend(current, EDITABLE, ctx.actorId, runner);
  if (!started) throw alreadySent();
  const { send, campaign: claimed } = started;
  ctx.loaders.forget('Campaign', id);

  let outcome;
  try {
    outcome = await deliver(claimed, { list, template, from, signature: creator?.signature ?? '' }, send, ctx.mailer, runner, ctx.log);
  } catch (err) {
    // Nothing left the building: undo the records and put the campaign back as it was. Otherwise the
    // campaign stays SENDING and the scheduler of any replica resumes it once the lease lapses.
    if (!ctx.mailer.configured || (await EmailLog.countDocuments({ campaignId: id, status: 'DELIVERED' })) === 0) {
      await EmailLog.deleteMany({ campaignId: current._id });
      // Its next logs are placed after the deleted ones' places: pages start there.
      const placed = await Campaign.findById(id).select({ logSeq: 1 }).lean();
      await Campaign.updateOne({ _id: id }, { $set: { status: current.status, logFrom: placed?.logSeq ?? 0 } });
      await CampaignSend.deleteOne({ _id: id });
    }
    throw err;
  }

  // Null when a replica resumed this send (its lease lapsed) and finished it first.
  const done = (await finishSend(id)) ?? (await Campaign.findOne({ _id: id }).lean());
  if (!done) throw new NotFoundError('Campaign', id);
  ctx.loaders.prime('Campaign', done);
  const sendView = (c: CampaignDoc) => ({ status: c.status, sentAt: c.sentAt, recipientCount: c.recipientCount });
  await ctx.audit.change({
    accountId: done.accountId,
    workspaceId: done.workspaceId,
    action: 'campaign.sent',
    target: { type: 'Campaign', id: done._id },
    before: sendView(current),
    after: sendView(done),
    meta: {
      listId: list._id,
      templateId: template._id,
      recipientCount: done.recipientCount,
      delivered: ctx.mailer.configured,
      sent: outcome.written,
      suppressed: outcome.suppressed,
    },
  });
  return done;
}
