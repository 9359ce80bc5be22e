// The script inside the module worker that `WorkerRecommender.load()` (worker.js) starts: it
// instantiates the wasm, fetches or receives the pack, builds one `Recommender`, and answers
// each call with the result or the error (name, message, code) of the same call on it.
//
// Messages in:  { op: 'load', id, url | buffer, options, mirror: { key, value } | null }
//               { op: 'call', id, method, args, mirror?: { value } }
//               { op: 'storage', mirror: { value } }
// Messages out: { id, ok: true, result } | { id, ok: false, error: { name, message, code? } }
//               { op: 'store', key, value }   (the binding wrote the history)

import init, { Recommender } from './cartsense.js';

// What may be called: the Recommender's methods, never `free` or anything else on it.
const METHODS = new Set([
  'view', 'addToCart', 'removeFromCart', 'purchase', 'cart', 'history', 'clearHistory',
  'exportHistory', 'importHistory', 'importOrders', 'purchaseRecord', 'buyAgain', 'recommend',
  'similar', 'popular', 'completeCart', 'frequentlyBoughtTogether', 'bundles', 'item',
  'categories', 'meta',
]);

let rec = null;
let key = null;
let stored = null; // the one stored value, as the page last told us or the binding last wrote

function failure(code, message) {
  const e = new Error(message);
  e.name = 'CartsenseError';
  e.code = code;
  return e;
}

// The binding keeps the history in `window.localStorage` (web_sys::window()) and listens for
// `storage` events there. A worker has neither, so, when the page has storage, this worker's
// global stands in for the window: a one-key localStorage whose writes go to the page, which
// owns the real localStorage, and `storage` events when the page reports a change. The binding
// then loads, merges, follows clears and writes back exactly as it does on the page.
function installMirror(k, value) {
  key = k;
  stored = value;
  const localStorage = {
    getItem: (name) => (name === key ? stored : null),
    setItem: (name, v) => {
      if (name !== key) return;
      stored = String(v);
      postMessage({ op: 'store', key, value: stored });
    },
  };
  Object.defineProperty(globalThis, 'localStorage', { value: localStorage, configurable: true });
  Object.defineProperty(globalThis, 'Window', {
    value: class Window {
      static [Symbol.hasInstance](o) {
        return o === globalThis;
      }
    },
    configurable: true,
  });
}

/** Another tab or instance changed the stored value: take it, and let the binding merge now. */
function storageChanged(mirror, notify) {
  if (!mirror || key === null) return;
  stored = mirror.value;
  if (notify) {
    const e = new Event('storage');
    Object.defineProperty(e, 'key', { value: key });
    dispatchEvent(e);
  }
}

async function fetchPack(url) {
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    throw failure('PACK_FETCH', `could not fetch the pack ${url}: ${e.message}`);
  }
  if (!res.ok) throw failure('PACK_FETCH', `could not fetch the pack ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function load(msg) {
  if (msg.mirror) installMirror(msg.mirror.key, msg.mirror.value);
  const wasm = init().catch((e) => {
    throw failure('WORKER_FAILED', `the cartsense wasm did not load in the worker: ${e.message}`);
  });
  const bytes = msg.url !== undefined ? fetchPack(msg.url) : new Uint8Array(msg.buffer);
  const [, pack] = await Promise.all([wasm, bytes]);
  rec = Recommender.fromBytes(pack, msg.options);
  return { itemCount: rec.itemCount, dims: rec.dims, currency: rec.currency };
}

function reply(id, run) {
  try {
    postMessage({ id, ok: true, result: run() });
  } catch (e) {
    const error = e instanceof Error
      ? { name: e.name, message: e.message, code: e.code }
      : { name: 'Error', message: String(e) };
    postMessage({ id, ok: false, error });
  }
}

onmessage = (e) => {
  const msg = e.data;
  switch (msg.op) {
    case 'load':
      load(msg).then(
        (facts) => reply(msg.id, () => facts),
        (err) => reply(msg.id, () => { throw err; }),
      );
      break;
    case 'storage':
      storageChanged(msg.mirror, true);
      break;
    case 'call':
      storageChanged(msg.mirror, false);
      reply(msg.id, () => {
        if (!rec) throw failure('WORKER_FAILED', 'the pack is not loaded');
        if (!METHODS.has(msg.method)) throw failure('BAD_ARGUMENT', `no method ${msg.method}`);
        return rec[msg.method](...msg.args);
      });
      break;
    default:
      break;
  }
};
