// What a domain has really published: its records looked up with node:dns (a Resolver on the
// servers of DNS_SERVERS, else the system's), compared with the records Postern asks for.
import { promises as dns } from 'node:dns';
import type { DnsRecordPurpose } from './domain.model';

/** A record Postern asks a domain to publish (built by dnsRecords() in domain.service.ts). */
export interface DnsRecordView {
  purpose: DnsRecordPurpose;
  type: 'TXT' | 'MX' | 'CNAME';
  name: string;
  value: string;
  priority: number | null;
  required: boolean;
  published: boolean;
}

let servers: string[] = [];

/** DNS servers to ask (`ip` or `ip:port`); empty: the system's resolvers. Set once at start. */
export function setDnsServers(list: string[]): void {
  servers = [...list];
}

function resolver(): dns.Resolver {
  const r = new dns.Resolver({ timeout: 3000, tries: 2 });
  if (servers.length) r.setServers(servers);
  return r;
}

/** Answers that mean "no such record" rather than "could not ask". */
const ABSENT = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'ENONAME']);

type Lookup = { values: string[] } | { error: string };

async function lookup(fn: () => Promise<string[]>): Promise<Lookup> {
  try {
    return { values: await fn() };
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'EFAIL';
    return ABSENT.has(code) ? { values: [] } : { error: code };
  }
}

const host = (name: string) => name.toLowerCase().replace(/\.$/, '');
const compact = (s: string) => s.replace(/\s+/g, '');

function matches(rec: DnsRecordView, values: string[]): boolean {
  switch (rec.purpose) {
    case 'OWNERSHIP':
      return values.some((v) => v.trim() === rec.value);
    case 'SPF': {
      const include = rec.value.split(/\s+/).find((t) => t.startsWith('include:'))!;
      return values.some((v) => /^v=spf1(\s|$)/i.test(v.trim()) && v.trim().split(/\s+/).includes(include));
    }
    case 'DKIM': {
      const key = /p=([^;\s]+)/.exec(rec.value)![1]!;
      return values.some((v) => compact(v).includes(`p=${key}`) && /v=DKIM1/i.test(v));
    }
    default:
      return values.map(host).includes(host(rec.value));
  }
}

export interface DnsFindings {
  /** Purposes whose every record was found as asked. */
  found: DnsRecordPurpose[];
  /** Why a purpose was not found: absent, different, or the lookup failed (its code). */
  problems: Partial<Record<DnsRecordPurpose, string>>;
}

/** Looks up every record of `records` (each name once per type) and says which purposes are published. */
export async function checkDns(records: DnsRecordView[]): Promise<DnsFindings> {
  const r = resolver();
  const cache = new Map<string, Promise<Lookup>>();
  const get = (type: DnsRecordView['type'], name: string): Promise<Lookup> => {
    const k = `${type} ${name}`;
    let p = cache.get(k);
    if (!p) {
      p =
        type === 'TXT'
          ? lookup(async () => (await r.resolveTxt(name)).map((chunks) => chunks.join('')))
          : type === 'MX'
            ? lookup(async () => (await r.resolveMx(name)).map((mx) => mx.exchange))
            : lookup(() => r.resolveCname(name));
      cache.set(k, p);
    }
    return p;
  };
  const problems: DnsFindings['problems'] = {};
  const results = await Promise.all(records.map(async (rec) => ({ rec, res: await get(rec.type, rec.name) })));
  for (const { rec, res } of results) {
    if (problems[rec.purpose]) continue;
    if ('error' in res) problems[rec.purpose] = `${rec.type} ${rec.name} could not be looked up (${res.error})`;
    else if (!matches(rec, res.values)) {
      problems[rec.purpose] = res.values.length
        ? `${rec.type} ${rec.name} does not hold the expected value`
        : `${rec.type} ${rec.name} not found`;
    }
  }
  const purposes = [...new Set(records.map((rec) => rec.purpose))];
  return { found: purposes.filter((p) => !problems[p]), problems };
}

/** A domain's mail servers: MX hosts best first; empty when it publishes none; `error` when the lookup failed. */
export async function lookupMx(name: string): Promise<{ hosts: { exchange: string; priority: number }[] } | { error: string }> {
  try {
    const mx = await resolver().resolveMx(name);
    return { hosts: mx.map((m) => ({ exchange: host(m.exchange), priority: m.priority })).sort((a, b) => a.priority - b.priority) };
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'EFAIL';
    return ABSENT.has(code) ? { hosts: [] } : { error: code };
  }
}
