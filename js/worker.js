// `cartsense/worker`: the Recommender in a module Web Worker, so scoring never blocks the page.
//
//   import { WorkerRecommender } from 'cartsense/worker';
//   const rec = await WorkerRecommender.load('/model.cspk', { storageKey: 'shop:history' });
//   await rec.view('85123A');
//   const list = await rec.recommend({ k: 8 });
//
// This module runs on the page and never loads the wasm itself: the worker (worker-main.js)
// fetches the pack, instantiates the wasm and answers each call. Every method of `Recommender`
// is here with the same arguments, returning a Promise of the same result; errors reject with
// an `Error` carrying the same `code` and message.
//
// Calls run in the worker one after another in the order they are made, so
// `rec.view(id); rec.recommend()` (without awaiting the view) already sees the view.
//
// History: workers have no localStorage, so the page owns it. The worker runs the unchanged
// binding against a mirror of the one stored value; every write the binding makes is posted
// here and written to localStorage under the same `storageKey` before the call that made it
// resolves, and what other tabs or scripts store reaches the worker before the next call (and
// on `storage` events), where the binding merges it exactly as the synchronous API does.

const TOKEN = Symbol('WorkerRecommender.load');

/** An `Error` shaped like the ones the binding throws (`name`, `code`, message). */
function failure(code, message) {
  const e = new Error(message);
  e.name = 'CartsenseError';
  e.code = code;
  return e;
}

/** Re-create an error the worker posted (structured clone drops the `code` property). */
function revive(err) {
  const e = new Error(err.message);
  e.name = err.name;
  if (err.code !== undefined) e.code = err.code;
  return e;
}

/** localStorage of this page, or null where reading it throws (sandboxed frames, some private modes). */
function pageStorage() {
  try {
    const s = globalThis.localStorage;
    if (!s) return null;
    s.getItem('cartsense:probe');
    return s;
  } catch {
    return null;
  }
}

/** The pack as an ArrayBuffer we may transfer, or an absolute URL string for the worker to fetch. */
function packSource(pack) {
  if (typeof pack === 'string' || pack instanceof URL) {
    return { url: new URL(String(pack), globalThis.location?.href).href, transfer: [] };
  }
  if (pack instanceof ArrayBuffer) return { buffer: pack, transfer: [pack] };
  if (pack instanceof Uint8Array) {
    // A view over the whole buffer is transferred as it is (the caller's array is emptied);
    // a window into a larger buffer is copied first, so nothing else of the caller's goes away.
    const whole = pack.buffer instanceof ArrayBuffer && pack.byteOffset === 0 && pack.byteLength === pack.buffer.byteLength;
    const buffer = whole ? pack.buffer : pack.slice().buffer;
    return { buffer, transfer: [buffer] };
  }
  const what = pack === null ? 'null' : typeof pack === 'object' ? pack.constructor?.name ?? 'object' : typeof pack;
  throw failure('BAD_ARGUMENT', `pack must be a URL, a string, a Uint8Array or an ArrayBuffer, got ${what}`);
}

export class WorkerRecommender {
  #worker;
  #pending = new Map();
  #nextId = 1;
  #dead = null; // the error every call gets once the worker is gone
  #storage = null; // page localStorage while the history persists there
  #key = null;
  #seen = null; // the stored value as the worker's mirror holds it
  #persistent = false;
  #onStorage = null;
  #facts;

  /** Use `WorkerRecommender.load()`. */
  constructor(token) {
    if (token !== TOKEN) throw new TypeError('use WorkerRecommender.load(pack, options)');
  }

  /**
   * Start a module worker, fetch (URL) or take (bytes) the pack there and load it.
   * Rejects with the same `PACK_*` / `BAD_ARGUMENT` errors as `Recommender.fromBytes`,
   * `PACK_FETCH` when the URL cannot be fetched, `WORKER_FAILED` when the worker cannot start.
   */
  static async load(pack, options) {
    if (typeof Worker !== 'function') {
      throw failure('WORKER_FAILED', 'cartsense/worker needs the Web Worker API (a browser); in Node use the Recommender from cartsense');
    }
    const { transfer, ...where } = packSource(pack);
    const self = new WorkerRecommender(TOKEN);
    // Options go to the binding as given, so it validates them exactly as fromBytes does.
    const key = options?.storageKey;
    const storage = typeof key === 'string' && key !== '' ? pageStorage() : null;
    let stored = null;
    if (storage) {
      try {
        stored = storage.getItem(key);
        self.#storage = storage;
        self.#key = key;
        self.#seen = stored;
        self.#persistent = true;
      } catch {
        self.#storage = null;
      }
    }
    try {
      self.#worker = new Worker(new URL('./worker-main.js', import.meta.url), { type: 'module', name: 'cartsense' });
    } catch (e) {
      throw failure('WORKER_FAILED', `the cartsense worker could not start: ${e.message}`);
    }
    self.#worker.onmessage = (e) => self.#receive(e.data);
    self.#worker.onmessageerror = () => self.#fail(failure('WORKER_FAILED', 'a message from the cartsense worker could not be read'));
    self.#worker.onerror = (e) => {
      e.preventDefault?.();
      self.#fail(failure('WORKER_FAILED', `the cartsense worker failed: ${e.message || 'its script did not load (path, MIME type or Content-Security-Policy worker-src)'}`));
    };
    const init = {
      ...where,
      options,
      // Only with storage in reach does the worker get a localStorage mirror; otherwise the
      // binding finds none and keeps the history in memory, as it does on the page.
      mirror: self.#storage ? { key, value: stored } : null,
    };
    try {
      self.#facts = await self.#send('load', init, transfer);
    } catch (e) {
      self.terminate();
      throw e;
    }
    if (self.#storage) {
      self.#onStorage = (e) => {
        if (e.storageArea === self.#storage && (e.key === null || e.key === self.#key)) self.#sync(true);
      };
      globalThis.addEventListener?.('storage', self.#onStorage);
    }
    return self;
  }

  /** Number of items in the pack. */
  get itemCount() { return this.#facts.itemCount; }
  /** Embedding dimensions. */
  get dims() { return this.#facts.dims; }
  /** Currency code of the pack's prices (may be ''). */
  get currency() { return this.#facts.currency; }
  /** True while the history is being written to this page's localStorage (false: memory only). */
  get persistent() { return this.#storage !== null && this.#persistent && this.#dead === null; }

  /** Stop the worker and release its memory; pending and later calls reject with `WORKER_TERMINATED`. */
  terminate() {
    this.#fail(failure('WORKER_TERMINATED', 'this WorkerRecommender was terminated'));
  }

  /** Same as `terminate()` (the name the synchronous `Recommender` uses). */
  free() {
    this.terminate();
  }

  // The Recommender's methods, each forwarded with its arguments exactly as given.
  /** `await rec.view('85123A')` */
  view(...args) { return this.#call('view', args); }
  addToCart(...args) { return this.#call('addToCart', args); }
  removeFromCart(...args) { return this.#call('removeFromCart', args); }
  purchase(...args) { return this.#call('purchase', args); }
  cart() { return this.#call('cart', []); }
  history() { return this.#call('history', []); }
  clearHistory() { return this.#call('clearHistory', []); }
  exportHistory() { return this.#call('exportHistory', []); }
  importHistory(...args) { return this.#call('importHistory', args); }
  importOrders(...args) { return this.#call('importOrders', args); }
  purchaseRecord() { return this.#call('purchaseRecord', []); }
  buyAgain(...args) { return this.#call('buyAgain', args); }
  /** `await rec.recommend({ k: 8 })` */
  recommend(...args) { return this.#call('recommend', args); }
  similar(...args) { return this.#call('similar', args); }
  popular(...args) { return this.#call('popular', args); }
  completeCart(...args) { return this.#call('completeCart', args); }
  frequentlyBoughtTogether(...args) { return this.#call('frequentlyBoughtTogether', args); }
  bundles(...args) { return this.#call('bundles', args); }
  item(...args) { return this.#call('item', args); }
  categories() { return this.#call('categories', []); }
  meta() { return this.#call('meta', []); }

  #call(method, args) {
    return this.#send('call', { method, args });
  }

  #fail(err) {
    if (this.#dead) return;
    this.#dead = err;
    if (this.#onStorage) globalThis.removeEventListener?.('storage', this.#onStorage);
    this.#onStorage = null;
    this.#worker?.terminate();
    for (const { reject } of this.#pending.values()) reject(err);
    this.#pending.clear();
  }

  #receive(msg) {
    if (msg.op === 'store') {
      // Written before the reply of the call that made the change is handled.
      this.#seen = msg.value;
      try {
        this.#storage?.setItem(this.#key, msg.value);
        this.#persistent = true;
      } catch {
        this.#persistent = false; // quota, revoked access: the worker keeps it in memory
      }
      return;
    }
    const p = this.#pending.get(msg.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(revive(msg.error));
  }

  /** Tell the worker what is stored now if it changed since it last saw it (another instance or tab). */
  #sync(notify) {
    if (!this.#storage || this.#dead) return undefined;
    let now;
    try {
      now = this.#storage.getItem(this.#key);
    } catch {
      return undefined;
    }
    if (now === this.#seen) return undefined;
    this.#seen = now;
    const update = { value: now };
    if (notify) this.#worker.postMessage({ op: 'storage', mirror: update });
    return update;
  }

  #send(op, body, transfer = []) {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    const mirror = op === 'load' ? undefined : this.#sync(false);
    return new Promise((resolve, reject) => {
      try {
        this.#worker.postMessage({ op, id, mirror, ...body }, transfer);
      } catch (e) {
        // DataCloneError: a function, a DOM node... cannot cross to the worker.
        reject(failure('BAD_ARGUMENT', `arguments must be plain data (structured-cloneable): ${e.message}`));
        return;
      }
      this.#pending.set(id, { resolve, reject });
    });
  }
}

// `using rec = await WorkerRecommender.load(...)` terminates the worker at the end of the scope.
if (Symbol.dispose) WorkerRecommender.prototype[Symbol.dispose] = WorkerRecommender.prototype.terminate;
