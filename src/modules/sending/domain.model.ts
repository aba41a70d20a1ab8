import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../../db/schema';

export type DomainState = 'UNVERIFIED' | 'VERIFIED';
export type DnsRecordPurpose = 'SPF' | 'DKIM' | 'MX' | 'TRACKING';
export const DNS_PURPOSES: readonly DnsRecordPurpose[] = ['SPF', 'DKIM', 'MX', 'TRACKING'];
/** Records that must be published before a domain can be verified (sending needs SPF and DKIM). */
export const REQUIRED_PURPOSES: readonly DnsRecordPurpose[] = ['SPF', 'DKIM'];

/**
 * A sending domain. Its DNS records are derived from `name` and the DKIM key pair generated at
 * creation; only the public key is kept in clear, the private key is sealed (AES-256-GCM).
 */
export interface DomainDoc extends BaseDoc {
  accountId: string;
  workspaceId: string;
  name: string;
  dkimSelector: string;
  dkimPublicKey: string;
  /** Sealed PKCS#8 PEM of the DKIM private key. */
  secretEnc: string;
  /** Records the domain's users say they have published at their DNS host. */
  publishedRecords: DnsRecordPurpose[];
  state: DomainState;
  verifiedAt: Date | null;
  lastCheckedAt: Date | null;
  /** Why the last check failed; null after a successful one. */
  checkMessage: string | null;
  trackOpens: boolean;
  trackClicks: boolean;
  unsubscribeFooter: string | null;
  createdBy: string;
}

const domainSchema = docSchema<DomainDoc>({
  accountId: { type: String, required: true },
  workspaceId: { type: String, required: true },
  name: { type: String, required: true },
  dkimSelector: { type: String, required: true },
  dkimPublicKey: { type: String, required: true },
  secretEnc: { type: String, required: true },
  publishedRecords: { type: [String], default: [] },
  state: { type: String, required: true, enum: ['UNVERIFIED', 'VERIFIED'], default: 'UNVERIFIED' },
  verifiedAt: { type: Date, default: null },
  lastCheckedAt: { type: Date, default: null },
  checkMessage: { type: String, default: null },
  trackOpens: { type: Boolean, default: false },
  trackClicks: { type: Boolean, default: false },
  unsubscribeFooter: { type: String, default: null },
  createdBy: { type: String, required: true },
});
domainSchema.index({ accountId: 1, name: 1 }, { unique: true });
domainSchema.index({ workspaceId: 1, _id: 1 });

export const Domain: Model<DomainDoc> = model<DomainDoc>('Domain', domainSchema);
