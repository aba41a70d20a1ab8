// Suppressions from delivery events: a bounce (providers post only permanent failures as BOUNCED) or a
// complaint puts the recipient on the sending domain's BOUNCE or COMPLAINT list, so the next
// sendEmail to that address from the domain is refused. The domain is the log's own, or for a
// campaign's email (sent without one) the account's domain of its From address. The suppression's
// unique key (domain, type, address) makes it once however often the event is posted; each new one
// is audited as `suppression.added` by the system actor `events`.
import { AuditRecorder } from '../../audit/recorder';
import { isDuplicateKey } from '../../db';
import { Domain, type DomainDoc } from '../sending/domain.model';
import { Suppression, type SuppressionType } from '../sending/domain-children.model';
import { domainOf } from '../../mail';
import type { DeliveryEventDoc, DeliveryEventType } from './event.model';
import type { EmailLogDoc } from '../sending/email-log.model';

/** What ingestion reads of the email log an event is about. */
export type EventLog = Pick<EmailLogDoc, '_id' | 'workspaceId' | 'domainId' | 'campaignId' | 'from' | 'to'>;

const SUPPRESSED_BY: Partial<Record<DeliveryEventType, SuppressionType>> = { BOUNCED: 'BOUNCE', COMPLAINED: 'COMPLAINT' };

const audit = new AuditRecorder(() => ({ type: 'system', id: 'events', userId: null }), null, null);

/** The bare address of a From header (`"Name" <a@b>` or `a@b`), lower-cased. */
function address(from: string): string {
  const m = /<([^<>]+)>\s*$/.exec(from);
  return (m ? m[1]! : from).trim().toLowerCase();
}

export async function suppressFromEvents(
  accountId: string,
  events: readonly Pick<DeliveryEventDoc, 'emailLogId' | 'type' | 'eventId'>[],
  logs: ReadonlyMap<string, EventLog>,
): Promise<void> {
  const wanted = events.flatMap((e) => {
    const type = SUPPRESSED_BY[e.type];
    const log = logs.get(e.emailLogId);
    return type && log ? [{ type, log, eventId: e.eventId }] : [];
  });
  if (!wanted.length) return;
  const ids = [...new Set(wanted.flatMap((w) => (w.log.domainId ? [w.log.domainId] : [])))];
  const names = [...new Set(wanted.flatMap((w) => (w.log.domainId ? [] : [domainOf(address(w.log.from))])))];
  const domains = await Domain.find({ accountId, $or: [{ _id: { $in: ids } }, { name: { $in: names } }] })
    .select({ workspaceId: 1, name: 1 })
    .lean<Pick<DomainDoc, '_id' | 'workspaceId' | 'name'>[]>();
  const byId = new Map(domains.map((d) => [d._id, d]));
  const byName = new Map(domains.map((d) => [d.name, d]));
  const done = new Set<string>();
  for (const { type, log, eventId } of wanted) {
    const domain = log.domainId ? byId.get(log.domainId) : byName.get(domainOf(address(log.from)));
    if (!domain) continue; // deleted meanwhile, or a campaign From at no domain of the account
    const key = `${domain._id} ${type} ${log.to}`;
    if (done.has(key)) continue;
    done.add(key);
    let created;
    try {
      created = (
        await Suppression.create({
          accountId,
          workspaceId: domain.workspaceId,
          domainId: domain._id,
          type,
          address: log.to,
          reason: `${type === 'BOUNCE' ? 'Bounced' : 'Complained'} (event ${eventId.slice(0, 100)})`,
          createdBy: 'events',
        })
      ).toObject();
    } catch (err) {
      if (isDuplicateKey(err)) continue; // suppressed already
      throw err;
    }
    await audit.change({
      accountId,
      workspaceId: domain.workspaceId,
      action: 'suppression.added',
      target: { type: 'Suppression', id: created._id },
      after: created,
      meta: { emailLogId: log._id, eventId },
    });
  }
}
