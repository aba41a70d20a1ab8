// The tests' proof that an account owns a mail domain: a sending domain whose OWNERSHIP record the
// gateway found in (the test's) DNS — the one root of trust SSO allowed domains rest on.
import { verifyThroughDns } from '../helpers/dns';
import type { TestGateway, TestOwner } from '../helpers/gateway';
import { createDomain, uniqueDomain } from '../modules/sending/helpers';

export interface ProvenDomain {
  name: string;
  id: string;
}

export async function proveDomain(gw: TestGateway, owner: TestOwner, tag = 'corp'): Promise<ProvenDomain> {
  const name = uniqueDomain(tag);
  const id = await createDomain(gw, owner, name);
  await verifyThroughDns(gw, gw.dns, owner, id);
  return { name, id };
}

/** The DNS record goes and the domain is checked again: the account no longer proves it owns the name. */
export async function loseProof(gw: TestGateway, owner: TestOwner, d: ProvenDomain): Promise<void> {
  gw.dns.remove(`_postern.${d.name}`, 'TXT');
  const r = await gw.gql(`mutation($id: ID!) { verifyDomain(id: $id) { state } }`, { id: d.id }, owner.token);
  if (r.body.errors) throw new Error(JSON.stringify(r.body.errors));
}

let n = 0;
export function emailAt(domain: ProvenDomain | string, tag = 'user'): string {
  n += 1;
  return `${tag}-${n}-${Math.random().toString(36).slice(2, 8)}@${typeof domain === 'string' ? domain : domain.name}`;
}
