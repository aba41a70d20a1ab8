// Cross-tenant domain claims: verification needs the account's own TXT token found in
// real DNS (a dns2 server on 127.0.0.1), and a name verified by one account cannot be verified by another.
import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { publishDomain, verifyThroughDns } from '../../helpers/dns';
import { badInput, createDomain, ok, uniqueDomain } from './helpers';

let gw: TestGateway;
let alice: TestOwner;
let mallory: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway();
  alice = await gw.signUp();
  mallory = await gw.signUp();
});
afterAll(() => gw.stop());

const VERIFY = `mutation($id: ID!) { verifyDomain(id: $id) { state checkMessage } }`;
const STATE = `query($id: ID!) { domain(id: $id) { state dnsRecords { purpose value } } }`;
const token = async (owner: TestOwner, id: string): Promise<string> =>
  ok(await gw.gql(STATE, { id }, owner.token)).domain.dnsRecords.find((r: any) => r.purpose === 'OWNERSHIP').value;

describe('domain ownership', () => {
  it('gives each account its own token: records copied from another account do not verify', async () => {
    const name = uniqueDomain('own');
    const a = await createDomain(gw, alice, name);
    const m = await createDomain(gw, mallory, name);
    expect(await token(alice, a)).not.toBe(await token(mallory, m));
    // Alice publishes her records; Mallory's check finds SPF but not Mallory's token.
    await publishDomain(gw, gw.dns, alice.token, a);
    const r = ok(await gw.gql(VERIFY, { id: m }, mallory.token)).verifyDomain;
    expect(r.state).toBe('UNVERIFIED');
    expect(r.checkMessage).toMatch(/_postern\..* does not hold the expected value/);
  });

  it('refuses a name another account verified, even with every record published, until that account lets go', async () => {
    const name = uniqueDomain('taken');
    const a = await createDomain(gw, alice, name);
    const m = await createDomain(gw, mallory, name);
    await verifyThroughDns(gw, gw.dns, alice, a);
    await publishDomain(gw, gw.dns, mallory.token, m); // the DNS host serves both tokens
    const refused = await gw.gql(VERIFY, { id: m }, mallory.token);
    expect(badInput(refused)).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(refused.body.errors![0]!.message).toContain('verified by another Postern account');
    expect(ok(await gw.gql(STATE, { id: m }, mallory.token)).domain.state).toBe('UNVERIFIED');
    expect(ok(await gw.gql(STATE, { id: a }, alice.token)).domain.state).toBe('VERIFIED');
    // Alice re-checks and stays verified; once she deletes the domain, the name is free.
    expect(ok(await gw.gql(VERIFY, { id: a }, alice.token)).verifyDomain.state).toBe('VERIFIED');
    ok(await gw.gql(`mutation($id: ID!) { deleteDomain(id: $id) }`, { id: a }, alice.token));
    expect(ok(await gw.gql(VERIFY, { id: m }, mallory.token)).verifyDomain.state).toBe('VERIFIED');
  });

  it('lets exactly one of two accounts verifying one name at the same time win', async () => {
    const name = uniqueDomain('race');
    const a = await createDomain(gw, alice, name);
    const m = await createDomain(gw, mallory, name);
    await publishDomain(gw, gw.dns, alice.token, a);
    await publishDomain(gw, gw.dns, mallory.token, m);
    const rs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? gw.gql(VERIFY, { id: a }, alice.token) : gw.gql(VERIFY, { id: m }, mallory.token))),
    );
    const states = [
      ok(await gw.gql(STATE, { id: a }, alice.token)).domain.state,
      ok(await gw.gql(STATE, { id: m }, mallory.token)).domain.state,
    ];
    expect(states.filter((s) => s === 'VERIFIED')).toHaveLength(1);
    for (const r of rs.filter((x) => x.body.errors)) expect(errorCode(r)).toBe('BAD_USER_INPUT');
  });
});
