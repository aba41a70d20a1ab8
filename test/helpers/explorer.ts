// The explorer in headless Chromium (Debian's, or CHROMIUM_PATH), offline: every request the page makes
// outside the gateway is refused and noted, so a test proves the explorer needs nothing from the internet.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { projectRoot } from '../../src/paths';

/** Where the browser tests leave their screenshots (git ignores it). */
export const SCREENSHOTS = path.join(projectRoot, 'test-output');

export function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

/** A new page on `${gatewayUrl}/graphiql`; requests that would leave the gateway are aborted and pushed to `blocked`. */
export async function openExplorer(browser: Browser, gatewayUrl: string, blocked: string[]): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  page.on('pageerror', (e) => process.stderr.write(`[explorer page error] ${String(e)}\n`));
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    // data: URLs (GraphiQL's inlined fonts) never leave the page.
    if (req.url().startsWith(`${gatewayUrl}/`) || req.url().startsWith('data:')) void req.continue();
    else {
      blocked.push(req.url().slice(0, 200));
      void req.abort();
    }
  });
  await page.goto(`${gatewayUrl}/graphiql`, { waitUntil: 'networkidle0' });
  return page;
}
