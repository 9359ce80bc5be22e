// Types of `cartsense/worker`: the Recommender in a module Web Worker (see worker.js). The
// methods are not written out here: `AsyncRecommender` derives them from `Recommender` in
// cartsense.d.ts (the binding's generated types), so they cannot drift from it.
import type { ErrorCode, Recommender, RecommenderOptions } from './cartsense.js';

/**
 * Codes of the errors a `WorkerRecommender` rejects with: the binding's own, plus
 * `PACK_FETCH` (the pack URL could not be fetched: network error or HTTP status),
 * `WORKER_FAILED` (the worker or its wasm did not start: path, MIME type, Content-Security-Policy
 * `worker-src`/`script-src`, or no Web Worker API) and `WORKER_TERMINATED` (after `terminate()`).
 */
export type WorkerErrorCode = ErrorCode | 'PACK_FETCH' | 'WORKER_FAILED' | 'WORKER_TERMINATED';

/** The `Error` every `WorkerRecommender` promise rejects with. */
export interface WorkerRecommenderError extends Error { name: 'CartsenseError'; code: WorkerErrorCode; }

/**
 * `Recommender` options. With `storageKey` the history persists in this page's `localStorage`
 * (the worker has none): the page writes what the worker's binding stores and passes changes
 * from other tabs back, so history survives reloads and merges across tabs as with `Recommender`.
 */
export type WorkerRecommenderOptions = RecommenderOptions;

/**
 * The pack: a URL (fetched inside the worker, resolved against the page's address), or bytes.
 * Bytes are transferred, not copied: a `Uint8Array` over a whole `ArrayBuffer`, or the
 * `ArrayBuffer` itself, is empty afterwards (pass `bytes.slice()` to keep them).
 */
export type PackSource = string | URL | Uint8Array | ArrayBuffer;

/** Names of the `Recommender` methods a `WorkerRecommender` runs in the worker (all but `free`). */
export type WorkerMethod = Exclude<
  { [K in keyof Recommender]: Recommender[K] extends (...args: never[]) => unknown ? K : never }[keyof Recommender],
  'free' | typeof Symbol.dispose
>;

/**
 * Every method of `Recommender`, with the same parameters (and documentation), resolving to
 * the same result.
 */
export type AsyncRecommender = {
  [K in WorkerMethod]: Recommender[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;
};

/**
 * The `Recommender` running in a module Web Worker, so scoring never blocks the page. Every
 * method takes the same arguments as on `Recommender` and resolves to the same result; calls run
 * in the order they are made.
 *
 * ```js
 * import { WorkerRecommender } from 'cartsense/worker';
 * const rec = await WorkerRecommender.load('/model.cspk', { storageKey: 'shop:history' });
 * await rec.view('85123A');
 * for (const r of await rec.recommend({ k: 8 })) console.log(r.title, r.because);
 * rec.terminate();
 * ```
 */
export interface WorkerRecommender extends AsyncRecommender {}

export class WorkerRecommender {
  private constructor();
  /** Start the worker and load the pack there (same validation and errors as `Recommender.fromBytes`). */
  static load(pack: PackSource, options?: WorkerRecommenderOptions): Promise<WorkerRecommender>;
  /** Number of items in the pack. */
  readonly itemCount: number;
  /** Embedding dimensions. */
  readonly dims: number;
  /** Currency code of the pack's prices (may be ''). */
  readonly currency: string;
  /** True while the history is being written to this page's `localStorage` (false: memory only). */
  readonly persistent: boolean;
  /** Stop the worker and free its memory; pending and later calls reject with `WORKER_TERMINATED`. */
  terminate(): void;
  /** Same as `terminate()`. */
  free(): void;
  /** Same as `terminate()` (`using rec = await WorkerRecommender.load(...)`). */
  [Symbol.dispose](): void;
}
