// No panic across the boundary: every export of the built package is called with seeded random
// wrong arguments. Each call must return, or throw an Error with a string `code`; never a
// WebAssembly.RuntimeError (a Rust panic is `unreachable`), never a bare TypeError from the glue,
// and the instance (and the module) must keep working afterwards. The hostile calls are untyped
// on purpose (`loose`); the typed calls are checked by tsc like every other test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as cartsense from 'cartsense';
import { isCartsenseError, mulberry32 } from './util.js';

const { Recommender, buildPack } = cartsense;

/** Any export, method or getter called by name with any arguments. */
type Loose = Record<string, (...args: unknown[]) => unknown>;
const loose = (x: object) => x as unknown as Loose;

// Loader glue, not API: calling them with garbage is about re-instantiating the module.
const LOADERS = new Set(['default', 'initSync']);

function detachedU8() {
  const u = new Uint8Array(64);
  structuredClone(u.buffer, { transfer: [u.buffer] });
  return u; // length 0, buffer detached
}
function detachedF32() {
  const f = new Float32Array(8);
  structuredClone(f.buffer, { transfer: [f.buffer] });
  return f;
}

const boom = () => {
  throw new Error('hostile getter');
};
const throwingProxy = (target = {}) =>
  new Proxy(target, {
    get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom,
  });
function revokedProxy() {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}
const getterObj = (keys: string[]) => {
  const o = {};
  for (const k of keys) Object.defineProperty(o, k, { get: boom, enumerable: true });
  return o;
};
const arrayWithThrowingIndex = () => {
  const a = ['a', 'b'];
  Object.defineProperty(a, 1, { get: boom, enumerable: true });
  return a;
};

const MB = 'x'.repeat(1 << 20);
const KEYS = ['k', 'exclude', 'category', 'minPrice', 'maxPrice', 'diversity', 'storageKey',
  'maxEvents', 'maxCartLines', 'halfLifeHours', 'sha256', 'ids', 'dims', 'embeddings', 'titles', 'prices',
  'categories', 'popularity', 'quantize', 'currency', 'foldIn', 'meta', 'cart',
  'freeShippingThreshold', 'excludeViewed'];

// Each entry is a function so every call gets a fresh value (detached buffers, proxies).
const HOSTILE = [
  () => undefined, () => null, () => true, () => false, () => 0, () => -0, () => 1, () => -1,
  () => 1.5, () => NaN, () => Infinity, () => -Infinity, () => 2 ** 53 + 2, () => -(2 ** 31),
  () => Number.MAX_VALUE, () => Number.MIN_VALUE, () => 10n, () => Symbol('s'), () => '',
  () => MB, () => '🛒\u0000\ud800\u202e"\\<script>', () => 'a', () => 'i0', () => 'view',
  () => ({}), () => [], () => [1, 2], () => ['a', 5], () => [MB], () => [''],
  () => new Array(200_000).fill('i1'), () => new Array(1 << 20), () => Array.from({ length: 5000 }, (_, i) => `u${i}`),
  () => new Uint8Array(0), () => new Uint8Array(40).fill(255), () => detachedU8(), () => detachedF32(),
  () => new Float32Array([NaN, Infinity, -Infinity]), () => new Float64Array(3), () => new ArrayBuffer(8),
  () => new DataView(new ArrayBuffer(8)), () => function f() {}, () => throwingProxy(),
  () => throwingProxy([]), () => revokedProxy(), () => getterObj(KEYS), () => arrayWithThrowingIndex(),
  () => Object.create(null), () => new Date(NaN), () => /re/, () => Promise.resolve(1),
  () => ({ toString: boom, valueOf: boom }), () => ({ k: NaN }), () => ({ k: 1e9 }),
  () => ({ k: -1 }), () => ({ k: '5' }), () => ({ k: 10n }), () => ({ exclude: 'a' }),
  () => ({ exclude: [1] }), () => ({ exclude: throwingProxy([]) }), () => ({ exclude: arrayWithThrowingIndex() }),
  () => ({ category: 5 }), () => ({ minPrice: -1, maxPrice: NaN }), () => ({ diversity: Infinity }),
  () => ({ storageKey: '' }), () => ({ storageKey: MB }), () => ({ maxEvents: 0 }), () => ({ maxEvents: 1e12 }),
  () => ({ maxCartLines: 0 }), () => ({ maxCartLines: 1e12 }),
  () => ({ halfLifeHours: -1 }), () => ({ halfLifeHours: NaN }), () => ({ sha256: 'zz' }), () => ({ sha256: 5 }),
  () => ({ ids: ['a'], dims: 1, embeddings: new Float32Array([NaN]) }),
  () => ({ ids: ['a', 'a'], dims: 1, embeddings: [1, 2] }),
  () => ({ ids: ['a'], dims: 4097, embeddings: [] }),
  () => ({ ids: ['a'], dims: 1, embeddings: detachedF32() }),
  () => ({ ids: ['a'], dims: 1, embeddings: [1], foldIn: throwingProxy() }),
  () => ({ ids: ['a'], dims: 1, embeddings: [1], meta: { toJSON: boom } }),
  () => ({ ids: ['a'], dims: 1, embeddings: [1], prices: [-1] }),
  () => ({ ids: ['a'], dims: 1, embeddings: [1], currency: '€€€€€' }),
  () => ({ cart: [MB] }), () => ({ cart: throwingProxy([]) }), () => ({ freeShippingThreshold: -Infinity }),
];

function catalogue() {
  const n = 50, d = 8, r = mulberry32(7);
  const ids = Array.from({ length: n }, (_, i) => `i${i}`);
  return buildPack({
    ids, dims: d, embeddings: Float32Array.from({ length: n * d }, () => r() * 2 - 1),
    titles: ids.map((id) => `T ${id}`), prices: ids.map((_, i) => i % 9),
    categories: ids.map((_, i) => ['a', 'b'][i % 2]), popularity: ids.map((_, i) => i % 5),
    currency: 'GBP',
  });
}

function methodsOf(obj: object): string[] {
  const names = new Set<string>();
  for (let p = obj; p && p !== Object.prototype && p !== Function.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) {
      const desc = Object.getOwnPropertyDescriptor(p, k);
      if (k !== 'constructor' && typeof desc?.value === 'function') names.add(k);
    }
  }
  return [...names];
}

function gettersOf(proto: object): string[] {
  return Object.getOwnPropertyNames(proto).filter((k) => Object.getOwnPropertyDescriptor(proto, k)?.get);
}

// Distinct failures (by function and message), reported together at the end.
const failures = new Map<string, number>();

/** Call `f`; a throw must be an Error with a code. Returns 'ok' or the code. */
function check(label: string, f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (isCartsenseError(e) && !(e instanceof WebAssembly.RuntimeError)) return e.code;
    let bad;
    if (e instanceof WebAssembly.RuntimeError) bad = `wasm trap: ${e.message}`;
    else if (!(e instanceof Error)) bad = `threw a non-Error: ${typeof e} ${String(e)}`;
    else bad = `Error without a code: ${e.name}: ${e.message}`;
    const key = `${label.split('(')[0]}: ${bad.slice(0, 160)}`;
    failures.set(key, (failures.get(key) ?? 0) + 1);
    return 'FAILED';
  }
}

function stillWorks(rec: cartsense.Recommender, label: string) {
  rec.view('i3', 1000);
  rec.addToCart('i4', 1001);
  const recs = rec.recommend({ k: 5 });
  assert.equal(recs.length, 5, `${label}: recommend still answers`);
  assert.ok(!recs.some((r) => r.id === 'i4'), `${label}: cart item not recommended`);
  assert.ok(rec.cart().includes('i4'), `${label}: cart still kept`);
  assert.equal(rec.similar('i1', { k: 3 }).length, 3);
  rec.removeFromCart('i4', 1002);
}

test('every export survives seeded random wrong arguments', { timeout: 120_000 }, () => {
  const pack = catalogue();
  const rand = mulberry32(20261129);
  const pick = () => HOSTILE[Math.floor(rand() * HOSTILE.length)]();
  const fns = Object.entries(cartsense).filter(([k, v]) => typeof v === 'function' && !LOADERS.has(k));
  const statics = methodsOf(Recommender).filter((k) => !k.startsWith('__'));
  // `__destroy_into_raw` and `__wrap` are wasm-bindgen internals (they hand the pointer over).
  const instanceMethods = methodsOf(Recommender.prototype).filter((k) => k !== 'free' && !k.startsWith('__'));
  const getters = gettersOf(Recommender.prototype);
  assert.ok(statics.includes('fromBytes') && instanceMethods.includes('recommend'));

  const rec = Recommender.fromBytes(pack);
  const codes = new Map<string, number>();
  let calls = 0;
  const count = (c: string) => codes.set(c, (codes.get(c) ?? 0) + 1);
  const ROUNDS = 40;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, f] of fns) {
      if (name === 'Recommender') continue; // the class: its statics are below
      for (let arity = 0; arity <= 3; arity++) {
        const args = Array.from({ length: arity }, pick);
        calls++;
        count(check(`${name}(${arity})`, () => (f as (...a: unknown[]) => unknown)(...args)));
      }
    }
    for (const name of statics) {
      for (let arity = 0; arity <= 3; arity++) {
        const args = Array.from({ length: arity }, pick);
        // Half the time give a good pack so the options argument is what gets tested.
        if (arity >= 1 && rand() < 0.5) args[0] = pack;
        calls++;
        count(check(`Recommender.${name}`, () => {
          const r = loose(Recommender)[name](...args);
          if (r instanceof Recommender) r.free();
        }));
      }
    }
    for (const name of instanceMethods) {
      for (let arity = 0; arity <= 3; arity++) {
        const args = Array.from({ length: arity }, pick);
        calls++;
        count(check(`rec.${name}`, () => loose(rec)[name](...args)));
      }
    }
    for (const g of getters) check(`rec.${g}`, () => loose(rec)[g]);
    stillWorks(rec, `round ${round}`);
  }
  // The module as a whole still works: a new instance from the same bytes.
  const fresh = Recommender.fromBytes(pack);
  stillWorks(fresh, 'fresh instance');
  check('fresh.free', () => fresh.free());
  check('rec.free', () => rec.free());
  assert.deepEqual([...failures.keys()], [], `failures (with counts): ${JSON.stringify([...failures])}`);
  console.log(`boundary: ${calls} calls, ${fns.length - 1 + statics.length} functions/statics, ` +
    `${instanceMethods.length} methods, ${getters.length} getters; outcomes ${JSON.stringify(Object.fromEntries(codes))}`);
});

test('a freed instance throws a JS Error, not a trap', () => {
  const rec = Recommender.fromBytes(catalogue());
  rec.free();
  assert.throws(() => rec.recommend(), (e) => e instanceof Error && !(e instanceof WebAssembly.RuntimeError));
});
