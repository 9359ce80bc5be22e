// First speed figure for the core issue: median recommend() time in Node for a synthetic
// catalogue (seeded), plus pack load time. Usage: node benches/recommend.mjs [n] [d] [f32|int8]
import { performance } from 'node:perf_hooks';
import { Recommender, buildPack } from 'cartsense';

const n = Number(process.argv[2] ?? 100_000);
const d = Number(process.argv[3] ?? 64);
const quantize = process.argv[4] ?? 'int8';
let s = 12345;
const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const ids = Array.from({ length: n }, (_, i) => `sku-${i}`);
const bytes = buildPack({
  ids, dims: d, embeddings: new Float32Array(n * d).map(rnd), quantize,
  popularity: Float32Array.from(ids, (_, i) => i % 1000),
});
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];

const loads = [];
let rec;
for (let i = 0; i < 7; i++) {
  rec?.free();
  const t = performance.now();
  rec = Recommender.fromBytes(bytes);
  loads.push(performance.now() - t);
}
for (let i = 0; i < 5; i++) rec.view(`sku-${i * 997}`, i * 60_000);
for (let i = 0; i < 20; i++) rec.recommend({ k: 10 });
const times = [];
for (let i = 0; i < 200; i++) {
  const t = performance.now();
  rec.recommend({ k: 10 });
  times.push(performance.now() - t);
}
console.log(JSON.stringify({
  items: n, dims: d, quantize, packBytes: bytes.length,
  loadMsMedian: +median(loads).toFixed(3),
  recommendMsMedian: +median(times).toFixed(3),
  recommendMsP90: +times.sort((a, b) => a - b)[Math.floor(times.length * 0.9)].toFixed(3),
}));
