// Seeded synthetic catalogues, identical in Node, in Chromium and in the native bench
// (benches/kernels.rs uses the same generator).

/** Uniform [-1, 1) from a 32-bit LCG (the generator of benches/kernels.rs). */
export function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** n x d row-major embeddings, ids `sku-<i>`, popularity i % 1000. */
export function catalogue(n, d, seed = 12345) {
  const rnd = lcg(seed);
  const emb = new Float32Array(n * d);
  for (let i = 0; i < emb.length; i++) emb[i] = rnd();
  const ids = Array.from({ length: n }, (_, i) => `sku-${i}`);
  const popularity = new Float32Array(n);
  for (let i = 0; i < n; i++) popularity[i] = i % 1000;
  return { n, d, ids, emb, popularity };
}

/** A query vector (what a profile would be). */
export function queryVector(d, seed = 99) {
  const rnd = lcg(seed);
  return Float32Array.from({ length: d }, rnd);
}

/** The history every engine run uses: five views. */
export function views(n) {
  return Array.from({ length: 5 }, (_, i) => [`sku-${(i * 997) % n}`, i * 60_000]);
}

/** int8 rows with a per-row max-abs scale (the pack's quantisation). */
export function quantizeRows(emb, n, d) {
  const rows = new Int8Array(n * d);
  const scales = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let j = 0; j < d; j++) m = Math.max(m, Math.abs(emb[i * d + j]));
    const s = m > 0 ? m / 127 : 0;
    scales[i] = s;
    for (let j = 0; j < d; j++) rows[i * d + j] = s > 0 ? Math.round(emb[i * d + j] / s) : 0;
  }
  return { rows, scales };
}

/** Median and 10th/90th percentiles of a list of times. */
export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: at(0.5), p10: at(0.1), p90: at(0.9), runs: s.length };
}

/**
 * Time `f` until `budgetMs` is spent (at least `min`, at most `max` samples) after warm-up.
 * A sample repeats `f` enough times to last about 1 ms, so that a coarse clock (Chromium
 * without cross-origin isolation rounds to 0.1 ms) still gives a usable median.
 */
export function timeIt(f, { budgetMs = 600, min = 7, max = 300, warm = 5 } = {}) {
  for (let i = 0; i < warm; i++) f();
  let reps = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) f();
    if (performance.now() - t >= 1 || reps >= 1024) break;
    reps *= 2;
  }
  const xs = [];
  const start = performance.now();
  while (xs.length < max && (xs.length < min || performance.now() - start < budgetMs)) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) f();
    xs.push((performance.now() - t) / reps);
  }
  return { ...stats(xs), reps };
}
