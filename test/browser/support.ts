// Browser tests: the web UI built from web/src (once per run: ../support/web-build.ts), served by the real API app (test/support/api.ts) with a real
// worker, driven by a real headless Chromium (Debian's /usr/bin/chromium; never a downloaded browser).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startApi, type ApiHarness } from '../support/api';
import { webBuild } from '../support/web-build';
import type { RecordsImport } from '../../contract';
import type { TestUser } from '../../testkit/fixtures';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Fails loudly (never skips) when the browser is not installed. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the browser tests need it. Install it with ` +
        '`apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH).',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}

export interface BrowserStack {
  api: ApiHarness;
  browser: Browser;
  /** Problems the pages reported: console errors and uncaught exceptions. */
  pageErrors: string[];
  /** A page in its own context (its own sessionStorage), signed in as `user`. */
  signedIn(user: TestUser, path?: string): Promise<Page>;
  /** A page in its own context, not signed in. */
  anonymous(path?: string): Promise<Page>;
  close(): Promise<void>;
}

/** The Temporal Web UI the case page links to (nothing listens there: only the link is checked). */
export const TEMPORAL_UI = 'http://temporal-ui.test:8233';

export async function startBrowserStack(): Promise<BrowserStack> {
  const browser = await launchBrowser();
  let api: ApiHarness;
  try {
    api = await startApi({ worker: true, app: { staticDir: await webBuild(), temporalUiUrl: TEMPORAL_UI } });
  } catch (err) {
    await browser.close();
    throw err;
  }
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const harness = api;

  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true, locale: 'en-US', timezoneId: 'UTC' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      // The browser logs refused requests (4xx) on its own; the UI's handling of them is what the tests check.
      if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) pageErrors.push(`console: ${msg.text()}`);
    });
    return page;
  };

  return {
    api: harness,
    browser,
    pageErrors,
    async anonymous(pathname = '/') {
      const page = await newPage();
      await page.goto(`${harness.url}${pathname}`);
      return page;
    },
    async signedIn(user, hash) {
      const page = await newPage();
      await page.goto(`${harness.url}/`);
      await page.getByLabel('Access token').fill(user.token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('whoami').waitFor();
      if (hash) await page.goto(`${harness.url}/#${hash}`);
      return page;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await harness.close();
    },
  };
}

/** A full-page screenshot under test-results/screenshots/ (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  // Let charts and fonts settle.
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Text whose colour does not stand out from its background by WCAG AA (4.5:1; 3:1 for large text). The background
 * is the nearest opaque one up the tree; text over images or gradients is not judged (the UI has none), nor that of
 * disabled controls (WCAG exempts them).
 */
export async function lowContrastText(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
    const luminance = ([r, g, b]) => {
      const ch = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
      return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const bad = [];
    for (const el of document.querySelectorAll('body *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || el.closest(':disabled') || !el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
      const rect = el.getBoundingClientRect();
      if (rect.width <= 1 || rect.height <= 1) continue;
      const style = getComputedStyle(el);
      const [l1, l2] = [luminance(rgb(style.color).slice(0, 3)), luminance(background(el))].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) bad.push(ratio.toFixed(2) + ' ' + el.tagName + '.' + el.className + ': ' + el.textContent.trim().slice(0, 40));
    }
    return bad;
  })()`);
}

/**
 * Waits until the locator's count passes the test, counting from here rather than in the page: the UI's
 * Content-Security-Policy forbids eval, and page.waitForFunction evaluates its predicate as a string in the page.
 */
export async function waitForCount(locator: Locator, accept: (count: number) => boolean, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await locator.count();
    if (accept(count)) return count;
    if (Date.now() > deadline) throw new Error(`${String(locator)}: ${count} elements, not what the test waits for`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Imports `records` as `user`, then on the open page finds their one customer and ticks every invoice for one case;
 * the page is left there, the amounts not yet filled.
 */
export async function tickInvoicesForOneCase(stack: BrowserStack, user: TestUser, records: RecordsImport): Promise<Page> {
  const invoices = records.invoices ?? [];
  expect(invoices.length).toBeGreaterThan(1);
  expect((await stack.api.request('POST', '/api/records/import', { token: user.token, body: records })).status).toBe(200);
  const page = await stack.signedIn(user, '/open');
  await page.getByLabel('Customer').fill(invoices[0]!.customerId);
  await page.getByRole('button', { name: 'Find invoice' }).click();
  await waitForCount(page.getByTestId('invoices-table').locator('tbody tr'), (n) => n === invoices.length);
  // Exact: one invoice's number may begin another's.
  for (const invoice of invoices) await page.getByLabel(`Dispute ${invoice.number} in one case`, { exact: true }).check();
  return page;
}
