// The scheduler of background jobs, run by every replica (it also runs the audit retention purge,
// src/audit/retention.ts). Campaigns: each due SCHEDULED campaign is sent exactly once (whoever
// inserts its CampaignSend first sends it), or goes to FAILED with the reason when it can no longer be
// sent (its From domain is no longer a verified domain of the workspace, its list or template is gone);
// a send left SENDING by a replica that died is resumed by one other replica once its lease lapses
// (campaign-delivery.service.ts explains the claims).
// Nothing is kept in memory between ticks: a restart loses nothing.
import type { Logger } from 'pino';
import { AuditRecorder } from '../../audit/recorder';
import { purgeExpiredAudit } from '../../audit/retention';
import type { Mailer } from '../../mail';
import { Campaign, CampaignSend, type CampaignDoc, type CampaignSendDoc } from './campaign.model';
import { deliver, finishSend, newRunner, sendParts, startSend, takeOver } from './campaign-delivery.service';

const PER_TICK = 20;

export interface Scheduler {
  /** One pass: sends what is due and resumes what stalled. Returns the campaigns it finished. */
  tick(): Promise<string[]>;
  stop(): Promise<void>;
}

function auditFor(runner: string): AuditRecorder {
  return new AuditRecorder(() => ({ type: 'system', id: 'scheduler', userId: null }), `scheduler-${runner}`, null);
}

export function createScheduler(deps: { log: Logger; mailer: Mailer; intervalMs: number }): Scheduler {
  const { log, mailer } = deps;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<string[]> | null = null;
  let stopped = false;
  let lastPurge = 0;

  async function run(c: CampaignDoc, send: CampaignSendDoc, runner: string, resumed: boolean): Promise<boolean> {
    const parts = await sendParts(c);
    if ('missing' in parts) {
      if (resumed) {
        // The list or template went away mid-send: what was sent stays recorded.
        await finishSend(c._id);
        return true;
      }
      // Nothing was sent: the campaign waits, FAILED with the reason, for its user to fix it and send
      // or schedule it again.
      await CampaignSend.deleteOne({ _id: c._id });
      await Campaign.updateOne(
        { _id: c._id, status: 'SENDING' },
        { $set: { status: 'FAILED', failureReason: parts.reason, scheduledAt: null } },
      );
      await auditFor(runner).record({
        accountId: c.accountId,
        workspaceId: c.workspaceId,
        action: 'campaign.scheduleFailed',
        target: { type: 'Campaign', id: c._id },
        meta: { missing: parts.missing, reason: parts.reason },
      });
      log.warn({ campaignId: c._id, missing: parts.missing }, 'scheduled campaign not sent: FAILED');
      return false;
    }
    const outcome = await deliver(c, parts, send, mailer, runner, log);
    // Null when a runner that overlapped this one (its lease lapsed while it was still going) finished first.
    const done = (await finishSend(c._id)) ?? (await Campaign.findOne({ _id: c._id }).lean<CampaignDoc>());
    await auditFor(runner).record({
      accountId: c.accountId,
      workspaceId: c.workspaceId,
      action: resumed ? 'campaign.resumed' : 'campaign.sent',
      target: { type: 'Campaign', id: c._id },
      meta: {
        scheduled: true,
        recipientCount: done?.recipientCount ?? 0,
        sentByThisRun: outcome.written,
        suppressed: outcome.suppressed,
        delivered: mailer.configured,
      },
    });
    log.info({ campaignId: c._id, resumed, sentByThisRun: outcome.written }, 'scheduled campaign sent');
    return true;
  }

  async function sendDue(now: Date, finished: string[]): Promise<void> {
    const due = await Campaign.find({ status: 'SCHEDULED', scheduledAt: { $lte: now } })
      .sort({ scheduledAt: 1 })
      .limit(PER_TICK)
      .lean<CampaignDoc[]>();
    for (const c of due) {
      const runner = newRunner();
      // Null when another replica (or a sendCampaign request) has it, or it was unscheduled meanwhile.
      const started = await startSend(c, ['SCHEDULED'], c.createdBy, runner);
      if (started && (await run(started.campaign, started.send, runner, false))) finished.push(c._id);
    }
  }

  async function resumeStalled(now: Date, finished: string[]): Promise<void> {
    const sending = await Campaign.find({ status: 'SENDING' }).limit(PER_TICK).lean<CampaignDoc[]>();
    if (!sending.length) return;
    const sends = await CampaignSend.find({ _id: { $in: sending.map((c) => c._id) }, leaseUntil: { $lt: now } }).lean<CampaignSendDoc[]>();
    const byId = new Map(sending.map((c) => [c._id, c]));
    for (const s of sends) {
      const runner = newRunner();
      const mine = await takeOver(s, runner);
      if (!mine) continue;
      log.warn({ campaignId: s._id, epoch: mine.epoch }, 'resuming a campaign send whose runner stopped');
      if (await run(byId.get(s._id)!, mine, runner, true)) finished.push(s._id);
    }
  }

  async function tick(): Promise<string[]> {
    const finished: string[] = [];
    const now = new Date();
    await sendDue(now, finished);
    await resumeStalled(now, finished);
    // Audit retention: an hourly pass per replica; each account is purged once a day (claimed).
    if (now.getTime() - lastPurge >= 3_600_000) {
      lastPurge = now.getTime();
      await purgeExpiredAudit(now, log);
    }
    return finished;
  }

  function schedule(): void {
    if (stopped || deps.intervalMs <= 0) return;
    timer = setTimeout(() => {
      running = tick()
        .catch((err) => {
          log.error({ err }, 'scheduler tick failed');
          return [];
        })
        .finally(() => {
          running = null;
          schedule();
        });
    }, deps.intervalMs);
    timer.unref();
  }
  schedule();

  return {
    tick,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) await running;
    },
  };
}
