// The dashboard in a real browser: Playwright (npm playwright-core) driving Debian's headless
// Chromium against a running `frugal serve`. Loads the page, clicks through the three views,
// checks the numbers shown against the API's JSON, keeps screenshots, and prints the page weight
// and load time.
// Usage: node dashboard_test.mjs WEB_DIR BASE_URL SCREENSHOT_DIR [TOKEN]
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

const [webDir, base, shots, token] = process.argv.slice(2);
const require = createRequire(resolve(webDir, 'package.json'));
const { chromium } = require('playwright-core');
mkdirSync(shots, { recursive: true });

const usd = (v) => '$' + v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const api = async (path) => {
  const r = await fetch(base + path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
};
const fail = (msg) => { console.error('FAIL: ' + msg); process.exit(1); };
const expectEq = (what, got, want) => { if (got !== want) fail(`${what}: page shows '${got}', the API says '${want}'`); };

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  let bytes = 0;
  const errors = [];
  page.on('response', async (r) => { try { bytes += (await r.body()).length; } catch { /* redirects */ } });
  page.on('pageerror', (e) => errors.push(e.message));
  const t0 = Date.now();
  await page.goto(base + '/' + (token ? `?token=${token}` : ''), { waitUntil: 'load' });
  const loaded = Date.now() - t0;
  // The first poll's figures on screen.
  await page.waitForFunction(() => document.querySelector('[data-testid=total-gpus]').textContent !== '-');
  const shown = Date.now() - t0;
  const pageBytes = bytes;
  const timing = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return { dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd };
  });

  // --- Fleet ---
  // Compare with the API after the page's next refresh, so both read the same poll.
  const fleet = await api('/api/v1/fleet');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=gpu-table] tbody tr').length === n,
    fleet.agents.reduce((s, a) => s + a.gpus.length, 0));
  expectEq('GPUs', await page.textContent('[data-testid=total-gpus]'), String(fleet.totals.gpus));
  expectEq('idle GPUs', await page.textContent('[data-testid=idle-gpus]'), String(fleet.totals.idle_gpus));
  expectEq('spend per hour', await page.textContent('[data-testid=spend-per-hour]'), usd(fleet.totals.dollars_per_hour));
  expectEq('idle spend per hour', await page.textContent('[data-testid=idle-per-hour]'), usd(fleet.totals.idle_dollars_per_hour));
  const states = await page.$$eval('[data-testid=gpu-table] tbody tr td:last-child', (tds) => tds.map((td) => td.textContent));
  const want = fleet.agents.flatMap((a) => a.gpus.map((g) => (g.idle ? 'IDLE' : 'busy')));
  expectEq('GPU states', states.join(','), want.join(','));
  if (!states.includes('IDLE') || !states.includes('busy')) fail(`the scenario needs an idle and a busy GPU: ${states}`);
  const workloads = await page.$$eval('[data-testid=workload-table] tbody tr', (trs) => trs.length);
  expectEq('workload rows', workloads, fleet.workloads.length);
  await page.waitForSelector('#util-chart canvas');
  await page.screenshot({ path: `${shots}/fleet.png`, fullPage: true });

  // --- Bill ---
  await page.click('nav a[data-view=bill]');
  const bill = await api('/api/v1/bill');
  await page.waitForFunction(() => document.querySelector('[data-testid=bill-total]').textContent !== '-');
  expectEq('bill total', await page.textContent('[data-testid=bill-total]'), usd(bill.total));
  expectEq('per day', await page.textContent('[data-testid=bill-daily]'), usd(bill.daily_average));
  expectEq('anomalies', await page.textContent('[data-testid=bill-anomaly-count]'), String(bill.anomalies.length));
  const firstAnomaly = await page.$$eval('[data-testid=anomaly-table] tbody tr:first-child td', (tds) => tds.map((t) => t.textContent));
  expectEq('first anomaly', `${firstAnomaly[0]} ${firstAnomaly[4]}`, `${bill.anomalies[0].date} ${usd(bill.anomalies[0].impact)}`);
  await page.waitForSelector('#bill-chart canvas');
  await page.screenshot({ path: `${shots}/bill.png`, fullPage: true });

  // --- Advise ---
  await page.click('nav a[data-view=advise]');
  await page.fill('input[name=model]', 'llama-3.1-8b');
  await page.fill('input[name=rate]', '5');
  await page.fill('input[name=tpot_slo_ms]', '50');
  await page.click('[data-testid=advise-submit]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=advise-table] tbody tr').length > 0);
  const advice = await api('/api/v1/advise?model=llama-3.1-8b&rate=5&tpot_slo_ms=50');
  const top = await page.$$eval('[data-testid=advise-table] tbody tr:first-child td', (tds) => tds.map((t) => t.textContent));
  const best = advice.ranked[0];
  expectEq('cheapest', `${top[1]} ${top[3]} ${top[8]}`, `${best.instance} ${best.purchase} $${best.cost_per_million_tokens.toFixed(3)}`);
  // The top choice's accuracy line, as `frugal advise` prints it under its table.
  expectEq('accuracy', await page.textContent('[data-testid=advise-accuracy]'), "Top choice's " + advice.accuracy.text);
  await page.screenshot({ path: `${shots}/advise.png`, fullPage: true });
  // A bad model: the reason is shown, the page keeps working.
  await page.fill('input[name=model]', 'no-such-model');
  await page.click('[data-testid=advise-submit]');
  await page.waitForFunction(() => document.querySelector('[data-testid=advise-status]').textContent.includes('unknown model'));
  expectEq('accuracy after an error', await page.textContent('[data-testid=advise-accuracy]'), '');

  if (errors.length) fail('page errors: ' + errors.join('; '));
  console.log(`ok - dashboard: fleet (${fleet.totals.gpus} GPUs, ${fleet.totals.idle_gpus} idle), bill (${bill.anomalies.length} anomalies) and advise views match the API`);
  console.log(`page weight ${(pageBytes / 1024).toFixed(1)} KiB on first load; DOMContentLoaded ${timing.dcl.toFixed(0)} ms, load ${timing.load.toFixed(0)} ms ` +
    `(${loaded} ms to 'load' seen by the test), first figures on screen ${shown} ms; screenshots in ${shots}`);
} finally {
  await browser.close();
}
