import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { publishDomain } from '../../helpers/dns';
import { auditEvents, badInput, CREATE_DOMAIN, createDomain, ok, rawCount, rawJson, uniqueDomain } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const DOMAIN = `query($id: ID!) { domain(id: $id) {
  id name state verifiedAt lastCheckedAt checkMessage dkimSelector trackOpens trackClicks unsubscribeFooter
  workspace { id }
  dnsRecords { purpose type name value priority required published }
} }`;
const DOMAINS = `query($id: ID!, $first: Int, $after: String) { workspace(id: $id) {
  domains(first: $first, after: $after) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } }
} }`;
const UPDATE = `mutation($id: ID!, $input: UpdateDomainInput!) { updateDomain(id: $id, input: $input) {
  id trackOpens trackClicks unsubscribeFooter state checkMessage dnsRecords { purpose published } } }`;
const VERIFY = `mutation($id: ID!) { verifyDomain(id: $id) { id state verifiedAt lastCheckedAt checkMessage } }`;
const DELETE = `mutation($id: ID!) { deleteDomain(id: $id) }`;

describe('domains', () => {
  it('creates a domain with its DNS records, reads it back, lists and pages through the workspace', async () => {
    const name = uniqueDomain('Create');
    const r = ok(
      await gw.gql(CREATE_DOMAIN, { input: { workspaceId: owner.workspaceId, name: `  ${name.toUpperCase()}. ` } }, owner.token),
    );
    expect(r.createDomain.name).toBe(name.toLowerCase());
    expect(r.createDomain.state).toBe('UNVERIFIED');
    const id = r.createDomain.id;

    const d = ok(await gw.gql(DOMAIN, { id }, owner.token)).domain;
    expect(d.workspace.id).toBe(owner.workspaceId);
    expect(d.trackOpens).toBe(false);
    expect(d.dkimSelector).toMatch(/^pst[a-z0-9]+$/);
    const byPurpose = Object.fromEntries(d.dnsRecords.map((x: any) => [x.purpose, x]));
    expect(byPurpose.OWNERSHIP).toMatchObject({ type: 'TXT', name: `_postern.${d.name}`, required: true, published: false });
    expect(byPurpose.OWNERSHIP.value).toMatch(/^postern-verification=[A-Za-z0-9_-]{20,}$/);
    expect(byPurpose.SPF).toMatchObject({ type: 'TXT', name: d.name, required: true, published: false });
    expect(byPurpose.SPF.value).toMatch(/^v=spf1 include:\S+ ~all$/);
    expect(byPurpose.DKIM).toMatchObject({ type: 'TXT', name: `${d.dkimSelector}._domainkey.${d.name}`, required: true });
    expect(byPurpose.DKIM.value).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    expect(byPurpose.MX).toMatchObject({ type: 'MX', name: d.name, priority: 10, required: false });
    expect(byPurpose.TRACKING).toMatchObject({ type: 'CNAME', name: `email.${d.name}`, required: false });

    // The DKIM private key is stored sealed, never in clear, and never in the audit log.
    const raw = await rawJson('Domain', { _id: id });
    expect(raw).not.toContain('PRIVATE KEY');
    const created = await auditEvents(owner.accountId, 'domain.created');
    const ev = created.find((e) => e.target.id === id)!;
    expect(ev.after).toMatchObject({ name: d.name });
    expect(JSON.stringify(ev)).not.toContain('PRIVATE KEY');

    const other = await createDomain(gw, owner, uniqueDomain('page'));
    const third = await createDomain(gw, owner, uniqueDomain('page'));
    const p1 = ok(await gw.gql(DOMAINS, { id: owner.workspaceId, first: 2 }, owner.token)).workspace.domains;
    expect(p1.edges).toHaveLength(2);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = ok(await gw.gql(DOMAINS, { id: owner.workspaceId, first: 2, after: p1.pageInfo.endCursor }, owner.token)).workspace.domains;
    const all = [...p1.edges, ...p2.edges].map((e: any) => e.node.id);
    expect(all).toEqual(expect.arrayContaining([id, other, third]));
    expect(new Set(all).size).toBe(all.length);
  });

  it.each([
    ['no dot', 'localhost'],
    ['bad label', 'foo_bar.example.com'],
    ['leading hyphen', '-a.example.com'],
    ['numeric tld', 'mail.example.123'],
    ['too long label', `${'a'.repeat(64)}.example.com`],
    ['too long', `${'abcdefghi.'.repeat(26)}com`],
    ['blank', '   '],
  ])('refuses an invalid name (%s) with field name and creates nothing', async (_why, name) => {
    const before = await rawCount('Domain', { accountId: owner.accountId });
    const r = await gw.gql(CREATE_DOMAIN, { input: { workspaceId: owner.workspaceId, name } }, owner.token);
    expect(badInput(r)).toEqual({ code: 'BAD_USER_INPUT', field: 'name' });
    expect(await rawCount('Domain', { accountId: owner.accountId })).toBe(before);
  });

  it('refuses a duplicate name in the account, in any workspace and whatever the case', async () => {
    const name = uniqueDomain('dup');
    await createDomain(gw, owner, name);
    const ws = ok(
      await gw.gql(
        `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
        {
          input: { accountId: owner.accountId, name: 'Second' },
        },
        owner.token,
      ),
    ).createWorkspace.id;
    const r = await gw.gql(CREATE_DOMAIN, { input: { workspaceId: ws, name: name.toUpperCase() } }, owner.token);
    expect(badInput(r)).toEqual({ code: 'BAD_USER_INPUT', field: 'name' });
    expect(await rawCount('Domain', { accountId: owner.accountId, name })).toBe(1);
    // Another account may use the same name.
    const other = await gw.signUp();
    expect(ok(await gw.gql(CREATE_DOMAIN, { input: { workspaceId: other.workspaceId, name } }, other.token)).createDomain.name).toBe(name);
  });

  it('concurrent creates of one name: exactly one wins, the others get BAD_USER_INPUT on name', async () => {
    const name = uniqueDomain('race');
    const rs = await Promise.all(
      Array.from({ length: 5 }, () => gw.gql(CREATE_DOMAIN, { input: { workspaceId: owner.workspaceId, name } }, owner.token)),
    );
    expect(rs.filter((r) => !r.body.errors)).toHaveLength(1);
    for (const r of rs.filter((x) => x.body.errors)) expect(badInput(r)).toEqual({ code: 'BAD_USER_INPUT', field: 'name' });
    expect(await rawCount('Domain', { accountId: owner.accountId, name })).toBe(1);
  });

  it('updates tracking and footer; verification finds the token, SPF and DKIM in DNS, and is recorded', async () => {
    const id = await createDomain(gw, owner, uniqueDomain('upd'));
    const u = ok(
      await gw.gql(
        UPDATE,
        { id, input: { trackOpens: true, trackClicks: true, unsubscribeFooter: '  Unsubscribe: reply STOP ' } },
        owner.token,
      ),
    );
    expect(u.updateDomain).toMatchObject({ trackOpens: true, trackClicks: true, unsubscribeFooter: 'Unsubscribe: reply STOP' });
    const tooLong = await gw.gql(UPDATE, { id, input: { unsubscribeFooter: 'x'.repeat(2001), trackOpens: false } }, owner.token);
    expect(badInput(tooLong)).toEqual({ code: 'BAD_USER_INPUT', field: 'unsubscribeFooter' });
    expect(ok(await gw.gql(DOMAIN, { id }, owner.token)).domain.trackOpens).toBe(true); // nothing half-made

    // Declaring records published is no longer possible: only DNS counts.
    const declared = await gw.gql(UPDATE, { id, input: { publishedRecords: ['SPF', 'DKIM'] } }, owner.token);
    expect(errorCode(declared)).toBe('BAD_USER_INPUT');

    const failed = ok(await gw.gql(VERIFY, { id }, owner.token)).verifyDomain;
    expect(failed.state).toBe('UNVERIFIED');
    expect(failed.lastCheckedAt).not.toBeNull();
    expect(failed.checkMessage).toMatch(/_postern\..* not found/);

    await publishDomain(gw, gw.dns, owner.token, id, ['SPF', 'MX']);
    const partial = ok(await gw.gql(VERIFY, { id }, owner.token)).verifyDomain;
    expect(partial.state).toBe('UNVERIFIED');
    expect(partial.checkMessage).toMatch(/_domainkey/);
    expect(partial.checkMessage).not.toMatch(/TXT [^ ]+ not found.*TXT [^ ]+ not found.*TXT/);
    await publishDomain(gw, gw.dns, owner.token, id, ['OWNERSHIP', 'DKIM']);
    const verified = ok(await gw.gql(VERIFY, { id }, owner.token)).verifyDomain;
    expect(verified).toMatchObject({ state: 'VERIFIED', checkMessage: null });
    expect(verified.verifiedAt).not.toBeNull();
    const seen = ok(await gw.gql(DOMAIN, { id }, owner.token)).domain;
    expect(seen.dnsRecords.filter((r: any) => r.published).map((r: any) => r.purpose)).toEqual(['OWNERSHIP', 'SPF', 'DKIM', 'MX', 'MX']);

    // A required record taken down: the next check unverifies the domain.
    gw.dns.remove(seen.dnsRecords.find((r: any) => r.purpose === 'DKIM').name);
    const lost = ok(await gw.gql(VERIFY, { id }, owner.token)).verifyDomain;
    expect(lost.state).toBe('UNVERIFIED');
    expect(lost.checkMessage).toContain('_domainkey');

    const actions = (await auditEvents(owner.accountId)).filter((e) => e.target.id === id).map((e) => e.action);
    expect(actions).toEqual([
      'domain.created',
      'domain.updated',
      'domain.verificationFailed',
      'domain.verificationFailed',
      'domain.verified',
      'domain.verificationFailed',
    ]);

    // An update that changes nothing writes nothing and audits nothing.
    const count = (await auditEvents(owner.accountId, 'domain.updated')).length;
    const same = ok(await gw.gql(UPDATE, { id, input: { trackOpens: true, unsubscribeFooter: 'Unsubscribe: reply STOP' } }, owner.token));
    expect(same.updateDomain).toMatchObject({ trackOpens: true, unsubscribeFooter: 'Unsubscribe: reply STOP' });
    expect((await auditEvents(owner.accountId, 'domain.updated')).length).toBe(count);
  });

  it('deletes a domain with everything below it; afterwards its id and its children are NOT_FOUND', async () => {
    const id = await createDomain(gw, owner, uniqueDomain('del'));
    const made = ok(
      await gw.gql(
        `mutation($d: ID!) {
          c: createSmtpCredential(input: { domainId: $d, login: "postmaster" }) { id }
          w: createWebhook(input: { domainId: $d, event: DELIVERED, url: "https://hooks.example.com/d" }) { id }
          s: addSuppression(input: { domainId: $d, type: BOUNCE, address: "gone@example.org" }) { id }
          a: addAuthorizedRecipient(input: { domainId: $d, email: "me@example.org" }) { id }
        }`,
        { d: id },
        owner.token,
      ),
    );
    const from = `app@${ok(await gw.gql(DOMAIN, { id }, owner.token)).domain.name}`;
    ok(
      await gw.gql(
        `mutation($input: SendEmailInput!) { sendEmail(input: $input) { id status } }`,
        { input: { domainId: id, from, to: 'me@example.org', subject: 'Hi', text: 'Hello' } },
        owner.token,
      ),
    );
    for (const model of ['SmtpCredential', 'Webhook', 'Suppression', 'AuthorizedRecipient', 'EmailLog']) {
      expect(await rawCount(model, { domainId: id })).toBe(1);
    }
    expect(ok(await gw.gql(DELETE, { id }, owner.token)).deleteDomain).toBe(true);
    for (const model of ['Domain', 'SmtpCredential', 'Webhook', 'Suppression', 'AuthorizedRecipient', 'EmailLog']) {
      expect(await rawCount(model, model === 'Domain' ? { _id: id } : { domainId: id })).toBe(0);
    }
    expect(errorCode(await gw.gql(DOMAIN, { id }, owner.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(DELETE, { id }, owner.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(`mutation($id: ID!) { deleteSmtpCredential(id: $id) }`, { id: made.c.id }, owner.token))).toBe(
      'NOT_FOUND',
    );
    expect(errorCode(await gw.gql(`mutation($id: ID!) { deleteWebhook(id: $id) }`, { id: made.w.id }, owner.token))).toBe('NOT_FOUND');
    const deleted = await auditEvents(owner.accountId, 'domain.deleted');
    expect(deleted.find((e) => e.target.id === id)!.meta).toMatchObject({
      removed: { smtpCredentials: 1, webhooks: 1, suppressions: 1, authorizedRecipients: 1, emailLogs: 1 },
    });
  });

  it("treats another account's domain as NOT_FOUND for reads and every mutation", async () => {
    const id = await createDomain(gw, owner, uniqueDomain('priv'));
    const stranger = await gw.signUp();
    const t = stranger.token;
    expect(errorCode(await gw.gql(DOMAIN, { id }, t))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(UPDATE, { id, input: { trackOpens: true } }, t))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(VERIFY, { id }, t))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(DELETE, { id }, t))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(CREATE_DOMAIN, { input: { workspaceId: owner.workspaceId, name: uniqueDomain() } }, t))).toBe(
      'NOT_FOUND',
    );
    expect(errorCode(await gw.gql(DOMAINS, { id: owner.workspaceId }, t))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(DOMAIN, { id: 'not-an-id' }, owner.token))).toBe('NOT_FOUND');
    expect(ok(await gw.gql(DOMAIN, { id }, owner.token)).domain.trackOpens).toBe(false);
  });
});
