// Helpers shared by the package tests.
import type { CartsenseError, ErrorCode } from 'cartsense';

/** True for what cartsense throws: an `Error` with a string `code`. */
export function isCartsenseError(e: unknown): e is CartsenseError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string';
}

/** The `code` of the error `f` throws, or 'no error'; anything thrown but a cartsense error fails. */
export function codeOf(f: () => unknown): ErrorCode | 'no error' {
  try {
    f();
  } catch (e) {
    if (!isCartsenseError(e)) throw new Error(`not a cartsense error: ${String(e)}`, { cause: e });
    if (e.message.length <= 10) throw new Error(`an unhelpful message: ${e.message}`, { cause: e });
    return e.code;
  }
  return 'no error';
}

/** For `assert.throws`: a cartsense error with this code. */
export const withCode = (c: ErrorCode) => (e: unknown) => isCartsenseError(e) && e.code === c;

/** A seeded generator of numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A seeded linear congruential generator of numbers in [-1, 1). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}
