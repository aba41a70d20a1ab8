// Issue #7: the dashboard's database commands do not grow with the number of domains (each with its
// SMTP credentials) or campaigns (each with its list, template and author) on the page.
import { startTestGateway, type TestGateway } from '../../helpers/gateway';
import { commandsDuring } from '../../helpers/commands';
import { DASHBOARD, fillWorkspace } from '../../helpers/dashboard';
import { memberWithRole, ok } from './helpers';

let gw: TestGateway;
beforeAll(async () => {
  // No scheduler ticks: their reads (due campaigns, retention) would land in the counts.
  gw = await startTestGateway({ monitorCommands: true, env: { POSTERN_SCHEDULER_INTERVAL_MS: '0' } });
});
afterAll(() => gw.stop());

/** Runs the dashboard for `token`, checks its shape, returns the commands of a warm run. */
async function measure(token: string, expected: { domains: number; perDomain: number; campaigns: number; authorEmails?: boolean }) {
  const run = async () => {
    const r = ok(await gw.gql(DASHBOARD, {}, token));
    const ws = r.viewer.accounts[0].workspaces.edges[0].node;
    expect(ws.domains.edges).toHaveLength(expected.domains);
    for (const d of ws.domains.edges) {
      expect(d.node.smtpCredentials.edges).toHaveLength(expected.perDomain);
      for (const c of d.node.smtpCredentials.edges) expect(c.node.login).toBe(`${c.node.login.split('@')[0]}@${d.node.name}`);
    }
    expect(ws.campaigns.edges).toHaveLength(expected.campaigns);
    for (const c of ws.campaigns.edges) {
      expect(c.node.list.name).toMatch(/^List /);
      expect(c.node.template.name).toMatch(/^Template /);
      expect(c.node.createdBy.id).toMatch(/^[0-9a-f]{24}$/);
      if (expected.authorEmails) expect(c.node.createdBy.email).toMatch(/^author\d-/);
    }
    return r;
  };
  await run(); // warm: compiled permissions, the audit chain head
  return commandsDuring(run);
}

it('costs as many database commands for 20 domains and 50 campaigns as for 2 and 2 (owner, passwords revealed)', async () => {
  const small = await gw.signUp();
  const large = await gw.signUp();
  await fillWorkspace(small, { domains: 2, perDomain: 2, campaigns: 2 });
  await fillWorkspace(large, { domains: 20, perDomain: 2, campaigns: 50 });
  const a = await measure(small.token, { domains: 2, perDomain: 2, campaigns: 2, authorEmails: true });
  const b = await measure(large.token, { domains: 20, perDomain: 2, campaigns: 20, authorEmails: true });
  expect(b.sort()).toEqual(a.sort());
});

it('costs the same for an analyst, who sees the passwords masked', async () => {
  const owner = await gw.signUp();
  const analyst = await memberWithRole(gw, owner, 'analyst');
  await fillWorkspace(owner, { domains: 2, perDomain: 1, campaigns: 2 });
  const a = await measure(analyst.token, { domains: 2, perDomain: 1, campaigns: 2 });
  await fillWorkspace(owner, { domains: 18, perDomain: 1, campaigns: 48 });
  const b = await measure(analyst.token, { domains: 20, perDomain: 1, campaigns: 20 });
  expect(b.sort()).toEqual(a.sort());
});

it('pages listed under many parents at once are the pages each parent lists alone (a crowded parent included)', async () => {
  const owner = await gw.signUp();
  // Domain 0 gets 60 credentials created first, so the batched read's cap fills with them; the others 0 to 3.
  const crowded = await fillWorkspace(owner, { domains: 1, perDomain: 60, campaigns: 0 });
  await fillWorkspace(owner, { domains: 4, perDomain: 3, campaigns: 0 });
  await fillWorkspace(owner, { domains: 1, perDomain: 0, campaigns: 0 });
  const ALL = `query($ws: ID!, $first: Int) { workspace(id: $ws) { domains { edges { node { id
    smtpCredentials(first: $first) { edges { node { id password } } pageInfo { hasNextPage endCursor } } } } } } }`;
  const ONE = `query($id: ID!, $first: Int, $after: String) { domain(id: $id) {
    smtpCredentials(first: $first, after: $after) { edges { node { id password } } pageInfo { hasNextPage endCursor } } } }`;
  for (const first of [2, 3, 50]) {
    const domains = ok(await gw.gql(ALL, { ws: owner.workspaceId, first }, owner.token)).workspace.domains.edges;
    expect(domains).toHaveLength(6);
    for (const d of domains) {
      const alone = ok(await gw.gql(ONE, { id: d.node.id, first }, owner.token)).domain.smtpCredentials;
      expect(d.node.smtpCredentials).toEqual(alone);
    }
    const big = domains[0].node.smtpCredentials;
    expect(big.edges).toHaveLength(Math.min(first, 60));
    expect(big.pageInfo.hasNextPage).toBe(first < 60);
    expect(domains.slice(1, 5).map((d: any) => d.node.smtpCredentials.pageInfo.hasNextPage)).toEqual(Array(4).fill(first < 3));
    expect(domains[5].node.smtpCredentials).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  }
  // The next page after a batched first page continues in order.
  const big = ok(await gw.gql(ALL, { ws: owner.workspaceId, first: 50 }, owner.token)).workspace.domains.edges[0].node;
  const first = big.smtpCredentials;
  const rest = ok(await gw.gql(ONE, { id: big.id, first: 50, after: first.pageInfo.endCursor }, owner.token)).domain.smtpCredentials;
  expect([...first.edges, ...rest.edges].map((e: any) => e.node.id)).toEqual(crowded.credentialIds);
  expect(rest.pageInfo.hasNextPage).toBe(false);
});

it('a list read again after a mutation in the same request shows the change', async () => {
  const owner = await gw.signUp();
  await fillWorkspace(owner, { domains: 1, perDomain: 0, campaigns: 0 });
  const domainId = ok(
    await gw.gql(`query($ws: ID!) { workspace(id: $ws) { domains { edges { node { id } } } } }`, { ws: owner.workspaceId }, owner.token),
  ).workspace.domains.edges[0].node.id;
  const TWO = `mutation($d: ID!) {
    a: createSmtpCredential(input: { domainId: $d, login: "one" }) { domain { smtpCredentials { edges { node { id } } } } }
    b: createSmtpCredential(input: { domainId: $d, login: "two" }) { domain { smtpCredentials { edges { node { id } } } } } }`;
  const r = ok(await gw.gql(TWO, { d: domainId }, owner.token));
  expect(r.a.domain.smtpCredentials.edges).toHaveLength(1);
  expect(r.b.domain.smtpCredentials.edges).toHaveLength(2);
});
