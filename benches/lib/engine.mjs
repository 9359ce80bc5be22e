// cartsense measurements shared by Node and the Chromium page: recommend() top-10 after five
// views, pack load, JS baselines, and int8 recall@10 against f32 exact.
import { catalogue, queryVector, views, quantizeRows, timeIt, lcg } from './data.mjs';
import { jsTopKF32, jsTopKF32Unrolled, jsTopKI8 } from './baselines.mjs';

/** Build the packs of one case (`quants`: 'int8' and/or 'f32'). */
export function makePacks(cs, data, quants) {
  const packs = {};
  for (const quantize of quants) {
    packs[quantize] = cs.buildPack({
      ids: data.ids, dims: data.d, embeddings: data.emb, popularity: data.popularity, quantize,
    });
  }
  return packs;
}

/** Median recommend() time of one pack. */
export function benchRecommend(cs, bytes, n, opts) {
  const rec = cs.Recommender.fromBytes(bytes);
  for (const [id, at] of views(n)) rec.view(id, at);
  const r = timeIt(() => rec.recommend({ k: 10 }), opts);
  rec.free();
  return r;
}

/** Median fromBytes() (parse + validate + index) time. */
export function benchLoad(cs, bytes) {
  return timeIt(() => cs.Recommender.fromBytes(bytes).free(), { budgetMs: 400, min: 5, max: 25, warm: 1 });
}

/** The JS baselines on the same vectors (a fixed query, exact top-10). */
export function benchJs(data, which, opts) {
  const { n, d, emb } = data;
  const q = queryVector(d);
  const out = {};
  if (which.includes('f32')) {
    out['JS Float32Array loop + top-k'] = timeIt(() => jsTopKF32(emb, n, d, q), opts);
    out['JS Float32Array, unrolled x4'] = timeIt(() => jsTopKF32Unrolled(emb, n, d, q), opts);
  }
  if (which.includes('int8')) {
    const { rows, scales } = quantizeRows(emb, n, d);
    out['JS Int8Array + scales'] = timeIt(() => jsTopKI8(rows, scales, n, d, q), opts);
  }
  return out;
}

/**
 * Mean overlap of the int8 and f32 top-10 over `m` seeded five-view histories (500: with 50 the
 * estimate moved by +-0.003 between seeds, as much as the distance to the 0.99 target).
 */
export function recallInt8(cs, packs, n, m = 500) {
  const a = cs.Recommender.fromBytes(packs.int8);
  const b = cs.Recommender.fromBytes(packs.f32);
  const rnd = lcg(7);
  let sum = 0;
  for (let t = 0; t < m; t++) {
    a.clearHistory();
    b.clearHistory();
    for (let i = 0; i < 5; i++) {
      const id = `sku-${Math.floor(((rnd() + 1) / 2) * n) % n}`;
      a.view(id, i * 60_000);
      b.view(id, i * 60_000);
    }
    const want = b.recommend({ k: 10 }).map((r) => r.id);
    const got = a.recommend({ k: 10 }).map((r) => r.id);
    sum += got.filter((x) => want.includes(x)).length / want.length;
  }
  a.free();
  b.free();
  return sum / m;
}

/** Everything for one case: rows of the result table. */
export function runCase(cs, c, runtime, opts = {}) {
  const data = catalogue(c.n, c.d);
  const packs = makePacks(cs, data, c.quants);
  const name = `${c.n}x${c.d}`;
  const rows = [];
  const big = c.n >= 1_000_000;
  const topts = big ? { budgetMs: 1500, min: 7, max: 60 } : { budgetMs: 800, min: 15, max: 400 };
  for (const quant of c.quants) {
    rows.push({ case: name, runtime, quant, method: `cartsense wasm recommend() (${quant})`,
      ours: true, ...benchRecommend(cs, packs[quant], c.n, topts) });
  }
  if (c.js) {
    const jsOpts = { budgetMs: big ? 2000 : 1000, min: big ? 3 : 7, max: 100, warm: big ? 1 : 3 };
    for (const [method, r] of Object.entries(benchJs(data, c.js, jsOpts))) {
      rows.push({ case: name, runtime, quant: method.includes('Int8') ? 'int8' : 'f32', method, ...r });
    }
  }
  const loads = [];
  for (const quant of c.quants) {
    loads.push({ case: name, runtime, quant, packBytes: packs[quant].length, load: benchLoad(cs, packs[quant]) });
  }
  const recall = c.recall && packs.int8 && packs.f32 ? recallInt8(cs, packs, c.n, opts.recallQueries ?? 500) : undefined;
  return { rows, loads, recall: recall === undefined ? [] : [{ case: name, runtime, recall }], data, packs };
}
