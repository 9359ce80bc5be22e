// Re-entrancy: a page script that patches `localStorage` (or a `storage` listener) can call
// back into the same Recommender while one of its calls is saving or loading the history.
// Every such call must answer or throw a BAD_ARGUMENT, never trap (a Rust panic is a
// WebAssembly.RuntimeError, and a panic inside a borrow left the instance unusable for good),
// and the instance must work normally afterwards.
//
// Node has no `window`: this file gives the binding one, as worker-main.js does in a Worker,
// with a localStorage whose getItem/setItem run the probes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Recommender, buildPack } from 'cartsense';
import { isCartsenseError } from './util.js';

const stored = new Map<string, string>();
let during: null | 'get' | 'set' = null; // which storage call runs the probes
let probe: () => void = () => {};
let storageListener: ((e: { key: string | null }) => void) | null = null;
Object.assign(globalThis, {
  localStorage: {
    getItem(k: string) {
      if (during === 'get') probe();
      return stored.get(k) ?? null;
    },
    setItem(k: string, v: string) {
      stored.set(k, String(v));
      if (during === 'set') probe();
    },
  },
  addEventListener(type: string, f: (e: { key: string | null }) => void) {
    if (type === 'storage') storageListener = f;
  },
  removeEventListener() {},
});
// web_sys::window() is `globalThis` when it is an instance of `Window`.
Object.defineProperty(globalThis, 'Window', {
  value: class Window { static [Symbol.hasInstance](o: unknown) { return o === globalThis; } },
  configurable: true,
});

const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
const bytes = buildPack({
  ids, dims: 2, embeddings: [1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9, 0.7, 0.7, 0.5, 0.4],
  titles: ids.map((id) => `T ${id}`), prices: [1, 2, 3, 4, 5, 6], categories: ['x', 'y', 'x', 'y', 'x', 'y'],
  neighbours: { offsets: [0, 1, 2, 2, 2, 2, 2], index: [1, 0], weight: [1, 1] },
  currency: 'GBP', meta: { name: 'reentrancy' },
});

/** Every method and getter of `rec`, called the way a storefront would (typed). */
function everyCall(rec: Recommender): Record<string, () => unknown> {
  return {
    item: () => rec.item('a'),
    categories: () => rec.categories(),
    meta: () => rec.meta(),
    itemCount: () => rec.itemCount,
    dims: () => rec.dims,
    currency: () => rec.currency,
    persistent: () => rec.persistent,
    recommend: () => rec.recommend({ k: 2 }),
    similar: () => rec.similar('a', { k: 2 }),
    popular: () => rec.popular({ k: 2, minPrice: 1 }),
    buyAgain: () => rec.buyAgain({ k: 2 }),
    completeCart: () => rec.completeCart({ k: 2, freeShippingThreshold: 10 }),
    frequentlyBoughtTogether: () => rec.frequentlyBoughtTogether('a', { k: 2 }),
    bundles: () => rec.bundles({ anchor: 'a', size: 2 }),
    cart: () => rec.cart(),
    history: () => rec.history(),
    purchaseRecord: () => rec.purchaseRecord(),
    exportHistory: () => rec.exportHistory(),
    view: () => rec.view('c'),
    addToCart: () => rec.addToCart('d'),
    removeFromCart: () => rec.removeFromCart('d'),
    purchase: () => rec.purchase(['e']),
    importHistory: () => rec.importHistory('{"v":1,"events":[]}'),
    importOrders: () => rec.importOrders([{ items: ['f'], at: 1 }]),
    clearHistory: () => rec.clearHistory(),
  };
}

/** Run every call; what each did: 'answered', an error code, or what went wrong. */
function outcomes(calls: Record<string, () => unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, f] of Object.entries(calls)) {
    try {
      f();
      out[name] = 'answered';
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) out[name] = `TRAP: ${e.message}`;
      else if (!isCartsenseError(e)) out[name] = `not a cartsense error: ${String(e)}`;
      else out[name] = /re-entrant/.test(e.message) ? e.code : `${e.code}: ${e.message}`;
    }
  }
  return out;
}

function stillWorks(rec: Recommender) {
  const all = outcomes(everyCall(rec));
  assert.deepEqual(Object.entries(all).filter(([, o]) => o !== 'answered'), [], 'every call answers afterwards');
  rec.view('a', 10);
  assert.equal(rec.item('a')?.title, 'T a');
  assert.deepEqual(rec.categories().sort(), ['x', 'y']);
  assert.equal(rec.meta().name, 'reentrancy');
  assert.equal(rec.itemCount, 6);
  assert.equal(rec.recommend({ k: 3 }).length, 3);
  assert.equal(rec.history().at(-1)?.itemId, 'a');
}

for (const where of ['set', 'get'] as const) {
  test(`calls from inside localStorage.${where}Item throw BAD_ARGUMENT and the instance keeps working`, () => {
    const rec = Recommender.fromBytes(bytes, { storageKey: `reentrancy:${where}` });
    assert.equal(rec.persistent, true);
    let seen: Record<string, string> | null = null;
    probe = () => {
      during = null; // one round: the probes' own saves do not probe again
      seen = outcomes(everyCall(rec));
    };
    during = where;
    rec.addToCart('b', 5); // loads (getItem) then saves (setItem): the probes run inside it
    during = null;
    assert.ok(seen, `the ${where}Item probe ran`);
    const calls = Object.keys(everyCall(rec));
    assert.deepEqual(seen, Object.fromEntries(calls.map((c) => [c, 'BAD_ARGUMENT'])),
      'every call made while the instance is busy is refused with BAD_ARGUMENT');
    assert.deepEqual(rec.cart(), ['b'], 'the outer call completed');
    assert.equal(rec.persistent, true, 'the save went through');
    assert.ok(stored.get(`reentrancy:${where}`)?.includes('"b"'), 'and reached storage');
    stillWorks(rec);
    rec.free();
  });
}

test('a setItem that throws after calling back in only costs persistence until the next save', () => {
  const rec = Recommender.fromBytes(bytes, { storageKey: 'reentrancy:throw' });
  probe = () => {
    during = null;
    rec.recommend();
    throw new Error('unreachable: recommend() threw first');
  };
  during = 'set';
  rec.view('a', 1);
  during = null;
  assert.equal(rec.persistent, false, 'the failed write is counted, not thrown');
  rec.view('b', 2);
  assert.equal(rec.persistent, true, 'the next write succeeds');
  stillWorks(rec);
  rec.free();
});

test('a storage event delivered during a call is ignored, and merged by the next call', () => {
  storageListener = null;
  const rec = Recommender.fromBytes(bytes, { storageKey: 'reentrancy:event' });
  const listener = storageListener as ((e: { key: string | null }) => void) | null;
  assert.ok(listener, 'the binding listens for storage events');
  const other = Recommender.fromBytes(bytes, { storageKey: 'reentrancy:event' });
  probe = () => {
    during = null;
    other.view('f', 3); // another instance writes the same key ...
    listener({ key: 'reentrancy:event' }); // ... and its event reaches rec while rec is busy
  };
  during = 'set';
  rec.view('e', 2);
  during = null;
  assert.deepEqual(rec.history().map((e) => e.itemId), ['e', 'f'], 'merged on the next call');
  stillWorks(rec);
  rec.free();
  other.free();
});
