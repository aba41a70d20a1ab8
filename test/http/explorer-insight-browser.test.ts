/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The explorer as an admin and as a member would use it (headless Chromium, nothing outside the
// gateway reachable): the owner views the dashboard as the analyst and as a partner token (same
// masks and denials, no plaintext secret), clicks "Why?" on a denial and reads the steps; a member
// asks "Why?" and requests access in place; a token sign-in is named by the token; signing out
// leaves nothing in the browser's storage. Screenshots go to test-output/.
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { STRONG_PASSWORD, startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { addMember, type TestMember } from '../helpers/members';
import { launchChromium, openExplorer, SCREENSHOTS } from '../helpers/explorer';
import { fillWorkspace, type Filled } from '../helpers/dashboard';

const QUERY = `query Dashboard { viewer { accounts { name workspaces { edges { node { name
  domains { edges { node { name smtpCredentials { edges { node { login password } } } } } }
  campaigns { edges { node { name } } } } } } } } }`;

let gw: TestGateway;
let browser: Browser;
let owner: TestOwner;
let analyst: TestMember;
let filled: Filled;
let partner: { token: string; id: string };
const blocked: string[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp({ accountName: 'Insight Mail' });
  filled = await fillWorkspace(owner, { domains: 1, perDomain: 2, campaigns: 1 });
  analyst = await addMember(gw, owner.accountId, owner.userId, [
    'explorer:use',
    'account:view',
    'workspaces:view',
    'domains:view',
    'smtpCredentials:view',
  ]);
  const r = await gw.gql(
    `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id } } }`,
    {
      input: {
        accountId: owner.accountId,
        name: 'Reporting partner',
        scopes: ['explorer:use', 'account:view', 'workspaces:view', 'domains:view'],
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      },
    },
    owner.token,
  );
  partner = { token: r.body.data!.createApiToken.token, id: r.body.data!.createApiToken.apiToken.id };
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

async function signIn(page: Page, email: string): Promise<void> {
  await page.waitForSelector('#signin');
  await page.type('#email', email);
  await page.type('#password', STRONG_PASSWORD);
  await page.click('#signin-submit');
  await page.waitForSelector('.graphiql-container');
}

/** Puts `query` in GraphiQL's editor (CodeMirror 5 keeps its instance on its element) and runs it. */
async function run(page: Page, query: string): Promise<string> {
  await page.waitForSelector('.graphiql-query-editor .CodeMirror');
  await page.evaluate((q) => {
    const el = document.querySelector('.graphiql-query-editor .CodeMirror') as HTMLElement & { CodeMirror: { setValue(v: string): void } };
    el.CodeMirror.setValue(q);
  }, query);
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(() => /"(data|errors)"/.test(document.querySelector('.result-window')?.textContent ?? ''), {
    timeout: 20_000,
  });
  // The whole result, not just the lines CodeMirror has drawn.
  return page.evaluate(() => {
    const el = document.querySelector('.result-window .CodeMirror') as HTMLElement & { CodeMirror: { getValue(): string } };
    return el.CodeMirror.getValue();
  });
}

function expectNoPlaintext(text: string): void {
  for (const p of filled.passwords) expect(text).not.toContain(p);
}

it('lets the owner view the dashboard as the analyst and as a partner token, and ask why', async () => {
  const page = await openExplorer(browser, gw.url, blocked);
  await signIn(page, owner.email);
  // As themselves the owner sees the passwords.
  const mine = await run(page, QUERY);
  expect(filled.passwords.some((p) => mine.includes(p))).toBe(true);

  await page.waitForFunction(() => document.querySelectorAll('#view-as option').length > 1, { timeout: 20_000 });
  await page.select('#view-as', `member:${analyst.userId}`);
  await page.waitForSelector('#viewing-as');
  const asAnalyst = await run(page, QUERY);
  expectNoPlaintext(asAnalyst);
  expect(asAnalyst).toContain('••••••••');
  await page.waitForSelector('#refusals .why');
  expect(await page.$eval('#refusals', (e) => e.textContent)).toContain('campaigns:view');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'explorer-view-as-analyst.png') });

  await page.click('#refusals .why');
  await page.waitForSelector('.why-steps li', { timeout: 20_000 });
  const steps = await page.$eval('.why-steps', (e) => e.textContent ?? '');
  expect(steps).toMatch(/campaigns:view|Denied/);
  // Viewing as someone, nothing is requested in their name.
  expect(await page.$('#refusals .request-access')).toBeNull();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'explorer-view-as-why.png') });

  await page.select('#view-as', `token:${partner.id}`);
  await page.waitForFunction(() => document.querySelector('#viewing-as')?.textContent?.includes('Reporting partner'));
  const asToken = await run(page, QUERY);
  expectNoPlaintext(asToken);
  expect(asToken).toContain('smtpCredentials:view'); // the token's scopes lack it
  await page.screenshot({ path: path.join(SCREENSHOTS, 'explorer-view-as-token.png') });

  // Signing out forgets the token, the view-as choice and GraphiQL's saved queries and history.
  await page.click('#signout');
  await page.waitForSelector('#signin');
  await new Promise((r) => setTimeout(r, 1500)); // past any debounced save
  const kept = await page.evaluate(() => [...Object.keys(localStorage), ...Object.keys(sessionStorage)]);
  expect(kept.filter((k) => k.startsWith('graphiql') || k.startsWith('postern.'))).toEqual([]);
  await page.close();
  expect(blocked).toEqual([]);
}, 180_000);

it('offers a member "Why?" and "Request access" on their own denial', async () => {
  const page = await openExplorer(browser, gw.url, blocked);
  await signIn(page, analyst.email);
  expect(await page.$('#view-as')).toBeNull(); // no access:viewAs, no picker
  const text = await run(page, QUERY);
  expect(text).toContain('FORBIDDEN');
  await page.waitForSelector('#refusals .request-access');
  await page.click('#refusals .why');
  await page.waitForSelector('.why-steps li', { timeout: 20_000 });
  await page.click('#refusals .request-access');
  await page.waitForFunction(() => document.querySelector('#refusals .requested')?.textContent?.includes('Requested'), { timeout: 20_000 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'explorer-member-why-request.png') });
  await page.close();
}, 120_000);

it('names the partner token it holds, not the token’s owner', async () => {
  const page = await openExplorer(browser, gw.url, blocked);
  await page.waitForSelector('#paste-token');
  await page.type('#token', partner.token);
  await page.click('#token-submit');
  await page.waitForSelector('.graphiql-container');
  const who = await page.$eval('#signed-in-as', (e) => e.textContent ?? '');
  expect(who).toContain('Reporting partner');
  expect(who).not.toContain(owner.email);
  await page.close();
}, 120_000);
