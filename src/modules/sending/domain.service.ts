// Sending domains: creation with a generated DKIM key pair and ownership token, settings,
// verification against DNS (src/modules/sending/dns-check.ts), and deletion with everything below.
import { generateKeyPair } from 'node:crypto';
import type { CreateDomainInput, UpdateDomainInput } from '../../generated';
import { promisify } from 'node:util';
import type { Context } from '../../graphql';
import { createRecorded, deleteRecorded, saveChanges } from '../save';
import { BadInputError } from '../../errors';
import { secretBox, randomSecret } from '../../crypto';
import { newId, Claim, claimOnce } from '../../db';
import type { WorkspaceDoc } from '../accounts/account.model';
import { Domain, DNS_PURPOSES, REQUIRED_PURPOSES, type DnsRecordPurpose, type DomainDoc } from './domain.model';
import { SmtpCredential } from './smtp-credential.model';
import { AuthorizedRecipient, Suppression, Webhook } from './domain-children.model';
import { EmailLog } from './email-log.model';
import { auditView, changedOnly } from './common';
import { cleanHostname } from '../../mail';
import { checkDns, type DnsRecordView } from './dns-check';
import type { AccessStore } from '../../authz';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Postern's sending infrastructure, as named in the records a domain publishes. */
export const INFRA = {
  spfInclude: 'spf.postern.email',
  mxHosts: ['mxa.postern.email', 'mxb.postern.email'],
  trackingHost: 'track.postern.email',
} as const;

export const FOOTER_MAX = 2000;
/** Where a domain publishes its account's verification token: TXT `_postern.<domain>`. */
export const OWNERSHIP_LABEL = '_postern';

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
    rec('OWNERSHIP', {
      type: 'TXT',
      name: `${OWNERSHIP_LABEL}.${d.name}`,
      value: `postern-verification=${d.verificationToken}`,
      priority: null,
    }),
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

export async function createDomain(ctx: Context, input: CreateDomainInput): Promise<DomainDoc> {
  const name = cleanHostname(input.name, 'name');
  const ws = await ctx.loaders.existing<WorkspaceDoc>('Workspace', input.workspaceId);
  if (await Domain.exists({ accountId: ws.accountId, name })) throw duplicateName(name);
  const keys = await dkimKeys();
  return createRecorded(
    ctx,
    Domain,
    {
      _id: newId(),
      accountId: ws.accountId,
      workspaceId: ws._id,
      name,
      dkimSelector: keys.selector,
      dkimPublicKey: keys.publicKey,
      secretEnc: secretBox().seal(keys.privateKeyPem),
      createdBy: ctx.actorId,
    },
    { action: 'domain.created', view: auditView, duplicate: { field: 'name', message: duplicateName(name).message } },
  );
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
  const changes = changedOnly(before, set);
  if (Object.keys(changes).length === 0) return before;
  return saveChanges(ctx, Domain, before, changes, { action: 'domain.updated', view: auditView });
}

/** The unique key of a verified domain name: one account at a time may hold it. */
export const verifiedNameKey = (name: string) => `verified-domain:${name}`;
/** A claim younger than this is never taken over (its holder may be between claim and save). */
const CLAIM_SETTLE_MS = 60_000;

/**
 * Takes the account's claim on a verified name. False while another account holds it with the
 * name VERIFIED; a claim its holder no longer backs (the domain's workspace was deleted) is taken over.
 */
async function claimVerifiedName(name: string, accountId: string): Promise<boolean> {
  const key = verifiedNameKey(name);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await claimOnce(key, accountId)) return true;
    const holder = await Claim.findById(key).lean();
    if (!holder) continue; // released meanwhile
    if (holder.accountId === accountId) return true;
    const settled = Date.now() - new Date(holder.createdAt).getTime() > CLAIM_SETTLE_MS;
    if (!settled || (await Domain.exists({ accountId: holder.accountId, name, state: 'VERIFIED' }))) return false;
    await Claim.deleteOne({ _id: key, accountId: holder.accountId });
  }
  return false;
}

async function releaseVerifiedName(name: string, accountId: string): Promise<void> {
  await Claim.deleteOne({ _id: verifiedNameKey(name), accountId });
}

/**
 * Looks the domain's records up in DNS (resolvers of DNS_SERVERS). VERIFIED needs the account's
 * ownership TXT token, SPF and DKIM as asked, and the name not verified by another account (a unique
 * claim). What was found is kept as publishedRecords; a failed re-check unverifies the domain.
 */
export async function verifyDomain(ctx: Context, id: string): Promise<DomainDoc> {
  const before = await ctx.loaders.existing<DomainDoc>('Domain', id);
  const now = new Date();
  const findings = await checkDns(dnsRecords(before));
  const missing = REQUIRED_PURPOSES.filter((p) => !findings.found.includes(p));
  const takenElsewhere = missing.length === 0 && !(await claimVerifiedName(before.name, before.accountId));
  const failed = missing.length > 0 || takenElsewhere;
  if (failed && before.state === 'VERIFIED') await releaseVerifiedName(before.name, before.accountId);
  const checkMessage = takenElsewhere
    ? `${before.name} is verified by another Postern account`
    : missing.length
      ? `Not found in DNS: ${missing.map((p) => findings.problems[p]).join('; ')}. Publish these records at your DNS host, then verify again.`
      : null;
  const set: Partial<DomainDoc> = {
    publishedRecords: DNS_PURPOSES.filter((p) => findings.found.includes(p)),
    lastCheckedAt: now,
    checkMessage,
    ...(failed ? { state: 'UNVERIFIED', verifiedAt: null } : { state: 'VERIFIED', verifiedAt: before.verifiedAt ?? now }),
  };
  const after = await saveChanges(ctx, Domain, before, set, {
    action: failed ? 'domain.verificationFailed' : 'domain.verified',
    view: auditView,
    meta: failed ? { missing, takenElsewhere } : null,
  });
  if (takenElsewhere) throw new BadInputError(checkMessage!, 'id');
  return after;
}

/** Removes everything below the given domains (children first, so a failed run can be retried). */
export async function deleteDomainChildren(store: AccessStore, accountId: string, domainIds: string[]): Promise<Record<string, number>> {
  if (domainIds.length === 0) return {};
  const inIds = { $in: domainIds };
  const [cred, hooks, supp, recip, logs, roleBindings] = await Promise.all([
    SmtpCredential.deleteMany({ domainId: inIds }),
    Webhook.deleteMany({ domainId: inIds }),
    Suppression.deleteMany({ domainId: inIds }),
    AuthorizedRecipient.deleteMany({ domainId: inIds }),
    EmailLog.deleteMany({ domainId: inIds }),
    store.deleteBindingsAt(accountId, { field: 'scopeId', ids: domainIds, scopeType: 'DOMAIN' }),
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
  const removed = await deleteDomainChildren(ctx.access, before.accountId, [id]);
  if (before.state === 'VERIFIED') await releaseVerifiedName(before.name, before.accountId);
  return deleteRecorded(ctx, Domain, before, { action: 'domain.deleted', view: auditView, meta: { removed } });
}
