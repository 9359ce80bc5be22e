// Runs in headless Chromium (benches/run.mjs opens benches/page.html): the same cases as in
// Node, with the package's `--target web` build.
import init, * as cs from '../pkg/cartsense.js';
import { runCase } from './lib/engine.mjs';

window.runBench = async (cases) => {
  await init();
  const out = { rows: [], loads: [], recall: [] };
  for (const c of cases) {
    const r = runCase(cs, c, 'chromium');
    out.rows.push(...r.rows);
    out.loads.push(...r.loads);
    out.recall.push(...r.recall);
  }
  return out;
};
// Basket neighbours at shop scale (benches/lib/baskets.mjs), the same seeded shop as in Node.
window.runBaskets = async () => {
  await init();
  const { benchBaskets } = await import('./lib/baskets.mjs');
  return benchBaskets(cs, 'chromium');
};
window.benchReady = true;

// Browser-only peers on the same vectors: hnswlib-wasm's exact BruteforceSearch.
window.runPeers = async ({ n, d }) => {
  const { catalogue, queryVector, timeIt } = await import('./lib/data.mjs');
  const { exactTop, recall } = await import('./lib/exact.mjs');
  const { emb } = catalogue(n, d);
  const q = queryVector(d);
  const rows = [];
  const errors = [];
  try {
    const { loadHnswlib } = await import('./node_modules/hnswlib-wasm/dist/hnswlib.js');
    const lib = await loadHnswlib();
    const t0 = performance.now();
    const bf = new lib.BruteforceSearch('ip', d);
    bf.initIndex(n);
    for (let i = 0; i < n; i++) bf.addPoint(emb.subarray(i * d, (i + 1) * d), i);
    const buildMs = performance.now() - t0;
    const search = () => Array.from(bf.searchKnn(q, 10, undefined).neighbors);
    const got = search();
    const r = timeIt(search, { budgetMs: 1500, min: 5, max: 200 });
    rows.push({ case: `${n}x${d}`, runtime: 'chromium', quant: 'f32', method: 'hnswlib-wasm BruteforceSearch [ip]',
      ...r, recall: recall(got, exactTop(emb, n, d, q, 'dot')), buildMs });
  } catch (e) {
    errors.push({ name: 'hnswlib-wasm BruteforceSearch', error: String(e?.message ?? e) });
  }
  return { rows, errors };
};
