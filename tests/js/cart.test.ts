// The cart is its own state (README, "Privacy and storage"): the built package, imported by
// name as a storefront would. A wholesale cart longer than the event log and a long browse keep
// every line; the cart is stored with the history, merged across tabs, bounded by maxCartLines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Recommender, buildPack } from 'cartsense';
import { isCartsenseError, withCode } from './util.js';

// Two "tabs" in one process share this store. Node has no `window`, so the binding's
// `window.localStorage` is given one: `globalThis` passes its `instanceof Window` check and has a
// Map-backed `localStorage` (no `storage` events: each instance reads the store before every
// call, which is also how a tab sees a write it missed). The binding looks the window up on each
// call, so setting it up after the import is early enough.
const store = new Map<string, string>();
Object.assign(globalThis, {
  localStorage: {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, String(v)),
    removeItem: (k: string) => void store.delete(k),
  },
});
Object.defineProperty(globalThis, 'Window', {
  value: class Window { static [Symbol.hasInstance](o: unknown) { return o === globalThis; } },
  configurable: true,
});

// 600 items; every co-purchase list points into the first 300 (the cart to be), so a cart item
// that slipped through the exclusions would rank near the top of both lists.
const N = 600;
const CART = 300;
const VIEWS = 250;
function pack(): Uint8Array {
  const ids = Array.from({ length: N }, (_, i) => `sku-${i}`);
  const per = 5;
  const offsets = Uint32Array.from({ length: N + 1 }, (_, i) => i * per);
  const index = Uint32Array.from({ length: N * per }, (_, k) => (Math.floor(k / per) * 13 + ((k % per) + 1) * 31) % CART);
  const weight = Float32Array.from({ length: N * per }, (_, k) => 1 / ((k % per) + 1));
  return buildPack({
    ids, dims: 8, quantize: 'f32',
    embeddings: Float32Array.from({ length: N * 8 }, (_, k) => ((k * 7919) % 997) / 498.5 - 1),
    prices: ids.map((_, i) => 1 + (i % 40)),
    popularity: ids.map((_, i) => (i < CART ? 100 : 1)),
    neighbours: { offsets, index, weight },
    meta: { scorer: { neighbourWeight: 1 } },
  });
}
const BYTES = pack();
const inCart = (id: string) => Number(id.slice(4)) < CART;
const stored = (key: string) => {
  const v = store.get(key);
  assert.ok(v !== undefined, `nothing stored under ${key}`);
  return v;
};

test('a 300-line cart followed by 250 views: cart() holds all 300, no list returns any', () => {
  const rec = Recommender.fromBytes(BYTES);
  let t = 1_700_000_000_000;
  for (let i = 0; i < CART; i++) rec.addToCart(`sku-${i}`, (t += 1000));
  for (let i = 0; i < VIEWS; i++) rec.view(`sku-${CART + i}`, (t += 1000));
  assert.equal(rec.history().length, 200, 'the event log stays bounded (maxEvents 200)');
  assert.ok(rec.history().every((e) => e.type === 'view'));
  assert.deepEqual(rec.cart(), Array.from({ length: CART }, (_, i) => `sku-${i}`));

  const recs = rec.recommend({ k: 50 });
  assert.equal(recs.length, 50);
  assert.deepEqual(recs.filter((r) => inCart(r.id)).map((r) => r.id), []);
  const done = rec.completeCart({ k: 50 });
  assert.equal(done.items.length, 50);
  assert.deepEqual(done.items.filter((r) => inCart(r.id)).map((r) => r.id), []);

  // Control: the same views without the cart do bring those items up.
  const browse = Recommender.fromBytes(BYTES);
  for (const e of rec.history()) browse.view(e.itemId, e.at);
  assert.ok(browse.recommend({ k: 50 }).some((r) => inCart(r.id)));

  // exportHistory / importHistory carry the cart.
  const saved = rec.exportHistory();
  assert.match(saved, /^\{"v":2,/);
  const again = Recommender.fromBytes(BYTES);
  assert.deepEqual(again.importHistory(saved), { kept: 200, dropped: 0 });
  assert.deepEqual(again.cart(), rec.cart());
  for (const r of [rec, browse, again]) r.free();
});

test('a value stored before the cart had its own state loads with the cart it had', () => {
  // What cartsense stored with format version 1 (the output of its History::to_json).
  const v1 = '{"v":1,"g":7,"events":[["a","mug",1700000000000],["a","tea",1700000001000],' +
    '["v","pot",1700000002000],["r","mug",1700000003000],["a","cup",1700000004000],' +
    '["p","cup",1700000005000],["a","mug",1700000006000],["a","tea",1700000007000]],' +
    '"m":[["mug",0,0,2,1,1700000006000],["tea",0,0,2,1,1700000007000],["cup",1,1700000005000,1,1.5,1700000005000]]}';
  const rec = Recommender.fromBytes(BYTES);
  assert.deepEqual(rec.importHistory(v1), { kept: 8, dropped: 0 });
  assert.deepEqual(rec.cart(), ['tea', 'mug']);
  // Found in storage at load, the same; the value is rewritten in the new format.
  store.set('cart:v1', v1);
  const fromStorage = Recommender.fromBytes(BYTES, { storageKey: 'cart:v1' });
  assert.equal(fromStorage.persistent, true);
  assert.deepEqual(fromStorage.cart(), ['tea', 'mug']);
  assert.match(stored('cart:v1'), /^\{"v":2,.*"cart":\[\["tea",1700000001000,1700000007000\],\["mug",1700000006000\]\]/);
  rec.free();
  fromStorage.free();
});

test('two tabs on one key: both adds stay, the newer removal wins, a clear is followed', () => {
  const key = 'cart:tabs';
  const a = Recommender.fromBytes(BYTES, { storageKey: key });
  const b = Recommender.fromBytes(BYTES, { storageKey: key });
  a.addToCart('sku-1', 1000);
  b.addToCart('sku-2', 2000);
  assert.deepEqual(a.cart(), ['sku-1', 'sku-2']);
  // A third tab reads the store now, then acts without seeing tab a's next call.
  const c = Recommender.fromBytes(BYTES);
  c.importHistory(stored(key));
  a.addToCart('sku-3', 3000);
  c.addToCart('sku-4', 4000);
  c.removeFromCart('sku-1', 5000);
  c.purchase(['sku-2'], 5500);
  store.set(key, c.exportHistory()); // the last write wins the store, not the cart
  assert.deepEqual(a.cart(), ['sku-3', 'sku-4'], "a keeps its add and takes c's removals");
  assert.deepEqual(b.cart(), ['sku-3', 'sku-4']);
  // An add newer than a removal elsewhere wins too.
  b.addToCart('sku-1', 6000);
  assert.deepEqual(a.cart(), ['sku-3', 'sku-4', 'sku-1']);
  a.removeFromCart('sku-3', 7000);
  assert.deepEqual(b.cart(), ['sku-4', 'sku-1']);
  b.clearHistory();
  assert.deepEqual(a.cart(), [], 'a clear in one tab empties the cart in the other');
  a.addToCart('sku-5', 8000);
  assert.deepEqual(b.cart(), ['sku-5']);
  for (const r of [a, b, c]) r.free();
});

test('maxCartLines: validated; a full cart refuses a new line with BAD_ARGUMENT and records nothing', () => {
  for (const maxCartLines of [0, -1, 1.5, 100_001, NaN]) {
    assert.throws(() => Recommender.fromBytes(BYTES, { maxCartLines }), withCode('BAD_ARGUMENT'), String(maxCartLines));
  }
  // @ts-expect-error a string is not a line count
  assert.throws(() => Recommender.fromBytes(BYTES, { maxCartLines: '3' }), withCode('BAD_ARGUMENT'));
  const rec = Recommender.fromBytes(BYTES, { maxCartLines: 2, maxEvents: 10 });
  rec.addToCart('sku-1', 1);
  rec.addToCart('sku-2', 2);
  const before = rec.exportHistory();
  assert.throws(() => rec.addToCart('sku-3', 3),
    (e) => isCartsenseError(e) && e.code === 'BAD_ARGUMENT' && /maxCartLines/.test(e.message));
  assert.equal(rec.exportHistory(), before, 'no event, no line');
  rec.addToCart('sku-1', 4); // already a line: fine
  rec.removeFromCart('sku-1', 5);
  rec.addToCart('sku-3', 6);
  assert.deepEqual(rec.cart(), ['sku-2', 'sku-3']);
  rec.purchase(['sku-2', 'sku-9'], 7);
  assert.deepEqual(rec.cart(), ['sku-3']);
  // A stored cart longer than this instance's bound keeps the lines added first.
  const big = Recommender.fromBytes(BYTES);
  for (let i = 0; i < 5; i++) big.addToCart(`sku-${i}`, 10 + i);
  assert.deepEqual(rec.importHistory(big.exportHistory()), { kept: 5, dropped: 3 });
  assert.deepEqual(rec.cart(), ['sku-0', 'sku-1']);
  rec.clearHistory();
  assert.deepEqual(rec.cart(), []);
  rec.free();
  big.free();
});
