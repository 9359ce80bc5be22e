// `buildPack({ baskets })`: past baskets stored by a bring-your-own-embeddings pack, scored as
// basket neighbours (session kNN, docs/scoring.md) by `recommend`, checked against a brute-force
// JS statement of the definition; and the layout checks of the `baskets` field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Recommender, buildPack } from 'cartsense';
import type { PackSpec } from 'cartsense';
import { codeOf, isCartsenseError, mulberry32 } from './util.js';

const N = 400;
const ids = Array.from({ length: N }, (_, i) => `sku-${i}`);
const f32 = Math.fround;

/** Baskets (most recent first) of distinct items with Zipf-like item popularity; every 25th
 * is empty (stored baskets skip it, which must not change the recency order). */
function baskets(count: number, seed: number): number[][] {
  const r = mulberry32(seed);
  const zipf = () => Math.min(N - 1, Math.floor(N ** r() - 1)); // heavy head, long tail
  return Array.from({ length: count }, (_, b) => {
    if (b % 25 === 24) return [];
    const size = 1 + Math.floor(r() * r() * 12);
    const set = new Set<number>();
    while (set.size < size) set.add(r() < 0.5 ? zipf() : Math.floor(r() * N));
    return [...set];
  });
}

function csr(rows: number[][]) {
  const offsets = [0];
  for (const b of rows) offsets.push(offsets[offsets.length - 1] + b.length);
  return { offsets: Uint32Array.from(offsets), index: Uint32Array.from(rows.flat()) };
}

/**
 * The definition of recommend() with only the basket-neighbour term on (embeddingWeight 0,
 * knnWeight 1), in the engine's float steps so the scores are compared exactly: candidates are
 * the baskets sharing an item with the cart, sim = |ctx ∩ b| / sqrt(|ctx| · |b|), the K most
 * similar vote (ties: the more recent, smaller index), best first; item j scores the sum of
 * their sims divided by the largest sum. List order: score desc, popularity desc, index asc;
 * cart items are never listed.
 */
function bruteForce(stored: number[][], pop: number[], cart: number[], K: number, k: number) {
  const ctx = new Set(cart);
  const m = ctx.size;
  const sims: { sim: number; b: number }[] = [];
  stored.forEach((items, b) => {
    const o = items.filter((i) => ctx.has(i)).length;
    if (o > 0) sims.push({ sim: f32(o / f32(Math.sqrt(f32(m * items.length)))), b });
  });
  sims.sort((x, y) => y.sim - x.sim || x.b - y.b);
  const sum = new Float64Array(N);
  for (const { sim, b } of sims.slice(0, K)) for (const j of stored[b]) sum[j] = f32(sum[j] + sim);
  const max = Math.max(...sum);
  const inv = f32(1 / max);
  const score = Array.from(sum, (x) => (x > 0 ? f32(x * inv) : 0));
  return Array.from({ length: N }, (_, j) => j)
    .filter((j) => !ctx.has(j))
    .sort((a, b) => score[b] - score[a] || pop[b] - pop[a] || a - b)
    .slice(0, k)
    .map((j) => ({ id: ids[j], score: score[j] }));
}

test('recommend() with basket neighbours equals a brute-force session kNN (300 random carts)', () => {
  const stored = baskets(2000, 7);
  const r = mulberry32(11);
  const pop = ids.map(() => Math.floor(r() * 20)); // many ties: the popularity order is checked too
  const emb = Float32Array.from({ length: N * 8 }, () => r() * 2 - 1);
  const K = 20;
  const spec = {
    ids, dims: 8, embeddings: emb, popularity: pop, baskets: csr(stored),
    meta: { scorer: { embeddingWeight: 0, knnWeight: 1, knnNeighbours: K } },
  } satisfies PackSpec;
  const rec = Recommender.fromBytes(buildPack(spec));
  let votes = 0;
  for (let t = 0; t < 300; t++) {
    rec.clearHistory();
    const size = 1 + Math.floor(r() * 8);
    const cart = new Set<number>();
    // Carts are drawn like baskets, so most share items with many stored ones.
    while (cart.size < size) cart.add(stored[Math.floor(r() * stored.length)][0] ?? Math.floor(r() * N));
    let at = 1_700_000_000_000;
    for (const i of cart) rec.addToCart(ids[i], (at += 60_000));
    const got = rec.recommend({ k: 10 }).map(({ id, score }) => ({ id, score }));
    const want = bruteForce(stored, pop, [...cart], K, 10);
    assert.deepEqual(got, want, `cart ${[...cart].join(',')}`);
    if (want[0].score > 0) votes++;
  }
  assert.ok(votes > 250, `most carts have basket neighbours (${votes} of 300)`);
  rec.free();
});

test('knnNeighbours and knnSample change the list as defined (fewer voters, the most recent candidates)', () => {
  // Basket 0 (most recent) and 1 share item 0 with the cart; 2 shares two items.
  const stored = [[0, 5], [0, 6], [0, 1, 7], [2, 8]];
  const base = { ids, dims: 8, embeddings: new Float32Array(N * 8).fill(0.5), baskets: csr(stored) };
  const top = (scorer: Record<string, number>, cart: string[]) => {
    const rec = Recommender.fromBytes(buildPack({ ...base, meta: { scorer: { embeddingWeight: 0, knnWeight: 1, ...scorer } } }));
    cart.forEach((id, t) => rec.addToCart(id, t));
    const out = rec.recommend({ k: 3 }).map((x) => x.id);
    rec.free();
    return out;
  };
  const cart = ['sku-0', 'sku-1'];
  assert.deepEqual(top({}, cart), ['sku-7', 'sku-5', 'sku-6']);
  assert.deepEqual(top({ knnNeighbours: 1 }, cart).slice(0, 1), ['sku-7']);
  // Only the two most recent candidates (baskets 0 and 1) are compared: 7 gets no vote.
  assert.deepEqual(top({ knnSample: 2 }, cart).slice(0, 2), ['sku-5', 'sku-6']);
});

test('a repeat within a stored basket counts once; empty baskets are skipped', () => {
  const spec = (rows: number[][]) => buildPack({
    ids, dims: 8, embeddings: new Float32Array(N * 8).fill(0.5), baskets: csr(rows),
    meta: { scorer: { embeddingWeight: 0, knnWeight: 1 } },
  });
  const list = (bytes: Uint8Array) => {
    const rec = Recommender.fromBytes(bytes);
    rec.addToCart('sku-3', 1);
    const out = rec.recommend({ k: 5 });
    rec.free();
    return out;
  };
  assert.deepEqual(list(spec([[3, 4, 4, 3], [], [3, 9]])), list(spec([[3, 4], [3, 9]])));
});

test('bad baskets: BAD_ARGUMENT naming the field', () => {
  const base = { ids: ['a', 'b', 'c'], dims: 1, embeddings: [1, 2, 3] };
  const cases: [PackSpec['baskets'], RegExp][] = [
    [{ offsets: [1, 2], index: [0, 1] }, /spec\.baskets\.offsets\[0\] is 1/],
    [{ offsets: [], index: [] }, /spec\.baskets\.offsets is empty/],
    [{ offsets: [0, 2, 1, 3], index: [0, 1, 2] }, /spec\.baskets\.offsets\[2\] is 1 after 2/],
    [{ offsets: [0, 5], index: [0, 1, 2] }, /spec\.baskets\.offsets\[1\] is 5 .*within the 3 values/],
    [{ offsets: [0, 2], index: [0, 1, 2] }, /spec\.baskets\.offsets end at 2 but there are 3 values/],
    [{ offsets: [0, 2], index: [0, 3] }, /baskets\[0\] names item 3: it must be below 3/],
    [{ offsets: [0, 1], index: [-1] }, /spec\.baskets\.index\[0\] must be an integer/],
    [{ offsets: [0, 1], index: [0.5] }, /spec\.baskets\.index\[0\] must be an integer/],
    [{ offsets: [0, NaN], index: [0] }, /spec\.baskets\.offsets\[1\] must be an integer/],
  ];
  for (const [baskets, message] of cases) {
    assert.equal(codeOf(() => buildPack({ ...base, baskets })), 'BAD_ARGUMENT', JSON.stringify(baskets));
    assert.throws(() => buildPack({ ...base, baskets }), (e) => isCartsenseError(e) && message.test(e.message),
      `${JSON.stringify(baskets)}: ${message}`);
  }
  const wrong = [
    // @ts-expect-error offsets must be numbers
    () => buildPack({ ...base, baskets: { offsets: 'x', index: [] } }),
    // @ts-expect-error index is required
    () => buildPack({ ...base, baskets: { offsets: [0] } }),
    // @ts-expect-error an array of arrays is not the layout
    () => buildPack({ ...base, baskets: [[0, 1]] }),
  ];
  for (const f of wrong) {
    assert.throws(f, (e) => isCartsenseError(e) && e.code === 'BAD_ARGUMENT' && /spec\.baskets/.test(e.message));
  }
  // The same layout checks hold for neighbours and transitions.
  assert.throws(() => buildPack({ ...base, neighbours: { offsets: [0, 1, 1], index: [1, 0], weight: [1, 1] } }),
    (e) => isCartsenseError(e) && /spec\.neighbours\.offsets/.test(e.message));
  assert.throws(() => buildPack({ ...base, transitions: { offsets: [0, 1, 1, 1], index: [1], weight: [1, 1] } }),
    (e) => isCartsenseError(e) && /spec\.transitions: index and weight/.test(e.message));
  // A good value after bad ones: nothing was left half-built.
  assert.ok(buildPack({ ...base, baskets: { offsets: [0, 2, 2, 3], index: [0, 1, 2] } }).length > 0);
});
