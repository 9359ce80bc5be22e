// Memory: 10,000 fromBytes/free cycles and 100,000 queries leave the wasm memory where it was
// after warm-up. Wasm memory never shrinks, so any leak shows as growth of the buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Recommender, buildPack, initSync } from 'cartsense';
import { codeOf } from './util.js';

// Already instantiated by the package's Node entry: initSync() hands back its exports (its
// argument is ignored then; the types require one).
const wasmMemory = () => initSync({ module: new Uint8Array(0) }).memory.buffer.byteLength;

function pack() {
  const n = 300, d = 16;
  let s = 12345;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const ids = Array.from({ length: n }, (_, i) => `m${i}`);
  return buildPack({
    ids, dims: d, embeddings: Float32Array.from({ length: n * d }, r),
    titles: ids.map((id) => `Title ${id}`), prices: ids.map((_, i) => 1 + (i % 40)),
    categories: ids.map((_, i) => `c${i % 6}`), popularity: ids.map((_, i) => i % 17),
  });
}

test('10,000 fromBytes/free cycles do not grow wasm memory', () => {
  const bytes = pack();
  const cycle = (i: number) => {
    const rec = Recommender.fromBytes(bytes, { maxEvents: 50 });
    rec.view(`m${i % 300}`, i);
    rec.addToCart(`m${(i * 7) % 300}`, i + 1);
    if (i % 10 === 0) rec.recommend({ k: 5 });
    rec.free();
  };
  for (let i = 0; i < 1000; i++) cycle(i); // warm-up: the allocator settles
  const before = wasmMemory();
  for (let i = 0; i < 10_000; i++) cycle(i);
  const after = wasmMemory();
  console.log(`fromBytes/free: wasm memory ${before} -> ${after} bytes over 10,000 cycles (pack ${bytes.length} bytes)`);
  assert.equal(after, before, 'wasm memory grew');
});

test('100,000 queries do not grow wasm memory', () => {
  const rec = Recommender.fromBytes(pack(), { maxEvents: 200 });
  let t = 0;
  const query = (i: number) => {
    switch (i % 5) {
      case 0: rec.view(`m${i % 300}`, ++t); break;
      case 1: rec.recommend({ k: 10, exclude: [`m${i % 300}`] }); break;
      case 2: rec.similar(`m${i % 300}`, { k: 5 }); break;
      case 3: rec.popular({ k: 5, category: `c${i % 6}` }); break;
      default:
        assert.equal(codeOf(() => rec.similar('no-such-item')), 'UNKNOWN_ITEM');
    }
  };
  for (let i = 0; i < 5000; i++) query(i); // warm-up, and the history reaches its bound
  const before = wasmMemory();
  for (let i = 0; i < 100_000; i++) query(i);
  const after = wasmMemory();
  console.log(`queries: wasm memory ${before} -> ${after} bytes over 100,000 calls`);
  assert.equal(after, before, 'wasm memory grew');
  rec.free();
});
