// Types of `cartsense/worker`: the Recommender in a module Web Worker (see worker.js).
import type {
  Bundle, CartSuggestions, CompleteCartOptions, BundleOptions, ErrorCode, HistoryEvent,
  ImportResult, Item, PopularOptions, PurchaseRecord, Recommendation, RecommendOptions,
  RecommenderOptions, SimilarOptions,
} from './cartsense.js';

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

  view(itemId: string, at?: number): Promise<void>;
  addToCart(itemId: string, at?: number): Promise<void>;
  removeFromCart(itemId: string, at?: number): Promise<void>;
  purchase(itemIds: string[], at?: number): Promise<void>;
  cart(): Promise<string[]>;
  history(): Promise<HistoryEvent[]>;
  clearHistory(): Promise<void>;
  exportHistory(): Promise<string>;
  importHistory(json: string): Promise<ImportResult>;
  importOrders(orders: { items: string[]; at: number }[]): Promise<ImportResult>;
  purchaseRecord(): Promise<PurchaseRecord[]>;
  buyAgain(opts?: PopularOptions): Promise<Recommendation[]>;
  recommend(opts?: RecommendOptions): Promise<Recommendation[]>;
  similar(itemId: string, opts?: SimilarOptions): Promise<Recommendation[]>;
  popular(opts?: PopularOptions): Promise<Recommendation[]>;
  completeCart(opts?: CompleteCartOptions): Promise<CartSuggestions>;
  frequentlyBoughtTogether(itemId: string, opts?: { k?: number }): Promise<Recommendation[]>;
  bundles(opts?: BundleOptions): Promise<Bundle[]>;
  item(itemId: string): Promise<Item | undefined>;
  categories(): Promise<string[]>;
  meta(): Promise<Record<string, unknown>>;
}
