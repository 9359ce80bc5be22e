// Page tests of the demo shop (www/) in real headless Chromium, driven by playwright-core.
//
//   node --test tests/page/
//
// Starts www/serve.mjs on a free port, needs the built package in pkg/ (scripts/build-pkg.sh).
// Chromium: $CHROMIUM or /usr/bin/chromium. Screenshots go to tests/artifacts/ (git-ignored).
// Prints (does not assert) the time from page load to the first personalised list.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './browser.mjs';
import { serve } from '../../www/serve.mjs';
import { buildPack } from '../../pkg/node.js';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
mkdirSync(ARTIFACTS, { recursive: true });
const TIMEOUT = 15_000;

let server;
let url;
const serverHits = []; // every request path that reached the server
let browser;
let savedHistory = null; // a stored history from the shopping flow, for the cold-load timing

before(async () => {
  ({ server, url } = await serve({ port: 0, onRequest: (method, path) => serverHits.push(path) }));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await new Promise((ok) => (server ? server.close(ok) : ok()));
});

/**
 * A page that records console errors (Chromium also logs every CSP refusal there), page errors,
 * failed requests and Content-Security-Policy violations (`securitypolicyviolation` events,
 * reported from every document the page loads).
 */
async function openPage(context, viewport = { width: 1280, height: 900 }) {
  const page = await context.newPage({ viewport });
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  await page.exposeFunction('__cspViolation', (v) => problems.push(`csp: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspSeen = (window.__cspSeen ?? 0) + 1;
      window.__cspViolation(`${e.effectiveDirective} refused ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber} (${e.disposition})`);
    });
  });
  page.on('console', (m) => { if (m.type() === 'error' || /Content.Security.Policy/i.test(m.text())) problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // Requests cut short by a navigation (net::ERR_ABORTED) are not failures of the page.
  page.on('requestfailed', (r) => {
    if (!/ERR_ABORTED/.test(r.failure()?.errorText ?? '')) problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  return { page, problems };
}

async function ready(page) {
  await page.waitForSelector('html[data-ready="true"]');
}
const ids = (page, sel) => page.$$eval(sel, (els) => els.map((e) => e.dataset.id));
const cartCount = async (page) => Number(await page.textContent('#cart-count'));
const waitCart = (page, n) => page.waitForFunction((m) => document.getElementById('cart-count').textContent === String(m), n);
async function shot(page, name, fullPage = true) {
  await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header then sits at the top
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage });
}

async function goHome(page) {
  await page.click('a.logo');
  await page.waitForSelector('main[data-route="home"] #for-you .card');
}

test('shopping flow: personalise, cart, suggestions, privacy, persistence', async (t) => {
  const context = await browser.newContext();
  const { page, problems } = await openPage(context);

  let initialForYou;
  const requests = []; // made after the first load, while shopping
  let hitsAfterLoad = 0; // server requests up to then
  await t.test('loads with popular picks and trending', async () => {
    await page.goto(url);
    await ready(page);
    const firstList = await page.evaluate(() => performance.getEntriesByName('cs:first-list')[0]?.startTime);
    console.log(`first load: navigation -> first list rendered ${firstList?.toFixed(0)} ms (popular, empty history)`);
    initialForYou = await ids(page, '#for-you .card');
    assert.ok(initialForYou.length >= 4, 'For you has cards');
    assert.equal(await page.getAttribute('#for-you', 'data-personalised'), 'false');
    assert.ok((await ids(page, '#trending .card')).length >= 4, 'Trending has cards');
    assert.ok((await page.$$('.collections a')).length >= 8, 'collections listed');
    await shot(page, 'home-first-visit', false);
    // The favicon is re-requested on every hash change; it is cached (max-age), so those
    // requests never reach the server, which the server-side count below checks.
    page.on('request', (r) => { if (!r.url().endsWith('/favicon.svg')) requests.push(r.url()); });
    await page.waitForLoadState('load');
    hitsAfterLoad = serverHits.length;
  });

  await t.test('viewing three items changes "For you" after each view', async () => {
    let before = initialForYou;
    const viewed = [];
    for (let i = 0; i < 3; i++) {
      // Open the i-th Trending product (a different item each time).
      const link = page.locator('#trending .card-link').nth(i);
      const title = (await link.locator('.card-title').textContent()).trim();
      await link.click();
      await page.waitForFunction((t) => document.querySelector('#product-title')?.textContent === t, title);
      viewed.push(title);
      await goHome(page);
      const now = await ids(page, '#for-you .card');
      assert.notDeepEqual(now, before, `For you changed after view ${i + 1}`);
      before = now;
    }
    assert.equal(await page.getAttribute('#for-you', 'data-personalised'), 'true');
    const reasons = await page.$$eval('#for-you .card', (els) => els.map((e) => e.dataset.reason));
    assert.ok(reasons.includes('viewed'), `a "viewed" reason among ${reasons}`);
    // "Why this?" names a viewed product.
    await page.click('#for-you .card[data-reason="viewed"] .why summary');
    const why = await page.textContent('#for-you .card[data-reason="viewed"] .why p');
    assert.ok(viewed.some((v) => why.includes(v)), `reason "${why}" names one of ${viewed}`);
    await shot(page, 'home-personalised', false);
  });

  await t.test('adding to the cart updates "For you" at once', async () => {
    const before = await ids(page, '#for-you .card');
    const added = before[0];
    await page.click(`#for-you .card[data-id="${added}"] button.add`);
    await page.waitForFunction(() => document.getElementById('cart-count').textContent === '1');
    const after = await ids(page, '#for-you .card');
    assert.notDeepEqual(after, before);
    assert.ok(!after.includes(added), 'the cart item left For you');
    // Keyboard focus stays on a control in the list after the re-render.
    assert.ok(await page.evaluate(() => !!document.activeElement?.closest('#for-you')), 'focus kept in For you');
  });

  await t.test('cart shows completions and the free-delivery nudge; a suggestion is accepted', async () => {
    await page.click('#cart-link');
    await page.waitForSelector('#nudge');
    const nudge = await page.textContent('#nudge');
    assert.match(nudge, /£\d+\.\d\d to free delivery/);
    assert.match(await page.textContent('#nudge-bar'), /to free delivery/);
    assert.ok((await page.$$('#complete .card')).length >= 3, 'complete-your-basket suggestions');
    assert.ok((await page.$$('#closers li')).length >= 1, 'items that close the gap');
    const gapBefore = Number(nudge.match(/£(\d+\.\d\d)/)[1]);
    await shot(page, 'cart');
    // Accept the first "complete your basket" suggestion.
    const pick = (await ids(page, '#complete .card'))[0];
    await page.click(`#complete .card[data-id="${pick}"] button.add`);
    await page.waitForSelector(`.cart-line[data-id="${pick}"] .badge`);
    assert.equal(await cartCount(page), 2);
    const suggested = await page.textContent('#order-value [data-k="suggested"]');
    assert.doesNotMatch(suggested, /^£0\.00/, `order value from suggestions: ${suggested}`);
    const gapAfter = Number((await page.textContent('#nudge')).match(/£(\d+\.\d\d)/)?.[1] ?? 0);
    assert.ok(gapAfter < gapBefore, `gap shrank ${gapBefore} -> ${gapAfter}`);
    // A closer fills the gap and unlocks free delivery.
    await page.click('#closers li button.add');
    await page.waitForFunction(() => /Free delivery/.test(document.getElementById('nudge').textContent));
    await shot(page, 'cart-free-delivery');
  });

  await t.test('product page: similar items and frequently-bought-together with add-all', async () => {
    await page.fill('#q', 'lunch bag'); // search as you type; the box keeps the focus
    await page.waitForSelector('#search-results .card');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'q');
    assert.equal(await page.evaluate(() => location.hash), '#/search/lunch%20bag');
    const titles = await page.$$eval('#search-results .card-title', (els) => els.map((e) => e.textContent.toLowerCase()));
    assert.ok(titles.length >= 3 && titles.every((x) => x.includes('lunch') && x.includes('bag')), 'search by title');
    await page.click('#search-results .card-link >> nth=2');
    await page.waitForSelector('#fbt .bundle-price');
    assert.ok((await page.$$('#similar .card')).length >= 4, 'similar items');
    assert.match(await page.textContent('#fbt .bundle-price'), /^£\d+\.\d\d$/);
    const before = await cartCount(page);
    const n = (await page.$$('#fbt .bundle-items li')).length;
    await page.click('#fbt button.add-all');
    await page.waitForFunction((b) => Number(document.getElementById('cart-count').textContent) > b, before);
    assert.ok((await cartCount(page)) <= before + n);
    await shot(page, 'product');
  });

  await t.test('placing the order records a purchase and keeps the order value', async () => {
    await page.click('#cart-link');
    await page.waitForSelector('button.checkout');
    const n = await cartCount(page);
    await page.click('button.checkout');
    await page.waitForSelector('.order-placed');
    assert.equal(await cartCount(page), 0);
    assert.match(await page.textContent('.order-placed'), new RegExp(`${n} items, £\\d+\\.\\d\\d; £\\d+\\.\\d\\d of it came from suggestions`));
    assert.match(await page.textContent('#order-value'), /Past orders \(1\)/);
    const bought = await page.evaluate(() => window.cartsenseDemo.shop.rec.history().filter((e) => e.type === 'purchase').length);
    assert.equal(bought, n);
    assert.match(await page.textContent('#announce'), /Order placed/);
    await shot(page, 'order-placed');
  });

  await t.test('shopping made no network requests after the page loaded', () => {
    assert.deepEqual(requests, []);
    assert.deepEqual(serverHits.slice(hitsAfterLoad), [], 'nothing reached the server');
  });

  let stored;
  await t.test('the privacy panel lists exactly the stored history; it survives a reload', async () => {
    await page.click('#privacy-link');
    await page.waitForSelector('#history-table');
    const rows = await page.$$eval('#history-table tbody tr', (trs) => trs.map((tr) => tr.dataset.type));
    const history = await page.evaluate(() => window.cartsenseDemo.shop.rec.history().map((e) => e.type));
    assert.deepEqual(rows, history);
    const raw = await page.evaluate(() => localStorage.getItem('cartsense-demo:history'));
    assert.equal(await page.textContent('#raw-history'), raw);
    stored = rows.length;
    assert.ok(stored >= 8, `events stored: ${stored}`);
    await shot(page, 'privacy');

    await page.goto(url); // a fresh load of the home page: the history comes from localStorage
    await ready(page);
    await page.reload();
    await ready(page);
    await page.waitForSelector('#for-you[data-personalised="true"]');
    const t = await page.evaluate(() => {
      const [nav] = performance.getEntriesByType('navigation');
      const mark = performance.getEntriesByName('cs:first-personalised')[0];
      return { personalised: mark?.startTime, domContentLoaded: nav?.domContentLoadedEventEnd, bootMs: window.cartsenseDemo.bootMs };
    });
    console.log(`load -> first personalised list: ${t.personalised?.toFixed(0)} ms after navigation start ` +
      `(DOMContentLoaded ${t.domContentLoaded?.toFixed(0)} ms; module start -> list ${t.bootMs.toFixed(0)} ms)`);
    assert.ok(Number.isFinite(t.personalised));
    const bench = await page.evaluate(() => {
      const { rec } = window.cartsenseDemo.shop;
      const ms = [];
      for (let i = 0; i < 300; i++) {
        const t0 = performance.now();
        rec.recommend({ k: 8, excludeViewed: true, diversity: 0.2 });
        ms.push(performance.now() - t0);
      }
      ms.sort((a, b) => a - b);
      return { median: ms[150], p95: ms[285], items: rec.itemCount };
    });
    console.log(`recommend() on the main thread, ${bench.items} items: median ${bench.median.toFixed(3)} ms, p95 ${bench.p95.toFixed(3)} ms`);
    const cartBench = await page.evaluate(() => {
      const { shop } = window.cartsenseDemo;
      const time = (f) => {
        const ms = [];
        for (let i = 0; i < 100; i++) { const t0 = performance.now(); f(); ms.push(performance.now() - t0); }
        return ms.sort((a, b) => a - b)[50];
      };
      return {
        api: !!shop.api.completeCart,
        completeBasket: time(() => (shop.api.completeCart
          ? shop.api.completeCart({ cart: ['85123A', '22423', '85099B'], k: 18, freeShippingThreshold: 25 })
          : shop.rec.recommend({ k: 200 }))),
        forYou: time(() => shop.forYou(6)),
        bundle: time(() => shop.bundle('85123A')),
        buyAgain: time(() => shop.buyAgain(6)),
        record: time(() => shop.purchaseRecord()),
        recordItems: shop.purchaseRecord().length,
      };
    });
    console.log(`main-thread medians (${cartBench.api ? 'package cart-bundle methods' : 'fallbacks'}): ` +
      `cart completion ${cartBench.completeBasket.toFixed(2)} ms, For you ${cartBench.forYou.toFixed(2)} ms, bundle ${cartBench.bundle.toFixed(2)} ms, ` +
      `Buy it again ${cartBench.buyAgain.toFixed(2)} ms, reading the purchase record (${cartBench.recordItems} items) ${cartBench.record.toFixed(2)} ms`);
    await page.click('#privacy-link');
    await page.waitForSelector('#history-table');
    assert.equal((await page.$$('#history-table tbody tr')).length, stored, 'history persisted across reloads');
    savedHistory = await page.evaluate(() => localStorage.getItem('cartsense-demo:history'));
  });

  await t.test('pause stops recording; clear resets personalisation', async () => {
    await page.click('#pause');
    await page.waitForSelector('#pause[aria-pressed="true"]');
    await goHome(page);
    assert.equal(await page.getAttribute('#for-you', 'data-personalised'), 'false', 'paused: not personal');
    await page.click('#trending .card-link >> nth=4');
    await page.waitForSelector('#product-title');
    await page.click('#privacy-link');
    await page.waitForSelector('#history-table');
    assert.equal((await page.$$('#history-table tbody tr')).length, stored, 'no view recorded while paused');
    await page.click('#pause');
    await page.waitForSelector('#pause[aria-pressed="false"]');

    await page.click('#clear-history');
    await page.waitForSelector('#history-empty');
    assert.equal(await page.evaluate(() => window.cartsenseDemo.shop.rec.history().length), 0);
    assert.equal(await cartCount(page), 0);
    await goHome(page);
    assert.equal(await page.getAttribute('#for-you', 'data-personalised'), 'false');
    const reasons = await page.$$eval('#for-you .card', (els) => els.map((e) => e.dataset.reason));
    assert.ok(reasons.every((r) => r === 'popular'), `all popular after clearing: ${reasons}`);
    await page.reload();
    await ready(page);
    assert.equal(await page.getAttribute('#for-you', 'data-personalised'), 'false', 'still cleared after reload');
  });

  await t.test('keyboard: skip link first, then add to basket with Enter', async () => {
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip');
    await page.focus('#trending .card button.add');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('cart-count').textContent === '1');
  });

  await t.test('a second tab follows the basket', async () => {
    const other = await openPage(context);
    await other.page.goto(url);
    await ready(other.page);
    const before = await cartCount(other.page);
    await page.click('#trending .card button.add');
    await other.page.waitForFunction((b) => Number(document.getElementById('cart-count').textContent) === b + 1, before);
    assert.deepEqual(other.problems, []);
    await other.page.close();
  });

  await t.test('no console errors or page errors', () => {
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('cold load of a returning shopper: time to the first personalised list', async () => {
  assert.ok(savedHistory, 'the shopping flow stored a history');
  const context = await browser.newContext(); // empty HTTP cache: everything is fetched and compiled
  await context.addInitScript((v) => {
    if (!sessionStorage.getItem('seeded')) { localStorage.setItem('cartsense-demo:history', v); sessionStorage.setItem('seeded', '1'); }
  }, savedHistory);
  const { page, problems } = await openPage(context);
  await page.goto(url);
  await page.waitForSelector('#for-you[data-personalised="true"]');
  const ms = await page.evaluate(() => performance.getEntriesByName('cs:first-personalised')[0]?.startTime);
  console.log(`cold load (new browser context, empty cache) -> first personalised list: ${ms?.toFixed(0)} ms after navigation start`);
  assert.deepEqual(problems, []);
  await context.close();
});

// The cart-bundle methods may or may not be in the package; the page must work both ways.
// This runs the cart and product page with them hidden (the flow above uses them when present).
test('cart and bundle sections without the cart-bundle methods (fallbacks)', async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => { globalThis.__cartsenseDemoNoBundles = true; });
  const { page, problems } = await openPage(context);
  await page.goto(`${url}#/p/85123A`);
  await ready(page);
  assert.equal(await page.evaluate(() => Object.values(window.cartsenseDemo.shop.api).filter(Boolean).length), 0);
  await page.waitForSelector('#fbt .bundle-price');
  assert.equal((await page.$$('#fbt .bundle-items li')).length, 3);
  await page.click('#fbt button.add-all');
  await page.waitForFunction(() => document.getElementById('cart-count').textContent === '3');
  await page.click('#cart-link');
  await page.waitForSelector('#nudge');
  assert.match(await page.textContent('#nudge'), /£\d+\.\d\d to free delivery/);
  assert.ok((await page.$$('#complete .card')).length >= 3);
  const gap = Number((await page.textContent('#nudge')).match(/£(\d+\.\d\d)/)[1]);
  const closers = await page.$$eval('#closers li .price', (els) => els.map((e) => Number(e.textContent.replace(/[^0-9.]/g, ''))));
  assert.ok(closers.length >= 1 && closers.every((p) => p >= gap), `closers ${closers} close the gap ${gap}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('collection pages: personal picks, best sellers, show more', async () => {
  const context = await browser.newContext();
  const { page, problems } = await openPage(context);
  await page.goto(`${url}#/p/85123A`); // one view, so the collection picks are personal
  await ready(page);
  assert.ok((await page.$$('#inspired .card')).length >= 4, 'product page: inspired by your browsing');
  await page.click('#collections a:has-text("Christmas")');
  await page.waitForSelector('main[data-route="c"] #col-for-you .card');
  assert.equal(await page.textContent('main h1'), 'Christmas');
  const cats = await page.$$eval('main .card .card-meta .muted', (els) => [...new Set(els.map((e) => e.textContent))]);
  assert.deepEqual(cats, ['Christmas'], 'only Christmas items');
  const n = (await page.$$('main .shelf:last-child .card')).length;
  await page.click('button.more');
  await page.waitForFunction((m) => document.querySelectorAll('main .shelf:last-child .card').length > m, n);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.focus ?? document.activeElement?.tagName), 'more', 'focus stays on Show more');
  assert.deepEqual(problems, []);
  await context.close();
});

test('small screen: no horizontal scrolling', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const { page, problems } = await openPage(context, { width: 390, height: 844 });
  for (const route of ['', '#/p/85123A', '#/cart', '#/privacy']) {
    await page.goto(url + route);
    await ready(page);
    if (route === '#/p/85123A') {
      await page.click('#fbt button.add-all');
      await page.waitForFunction(() => document.getElementById('cart-count').textContent !== '0');
    }
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(over <= 0, `${route || 'home'} overflows by ${over}px`);
    if (route === '#/cart') await shot(page, 'cart-mobile');
  }
  await page.goto(url);
  await ready(page);
  await shot(page, 'home-mobile', false);
  // A returning customer: the Buy it again row and the purchase record table fit too.
  await page.click('#step-in');
  await page.waitForSelector('#buy-again .card');
  for (const route of ['#/', '#/privacy']) {
    await page.goto(url + route);
    await page.waitForSelector(route === '#/' ? '#buy-again .card' : '#record-table');
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(over <= 0, `returning customer, ${route} overflows by ${over}px`);
  }
  await shot(page, 'privacy-record-mobile', false);
  assert.deepEqual(problems, []);
  await context.close();
});

// A test pack whose titles and collection names are hostile markup: they must show as text.
const HOSTILE = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=2</script>',
  '"><svg onload="window.__pwned=3"> & <b>bold</b>',
  '<img src=x onerror=alert(1)>',
];
// Sample customers are data too: a hostile label, and orders of hostile items.
const HOSTILE_CUSTOMERS = {
  cutoff: '2011-11-01',
  customers: [{
    id: '"><b>1</b>',
    label: '<img src=x onerror=alert(1)> · 2 orders',
    orders: [{ items: ['T000', 'T003'], at: Date.UTC(2011, 0, 5) }, { items: ['T003', 'T001'], at: Date.UTC(2011, 5, 5) }],
  }],
};
function hostileData() {
  const n = 40;
  const dims = 8;
  const ids = Array.from({ length: n }, (_, i) => `T${String(i).padStart(3, '0')}`);
  const titles = ids.map((id, i) => HOSTILE[i] ?? `Plain test item ${id}`);
  const cats = ids.map((_, i) => (i % 2 ? '<i>Evil</i> & Co' : 'Safe Things'));
  const prices = ids.map((_, i) => 1 + i * 0.5);
  const popularity = ids.map((_, i) => 1000 - i); // hostile items are the most popular
  const emb = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) emb[i * dims + d] = Math.sin((i + 1) * (d + 1) * 0.7);
  const pack = buildPack({ ids, dims, embeddings: emb, titles, prices, categories: cats, popularity, currency: 'GBP', quantize: 'f32', meta: { name: 'hostile test pack' } });
  const table = { columns: ['id', 'title', 'price', 'popularity', 'collection'], rows: ids.map((id, i) => [id, titles[i], prices[i], popularity[i], cats[i]]) };
  return { pack, table };
}

test('hostile titles render literally and run nothing', async () => {
  const { pack, table } = hostileData();
  const context = await browser.newContext();
  await context.route('**/data/model.cspk', (r) => r.fulfill({ body: Buffer.from(pack), contentType: 'application/octet-stream' }));
  await context.route('**/data/products.json', (r) => r.fulfill({ body: JSON.stringify(table), contentType: 'application/json' }));
  await context.route('**/data/customers.json', (r) => r.fulfill({ body: JSON.stringify(HOSTILE_CUSTOMERS), contentType: 'application/json' }));
  const { page, problems } = await openPage(context);
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.goto(url);
  await ready(page);
  const titles = await page.$$eval('#trending .card-title', (els) => els.map((e) => e.textContent));
  for (const h of HOSTILE) assert.ok(titles.includes(h), `"${h}" shown literally`);
  await page.click('#trending .card-link >> nth=0');
  await page.waitForSelector('#product-title');
  assert.equal(await page.textContent('#product-title'), HOSTILE[0]);
  assert.ok((await page.title()).startsWith(HOSTILE[0]), 'document title is the literal title');
  // A reason naming the hostile item ("Because you looked at ...") is text too.
  await page.click('a.logo');
  await page.waitForSelector('#for-you[data-personalised="true"]');
  const reasons = await page.$$eval('#for-you .why p', (els) => els.map((e) => e.textContent));
  assert.ok(reasons.some((r) => r.includes(HOSTILE[0])), `a reason quotes the title: ${reasons}`);
  await page.goto(`${url}#/search/${encodeURIComponent('<script>')}`);
  await page.waitForSelector('#search-results .card');
  assert.equal(await page.textContent('#search-results .card-title'), HOSTILE[1]);
  await page.click('#privacy-link');
  await page.waitForSelector('#history-table');
  assert.ok((await page.textContent('#history-table')).includes(HOSTILE[0]));
  // Step into the hostile customer: label, purchase record and "Buy it again" are text.
  const [customer] = HOSTILE_CUSTOMERS.customers;
  assert.equal(await page.textContent('#customer-select option'), customer.label);
  await page.click('#step-in');
  await page.waitForSelector('#record-table');
  assert.equal(await page.getAttribute('#returning', 'data-customer'), customer.id);
  assert.equal(await page.textContent('#ret-h'), `Shopping as ${customer.label}`);
  const record = await page.textContent('#record-table');
  assert.ok(record.includes(HOSTILE[0]) && record.includes(HOSTILE[3]), record);
  await page.click('a.logo');
  await page.waitForSelector('#buy-again .card');
  const again = await page.$$eval('#buy-again .card-title', (els) => els.map((e) => e.textContent));
  assert.deepEqual(again.sort(), [HOSTILE[0], HOSTILE[3], HOSTILE[1]].sort(), 'Buy it again shows the titles literally');
  await shot(page, 'hostile-buy-again', false);
  await page.click('#buy-again .card[data-id="T003"] .why summary');
  assert.match(await page.textContent('#buy-again .card[data-id="T003"] .why p'), /^You bought this 2 times, last on 5 Jun 2011\.$/);
  await page.click('#collections a:has-text("<i>Evil</i> & Co")');
  await page.waitForSelector('main[data-route="c"] .card');
  assert.equal(await page.textContent('main h1'), '<i>Evil</i> & Co');
  const injected = await page.evaluate(() => ({
    pwned: window.__pwned,
    elements: document.querySelectorAll('main img, main script, main b, main i, main svg:not(.tile) , body > svg').length,
  }));
  assert.deepEqual(injected, { pwned: undefined, elements: 0 });
  assert.deepEqual(dialogs, [], 'no alert()');
  await shot(page, 'hostile-titles', false);
  assert.deepEqual(problems, []);
  await context.close();
});

// --- returning shoppers: "Buy it again", the long-term purchase record, sample customers -------

const sorted = (xs) => [...xs].sort();

test('returning shopper: buy it again persists, never shows cart items; stepping into a customer; clear', async () => {
  const context = await browser.newContext();
  const { page, problems } = await openPage(context);
  await page.goto(url);
  await ready(page);
  assert.equal(await page.$('#buy-again'), null, 'no "Buy it again" for a new shopper');
  assert.equal(await page.getAttribute('#returning', 'data-customer'), '');

  // Buy three trending items.
  const bought = (await ids(page, '#trending .card')).slice(0, 3);
  for (const [i, id] of bought.entries()) {
    await page.click(`#trending .card[data-id="${id}"] button.add`);
    await waitCart(page, i + 1);
  }
  await page.click('#cart-link');
  await page.click('button.checkout');
  await page.waitForSelector('.order-placed');
  await goHome(page);
  await page.waitForSelector('#buy-again .card');
  assert.deepEqual(sorted(await ids(page, '#buy-again .card')), sorted(bought), 'Buy it again = the order');
  const reasons = await page.$$eval('#buy-again .card', (els) => els.map((e) => e.dataset.reason));
  assert.ok(reasons.every((r) => r === 'bought-before'), `reasons ${reasons}`);
  await page.click('#buy-again .card .why summary');
  assert.match(await page.textContent('#buy-again .card .why p'), /^You bought this once, last on \d{1,2} \w+ \d{4}\.$/);
  const fy = await ids(page, '#for-you .card');
  assert.ok(fy.every((id) => !bought.includes(id)), 'For you keeps to new items');
  await page.click(`#buy-again .card[data-id="${bought[1]}"] .card-link`);
  assert.match(await page.textContent('#bought-before'), /^You bought this once, last on /);
  await goHome(page);

  // The purchase record survives a reload and is listed item by item on "Your data".
  await page.reload();
  await ready(page);
  assert.deepEqual(sorted(await ids(page, '#buy-again .card')), sorted(bought), 'Buy it again after a reload');
  await page.click('#privacy-link');
  await page.waitForSelector('#record-table');
  const rows = await page.$$eval('#record-table tbody tr', (trs) => trs.map((tr) => [tr.dataset.id, tr.children[1].textContent]));
  assert.deepEqual(sorted(rows.map((r) => r[0])), sorted(bought));
  assert.ok(rows.every((r) => r[1] === '1'), `bought once each: ${rows}`);
  const m = await page.evaluate(() => JSON.parse(localStorage.getItem('cartsense-demo:history')).m.map((r) => r[0]));
  assert.deepEqual(sorted(m), sorted(bought), 'the table is the stored record');

  // An item put back in the cart leaves "Buy it again" (and returns when removed).
  await goHome(page);
  await page.click(`#buy-again .card[data-id="${bought[0]}"] button.add`);
  await waitCart(page, 1);
  const again = await ids(page, '#buy-again .card');
  assert.ok(!again.includes(bought[0]) && again.length === 2, `cart item not in Buy it again: ${again}`);

  // Step into two real customers in turn: "Buy it again" and "For you" follow their orders.
  const customers = await page.evaluate(() => window.cartsenseDemo.shop.customers.map((c) => ({ id: c.id, items: [...new Set(c.orders.flatMap((o) => o.items))] })));
  assert.ok(customers.length >= 4, `${customers.length} sample customers`);
  let prev = { again: await ids(page, '#buy-again .card'), fy: await ids(page, '#for-you .card') };
  const other = await openPage(context); // a second tab of the shop, following along
  await other.page.goto(url);
  await ready(other.page);
  for (const c of customers.slice(0, 2)) {
    await page.selectOption('#customer-select', c.id);
    await page.click('#step-in');
    await page.waitForSelector(`#returning[data-customer="${c.id}"]`);
    await page.waitForSelector('#buy-again .card');
    const now = { again: await ids(page, '#buy-again .card'), fy: await ids(page, '#for-you .card') };
    assert.equal(now.again.length, 6);
    assert.ok(now.again.every((id) => c.items.includes(id)), `Buy it again from ${c.id}'s orders: ${now.again}`);
    assert.notDeepEqual(now.again, prev.again, 'Buy it again changed');
    assert.notDeepEqual(now.fy, prev.fy, 'For you changed');
    assert.ok(now.fy.every((id) => !c.items.includes(id)), 'For you suggests new items');
    assert.equal(await page.getAttribute('#for-you', 'data-personalised'), 'true');
    assert.equal(await cartCount(page), 0, 'a fresh device for the customer: no cart');
    assert.match(await page.textContent('#announce'), new RegExp(`Now shopping as Customer ${c.id}`));
    await other.page.waitForFunction((want) => [...document.querySelectorAll('#buy-again .card')].map((e) => e.dataset.id).join() === want, now.again.join());
    assert.equal(await other.page.getAttribute('#returning', 'data-customer'), c.id, 'the other tab follows');
    prev = now;
  }
  assert.deepEqual(other.problems, []);
  await other.page.close();
  await shot(page, 'home-returning-customer', false);
  const cost = await page.evaluate(() => {
    const { shop } = window.cartsenseDemo;
    const mean = (f) => { const t0 = performance.now(); for (let i = 0; i < 200; i++) f(); return (performance.now() - t0) / 200; };
    return { items: shop.purchaseRecord().length, buyAgain: mean(() => shop.buyAgain(6)), record: mean(() => shop.purchaseRecord()), forYou: mean(() => shop.forYou(6)) };
  });
  console.log(`returning customer (${cost.items} items in the record), mean main-thread ms: Buy it again ${cost.buyAgain.toFixed(3)}, ` +
    `reading the record ${cost.record.toFixed(3)}, For you ${cost.forYou.toFixed(3)}`);
  await page.reload();
  await ready(page);
  assert.equal(await page.getAttribute('#returning', 'data-customer'), customers[1].id, 'still that customer after a reload');
  assert.deepEqual(await ids(page, '#buy-again .card'), prev.again);
  await page.click('#privacy-link');
  await page.waitForSelector('#record-table');
  const n = await page.evaluate(() => window.cartsenseDemo.shop.purchaseRecord().length);
  assert.equal((await page.$$('#record-table tbody tr')).length, n);
  assert.equal(n, customers[1].items.length, 'the record holds every item the customer bought');
  await shot(page, 'privacy-purchase-record', false);

  // Back to a fresh shopper: nothing stored, nothing personal.
  await page.click('#fresh');
  await page.waitForSelector('#record-empty');
  await page.waitForSelector('#history-empty');
  assert.equal(await page.getAttribute('#returning', 'data-customer'), '');
  await goHome(page);
  assert.equal(await page.$('#buy-again'), null, 'Buy it again hidden after clearing');
  assert.equal(await page.getAttribute('#for-you', 'data-personalised'), 'false');
  assert.equal(await page.textContent('#privacy-count'), '0');
  // "Clear my history" on "Your data" clears the record too.
  await page.click('#step-in');
  await page.waitForSelector('#buy-again .card');
  await page.click('#privacy-link');
  await page.click('#clear-history');
  await page.waitForSelector('#record-empty');
  await goHome(page);
  assert.equal(await page.$('#buy-again'), null);
  assert.deepEqual(problems, []);
  await context.close();
});

// --- Content-Security-Policy -------------------------------------------------------------------

test('CSP: strict policy sent and enforced; a whole session raises no violation', async () => {
  const context = await browser.newContext();
  const { page, problems } = await openPage(context);
  const res = await page.goto(url);
  const csp = res.headers()['content-security-policy'];
  assert.match(csp, /(^|; )script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  assert.match(csp, /(^|; )default-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|'unsafe-hashes'|\*|https?:|data:|blob:/, csp);
  const meta = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  assert.equal(meta, csp.replace(/; frame-ancestors 'none'/, ''), 'the meta tag repeats the header');
  await ready(page);

  // A session touching every page and list: home, product, bundle, cart, checkout, search,
  // collection, a returning customer, "Your data", pause, clear.
  await page.click('#trending .card-link >> nth=0');
  await page.waitForSelector('#fbt .bundle-price');
  await page.click('#fbt button.add-all');
  await page.waitForFunction(() => document.getElementById('cart-count').textContent !== '0');
  await page.click('#cart-link');
  await page.waitForSelector('#nudge .bar span');
  assert.match(await page.$eval('#nudge .bar span', (e) => e.style.width), /^\d+%$/, 'progress bar width set through the CSSOM');
  await page.click('#complete .card button.add');
  await page.click('button.checkout');
  await page.waitForSelector('.order-placed');
  await page.fill('#q', 'heart');
  await page.waitForSelector('#search-results .card');
  await page.click('#collections a:has-text("Kitchen")');
  await page.waitForSelector('main[data-route="c"] .card');
  await goHome(page);
  await page.waitForSelector('#buy-again .card');
  await page.click('#step-in');
  await page.waitForSelector('#returning:not([data-customer=""])');
  await page.click('#privacy-link');
  await page.waitForSelector('#record-table');
  await page.click('#pause');
  await page.click('#pause');
  await page.click('#clear-history');
  await page.waitForSelector('#record-empty');
  await page.reload();
  await ready(page);
  assert.deepEqual(problems, [], 'no CSP violation or console error in the session');

  // The listener works and the policy bites: inline script and an inline style attribute are refused.
  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.body.append(s);
    const d = document.createElement('div');
    d.setAttribute('style', 'color: red');
    document.body.append(d);
    return window.__inlineRan === true;
  });
  assert.equal(ran, false, 'inline script did not run');
  await page.waitForFunction(() => window.__cspSeen >= 2);
  const csps = problems.filter((p) => p.startsWith('csp:'));
  assert.ok(csps.some((p) => /script-src-elem refused inline/.test(p)), csps.join('\n'));
  assert.ok(csps.some((p) => /style-src-attr refused inline/.test(p)), csps.join('\n'));
  await context.close();
});
