/**
 * The dashboard in a real browser: Debian's headless Chromium driven by playwright-core, against
 * a gateway composed as `serve` composes it (auth.anonymous: false) with a denied image pulled
 * through it. The browser logs in the way a person does (HTTP Basic, the admin token as password),
 * sees the denied image first, opens its report (which names the CVE), and searches by repository
 * and by digest. Screenshots go to test-artifacts/ (gitignored).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startDashboardWorld, type DashboardWorld } from '../fixtures/dashboard/dashboard-fixtures.js';

const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let world: DashboardWorld;
let browser: Browser;
let context: BrowserContext;
const problems: string[] = [];

async function openPage(ctx: BrowserContext): Promise<Page> {
  const page = await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`); });
  // The report page (src/api) links no icon, so Chromium asks for /favicon.ico there.
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`${r.status()} ${r.url()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return page;
}

/** Repository names in the order the pull tables list them. */
async function listedRepositories(page: Page, table: string): Promise<string[]> {
  return page.locator(`${table} tbody tr .repo`).allTextContents();
}

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  world = await startDashboardWorld('dash-e2e');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  context = await browser.newContext({ httpCredentials: { username: 'ops', password: world.tokens.ops }, viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

test('the dashboard lists the denied image first, the audit-mode one marked, with status and database', async () => {
  const page = await openPage(context);
  const res = await page.goto(`${world.gw.url}/`);
  assert.equal(res?.status(), 200);
  assert.equal(await page.title(), 'Portcullis dashboard');
  assert.equal(await page.locator('h1').textContent(), 'Pulls and verdicts');

  const denied = page.locator('section[aria-labelledby="denied-h"]');
  assert.deepEqual(await listedRepositories(page, 'section[aria-labelledby="denied-h"]'), ['library/oldssl', 'audited/oldssl'], 'denied first, then would-be denied');
  const first = denied.locator('tbody tr').first();
  assert.equal(await first.locator('.badge').textContent(), 'denied');
  assert.match((await first.textContent())!, /8 unrated/);
  assert.equal(await denied.locator('tbody tr').nth(1).locator('.badge').textContent(), 'would be denied (audit)');
  assert.deepEqual(await listedRepositories(page, 'section[aria-labelledby="others-h"]'), ['library/clean']);

  // The stylesheet (served by the gateway, under the same login) applies: the denied badge is red.
  assert.equal(await first.locator('.badge').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(179, 38, 30)');
  const cards = (await page.locator('.cards').textContent())!;
  assert.match(cards, /0 waiting/);
  assert.match(cards, /reachable/);
  const db = (await page.locator('section[aria-labelledby="db-h"]').textContent())!;
  assert.match(db, /Alpine:v3\.11/);
  assert.match(db, /Alpine-v3\.11\/all\.zip/);

  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-narrow.png'), fullPage: true });
  await page.close();
});

test('the report link opens the image report, which names the CVE and the fix', async () => {
  const page = await openPage(context);
  await page.goto(`${world.gw.url}/`);
  const link = page.locator('section[aria-labelledby="denied-h"] tbody tr').first().getByRole('link', { name: /^report for library\/oldssl\b/ });
  await Promise.all([page.waitForURL(`**/api/v1/reports/${world.oldssl.digest}`), link.click()]);
  const text = (await page.locator('main').textContent())!;
  assert.match(text, /CVE-2019-1547/);
  assert.match(text, /library\/oldssl/);
  assert.match(text, /upgrade .*libssl1\.1.* to .*1\.1\.1d-r3/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-report.png'), fullPage: true });
  await page.close();
});

test('search by repository and by digest, with the form and without script', async () => {
  const page = await openPage(context);
  await page.goto(`${world.gw.url}/`);
  await page.getByLabel('Search by repository or digest').fill('clean');
  await Promise.all([page.waitForURL('**/?q=clean'), page.getByRole('button', { name: 'Search' }).click()]);
  assert.deepEqual(await listedRepositories(page, 'main'), ['library/clean']);
  assert.match((await page.locator('.totals').textContent())!, /1 of 3 recent pulls match “clean”/);

  const hex = world.oldssl.digest.slice('sha256:'.length, 'sha256:'.length + 20);
  await page.getByLabel('Search by repository or digest').fill(hex);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(`**/?q=${hex}`);
  assert.deepEqual(await listedRepositories(page, 'main'), ['library/oldssl']);

  await page.goto(`${world.gw.url}/?q=${encodeURIComponent(world.audited.digest)}`);
  assert.deepEqual(await listedRepositories(page, 'main'), ['audited/oldssl']);
  await page.goto(`${world.gw.url}/?q=OLDSSL`);
  assert.deepEqual(await listedRepositories(page, 'main'), ['library/oldssl', 'audited/oldssl'], 'case-insensitive, denied first');
  await page.goto(`${world.gw.url}/?q=nothing-like-this`);
  assert.deepEqual(await listedRepositories(page, 'main'), []);
  assert.match((await page.locator('section[aria-labelledby="denied-h"]').textContent())!, /No denied images match “nothing-like-this”/);
  await page.close();
});

test('without credentials the browser is asked to log in (401, Basic realm)', async () => {
  const anonymous = await browser.newContext();
  try {
    const page = await anonymous.newPage();
    // Headless Chromium has no login prompt: the navigation fails after the 401 it receives.
    const [res] = await Promise.all([page.waitForResponse(`${world.gw.url}/`), page.goto(`${world.gw.url}/`).catch(() => null)]);
    assert.equal(res.status(), 401);
    assert.match(res.headers()['www-authenticate'] ?? '', /^Basic realm="portcullis"/);
    assert.doesNotMatch(await res.text(), /oldssl/);
  } finally {
    await anonymous.close();
  }
});

test('no console errors and no CSP violations on any page', () => {
  assert.deepEqual(problems, []);
});
