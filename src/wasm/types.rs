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
  /** Recency half-life in hours (default: the pack's tuned value, else 24). */
  halfLifeHours?: number;
}

export type EventType = 'view' | 'add_to_cart' | 'remove_from_cart' | 'purchase';

export interface HistoryEvent { type: EventType; itemId: string; at: number; }

export interface ImportResult { kept: number; dropped: number; }

export interface Item { id: string; title: string; price: number; category: string; }

export type ReasonKind =
  | 'viewed' | 'in-cart' | 'purchased' | 'popular' | 'similar' | 'bought-together' | 'pairs-with';

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
  /**
   * Store the Gram matrix of the rows so the profile is the least-squares fold-in of implicit
   * ALS (use the lambda and alpha your item factors were trained with).
   */
  foldIn?: { lambda: number; alpha: number };
  /** Extra JSON metadata (e.g. `{ name: 'my shop' }`). */
  meta?: Record<string, unknown>;
}
"#;
