// Basket neighbours at shop scale (issue: "p50 <= 1 ms per recommend with 20k stored baskets in
// Chromium"): a seeded shop of 20,000 items x 64 (int8) with 20,000 stored baskets, co-purchase
// neighbours counted from those baskets, and `recommend({ k: 10 })` timed call by call after
// carts drawn like the baskets. Shared by Node (run.mjs) and the Chromium page (page.mjs).
import { lcg, stats, timeIt } from './data.mjs';

export const BASKETS = { n: 20_000, d: 64, baskets: 20_000, zipf: 0.8, carts: 30, callsPerCart: 10 };

/**
 * The shop: item popularity Zipf-like (exponent 0.8 over a seeded permutation of the items: the
 * most popular item is in about a quarter of the baskets, a heavier head than Online Retail's
 * 11%), basket sizes 1..30 (1 + the floor of an exponential draw of mean 7.5: about 8 on average),
 * items distinct within a basket, baskets listed most recent first.
 */
export function basketShop({ n, d, baskets, zipf } = BASKETS, seed = 2024) {
  const rnd = lcg(seed);
  const u = () => (rnd() + 1) / 2;
  const perm = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const cdf = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) cdf[r] = total += (r + 1) ** -zipf;
  const draw = () => {
    const x = u() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return perm[lo];
  };
  const basket = (size) => {
    const s = new Set();
    while (s.size < size) s.add(draw());
    return [...s];
  };
  const rows = Array.from({ length: baskets }, () => basket(1 + Math.min(29, Math.floor(-Math.log(1 - u()) * 7.5))));
  const popularity = new Float32Array(n);
  for (const b of rows) for (const i of b) popularity[i]++;
  // Carts drawn like baskets, 5..10 items.
  const carts = Array.from({ length: BASKETS.carts }, () => basket(5 + Math.floor(u() * 6)));
  const emb = new Float32Array(n * d);
  for (let i = 0; i < emb.length; i++) emb[i] = rnd();
  return { n, d, ids: Array.from({ length: n }, (_, i) => `sku-${i}`), emb, popularity, rows, carts,
    neighbours: coPurchase(rows, popularity, n, 20) };
}

/** Co-purchase lists from the baskets: each item's 20 most frequent partners, weighted by
 * count / sqrt(pop_i · pop_j) (what a shop's own pipeline would ship). */
function coPurchase(rows, pop, n, keep) {
  const co = Array.from({ length: n }, () => new Map());
  for (const b of rows) {
    for (const i of b) for (const j of b) if (i !== j) co[i].set(j, (co[i].get(j) ?? 0) + 1);
  }
  const offsets = new Uint32Array(n + 1);
  const index = [];
  const weight = [];
  for (let i = 0; i < n; i++) {
    const top = [...co[i]].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, keep);
    for (const [j, c] of top) {
      index.push(j);
      weight.push(c / Math.sqrt(pop[i] * pop[j]));
    }
    offsets[i + 1] = index.length;
  }
  return { offsets, index: Uint32Array.from(index), weight: Float32Array.from(weight) };
}

/** The baskets in buildPack's compressed-row layout. */
export function basketRows(rows) {
  const offsets = new Uint32Array(rows.length + 1);
  rows.forEach((b, k) => (offsets[k + 1] = offsets[k] + b.length));
  return { offsets, index: Uint32Array.from(rows.flat()) };
}

/** The scorers compared: the blend without basket neighbours, with them over every candidate,
 * and with the 500 most recent candidates only (PROTOCOL.md's sknn-k100-s500). */
export const SCORERS = [
  { name: 'embedding + popularity + neighbours, no kNN', knnWeight: 0 },
  { name: '+ kNN (100 neighbours, all candidates)', knnWeight: 1, knnSample: 0 },
  { name: '+ kNN (100 neighbours, knnSample 500)', knnWeight: 1, knnSample: 500 },
];

/** recommend({ k: 10 }) timed call by call: every cart, a few warm-up calls, then
 * `callsPerCart` timed calls each (p50 and p90 over all of them). */
export function benchBaskets(cs, runtime, shop = basketShop()) {
  const { n, d, ids, emb, popularity, neighbours, rows, carts } = shop;
  const baskets = basketRows(rows);
  const out = [];
  for (const s of SCORERS) {
    const bytes = cs.buildPack({
      ids, dims: d, embeddings: emb, popularity, neighbours, baskets, quantize: 'int8',
      meta: { scorer: { embeddingWeight: 1, popularityWeight: 0.2, neighbourWeight: 0.5,
        knnWeight: s.knnWeight, knnNeighbours: 100, knnSample: s.knnSample ?? 0 } },
    });
    const rec = cs.Recommender.fromBytes(bytes);
    const times = [];
    for (const cart of carts) {
      rec.clearHistory();
      cart.forEach((i, t) => rec.addToCart(ids[i], 1_700_000_000_000 + t * 60_000));
      for (let w = 0; w < 3; w++) rec.recommend({ k: 10 });
      for (let c = 0; c < BASKETS.callsPerCart; c++) {
        const t = performance.now();
        rec.recommend({ k: 10 });
        times.push(performance.now() - t);
      }
    }
    rec.free();
    const load = timeIt(() => cs.Recommender.fromBytes(bytes).free(), { budgetMs: 300, min: 5, max: 25, warm: 1 });
    out.push({
      case: `${n}x${d}+${rows.length} baskets`, runtime, quant: 'int8', method: `recommend() ${s.name}`,
      baskets: true, packBytes: bytes.length, loadMs: load.median, ...stats(times),
    });
  }
  return out;
}
