import { model, type Model } from 'mongoose';
import { docSchema, inWorkspace, type BaseDoc, type InWorkspace } from '../../db';
import { randomSecret } from '../../crypto';

export type DomainState = 'UNVERIFIED' | 'VERIFIED';
export type DnsRecordPurpose = 'OWNERSHIP' | 'SPF' | 'DKIM' | 'MX' | 'TRACKING';
export const DNS_PURPOSES: readonly DnsRecordPurpose[] = ['OWNERSHIP', 'SPF', 'DKIM', 'MX', 'TRACKING'];
/** Records that must be found in DNS before a domain is verified: the account's token, SPF and DKIM. */
export const REQUIRED_PURPOSES: readonly DnsRecordPurpose[] = ['OWNERSHIP', 'SPF', 'DKIM'];

/**
 * A sending domain. Its DNS records are derived from `name` and the DKIM key pair generated at
 * creation; only the public key is kept in clear, the private key is sealed (AES-256-GCM).
 */
export interface DomainDoc extends BaseDoc, InWorkspace {
  name: string;
  dkimSelector: string;
  dkimPublicKey: string;
  /** Sealed PKCS#8 PEM of the DKIM private key. */
  secretEnc: string;
  /** The token this account's domain publishes in a TXT record (OWNERSHIP) to prove control of the name. */
  verificationToken: string;
  /** Records found in DNS, as asked, at the last verifyDomain. */
  publishedRecords: DnsRecordPurpose[];
  state: DomainState;
  verifiedAt: Date | null;
  lastCheckedAt: Date | null;
  /** Why the last check failed; null after a successful one. */
  checkMessage: string | null;
  trackOpens: boolean;
  trackClicks: boolean;
  unsubscribeFooter: string | null;
  /** Places of its email logs (email-log-pages.service.ts): the next to reserve, and the first live one. */
  logSeq?: number | null;
  logFrom?: number | null;
}

const domainSchema = docSchema<DomainDoc>({
  ...inWorkspace(),
  name: { type: String, required: true },
  dkimSelector: { type: String, required: true },
  dkimPublicKey: { type: String, required: true },
  secretEnc: { type: String, required: true },
  verificationToken: { type: String, required: true, default: () => randomSecret(18) },
  publishedRecords: { type: [String], default: [] },
  state: { type: String, required: true, enum: ['UNVERIFIED', 'VERIFIED'], default: 'UNVERIFIED' },
  verifiedAt: { type: Date, default: null },
  lastCheckedAt: { type: Date, default: null },
  checkMessage: { type: String, default: null },
  trackOpens: { type: Boolean, default: false },
  trackClicks: { type: Boolean, default: false },
  unsubscribeFooter: { type: String, default: null },
  logSeq: { type: Number },
  logFrom: { type: Number },
});
domainSchema.index({ accountId: 1, name: 1 }, { unique: true });
domainSchema.index({ workspaceId: 1, _id: 1 });

export const Domain: Model<DomainDoc> = model<DomainDoc>('Domain', domainSchema);
