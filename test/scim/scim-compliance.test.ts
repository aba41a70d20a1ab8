// RFC 7643/7644 compliance, judged by software no one here wrote: scim2-tester (PyPI, pinned in
// test/scim/scim-checker.requirements.txt; .ci/run installs it into .tools/scim-checker) runs against a
// real gateway knowing only what /ServiceProviderConfig, /ResourceTypes and /Schemas publish, and
// creates, reads, replaces, patches and deletes Users and Groups from the published schemas. No check
// may end ERROR (a MUST broken) or CRITICAL.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { onPlan } from '../helpers/billing';
import { verifyThroughDns } from '../helpers/dns';
import { ok } from '../modules/access/helpers';
import { CREATE_SCIM_TOKEN } from './client';

const root = path.resolve(__dirname, '../..');
const PYTHON = path.join(root, '.tools/scim-checker/bin/python');

interface CheckResult {
  status: 'SUCCESS' | 'COMPLIANT' | 'ACCEPTABLE' | 'DEVIATION' | 'ERROR' | 'CRITICAL' | 'SKIPPED';
  title: string | null;
  resourceType: string | null;
  reason: string | null;
  data: string | null;
}

function runChecker(baseUrl: string, token: string, domain: string): Promise<CheckResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [path.join(__dirname, 'scim-checker.py'), baseUrl, token, domain], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`scim-checker exited ${code}: ${err.slice(-3000)}`));
      resolve(
        out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as CheckResult),
      );
    });
  });
}

/**
 * The one place the checker and Postern part, on purpose: the checker replaces a user's whole `emails`
 * (PATCH replace of `emails`, or PUT of a new representation) with a new primary address. Postern
 * refuses that with 400 mutability because the primary address is the user's sign-in address, bound
 * to a login that may not change hands (docs/identity-scim.md, "Addresses"); RFC 7644 §3.12 defines
 * `mutability` as "the attempted modification is not compatible with the target attribute's
 * mutability *or current state*", and §3.5.1/§3.5.2 let the service provider refuse a modification with
 * that error. /Schemas says so in `emails`' description. Allowing it would let whoever holds the SCIM
 * token move a person's login, and the password resets mailed to it, to another mailbox. Only those two checks, and only when the
 * refusal is that one, are not counted as failures; every other result stands.
 */
function signInAddressKept(r: CheckResult): boolean {
  const refusal = `${r.reason} ${r.data}`.includes('The sign-in address of a provisioned user is fixed');
  return r.resourceType === 'User' && refusal && ['object_replacement', 'check_replace_attribute'].includes(r.title ?? '');
}

let gw: TestGateway;
let owner: TestOwner;
let token: string;
const domain = `corp-${Math.random().toString(36).slice(2, 8)}.example.com`;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp({ email: `owner@${domain}` });
  await gw.verifyEmail(owner.email);
  await onPlan(gw, owner, 'ENTERPRISE');
  // The company proves its mail domain (the same DNS proof as a sending domain): SCIM may then create its people.
  const created = ok(
    await gw.gql(
      `mutation($input: CreateDomainInput!) { createDomain(input: $input) { id } }`,
      {
        input: { workspaceId: owner.workspaceId, name: domain },
      },
      owner.token,
    ),
  );
  await verifyThroughDns(gw, gw.dns, owner, created.createDomain.id);
  token = ok(await gw.gql(CREATE_SCIM_TOKEN, { input: { accountId: owner.accountId, name: 'checker' } }, owner.token)).createScimToken
    .token;
});
afterAll(() => gw.stop());

it('scim2-tester finds no broken MUST in /scim/v2', async () => {
  if (!existsSync(PYTHON)) {
    throw new Error(
      'The SCIM checker is not installed: python3 -m venv .tools/scim-checker && .tools/scim-checker/bin/pip install -r test/scim/scim-checker.requirements.txt',
    );
  }
  const results = await runChecker(`${gw.url}/scim/v2`, token, domain);
  // The refusal counted apart is the sign-in address rule, and nothing else (see signInAddressKept).
  expect(results.filter(signInAddressKept).length).toBeLessThanOrEqual(2);
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  console.log(`scim2-tester: ${results.length} checks`, counts);
  const failed = results.filter((r) => (r.status === 'ERROR' || r.status === 'CRITICAL') && !signInAddressKept(r));
  expect(results.length).toBeGreaterThan(50);
  expect(failed.map((r) => `${r.resourceType ?? '-'} ${r.title}: ${r.reason} ${r.data ?? ''}`)).toEqual([]);
}, 300_000);
