// Seed corpora for the fuzz targets (fuzz/corpus/<target>/), written with the built package
// (`bash scripts/build-pkg.sh` first) and the repository's CSV fixtures.
// Usage: node fuzz/seeds.mjs
import { mkdirSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { buildPack } from 'cartsense';

const dir = (t) => { const d = new URL(`./corpus/${t}/`, import.meta.url); mkdirSync(d, { recursive: true }); return d; };
const put = (t, name, bytes) => writeFileSync(new URL(name, dir(t)), bytes);

const packs = [
  { ids: ['a'], dims: 1, embeddings: new Float32Array([1]) },
  { ids: ['a', 'b', 'c'], dims: 2, embeddings: new Float32Array([1, 0, 0.5, 0.5, 0, 1]), quantize: 'f32',
    titles: ['Mug', '<b>Tea</b>', 'é'], prices: [1, 2.5, 0], categories: ['K', '', 'K'], popularity: [3, 1, 2],
    currency: 'GBP', foldIn: { lambda: 0.1, alpha: 2 }, meta: { name: 'seed', scorer: { neighbourWeight: 0.5 } } },
  { ids: ['x1', 'x2', 'x3', 'x4'], dims: 3, embeddings: new Float32Array(12).map((_, i) => Math.sin(i)),
    categories: ['a', 'b', 'a', 'b'], prices: [5, 6, 7, 8] },
  // A BSKT section (stored baskets for basket neighbours), recent first, with a repeated item.
  { ids: ['b1', 'b2', 'b3', 'b4', 'b5'], dims: 2, embeddings: new Float32Array(10).map((_, i) => Math.cos(i)),
    baskets: { offsets: [0, 2, 5, 6, 9], index: [0, 1, 2, 0, 4, 3, 1, 4, 1] }, meta: { scorer: { knnWeight: 1 } } },
];
packs.forEach((p, i) => {
  const b = buildPack(p);
  put('pack', `seed${i}`, b);
  put('pack_resealed', `seed${i}`, b);
});
// A version-2 pack with compact lists, as `cartsense build` writes it (buildPack writes raw).
const v2 = readFileSync(new URL('../tests/fixtures/compact-v2.cspk', import.meta.url));
put('pack', 'seed-v2', v2);
put('pack_resealed', 'seed-v2', v2);

const hist = [
  '{"v":1,"g":7,"events":[["v","a",1],["a","b",2],["r","b",3],["p","c",4]]}',
  '{"v":1,"events":[{"type":"view","itemId":"é☃","at":1700000000000},["a","x",-1e300]]}',
  '{"v":1,"g":1,"events":[["v","a",1]]}\u0001{"v":1,"g":1,"events":[["a","a",2]]}',
  '{"v":1,"g":2,"events":[["a","q",5e-324]],"m":{}}\u0001{"v":1,"g":3,"events":[]}',
  // Format 2: the cart and its removals stored beside the events; two tabs that disagree.
  '{"v":2,"g":4,"events":[["v","a",1]],"cart":[["a",1],["b",2,9]],"removed":[["c",5]]}' +
    '\u0001{"v":2,"g":4,"events":[],"cart":[["c",3],["d",2]],"removed":[["b",10],["a",0]]}',
  '{"v":2,"g":5,"events":[],"cart":[["x",7],["x",6,8],["",1],["y"],["z",-0]],"removed":7}',
];
hist.forEach((h, i) => put('history', `seed${i}`, Buffer.concat([Buffer.from([i * 40]), Buffer.from(h)])));

const fx = new URL('../tests/fixtures/', import.meta.url);
for (const f of readdirSync(fx).filter((f) => f.endsWith('.csv'))) {
  put('csv', f, readFileSync(new URL(f, fx)).subarray(0, 4096));
}
put('csv', 'uci', 'InvoiceNo;StockCode;Description;Quantity;InvoiceDate;UnitPrice;CustomerID\n' +
  '536365;85123A;WHITE HANGING;6;12/1/2010 8:26;2,55;17850\n536365;71053;LANTERN;6;2010-12-01T08:26:00Z;3.39;\n');
console.log('seeds written');
