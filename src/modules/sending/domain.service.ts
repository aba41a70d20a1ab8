// Sending domains: creation with a generated DKIM key pair, settings, declared DNS publication,
// verification, and deletion with everything below the domain.
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { Context } from '../../graphql/context';
import { saveChanges, deleteRecorded } from '../save';
import { BadInputError } from '../../errors';
import { secretBox } from '../../crypto/secrets';
import { randomSecret } from '../../crypto/tokens';
import { newId } from '../../db/ids';
import type { WorkspaceDoc } from '../accounts/model';
import { accessStore } from '../../authz/store';
import { Domain, DNS_PURPOSES, REQUIRED_PURPOSES, type DnsRecordPurpose, type DomainDoc } from './domain.model';
import { SmtpCredential } from './smtp-credential.model';
import { AuthorizedRecipient, Suppression, Webhook } from './domain-children.model';
import { EmailLog } from './email-log.model';
import { auditView, changedOnly } from './common';
import { cleanHostname } from './validate';
import { isDuplicateKey } from '../../db/errors';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Postern's sending infrastructure, as named in the records a domain publishes. */
export const INFRA = {
  spfInclude: 'spf.postern.email',
  mxHosts: ['mxa.postern.email', 'mxb.postern.email'],
  trackingHost: 'track.postern.email',
} as const;

export const FOOTER_MAX = 2000;

export interface DnsRecordView {
  purpose: DnsRecordPurpose;
  type: 'TXT' | 'MX' | 'CNAME';
  name: string;
  value: string;
  priority: number | null;
  required: boolean;
  published: boolean;
}

/** The records a domain must (SPF, DKIM) or should (MX, tracking CNAME) publish. */
export function dnsRecords(d: DomainDoc): DnsRecordView[] {
  const published = new Set(d.publishedRecords ?? []);
  const rec = (purpose: DnsRecordPurpose, r: Omit<DnsRecordView, 'purpose' | 'required' | 'published'>): DnsRecordView => ({
    purpose,
    ...r,
    required: REQUIRED_PURPOSES.includes(purpose),
    published: published.has(purpose),
  });
  return [
    rec('SPF', { type: 'TXT', name: d.name, value: `v=spf1 include:${INFRA.spfInclude} ~all`, priority: null }),
    rec('DKIM', {
      type: 'TXT',
      name: `${d.dkimSelector}._domainkey.${d.name}`,
      value: `v=DKIM1; k=rsa; p=${d.dkimPublicKey}`,
      priority: null,
    }),
    ...INFRA.mxHosts.map((host) => rec('MX', { type: 'MX', name: d.name, value: host, priority: 10 })),
    rec('TRACKING', { type: 'CNAME', name: `email.${d.name}`, value: INFRA.trackingHost, priority: null }),
  ];
}

async function dkimKeys(): Promise<{ selector: string; publicKey: string; privateKeyPem: string }> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const selector = `pst${randomSecret(6)
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase()
    .slice(0, 6)}`;
  return { selector, publicKey: (publicKey as Buffer).toString('base64'), privateKeyPem: privateKey as string };
}

function duplicateName(name: string): BadInputError {
  return new BadInputError(`A domain named ${name} already exists in this account`, 'name');
}

export async function createDomain(ctx: Context, input: { workspaceId: string; name: string }): Promise<DomainDoc> {
  const name = cleanHostname(input.name, 'name');
  const ws = await ctx.loaders.existing<WorkspaceDoc>('Workspace', input.workspaceId);
  if (await Domain.exists({ accountId: ws.accountId, name })) throw duplicateName(name);
  const keys = await dkimKeys();
  let doc: DomainDoc;
  try {
    doc = (
      await Domain.create({
        _id: newId(),
        accountId: ws.accountId,
        workspaceId: ws._id,
        name,
        dkimSelector: keys.selector,
        dkimPublicKey: keys.publicKey,
        secretEnc: secretBox().seal(keys.privateKeyPem),
        createdBy: ctx.actorId,
      })
    ).toObject();
  } catch (err) {
    if (isDuplicateKey(err)) throw duplicateName(name);
    throw err;
  }
  await ctx.audit.change({
    accountId: doc.accountId,
    workspaceId: doc.workspaceId,
    action: 'domain.created',
    target: { type: 'Domain', id: doc._id },
    after: auditView(doc),
  });
  ctx.loaders.prime('Domain', doc as unknown as { _id: string });
  return doc;
}

export interface UpdateDomainInput {
  trackOpens?: boolean | null;
  trackClicks?: boolean | null;
  unsubscribeFooter?: string | null;
  publishedRecords?: readonly DnsRecordPurpose[] | null;
}

export async function updateDomain(ctx: Context, id: string, input: UpdateDomainInput): Promise<DomainDoc> {
  const before = await ctx.loaders.existing<DomainDoc>('Domain', id);
  const set: Partial<DomainDoc> = {};
  if (input.trackOpens !== undefined && input.trackOpens !== null) set.trackOpens = input.trackOpens;
  if (input.trackClicks !== undefined && input.trackClicks !== null) set.trackClicks = input.trackClicks;
  if (input.unsubscribeFooter !== undefined) {
    const footer = (input.unsubscribeFooter ?? '').trim();
    if (footer.length > FOOTER_MAX)
      throw new BadInputError(`unsubscribeFooter must be at most ${FOOTER_MAX} characters`, 'unsubscribeFooter');
    set.unsubscribeFooter = footer || null;
  }
  if (input.publishedRecords !== undefined && input.publishedRecords !== null) {
    const records = DNS_PURPOSES.filter((p) => input.publishedRecords!.includes(p));
    set.publishedRecords = records;
    const missing = REQUIRED_PURPOSES.filter((p) => !records.includes(p));
    if (before.state === 'VERIFIED' && missing.length) {
      set.state = 'UNVERIFIED';
      set.verifiedAt = null;
      set.checkMessage = `No longer marked published: ${missing.join(', ')}`;
    }
  }
  const changes = changedOnly(before, set);
  if (Object.keys(changes).length === 0) return before;
  return saveChanges(ctx, Domain, before, changes, { action: 'domain.updated', view: auditView });
}

/**
 * Postern does not resolve DNS. Verification checks that every required record (SPF, DKIM) has been
 * declared published with updateDomain(publishedRecords), and records the check and its outcome.
 */
export async function verifyDomain(ctx: Context, id: string): Promise<DomainDoc> {
  const before = await ctx.loaders.existing<DomainDoc>('Domain', id);
  const now = new Date();
  const published = before.publishedRecords ?? [];
  const missing = REQUIRED_PURPOSES.filter((p) => !published.includes(p));
  const set: Partial<DomainDoc> = missing.length
    ? {
        state: 'UNVERIFIED',
        verifiedAt: null,
        lastCheckedAt: now,
        checkMessage: `Not marked published: ${missing.join(', ')}. Publish these records at your DNS host, then mark them with updateDomain(input: {publishedRecords}).`,
      }
    : { state: 'VERIFIED', verifiedAt: before.verifiedAt ?? now, lastCheckedAt: now, checkMessage: null };
  return saveChanges(ctx, Domain, before, set, {
    action: missing.length ? 'domain.verificationFailed' : 'domain.verified',
    view: auditView,
    meta: missing.length ? { missing } : null,
  });
}

/** Removes everything below the given domains (children first, so a failed run can be retried). */
export async function deleteDomainChildren(accountId: string, domainIds: string[]): Promise<Record<string, number>> {
  if (domainIds.length === 0) return {};
  const inIds = { $in: domainIds };
  const [cred, hooks, supp, recip, logs, roleBindings] = await Promise.all([
    SmtpCredential.deleteMany({ domainId: inIds }),
    Webhook.deleteMany({ domainId: inIds }),
    Suppression.deleteMany({ domainId: inIds }),
    AuthorizedRecipient.deleteMany({ domainId: inIds }),
    EmailLog.deleteMany({ domainId: inIds }),
    accessStore.deleteBindingsAt(accountId, { field: 'scopeId', ids: domainIds, scopeType: 'DOMAIN' }),
  ]);
  return {
    smtpCredentials: cred.deletedCount,
    webhooks: hooks.deletedCount,
    suppressions: supp.deletedCount,
    authorizedRecipients: recip.deletedCount,
    emailLogs: logs.deletedCount,
    roleBindings,
  };
}

export async function deleteDomain(ctx: Context, id: string): Promise<boolean> {
  const before = await ctx.loaders.existing<DomainDoc>('Domain', id);
  const removed = await deleteDomainChildren(before.accountId, [id]);
  return deleteRecorded(ctx, Domain, before, { action: 'domain.deleted', view: auditView, meta: { removed } });
}
