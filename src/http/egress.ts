// Outbound requests to URLs a tenant chose — an identity provider's metadata, discovery, token and key
// endpoints, an audit sink — reach the public internet only. Otherwise anyone allowed to configure SSO or
// a sink could make the gateway fetch from inside its own network (cloud metadata at 169.254.169.254, an
// admin port on 127.0.0.1, a 10.x service): server-side request forgery.
//
// The address is checked where the socket is opened (the connector of one undici Agent), after DNS, for
// every connection the request makes — so a name that resolves to a public address when the URL is saved
// and to a private one later (DNS rebinding), or a redirect to a private address, is refused all the same.
// Public means ipaddr.js's `unicast` range (IPv4-mapped IPv6 unwrapped first); loopback is allowed only
// where the caller says so (the development settings POSTERN_SSO_ALLOW_HTTP_IDP and
// POSTERN_AUDIT_SINK_ALLOW_HTTP_LOOPBACK, for providers and receivers on this machine).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';

/** Thrown (as the fetch error's `cause`) when a request would reach an address that is not public. */
export class EgressRefusedError extends Error {
  readonly code = 'EGRESS_REFUSED';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(
      host === address
        ? `${address} is not a public internet address`
        : `${host} resolves to ${address}, which is not a public internet address`,
    );
  }
}

export interface EgressPolicy {
  /** Also allow loopback addresses (development settings only). */
  allowLoopback: boolean;
}

/** A URL's hostname without the brackets of an IPv6 literal (`[::1]` → `::1`). */
const unbracketed = (host: string): string => host.replace(/^\[|\]$/g, '');

/** The host names of this machine a URL may give for the development settings' plain http (URL.hostname form). */
const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);
export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname);
}

/** Whether a request may connect to this IP address under the policy. */
export function isAllowedAddress(address: string, policy: EgressPolicy): boolean {
  const bare = unbracketed(address);
  if (!ipaddr.isValid(bare)) return false;
  const range = ipaddr.process(bare).range();
  return range === 'unicast' || (policy.allowLoopback && range === 'loopback');
}

/** The refusal for the first of a host's addresses the policy does not allow, if any. */
function refusalAmong(host: string, addresses: readonly LookupAddress[], policy: EgressPolicy): EgressRefusedError | undefined {
  const refused = addresses.find((a) => !isAllowedAddress(a.address, policy));
  return refused ? new EgressRefusedError(host, refused.address) : undefined;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function guardedLookup(policy: EgressPolicy) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const refusal = refusalAmong(hostname, addresses, policy);
      if (refusal) return callback(refusal, []);
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

function agentFor(policy: EgressPolicy): Agent {
  const connect = buildConnector({ lookup: guardedLookup(policy) } as buildConnector.BuildOptions);
  return new Agent({
    connect: (options, callback) => {
      // An address written in the URL is never looked up: check it here.
      const host = unbracketed(options.hostname);
      if (isIP(host) && !isAllowedAddress(host, policy)) return callback(new EgressRefusedError(host, host), null);
      connect(options, callback);
    },
  });
}

const agents = { public: agentFor({ allowLoopback: false }), loopback: agentFor({ allowLoopback: true }) };

/** `fetch`, connecting only to public addresses (and loopback when the policy allows it). */
export function egressFetch(policy: EgressPolicy): typeof fetch {
  const dispatcher = policy.allowLoopback ? agents.loopback : agents.public;
  return ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
}

/** The EgressRefusedError behind a failed fetch, if that is why it failed. */
export function egressRefusal(err: unknown): EgressRefusedError | undefined {
  for (let e = err as { cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e instanceof EgressRefusedError) return e;
  }
  return undefined;
}

/**
 * Resolves a URL's host now and refuses it when any address is not public: a clear error when the URL is
 * saved. (Connections are checked again when made: this is for the message, not the guarantee.)
 */
export async function assertPublicUrl(raw: string, policy: EgressPolicy): Promise<void> {
  const host = unbracketed(new URL(raw).hostname);
  if (isIP(host)) {
    if (!isAllowedAddress(host, policy)) throw new EgressRefusedError(host, host);
    return;
  }
  const addresses = await new Promise<LookupAddress[]>((resolve) =>
    dnsLookup(host, { all: true }, (err, list) => resolve(err ? [] : list)),
  );
  const refusal = refusalAmong(host, addresses, policy);
  if (refusal) throw refusal;
}
