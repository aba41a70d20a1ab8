// Trust in an address at a domain (docs/identity.md "Trust in an address"): an account may vouch for
// an address only when the address is at a domain the account proved it controls through DNS — the
// OWNERSHIP TXT record of a sending domain (`_postern.<name>`, checked by verifyDomain), found at its
// last check. A proven name also covers its subdomains (whoever controls example.com's zone controls
// sub.example.com's), never its parent: proving mail.example.com says nothing of alice@example.com.
// SSO allowed domains, just-in-time sign-up and SCIM-created users are limited to these names.
import { Domain } from './domain.model';

/** The names whose OWNERSHIP record this account's last domain check found, lower-cased. */
export async function provenDomainsOf(accountId: string): Promise<string[]> {
  const rows = await Domain.find({ accountId, publishedRecords: 'OWNERSHIP' }, { name: 1 }).lean();
  return [...new Set(rows.map((r) => r.name.toLowerCase()))];
}

/** True when `domain` is one of `proven` or a subdomain of one. */
export function isUnderProvenDomain(domain: string, proven: readonly string[]): boolean {
  const d = domain.trim().toLowerCase().replace(/\.$/, '');
  return proven.some((p) => d === p || d.endsWith(`.${p}`));
}

/** The domain part of an address, lower-cased; '' when there is none. */
export function domainOfAddress(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 0
    ? ''
    : email
        .slice(at + 1)
        .trim()
        .toLowerCase();
}

/** May this account vouch for `email` (create a verified login at it, let its IdP assert it)? */
export async function accountMayVouchFor(accountId: string, email: string): Promise<boolean> {
  const domain = domainOfAddress(email);
  if (!domain) return false;
  return isUnderProvenDomain(domain, await provenDomainsOf(accountId));
}
