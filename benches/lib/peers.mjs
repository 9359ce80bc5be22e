// Peer libraries (dev dependencies of the benchmark only), each behind the same adapter:
// `setup(data)` builds whatever the library needs once, `search()` returns the top-10 item
// indices for the fixed query. A peer that fails to install, load or run is reported and
// skipped. Not here: hnswlib-wasm (built for the web only: it runs in the Chromium page) and
// edgevec (its Flat index takes binary vectors only, `insert() not supported for Flat index`;
// its float index is HNSW, which took 31 s to build 10,000 x 64 here, with a 0.0 recall@10
// in our id mapping: see docs/perf.md).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const pkgDir = (name) => dirname(require.resolve(`${name}/package.json`));

export const PEERS = [
  {
    name: 'tfjs + wasm backend (matMul + topk)',
    exact: true,
    metric: 'dot',
    async setup({ n, d, emb, q }) {
      const tf = await import('@tensorflow/tfjs');
      const wasmBackend = await import('@tensorflow/tfjs-backend-wasm');
      wasmBackend.setWasmPaths(join(pkgDir('@tensorflow/tfjs-backend-wasm'), 'dist') + '/');
      await tf.setBackend('wasm');
      await tf.ready();
      const m = tf.tensor2d(emb, [n, d]);
      const qt = tf.tensor2d(q, [d, 1]);
      return {
        search: () =>
          tf.tidy(() => Array.from(tf.topk(tf.matMul(m, qt).reshape([n]), 10).indices.dataSync())),
        dispose: () => { m.dispose(); qt.dispose(); },
      };
    },
  },
  {
    name: 'voy-search (k-d tree)',
    exact: true,
    metric: 'l2',
    async setup({ n, d, emb, q }) {
      const dir = pkgDir('voy-search');
      const bg = await import('voy-search/voy_search_bg.js');
      const { instance } = await WebAssembly.instantiate(
        readFileSync(join(dir, 'voy_search_bg.wasm')),
        { './voy_search_bg.js': bg },
      );
      bg.__wbg_set_wasm(instance.exports);
      const embeddings = Array.from({ length: n }, (_, i) => ({
        id: String(i), title: '', url: '', embeddings: Array.from(emb.subarray(i * d, (i + 1) * d)),
      }));
      const voy = new bg.Voy({ embeddings });
      return { search: () => voy.search(q, 10).neighbors.map((x) => Number(x.id)) };
    },
  },
  {
    name: 'client-vector-search EmbeddingIndex',
    exact: true,
    metric: 'cosine',
    async setup({ n, d, emb, q }) {
      const { EmbeddingIndex } = await import('client-vector-search');
      const objs = Array.from({ length: n }, (_, i) => ({
        id: i, embedding: Array.from(emb.subarray(i * d, (i + 1) * d)),
      }));
      const index = new EmbeddingIndex(objs);
      const qa = Array.from(q);
      return {
        search: async () =>
          (await index.search(qa, { topK: 10, useStorage: 'none' })).map((r) => r.object.id),
      };
    },
  },
  {
    name: 'usearch exactSearch (native Node addon)',
    exact: true,
    metric: 'ip',
    native: true,
    async setup({ d, emb, q }) {
      // The CommonJS entry: the ESM one's native-build lookup recurses forever (usearch 2.25.3).
      const { exactSearch, MetricKind } = require('usearch');
      return {
        search: () => Array.from(exactSearch(emb, q, d, 10, MetricKind.IP).keys, Number),
      };
    },
  },
];

export { exactTop, recall } from './exact.mjs';
