/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The explorer in a real browser (headless Chromium driven by puppeteer-core), with every request
// that is not to the gateway blocked: the page must work on a machine without internet. The owner
// signs in, reads a permission in the docs pane, runs a query and signs out; a member without
// explorer:use is refused. Screenshots go to test-output/.
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { STRONG_PASSWORD, errorCode, startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { addMember, type TestMember } from '../helpers/members';
import { launchChromium, openExplorer, SCREENSHOTS } from '../helpers/explorer';

let gw: TestGateway;
let browser: Browser;
let owner: TestOwner;
let analyst: TestMember;
/** Every request the page tried outside the gateway. */
const blocked: string[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp({ accountName: 'Browser Mail' });
  analyst = await addMember(gw, owner.accountId, owner.userId, ['account:view', 'workspaces:view', 'domains:view']);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.waitForSelector('#signin');
  for (const [selector, value] of [
    ['#email', email],
    ['#password', password],
  ]) {
    await page.click(selector!, { count: 3 });
    await page.keyboard.press('Backspace');
    await page.type(selector!, value!);
  }
  await page.click('#signin-submit');
}

it('lets the owner sign in, see permissions in the docs, run a query and sign out, offline', async () => {
  const page = await openExplorer(browser, gw.url, blocked);
  await signIn(page, owner.email, 'not-the-password-1A!');
  await page.waitForSelector('#signin-error');
  expect(await page.$eval('#signin-error', (e) => e.textContent)).toMatch(/password/i);

  await signIn(page, owner.email, STRONG_PASSWORD);
  await page.waitForSelector('.graphiql-container');
  expect(await page.$eval('#signed-in-as', (e) => e.textContent)).toContain(owner.email);

  await page.click('.graphiql-execute-button');
  await page.waitForFunction(() => document.querySelector('.result-window')?.textContent?.includes('Browser Mail'), { timeout: 20_000 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'explorer-owner-query.png') });

  await page.click('[aria-label="Show Documentation Explorer"]');
  await page.waitForSelector('.graphiql-doc-explorer');
  await page.evaluate(() => {
    const link = [...document.querySelectorAll('.graphiql-doc-explorer a')].find((a) => a.textContent === 'Query');
    (link as HTMLElement).click();
  });
  await page.waitForFunction(() => document.querySelector('.graphiql-doc-explorer')?.textContent?.includes('Requires account:view'), {
    timeout: 20_000,
  });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'explorer-owner-docs.png') });

  const token = await page.evaluate(() => sessionStorage.getItem('postern.explorer.token'));
  expect(token).toBeTruthy();
  await page.click('#signout');
  await page.waitForSelector('#signin');
  expect(await page.evaluate(() => document.body.textContent)).toContain('You are signed out.');
  expect(await page.evaluate(() => sessionStorage.getItem('postern.explorer.token'))).toBeNull();
  // Signing out ended the session on the server too.
  expect(errorCode(await gw.gql('{ account(id: "x") { id } }', {}, token!))).toBe('UNAUTHENTICATED');
  await page.close();
  expect(blocked).toEqual([]);
}, 120_000);

it('refuses a signed-in member without explorer:use with a page saying why', async () => {
  const page = await openExplorer(browser, gw.url, blocked);
  await signIn(page, analyst.email, STRONG_PASSWORD);
  await page.waitForSelector('#refused');
  const text = await page.$eval('#refused', (e) => e.textContent);
  expect(text).toContain('The explorer is not available to you');
  expect(text).toContain(analyst.email);
  expect(text).toContain('explorer:use');
  expect(await page.$('.graphiql-container')).toBeNull();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'explorer-refused.png') });
  await page.click('#signout');
  await page.waitForSelector('#signin');
  await page.close();
  expect(blocked).toEqual([]);
}, 120_000);

it('serves every script and style from the gateway, under a policy that allows no other origin', async () => {
  const res = await fetch(`${gw.url}/graphiql`);
  const html = await res.text();
  expect(html).not.toMatch(/https?:\/\//);
  expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
  for (const src of html.match(/\/graphiql\/assets\/[\w.-]+/g)!) {
    const asset = await fetch(`${gw.url}${src}`);
    expect(asset.status).toBe(200);
  }
  expect((await fetch(`${gw.url}/graphiql/assets/..%2Fpackage.json`)).status).toBe(404);
});
