// `cartsense/worker` in real headless Chromium: the WorkerRecommender against the synchronous
// Recommender on the same pack and history (differential), its errors, concurrent calls, history
// persistence through the page's localStorage, and a main thread that keeps running meanwhile.
//
//   node --test tests/page/worker.test.mjs
//
// Serves www/ and pkg/ with www/serve.mjs (its Content-Security-Policy applies to the page and
// the worker), needs the built package in pkg/ (scripts/build-pkg.sh). Chromium: $CHROMIUM or
// /usr/bin/chromium. Prints (does not assert) the round-trip latency of recommend() through the
// worker against a direct call: the figures in docs/perf.md, "Web Worker entry".

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { launchChromium } from './browser.mjs';
import { serve, CSP } from '../../www/serve.mjs';

const TIMEOUT = 30_000;
const PAGE = 'worker-test.html'; // an empty page under the demo's CSP (answered by the test)

let server;
let url;
let browser;

before(async () => {
  ({ server, url } = await serve({ port: 0 }));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await new Promise((ok) => (server ? server.close(ok) : ok()));
});

/**
 * An empty document from the test server's origin with the demo's CSP header, the worker API,
 * the synchronous Recommender and the demo pack bytes on `window.cs`. Collects console errors,
 * page errors, CSP violations and failed requests (none are expected).
 */
async function openPage(context, csp = CSP) {
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  await page.route(url + PAGE, (route) => route.fulfill({
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp },
    body: '<!doctype html><meta charset="utf-8"><title>cartsense/worker</title><p>worker test</p>',
  }));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window.__csp ??= []).push(`${e.effectiveDirective} refused ${e.blockedURI}`);
    });
  });
  await page.goto(url + PAGE);
  await page.evaluate(async () => {
    const { WorkerRecommender } = await import('/pkg/worker.js');
    const { default: init, Recommender, buildPack } = await import('/pkg/cartsense.js');
    await init();
    const bytes = new Uint8Array(await (await fetch('/data/model.cspk')).arrayBuffer());
    window.cs = { WorkerRecommender, Recommender, buildPack, bytes };
  });
  const check = async () => {
    const csp = await page.evaluate(() => window.__csp ?? []);
    assert.deepEqual([...problems, ...csp], [], 'no console errors, page errors or CSP violations');
  };
  return { page, check };
}

test('the package exports cartsense/worker with its types and files', async () => {
  const require = createRequire(import.meta.url);
  const pkg = require('cartsense/package.json');
  assert.deepEqual(pkg.exports['./worker'], { types: './worker.d.ts', default: './worker.js' });
  for (const f of ['worker.js', 'worker-main.js', 'worker.d.ts']) assert.ok(pkg.files.includes(f), `files lists ${f}`);
  const { WorkerRecommender } = await import('cartsense/worker');
  // Node has no Web Worker API: a clear error, not a crash at import time.
  await assert.rejects(WorkerRecommender.load(new Uint8Array(8)), { code: 'WORKER_FAILED', message: /Web Worker API/ });
  assert.throws(() => new WorkerRecommender(), TypeError);
});

test('every Recommender method is on WorkerRecommender and gives the same results (differential)', async () => {
  const context = await browser.newContext();
  const { page, check } = await openPage(context);
  const out = await page.evaluate(async () => {
    const { WorkerRecommender, Recommender, bytes } = window.cs;
    const skip = new Set(['constructor', 'free']);
    const missing = Object.getOwnPropertyNames(Recommender.prototype)
      .filter((m) => !skip.has(m) && !m.startsWith('__') && typeof Object.getOwnPropertyDescriptor(Recommender.prototype, m).value === 'function')
      .filter((m) => typeof WorkerRecommender.prototype[m] !== 'function');
    const sync = Recommender.fromBytes(bytes);
    const w = await WorkerRecommender.load('/data/model.cspk'); // fetched inside the worker
    const facts = ['itemCount', 'dims', 'currency', 'persistent'].filter((f) => w[f] !== sync[f]);
    const pop = sync.popular({ k: 40 }).map((r) => r.id);
    const cats = sync.categories();
    const t0 = 1_700_000_000_000;
    const min = 60_000;
    const steps = [
      ['view', pop[3], t0], ['view', pop[7], t0 + min], ['addToCart', pop[3], t0 + 2 * min],
      ['view', pop[11], t0 + 3 * min], ['addToCart', pop[12], t0 + 4 * min], ['purchase', [pop[3]], t0 + 5 * min],
      ['view', pop[20], t0 + 6 * min], ['addToCart', pop[21], t0 + 7 * min], ['removeFromCart', pop[12], t0 + 8 * min],
      ['importOrders', [{ items: [pop[30], pop[31]], at: t0 - 90 * 24 * 60 * min }]],
      ['view', 'not-in-the-pack', t0 + 9 * min],
    ];
    const queries = [
      ['recommend'], ['recommend', { k: 20 }], ['recommend', { k: 8, diversity: 0.4, excludeViewed: true }],
      ['recommend', { category: cats[0], maxPrice: 10, exclude: [pop[0]] }], ['similar', pop[0], { k: 6 }],
      ['popular', { k: 5, category: cats[1] }], ['completeCart', { k: 6, freeShippingThreshold: 50 }],
      ['completeCart', { cart: [pop[1], pop[1], 'nope'], k: 3, freeShippingThreshold: 30 }],
      ['frequentlyBoughtTogether', pop[1], { k: 3 }], ['bundles', { anchor: pop[2], size: 3, count: 2, discount: 0.1 }],
      ['bundles'], ['buyAgain', { k: 4 }], ['cart'], ['history'], ['exportHistory'], ['purchaseRecord'],
      ['item', pop[5]], ['item', 'nope'], ['categories'], ['meta'],
    ];
    const diffs = [];
    let compared = 0;
    const same = async (label, m, args) => {
      const a = JSON.stringify(sync[m](...args));
      const b = JSON.stringify(await w[m](...args));
      compared++;
      if (a !== b) diffs.push(`${label} ${m}: sync ${a?.slice(0, 200)} worker ${b?.slice(0, 200)}`);
    };
    for (const [m, ...args] of steps) {
      await same('event', m, args);
      for (const [q, ...qa] of queries) await same(`after ${m}`, q, qa);
    }
    await same('import', 'importHistory', [sync.exportHistory()]);
    await same('clear', 'clearHistory', []);
    await same('after clear', 'history', []);
    await same('after clear', 'recommend', [{ k: 5 }]);
    // Bytes instead of a URL: transferred to the worker, so the caller's array is emptied.
    const copy = bytes.slice();
    const w2 = await WorkerRecommender.load(copy, { halfLifeHours: 6, maxEvents: 3 });
    const s2 = Recommender.fromBytes(bytes, { halfLifeHours: 6, maxEvents: 3 });
    for (let i = 0; i < 5; i++) { s2.view(pop[i], t0 + i); await w2.view(pop[i], t0 + i); }
    const bytesCase = JSON.stringify([s2.history(), s2.recommend({ k: 12 })]) === JSON.stringify([await w2.history(), await w2.recommend({ k: 12 })]);
    w.terminate();
    w2.free();
    return { missing, facts, diffs, compared, detached: copy.length, bytesCase, methods: Object.getOwnPropertyNames(Recommender.prototype).length };
  });
  assert.deepEqual(out.missing, [], 'Recommender methods missing from WorkerRecommender');
  assert.ok(out.methods > 20, 'the prototype walk saw the Recommender methods');
  assert.deepEqual(out.facts, [], 'itemCount, dims, currency, persistent agree');
  assert.deepEqual(out.diffs, []);
  assert.ok(out.compared > 200, `${out.compared} comparisons`);
  assert.equal(out.detached, 0, 'the Uint8Array was transferred, not copied');
  assert.ok(out.bytesCase, 'loaded from bytes with options: same history bound and list');
  await check();
  await context.close();
});

test('errors keep their code and message; the instance keeps working', async () => {
  const context = await browser.newContext();
  const { page, check } = await openPage(context);
  const out = await page.evaluate(async () => {
    const { WorkerRecommender, Recommender, bytes } = window.cs;
    const err = async (p) => {
      try {
        await p;
        return 'no error';
      } catch (e) {
        return { code: e.code, name: e.name, message: e.message, isError: e instanceof Error };
      }
    };
    const syncErr = (f) => {
      try {
        f();
        return 'no error';
      } catch (e) {
        return { code: e.code, name: e.name, message: e.message, isError: e instanceof Error };
      }
    };
    const sync = Recommender.fromBytes(bytes);
    const w = await WorkerRecommender.load(bytes.slice());
    const junk = new TextEncoder().encode('definitely not a cartsense pack, just some words');
    const truncated = bytes.slice(0, 100);
    const r = {
      badMagic: [await err(WorkerRecommender.load(junk.slice())), syncErr(() => Recommender.fromBytes(junk))],
      truncated: [await err(WorkerRecommender.load(truncated.slice())), syncErr(() => Recommender.fromBytes(truncated))],
      checksum: [await err(WorkerRecommender.load(bytes.slice(), { sha256: '0'.repeat(64) })), syncErr(() => Recommender.fromBytes(bytes, { sha256: '0'.repeat(64) }))],
      emptyKey: [await err(WorkerRecommender.load(bytes.slice(), { storageKey: '' })), syncErr(() => Recommender.fromBytes(bytes, { storageKey: '' }))],
      unknown: [await err(w.similar('no-such-item')), syncErr(() => sync.similar('no-such-item'))],
      fbtUnknown: [await err(w.frequentlyBoughtTogether('no-such-item')), syncErr(() => sync.frequentlyBoughtTogether('no-such-item'))],
      kZero: [await err(w.recommend({ k: 0 })), syncErr(() => sync.recommend({ k: 0 }))],
      badOrders: [await err(w.importOrders([{ items: 'x' }])), syncErr(() => sync.importOrders([{ items: 'x' }]))],
      badAt: [await err(w.view('a', NaN)), syncErr(() => sync.view('a', NaN))],
      notFound: await err(WorkerRecommender.load('/data/no-such-pack.cspk')),
      notPack: await err(WorkerRecommender.load(42)),
      notCloneable: await err(w.recommend({ k: 3, category: () => 'x' })),
      stillWorks: (await w.recommend({ k: 4 })).length,
      // Options reach the binding as given: whatever fromBytes does with them, load does too.
      odd: await Promise.all([null, 5, 'x', { maxEvents: -1 }, { storageKey: 7 }].map(async (o) => [
        await err(WorkerRecommender.load(bytes.slice(), o).then((x) => x.terminate())),
        syncErr(() => Recommender.fromBytes(bytes, o).free()),
      ])),
    };
    // terminate(): the call in flight and every later one reject; the facts stay readable.
    const inFlight = err(w.recommend({ k: 5 }));
    w.terminate();
    r.terminated = [await inFlight, await err(w.view('a')), w.itemCount === sync.itemCount, w.persistent];
    return r;
  });
  for (const k of ['badMagic', 'truncated', 'checksum', 'emptyKey', 'unknown', 'fbtUnknown', 'kZero', 'badOrders', 'badAt']) {
    const [viaWorker, direct] = out[k];
    assert.equal(typeof direct, 'object', `${k}: the sync call throws`);
    assert.deepEqual(viaWorker, direct, `${k}: same code, name and message through the worker`);
  }
  assert.equal(out.badMagic[0].code, 'PACK_BAD_MAGIC');
  assert.equal(out.truncated[0].code, 'PACK_TRUNCATED');
  assert.equal(out.checksum[0].code, 'PACK_CHECKSUM');
  assert.equal(out.unknown[0].code, 'UNKNOWN_ITEM');
  assert.match(out.unknown[0].message, /no-such-item/);
  assert.equal(out.kZero[0].code, 'BAD_ARGUMENT');
  assert.equal(out.notFound.code, 'PACK_FETCH');
  assert.match(out.notFound.message, /HTTP 404/);
  assert.equal(out.notPack.code, 'BAD_ARGUMENT');
  assert.equal(out.notCloneable.code, 'BAD_ARGUMENT');
  assert.equal(out.stillWorks, 4);
  for (const [viaWorker, direct] of out.odd) assert.deepEqual(viaWorker, direct, 'odd options: same outcome');
  const [inFlight, later, facts, persistent] = out.terminated;
  assert.equal(inFlight.code, 'WORKER_TERMINATED');
  assert.equal(later.code, 'WORKER_TERMINATED');
  assert.ok(inFlight.isError && later.isError);
  assert.ok(facts);
  assert.equal(persistent, false);
  await check();
  await context.close();
});

test('a page whose CSP refuses workers gets WORKER_FAILED, not a promise that never settles', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context, CSP + "; worker-src 'none'");
  const out = await page.evaluate(async () => {
    try {
      await window.cs.WorkerRecommender.load(window.cs.bytes.slice());
      return 'loaded';
    } catch (e) {
      return { code: e.code, message: e.message };
    }
  });
  assert.equal(out.code, 'WORKER_FAILED', JSON.stringify(out));
  await context.close();
});

test('concurrent calls resolve to their own answers, in call order', async () => {
  const context = await browser.newContext();
  const { page, check } = await openPage(context);
  const out = await page.evaluate(async () => {
    const { WorkerRecommender, Recommender, bytes } = window.cs;
    const sync = Recommender.fromBytes(bytes);
    const w = await WorkerRecommender.load('/data/model.cspk');
    const ids = sync.popular({ k: 60 }).map((r) => r.id);
    // 60 different questions at once, answers of different sizes and kinds, nothing awaited in between.
    const calls = ids.map((id, i) => (i % 3 === 0 ? ['similar', id, { k: 1 + (i % 7) }]
      : i % 3 === 1 ? ['frequentlyBoughtTogether', id, { k: 1 + (i % 5) }] : ['item', id]));
    const got = await Promise.all(calls.map(([m, ...a]) => w[m](...a)));
    const wrong = calls.filter(([m, ...a], i) => JSON.stringify(sync[m](...a)) !== JSON.stringify(got[i])).length;
    // Events and lists fired without awaiting run in call order: each list sees the events before it.
    const t0 = 1_700_000_000_000;
    const pending = [];
    const expected = [];
    for (let i = 0; i < 10; i++) {
      pending.push(w.view(ids[i], t0 + i), w.recommend({ k: 5 }));
      sync.view(ids[i], t0 + i);
      expected.push(JSON.stringify(sync.recommend({ k: 5 })));
    }
    const lists = (await Promise.all(pending)).filter((_, i) => i % 2 === 1).map((l) => JSON.stringify(l));
    const outOfOrder = lists.filter((l, i) => l !== expected[i]).length;
    const changes = new Set(lists).size;
    w.terminate();
    return { n: calls.length, wrong, outOfOrder, changes };
  });
  assert.equal(out.wrong, 0, `all ${out.n} concurrent answers match their own call`);
  assert.equal(out.outOfOrder, 0, 'each recommend saw exactly the views made before it');
  assert.ok(out.changes > 5, 'the lists changed as views came in');
  await check();
  await context.close();
});

test('history persists in the page\'s localStorage: reloads, other instances and tabs', async () => {
  const context = await browser.newContext();
  const { page, check } = await openPage(context);
  const KEY = 'shop:history';
  const first = await page.evaluate(async (key) => {
    const { WorkerRecommender, Recommender, bytes } = window.cs;
    const w = await WorkerRecommender.load('/data/model.cspk', { storageKey: key });
    const ids = Recommender.fromBytes(bytes).popular({ k: 10 }).map((r) => r.id);
    await w.view(ids[0]);
    await w.addToCart(ids[1]);
    await w.purchase([ids[1]]);
    await w.importOrders([{ items: [ids[2]], at: Date.now() - 86_400_000 }]);
    // Written by the time the call resolves, and exactly what the worker exports.
    const stored = localStorage.getItem(key);
    const exported = await w.exportHistory();
    // A synchronous Recommender on the same key and page: each side merges the other's events.
    const sync = Recommender.fromBytes(bytes, { storageKey: key });
    const syncSawWorker = sync.history().length;
    sync.view(ids[3]);
    const workerSawSync = (await w.history()).some((e) => e.itemId === ids[3]);
    await w.view(ids[4]);
    const syncSawLater = sync.history().some((e) => e.itemId === ids[4]);
    sync.free(); // from here on only the worker answers for this page
    window.w = w;
    window.ids = ids;
    return { persistent: w.persistent, same: stored === exported, events: (await w.history()).length, syncSawWorker, workerSawSync, syncSawLater, records: (await w.purchaseRecord()).length };
  }, KEY);
  assert.equal(first.persistent, true);
  assert.ok(first.same, 'localStorage holds what the worker exports');
  assert.equal(first.syncSawWorker, 3, 'a Recommender on the same key loads the worker\'s events');
  assert.ok(first.workerSawSync, 'the worker merges what the page\'s Recommender stored');
  assert.ok(first.syncSawLater, 'and the other way round');
  assert.equal(first.events, 5);
  assert.equal(first.records, 2, 'the long-term purchase record persists too');

  // Another tab wipes localStorage: like Recommender, the worker writes its history back at once
  // (the storage event is forwarded to it), without waiting for a call.
  const { page: other } = await openPage(context);
  await other.evaluate(() => localStorage.clear());
  await page.waitForFunction((key) => localStorage.getItem(key) !== null, KEY);
  // Another tab clears the history through the API: the worker follows.
  const { page: tab2 } = await openPage(context);
  const afterClear = await tab2.evaluate(async (key) => {
    const { WorkerRecommender } = window.cs;
    const w = await WorkerRecommender.load('/data/model.cspk', { storageKey: key });
    const before = (await w.history()).length;
    await w.clearHistory();
    await w.view(window.cs.Recommender.fromBytes(window.cs.bytes).popular({ k: 1 })[0].id);
    return before;
  }, KEY);
  assert.equal(afterClear, 5, 'a second tab loads the stored history');
  await page.waitForFunction(async () => (await window.w.history()).length === 1);

  // A reload: a new worker starts from what is stored.
  const stored = await page.evaluate((key) => localStorage.getItem(key), KEY);
  await page.reload();
  await page.evaluate(async () => {
    const { WorkerRecommender } = await import('/pkg/worker.js');
    window.WR = WorkerRecommender;
  });
  const reloaded = await page.evaluate(async (key) => {
    const w = await window.WR.load('/data/model.cspk', { storageKey: key });
    return { exported: await w.exportHistory(), n: (await w.history()).length };
  }, KEY);
  assert.equal(reloaded.n, 1);
  assert.equal(reloaded.exported, stored, 'the history survives the reload unchanged');
  await check();
  await context.close();
});

test('a full localStorage: history kept in memory, persistent says so, writes resume (as Recommender)', async () => {
  const context = await browser.newContext();
  const { page, check } = await openPage(context);
  const out = await page.evaluate(async () => {
    const { WorkerRecommender, Recommender, bytes } = window.cs;
    const w = await WorkerRecommender.load(bytes.slice(), { storageKey: 'full:worker' });
    const s = Recommender.fromBytes(bytes, { storageKey: 'full:sync' });
    const ids = s.popular({ k: 3 }).map((r) => r.id);
    const fillers = [];
    for (const size of [262_144, 16_384, 1024, 64, 1]) {
      try {
        for (;;) {
          const k = `fill${fillers.length}`;
          localStorage.setItem(k, 'x'.repeat(size));
          fillers.push(k);
        }
      } catch {
        // full at this granularity
      }
    }
    await w.view(ids[0], 1);
    s.view(ids[0], 1);
    const full = { worker: w.persistent, sync: s.persistent, kept: (await w.history()).length, stored: localStorage.getItem('full:worker') };
    for (const k of fillers) localStorage.removeItem(k);
    await w.view(ids[1], 2);
    s.view(ids[1], 2);
    const after = { worker: w.persistent, sync: s.persistent, same: localStorage.getItem('full:worker') === (await w.exportHistory()) };
    w.terminate();
    s.free();
    return { full, after, filled: fillers.length };
  });
  assert.ok(out.filled > 10, `storage filled (${out.filled} items)`);
  assert.deepEqual(out.full, { worker: false, sync: false, kept: 1, stored: null }, 'full: memory only, like Recommender');
  assert.deepEqual(out.after, { worker: true, sync: true, same: true }, 'space again: both events written');
  await check();
  await context.close();
});

test('the page keeps running while the worker scores; round-trip latency', async () => {
  const context = await browser.newContext();
  const { page, check } = await openPage(context);
  const out = await page.evaluate(async () => {
    const { WorkerRecommender, Recommender, bytes } = window.cs;
    let t = performance.now();
    const sync = Recommender.fromBytes(bytes);
    const loadDirect = performance.now() - t;
    t = performance.now();
    const w = await WorkerRecommender.load(bytes.slice());
    const loadWorker = performance.now() - t; // a new worker, its wasm, the pack
    const ids = sync.popular({ k: 5 }).map((r) => r.id);
    for (const id of ids) { sync.view(id); await w.view(id); }
    const heavy = { k: 50, diversity: 0.3 };
    const N = 120;
    // A timer chain stands for the page's own work (input handlers, animation): record the
    // longest gap between its ticks while a batch of scoring runs.
    const during = async (work) => {
      let last = performance.now();
      let gap = 0;
      let ticks = 0;
      let on = true;
      const tick = () => {
        const now = performance.now();
        gap = Math.max(gap, now - last);
        last = now;
        ticks++;
        if (on) setTimeout(tick, 0);
      };
      setTimeout(tick, 0);
      await new Promise((r) => setTimeout(r, 20));
      const t = performance.now();
      await work();
      const ms = performance.now() - t;
      await new Promise((r) => setTimeout(r, 20));
      on = false;
      return { ms, gap, ticks };
    };
    const direct = await during(async () => { for (let i = 0; i < N; i++) sync.recommend(heavy); });
    const viaWorker = await during(async () => { await Promise.all(Array.from({ length: N }, () => w.recommend(heavy))); });
    // Round trip of one recommend({ k: 10 }) awaited at a time, against the direct call, on the
    // demo pack and on a synthetic 100,000 x 64 int8 pack. performance.now() is coarse (0.1 ms
    // without cross-origin isolation): time rounds of 20 calls, report the median round / 20.
    const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
    const perCall = async (f) => {
      for (let i = 0; i < 20; i++) await f();
      const rounds = [];
      for (let r = 0; r < 25; r++) {
        const t = performance.now();
        for (let i = 0; i < 20; i++) await f();
        rounds.push((performance.now() - t) / 20);
      }
      return median(rounds);
    };
    const k10 = { k: 10 };
    const latency = async (s, wr) => ({
      worker: await perCall(() => wr.recommend(k10)),
      direct: await perCall(() => s.recommend(k10)),
      empty: await perCall(() => wr.categories()),
    });
    const demo = await latency(sync, w);
    const n = 100_000;
    const d = 64;
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
    const big = window.cs.buildPack({ ids: Array.from({ length: n }, (_, i) => `sku-${i}`), dims: d, embeddings: Float32Array.from({ length: n * d }, rnd), quantize: 'int8' });
    t = performance.now();
    const bigSync = Recommender.fromBytes(big);
    const bigLoadDirect = performance.now() - t;
    t = performance.now();
    const bigW = await WorkerRecommender.load(big);
    const bigLoadWorker = performance.now() - t;
    for (let i = 0; i < 5; i++) { bigSync.view(`sku-${i * 11}`, 1e12 + i); await bigW.view(`sku-${i * 11}`, 1e12 + i); }
    const large = await latency(bigSync, bigW);
    bigW.terminate();
    bigSync.free();
    w.terminate();
    return { direct, viaWorker, N, demo: { ...demo, loadDirect, loadWorker }, large: { ...large, loadDirect: bigLoadDirect, loadWorker: bigLoadWorker }, items: sync.itemCount };
  });
  const f = (x) => x.toFixed(3);
  console.log(`worker: ${out.N} x recommend({ k: 50, diversity: 0.3 }) on ${out.items} items: direct blocks the page ${out.direct.ms.toFixed(0)} ms (longest timer gap ${out.direct.gap.toFixed(0)} ms); through the worker ${out.viaWorker.ms.toFixed(0)} ms, longest timer gap ${out.viaWorker.gap.toFixed(1)} ms, ${out.viaWorker.ticks} ticks`);
  for (const [what, l] of [[`${out.items} items (demo pack)`, out.demo], ['100,000 x 64 int8', out.large]]) {
    console.log(`worker: recommend({ k: 10 }), ${what}: median ${f(l.worker)} ms through the worker vs ${f(l.direct)} ms direct; empty round trip (categories()) ${f(l.empty)} ms; load ${l.loadWorker.toFixed(1)} ms through a new worker vs ${l.loadDirect.toFixed(1)} ms direct`);
  }
  // The direct batch holds the main thread for its whole length: the test is only meaningful
  // if that is long enough to notice.
  assert.ok(out.direct.gap >= out.direct.ms * 0.9 && out.direct.ms > 60, `direct batch blocks ${out.direct.ms} ms`);
  // Through the worker the timers keep ticking: no gap near the batch length.
  assert.ok(out.viaWorker.gap < Math.max(30, out.direct.ms / 4), `longest gap ${out.viaWorker.gap} ms during a ${out.viaWorker.ms} ms batch`);
  assert.ok(out.viaWorker.ticks > 10, 'the timer ticked during the worker batch');
  await check();
  await context.close();
});
