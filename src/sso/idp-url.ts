// Where an identity provider may be reached: https only. Plain http is accepted for a provider on a
// loopback address, and only when the operator turned on POSTERN_SSO_ALLOW_HTTP_IDP (development and
// the tests' providers; docs/identity-sso.md "Development setting").
import { isLoopbackHostname, type EgressPolicy } from '../http';

let allowHttp = false;

export function setAllowHttpIdp(on: boolean): void {
  allowHttp = on;
}

/**
 * Where requests to a provider may connect (src/http/egress.ts): public addresses only; loopback too
 * under the development setting, for the providers the tests and a developer run on this machine.
 */
export function idpEgressPolicy(): EgressPolicy {
  return { allowLoopback: allowHttp };
}

/** https, or (development setting) http on a loopback address. */
export function isAcceptableIdpUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return allowHttp && url.protocol === 'http:' && isLoopbackHostname(url.hostname);
}

export const HTTPS_REQUIRED =
  'must be an https URL (plain http is accepted only on a loopback address with the development setting POSTERN_SSO_ALLOW_HTTP_IDP=true)';
