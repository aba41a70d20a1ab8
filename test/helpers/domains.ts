// The tests' proof that an account owns a mail domain, as its admin would give it: a sending domain
// whose OWNERSHIP record (`_postern.<name>` TXT) the gateway found in the test's DNS — the one root of
// trust that SSO allowed domains, just-in-time sign-up and SCIM-created users rest on
// (src/modules/sending/trusted-domain.service.ts). One helper for the SSO, SCIM and doors tests.
import { verifyThroughDns } from './dns';
import type { TestGateway, TestOwner } from './gateway';
import { createDomain, uniqueDomain } from '../modules/sending/helpers';

export interface ProvenDomain {
  name: string;
  id: string;
}

/** The account proves `name` (a new unique name by default) through DNS. */
export async function proveDomain(gw: TestGateway, owner: TestOwner, name = uniqueDomain('corp')): Promise<ProvenDomain> {
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
/** A new address at the domain. */
export function emailAt(domain: ProvenDomain | string, tag = 'user'): string {
  n += 1;
  return `${tag}-${n}-${Math.random().toString(36).slice(2, 8)}@${typeof domain === 'string' ? domain : domain.name}`;
}
