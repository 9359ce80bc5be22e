// The built package, imported exactly as a storefront running in Node would, checked against
// a brute-force JS statement of the documented scoring (docs/scoring.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Recommender, buildPack } from 'cartsense';
import type { EventType, PackSpec } from 'cartsense';
import { codeOf, lcg as rng } from './util.js';

function catalogue(n: number, d: number, seed: number) {
  const r = rng(seed);
  const ids = Array.from({ length: n }, (_, i) => `sku-${i}`);
  const embeddings = new Float32Array(n * d).map(() => r());
  return {
    ids, dims: d, embeddings,
    titles: ids.map((id) => `Product ${id}`),
    prices: Float32Array.from(ids, () => Math.round((r() + 1) * 2000) / 100),
    categories: ids.map((_, i) => ['mugs', 'tea', 'gifts'][i % 3]),
    popularity: Float32Array.from(ids, (_, i) => (i * 7919) % 101),
    currency: 'GBP',
  } satisfies PackSpec;
}
type Catalogue = ReturnType<typeof catalogue>;
type Quantize = NonNullable<PackSpec['quantize']>;
interface Event { type: EventType; id: string; at: number }

const HOUR = 3_600_000;
const WEIGHTS = { view: 1, add_to_cart: 3, remove_from_cart: -3, purchase: 2 };

// Documented scoring, f64, for a pack without a Gram matrix (weighted-mean profile).
function bruteForce(spec: Catalogue, events: Event[], { halfLifeHours = 24, quantize }: { halfLifeHours?: number; quantize: Quantize }) {
  const { ids, dims: d } = spec;
  const rows = dequantized(spec, quantize);
  const now = Math.max(...events.map((e) => e.at));
  const w = new Map<number, number>();
  for (const e of events) {
    const i = ids.indexOf(e.id);
    if (i < 0) continue;
    w.set(i, (w.get(i) ?? 0) + WEIGHTS[e.type] * 0.5 ** ((now - e.at) / (halfLifeHours * HOUR)));
  }
  const u = new Float64Array(d);
  for (const [i, wi] of w) if (wi > 1e-6) for (let t = 0; t < d; t++) u[t] += wi * rows[i * d + t];
  const norm = Math.hypot(...u);
  return ids.map((_, j) => {
    let s = 0;
    for (let t = 0; t < d; t++) s += rows[j * d + t] * u[t];
    return s / norm;
  });
}

function dequantized(spec: Catalogue, quantize: Quantize) {
  const { embeddings: e, dims: d } = spec;
  if (quantize === 'f32') return Float64Array.from(e);
  const out = new Float64Array(e.length);
  for (let i = 0; i < e.length / d; i++) {
    const row = e.subarray(i * d, (i + 1) * d);
    const m = Math.max(...row.map(Math.abs));
    const s = Math.fround(m / 127);
    const q = Array.from(row, (x) => Math.max(-127, Math.min(127, Math.round(Math.fround(x / s)))));
    // The scale refitted by least squares for those codes (docs/pack-format.md).
    let xq = 0;
    let qq = 0;
    for (let t = 0; t < d; t++) { xq += row[t] * q[t]; qq += q[t] * q[t]; }
    const fit = Math.fround(xq / qq);
    for (let t = 0; t < d; t++) out[i * d + t] = fit * q[t];
  }
  return out;
}

for (const quantize of ['f32', 'int8'] as const) {
  test(`recommend() equals the brute-force scoring (${quantize})`, () => {
    const spec = { ...catalogue(2000, 32, 42), quantize };
    const rec = Recommender.fromBytes(buildPack(spec));
    assert.equal(rec.itemCount, 2000);
    assert.equal(rec.dims, 32);
    const events: Event[] = [
      { type: 'view', id: 'sku-3', at: 0 },
      { type: 'view', id: 'sku-900', at: 5 * HOUR },
      { type: 'add_to_cart', id: 'sku-77', at: 20 * HOUR },
      { type: 'view', id: 'no-such-sku', at: 21 * HOUR },
      { type: 'view', id: 'sku-1500', at: 30 * HOUR },
    ];
    for (const e of events) {
      if (e.type === 'view') rec.view(e.id, e.at);
      else rec.addToCart(e.id, e.at);
    }
    const got = rec.recommend({ k: 25, category: 'tea', maxPrice: 30 });
    const s = bruteForce(spec, events, { quantize });
    const want = spec.ids
      .map((id, j) => j)
      .filter((j) => spec.categories[j] === 'tea' && spec.prices[j] <= 30 && spec.ids[j] !== 'sku-77')
      .sort((a, b) => s[b] - s[a]);
    assert.equal(got.length, 25);
    const tol = quantize === 'f32' ? 1e-5 : 0.01;
    got.forEach((r, k) => {
      const j = spec.ids.indexOf(r.id);
      assert.ok(Math.abs(s[j] - s[want[k]]) <= tol, `rank ${k}: ${r.id} ${s[j]} vs ${spec.ids[want[k]]} ${s[want[k]]}`);
      assert.ok(Math.abs(r.score - s[j]) <= tol);
      assert.equal(r.category, 'tea');
      assert.ok(['viewed', 'in-cart'].includes(r.because.kind));
      assert.ok(spec.ids.includes(r.because.itemId ?? 'none'));
    });
    rec.free();
  });
}

test('the whole API as a storefront uses it', () => {
  const spec = catalogue(300, 16, 7);
  const rec = Recommender.fromBytes(buildPack(spec), { maxEvents: 5, halfLifeHours: 2 });
  assert.equal(rec.currency, 'GBP');
  const pop = rec.popular({ k: 3, category: 'gifts' });
  assert.deepEqual(pop.map((r) => r.because.kind), ['popular', 'popular', 'popular']);
  assert.ok(pop[0].category === 'gifts');
  assert.deepEqual(rec.recommend({ k: 3 }).map((r) => r.id), rec.popular({ k: 3 }).map((r) => r.id));

  rec.view('sku-1', 1000);
  rec.addToCart('sku-2', 2000);
  rec.addToCart('sku-3', 3000);
  rec.removeFromCart('sku-3', 4000);
  assert.deepEqual(rec.cart(), ['sku-2']);
  rec.purchase(['sku-2'], 5000);
  assert.deepEqual(rec.cart(), []);
  const h = rec.history();
  assert.equal(h.length, 5, 'bounded at maxEvents');
  assert.deepEqual(h.at(-1), { type: 'purchase', itemId: 'sku-2', at: 5000 });

  const recs = rec.recommend({ k: 10 });
  assert.ok(!recs.some((r) => r.id === 'sku-2'), 'purchased items are not recommended');
  assert.equal(new Set(recs.map((r) => r.id)).size, 10);

  const sim = rec.similar('sku-1', { k: 5, minPrice: 5 });
  assert.equal(sim.length, 5);
  assert.ok(sim.every((r) => r.id !== 'sku-1' && r.price >= 5 && r.because.kind === 'similar'));
  assert.deepEqual(rec.item('sku-9'), { id: 'sku-9', title: 'Product sku-9', price: Number(spec.prices[9].toPrecision(7)), category: spec.categories[9] });
  assert.equal(String(rec.item('sku-9')?.price).length <= 6, true, 'prices print as the shop wrote them');
  assert.equal(rec.item('nope'), undefined);

  const saved = rec.exportHistory();
  rec.clearHistory();
  assert.equal(rec.history().length, 0);
  assert.deepEqual(rec.importHistory(saved), { kept: 5, dropped: 0 });
  assert.deepEqual(rec.importHistory('{"v":1,"events":[["v","a",1],["?","b",2]]}'), { kept: 1, dropped: 1 });
  assert.deepEqual(rec.categories().sort(), ['gifts', 'mugs', 'tea']);
  assert.equal(typeof rec.meta(), 'object');
  rec.free();
});

test('errors carry stable codes and the instance keeps working', () => {
  const bytes = buildPack(catalogue(50, 8, 3));
  const broken = bytes.slice();
  broken[broken.length - 1] ^= 0xff; // inside the last section (META)
  assert.equal(codeOf(() => Recommender.fromBytes(broken)), 'PACK_CHECKSUM');
  assert.equal(codeOf(() => Recommender.fromBytes(bytes.slice(0, 100))), 'PACK_TRUNCATED');
  assert.equal(codeOf(() => Recommender.fromBytes(new TextEncoder().encode('hello world, not a pack'))), 'PACK_BAD_MAGIC');
  const v3 = bytes.slice(); v3[8] = 3; // a version this build does not read (it reads 1 and 2)
  assert.equal(codeOf(() => Recommender.fromBytes(v3)), 'PACK_VERSION');
  // @ts-expect-error the pack is a Uint8Array
  assert.equal(codeOf(() => Recommender.fromBytes([1, 2, 3])), 'BAD_ARGUMENT');
  const rec = Recommender.fromBytes(bytes);
  // @ts-expect-error item ids are strings
  assert.equal(codeOf(() => rec.view(42)), 'BAD_ARGUMENT');
  // @ts-expect-error k is a number
  assert.equal(codeOf(() => rec.recommend({ k: 'x' })), 'BAD_ARGUMENT');
  assert.equal(codeOf(() => rec.view('sku-1', Infinity)), 'BAD_ARGUMENT');
  assert.equal(codeOf(() => rec.recommend({ k: 0 })), 'BAD_ARGUMENT');
  assert.equal(codeOf(() => rec.recommend({ k: 1001 })), 'BAD_ARGUMENT');
  assert.equal(codeOf(() => rec.recommend({ minPrice: -1 })), 'BAD_ARGUMENT');
  assert.equal(codeOf(() => rec.similar('ghost')), 'UNKNOWN_ITEM');
  assert.equal(codeOf(() => buildPack({ ids: ['a'], dims: 1, embeddings: [1], prices: [-3] })), 'BAD_ARGUMENT');
  assert.equal(codeOf(() => rec.view('unknown-is-fine')), 'no error');
  rec.view('sku-4');
  assert.equal(rec.recommend({ k: 3 }).length, 3);
});

test('package.json is a complete npm package', () => {
  const require = createRequire(import.meta.url);
  const pkg = require('cartsense/package.json');
  assert.equal(pkg.name, 'cartsense');
  for (const f of ['description', 'license', 'repository', 'types', 'files']) assert.ok(pkg[f], f);
  assert.equal(pkg.sideEffects, false);
  assert.ok(pkg.files.includes('cartsense_bg.wasm'));
});

// Least-squares fold-in, solved here by Gaussian elimination in f64.
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((row, i) => row[n] / row[i]);
}

test('recommend() with foldIn equals the brute-force least-squares fold-in', () => {
  const spec = { ...catalogue(800, 12, 99), quantize: 'f32', foldIn: { lambda: 0.3, alpha: 4 } } satisfies PackSpec;
  const rec = Recommender.fromBytes(buildPack(spec));
  const d = 12;
  const Y = Float64Array.from(spec.embeddings);
  const events: [string, number][] = [['sku-10', 0], ['sku-20', 2 * HOUR], ['sku-30', 10 * HOUR]];
  for (const [id, at] of events) rec.view(id, at);
  const now = 10 * HOUR;
  const A = Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => {
    let g = 0;
    for (let j = 0; j < 800; j++) g += Math.fround(Y[j * d + a]) * Math.fround(Y[j * d + b]);
    return Math.fround(g) + (a === b ? 0.3 : 0);
  }));
  const rhs = new Array(d).fill(0);
  for (const [id, at] of events) {
    const i = spec.ids.indexOf(id);
    const c = 1 + 4 * 0.5 ** ((now - at) / (24 * HOUR));
    for (let a = 0; a < d; a++) {
      rhs[a] += c * Y[i * d + a];
      for (let b = 0; b < d; b++) A[a][b] += (c - 1) * Y[i * d + a] * Y[i * d + b];
    }
  }
  const u = solve(A, rhs);
  const s = spec.ids.map((_, j) => u.reduce((acc, x, t) => acc + x * Y[j * d + t], 0));
  const want = spec.ids.map((_, j) => j).sort((a, b) => s[b] - s[a]);
  const got = rec.recommend({ k: 15 });
  got.forEach((r, k) => {
    const j = spec.ids.indexOf(r.id);
    assert.ok(Math.abs(s[j] - s[want[k]]) < 1e-4, `rank ${k}: ${r.id} ${s[j]} vs ${s[want[k]]}`);
    assert.ok(Math.abs(r.score - s[j]) < 1e-4);
  });
});

// A tiny shop where the right complement and the right free-shipping closer are known.
function shop() {
  const ids = ['camera', 'sd-card', 'tripod', 'kettle', 'camera-2', 'strap'];
  const emb = new Float32Array([1, 0, 0.8, 0.3, 0.7, 0.4, 0, 1, 0.99, 0.05, 0.6, 0.5]);
  // camera <-> sd-card and camera <-> strap bought together
  const nb: Record<number, [number, number][]> = { 0: [[1, 0.9], [5, 0.4]], 1: [[0, 0.9]], 5: [[0, 0.4]] };
  const offsets = [0]; const index: number[] = []; const weight: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    for (const [j, w] of nb[i] ?? []) { index.push(j); weight.push(w); }
    offsets.push(index.length);
  }
  return buildPack({
    ids, dims: 2, embeddings: emb, quantize: 'f32', currency: 'GBP',
    prices: [300, 20, 45, 30, 280, 12], categories: ['cameras', 'storage', 'tripods', 'kitchen', 'cameras', 'straps'],
    popularity: [5, 5, 3, 9, 2, 1],
    neighbours: { offsets: Uint32Array.from(offsets), index: Uint32Array.from(index), weight: Float32Array.from(weight) },
  });
}

test('completeCart, frequentlyBoughtTogether and bundles from the built package', () => {
  const rec = Recommender.fromBytes(shop());
  rec.addToCart('camera');
  const s = rec.completeCart({ k: 3, freeShippingThreshold: 315 });
  assert.equal(s.items[0].id, 'sd-card');
  assert.deepEqual(s.items[0].because, { kind: 'bought-together', itemId: 'camera' });
  assert.ok(!s.items.some((r) => r.id === 'camera'), 'never a cart item');
  assert.ok(!s.items.some((r) => r.id === 'camera-2'), 'a near-identical camera is a substitute, not a complement');
  assert.equal(s.cartTotal, 300);
  assert.equal(s.gap, 15);
  assert.equal(s.closers[0].id, 'sd-card', 'closes the £15 gap with the least overshoot among relevant items');
  assert.deepEqual(s.unknown, []);
  const done = rec.completeCart({ cart: ['camera', 'ghost'], freeShippingThreshold: 100 });
  assert.equal(done.gap, 0);
  assert.deepEqual(done.closers, []);
  assert.deepEqual(done.unknown, ['ghost']);
  const fbt = rec.frequentlyBoughtTogether('camera', { k: 2 });
  assert.deepEqual(fbt.map((r) => r.id), ['sd-card', 'strap']);
  assert.ok(rec.frequentlyBoughtTogether('kettle', { k: 2 }).length > 0, 'relaxed fallback is never empty');
  const b = rec.bundles({ anchor: 'camera', size: 2, count: 2, discount: 0.1 });
  assert.ok(b.length >= 1);
  for (const x of b) {
    assert.equal(new Set(x.items).size, x.items.length);
    assert.ok(x.items.includes('camera'));
    assert.ok(!(x.items.includes('camera') && x.items.includes('camera-2')), 'no two substitutes in a set');
    assert.equal(x.price, Math.round(x.total * 0.9 * 100) / 100);
  }
  assert.equal(codeOf(() => rec.completeCart({ freeShippingThreshold: -1 })), 'BAD_ARGUMENT');
  assert.equal(codeOf(() => rec.completeCart({ freeShippingThreshold: NaN })), 'BAD_ARGUMENT');
  assert.equal(codeOf(() => rec.bundles({ anchor: 'camera', discount: 0.6 })), 'BAD_ARGUMENT');
  assert.equal(codeOf(() => rec.bundles({ anchor: 'camera', size: 5 })), 'BAD_ARGUMENT');
  assert.equal(codeOf(() => rec.bundles({ anchor: 'camera', size: 1 })), 'BAD_ARGUMENT');
  assert.equal(codeOf(() => rec.frequentlyBoughtTogether('ghost')), 'UNKNOWN_ITEM');
  const whole = rec.completeCart({ cart: ['camera', 'sd-card', 'tripod', 'kettle', 'camera-2', 'strap'] });
  assert.deepEqual(whole.items, [], 'a cart holding the whole catalogue leaves nothing to suggest');
});

test('returning shoppers: importOrders, buyAgain, memory in export/clear', () => {
  const spec = catalogue(200, 8, 5);
  const rec = Recommender.fromBytes(buildPack(spec), { maxEvents: 3 });
  const DAY = 86_400_000;
  assert.deepEqual(rec.importOrders([
    { items: ['sku-1', 'sku-2'], at: 1 * DAY },
    { items: ['sku-1', 'not-in-pack'], at: 20 * DAY },
  ]), { kept: 4, dropped: 0 });
  const again = rec.buyAgain({ k: 5 });
  assert.deepEqual(again.map((r) => r.id), ['sku-1', 'sku-2']);
  assert.deepEqual(again[0].because, { kind: 'bought-before', itemId: 'sku-1' });
  assert.ok(!rec.recommend({ k: 20 }).some((r) => ['sku-1', 'sku-2'].includes(r.id)), 'recommend is for new items');
  rec.addToCart('sku-1');
  assert.ok(!rec.buyAgain().some((r) => r.id === 'sku-1'), 'never a cart item');
  for (let i = 0; i < 10; i++) rec.view(`sku-${50 + i}`);
  assert.equal(rec.buyAgain().length, 1, 'the purchase record outlives the session window');
  assert.deepEqual(rec.purchaseRecord().slice(0, 2), [
    { itemId: 'sku-1', purchases: 2, lastPurchase: 20 * DAY, cartAdds: 1 },
    { itemId: 'not-in-pack', purchases: 1, lastPurchase: 20 * DAY, cartAdds: 0 },
  ]);
  const saved = rec.exportHistory();
  const other = Recommender.fromBytes(buildPack(spec));
  other.importHistory(saved);
  assert.deepEqual(other.buyAgain().map((r) => r.id), ['sku-1', 'sku-2'].filter((id) => !other.cart().includes(id)));
  rec.clearHistory();
  assert.deepEqual(rec.buyAgain(), []);
  // @ts-expect-error orders are an array
  assert.equal(codeOf(() => rec.importOrders('nope')), 'BAD_ARGUMENT');
  assert.equal(codeOf(() => rec.importOrders([{ items: ['a'], at: NaN }])), 'BAD_ARGUMENT');
  // @ts-expect-error an order's items are an array
  assert.equal(codeOf(() => rec.importOrders([{ items: 'a', at: 1 }])), 'BAD_ARGUMENT');
  assert.deepEqual(rec.buyAgain(), [], 'a rejected import records nothing');
});
