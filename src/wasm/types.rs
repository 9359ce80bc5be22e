//! TypeScript declarations for the option and result objects (so the `.d.ts` has no `any`).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Stable codes on every error cartsense throws (`err.code`). */
export type ErrorCode =
  | 'PACK_BAD_MAGIC' | 'PACK_TRUNCATED' | 'PACK_CHECKSUM' | 'PACK_VERSION' | 'PACK_INVALID'
  | 'BAD_ARGUMENT' | 'UNKNOWN_ITEM';

/** The `Error` subclass shape thrown by every cartsense call. */
export interface CartsenseError extends Error { name: 'CartsenseError'; code: ErrorCode; }

export interface RecommenderOptions {
  /** Persist the history in `localStorage` under this key (falls back to memory silently). */
  storageKey?: string;
  /** Most events kept (default 200, 1..100000); the oldest are dropped first. */
  maxEvents?: number;
  /**
   * Most distinct items in the cart (default 1000, 1..100000). The cart is kept apart from the
   * events, so views never push a line out; adding a new item to a full cart throws `BAD_ARGUMENT`.
   */
  maxCartLines?: number;
  /** Recency half-life in hours (default: the pack's tuned value, else 24). */
  halfLifeHours?: number;
  /**
   * Expected SHA-256 of the pack bytes (64 hex digits). A mismatch throws `PACK_CHECKSUM`
   * before the pack is parsed: publish the digest with the pack to refuse stale or altered files.
   */
  sha256?: string;
}

export type EventType = 'view' | 'add_to_cart' | 'remove_from_cart' | 'purchase';

export interface HistoryEvent { type: EventType; itemId: string; at: number; }

export interface ImportResult { kept: number; dropped: number; }

/** One item of the long-term purchase record (`lastPurchase` is 0 if only added to carts). */
export interface PurchaseRecord { itemId: string; purchases: number; lastPurchase: number; cartAdds: number; }

export interface Item { id: string; title: string; price: number; category: string; }

export type ReasonKind =
  | 'viewed' | 'in-cart' | 'purchased' | 'popular' | 'similar' | 'bought-together' | 'pairs-with'
  | 'bought-before';

export interface Because { kind: ReasonKind; itemId?: string; }

export interface Recommendation {
  id: string; score: number; title: string; price: number; category: string; because: Because;
}

export interface RecommendOptions {
  /** How many (1..1000, default 10). */
  k?: number;
  /** Ids never to return (cart and purchased items are always left out). */
  exclude?: string[];
  category?: string;
  minPrice?: number;
  maxPrice?: number;
  /** 0 (default) = pure relevance; up to 1 = more varied (maximal marginal relevance). */
  diversity?: number;
  /** Also leave out items the shopper has viewed (default false: re-views are common). */
  excludeViewed?: boolean;
}

export interface SimilarOptions { k?: number; category?: string; minPrice?: number; maxPrice?: number; exclude?: string[]; }

export interface PopularOptions { k?: number; category?: string; }

export interface PackSpec {
  ids: string[];
  dims: number;
  /** Row-major, ids.length x dims. */
  embeddings: Float32Array | number[];
  titles?: string[];
  prices?: Float32Array | number[];
  categories?: string[];
  popularity?: Float32Array | number[];
  /** Storage of the embedding rows (default 'int8'). */
  quantize?: 'f32' | 'int8';
  /** Up to 4 capital letters, e.g. 'GBP'. */
  currency?: string;
  /** Co-purchase lists in compressed rows: item i's neighbours are index[offsets[i]..offsets[i+1]]. */
  neighbours?: { offsets: Uint32Array | number[]; index: Uint32Array | number[]; weight: Float32Array | number[] };
  /** Directed transitions item -> next item, same layout. */
  transitions?: { offsets: Uint32Array | number[]; index: Uint32Array | number[]; weight: Float32Array | number[] };
  /**
   * Store the Gram matrix of the rows so the profile is the least-squares fold-in of implicit
   * ALS (use the lambda and alpha your item factors were trained with).
   */
  foldIn?: { lambda: number; alpha: number };
  /** Extra JSON metadata (e.g. `{ name: 'my shop' }`). */
  meta?: Record<string, unknown>;
}

export interface CompleteCartOptions {
  /** The cart to complete (default: the recorded cart). A repeated id counts as quantity. */
  cart?: string[];
  /** How many add-ons (1..1000, default 10); also the most closers. */
  k?: number;
  /** Order value from which shipping is free (finite, >= 0). */
  freeShippingThreshold?: number;
  category?: string;
  maxPrice?: number;
  exclude?: string[];
}

/** A set of items that closes the free-shipping gap together. */
export interface Bundle { items: string[]; total: number; price: number; score: number; }

export interface CartSuggestions {
  /** Complements for the whole cart; `because` names the cart item each one completes. */
  items: Recommendation[];
  /** Cart value at pack prices (unknown ids count 0). */
  cartTotal: number;
  /** Missing amount to the free-shipping threshold (0 at or above it, or without one). */
  gap: number;
  /** Relevant single items whose price closes the gap with the least overshoot. */
  closers: Recommendation[];
  /** Pairs that close the gap when no single item does. */
  closerSets: Bundle[];
  /** Cart ids the pack does not know. */
  unknown: string[];
}

export interface BundleOptions {
  /** Build sets around this item ... */
  anchor?: string;
  /** ... or around this cart (default: the recorded cart). */
  cart?: string[];
  /** Items per set, 2..4 (default 3). */
  size?: number;
  /** How many sets (1..20, default 3). */
  count?: number;
  /** 0..0.5 (default 0). */
  discount?: number;
}
"#;
