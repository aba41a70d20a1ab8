// A real authoritative DNS server on 127.0.0.1 (npm dns2), UDP and TCP on one free port: the tests
// publish a domain's records here and the gateway, started with DNS_SERVERS=<address>, resolves
// them with node:dns like any DNS host's. Nothing in the gateway is stubbed.
import dns2 from 'dns2';
import type { TestGateway, TestOwner } from './gateway';

const { Packet } = dns2;

export type DnsAnswer =
  { type: 'TXT'; data: string } | { type: 'MX'; exchange: string; priority: number } | { type: 'CNAME'; domain: string };

export interface TestDns {
  /** `127.0.0.1:<port>`, for DNS_SERVERS. */
  address: string;
  /** Adds a record (names are case-insensitive, without the trailing dot). */
  add(name: string, answer: DnsAnswer): void;
  /** Removes every record of `name` (of `type` only, when given). */
  remove(name: string, type?: DnsAnswer['type']): void;
  stop(): Promise<void>;
}

const TYPE_CODES: Record<DnsAnswer['type'], number> = { TXT: Packet.TYPE.TXT, MX: Packet.TYPE.MX, CNAME: Packet.TYPE.CNAME };

/** A TXT value longer than 255 bytes goes out as several character-strings, as DNS hosts publish DKIM keys. */
function chunks(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 255) out.push(text.slice(i, i + 255));
  return out;
}

export async function startDnsServer(): Promise<TestDns> {
  const zone = new Map<string, DnsAnswer[]>();
  const key = (name: string) => name.toLowerCase().replace(/\.$/, '');
  const handle: dns2.DnsHandler = (request, send) => {
    const response = Packet.createResponseFromRequest(request);
    const [question] = request.questions;
    if (question) {
      for (const a of zone.get(key(question.name)) ?? []) {
        if (TYPE_CODES[a.type] !== question.type) continue;
        const base = { name: question.name, type: TYPE_CODES[a.type], class: Packet.CLASS.IN, ttl: 60 };
        if (a.type === 'TXT') response.answers.push({ ...base, data: chunks(a.data) } as never);
        else if (a.type === 'MX') response.answers.push({ ...base, exchange: a.exchange, priority: a.priority } as never);
        else response.answers.push({ ...base, domain: a.domain } as never);
      }
    }
    void send(response);
  };
  // UDP on a free port, then TCP on the same one (truncated UDP answers are retried over TCP).
  for (let attempt = 0; ; attempt++) {
    const udp = dns2.createUDPServer(handle);
    const tcp = dns2.createTCPServer(handle);
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(0, '127.0.0.1', () => resolve());
      });
      const port = udp.address().port;
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, '127.0.0.1', () => resolve());
      });
      return {
        address: `127.0.0.1:${port}`,
        add(name, answer) {
          zone.set(key(name), [...(zone.get(key(name)) ?? []), answer]);
        },
        remove(name, type) {
          zone.set(
            key(name),
            (zone.get(key(name)) ?? []).filter((a) => type && a.type !== type),
          );
        },
        stop: async () => {
          await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
        },
      };
    } catch (err) {
      try {
        udp.close();
      } catch {
        // not bound
      }
      tcp.close();
      if (attempt >= 5) throw err;
    }
  }
}

/** The records a domain asks for (from the API), published as they are. */
export async function publishDomain(
  gw: TestGateway,
  dns: TestDns,
  token: string,
  domainId: string,
  purposes: string[] = ['OWNERSHIP', 'SPF', 'DKIM'],
): Promise<void> {
  const r = await gw.gql(
    `query($id: ID!) { domain(id: $id) { dnsRecords { purpose type name value priority } } }`,
    { id: domainId },
    token,
  );
  if (r.body.errors) throw new Error(`domain query failed: ${JSON.stringify(r.body.errors)}`);
  for (const rec of r.body.data!.domain.dnsRecords as {
    purpose: string;
    type: string;
    name: string;
    value: string;
    priority: number | null;
  }[]) {
    if (!purposes.includes(rec.purpose)) continue;
    if (rec.type === 'TXT') dns.add(rec.name, { type: 'TXT', data: rec.value });
    else if (rec.type === 'MX') dns.add(rec.name, { type: 'MX', exchange: rec.value, priority: rec.priority ?? 10 });
    else dns.add(rec.name, { type: 'CNAME', domain: rec.value });
  }
}

/** Publishes the required records of the domain and verifies it; throws unless it ends VERIFIED. */
export async function verifyThroughDns(gw: TestGateway, dns: TestDns, owner: Pick<TestOwner, 'token'>, domainId: string): Promise<void> {
  await publishDomain(gw, dns, owner.token, domainId);
  const r = await gw.gql(`mutation($id: ID!) { verifyDomain(id: $id) { state checkMessage } }`, { id: domainId }, owner.token);
  if (r.body.errors || r.body.data!.verifyDomain.state !== 'VERIFIED') {
    throw new Error(`verifyDomain did not verify: ${JSON.stringify(r.body.errors ?? r.body.data)}`);
  }
}
