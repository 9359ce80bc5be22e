// Compiled with `tsc --noEmit` against pkg/worker.d.ts: `cartsense/worker` must mirror the
// Recommender method for method (same parameters, a Promise of the same result). worker.d.ts
// derives its methods from cartsense.d.ts, so this holds by construction; the check stays so a
// hand-written override there cannot drift. (That worker.js has every method at run time is
// tests/page/worker.test.mjs's check.)
import type { Recommender, Recommendation, CartSuggestions, ErrorCode } from 'cartsense';
import { WorkerRecommender } from 'cartsense/worker';
import type { WorkerErrorCode, WorkerRecommenderError, PackSource } from 'cartsense/worker';

type Methods<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];
type Mirrored = Exclude<Methods<Recommender>, 'free' | typeof Symbol.dispose>; // both stay synchronous, below
type AsyncOf<F> = F extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;
type Equals<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false;
type Mirror = { [K in Mirrored]: Equals<WorkerRecommender[K], AsyncOf<Recommender[K]>> };
type AllTrue<T> = false extends T[keyof T] ? false : true;
export const mirrored: AllTrue<Mirror> = true;
export const facts: Equals<Pick<WorkerRecommender, 'itemCount' | 'dims' | 'currency' | 'persistent' | 'free' | typeof Symbol.dispose>,
  Pick<Recommender, 'itemCount' | 'dims' | 'currency' | 'persistent' | 'free' | typeof Symbol.dispose>> = true;

export async function storefront(bytes: Uint8Array): Promise<string[]> {
  const rec: WorkerRecommender = await WorkerRecommender.load('/model.cspk', { storageKey: 'shop', maxEvents: 100 });
  const fromBytes: WorkerRecommender = await WorkerRecommender.load(bytes, { sha256: '0'.repeat(64) });
  await rec.view('85123A');
  await rec.addToCart('22423', Date.now());
  const list: Recommendation[] = await rec.recommend({ k: 8, diversity: 0.3 });
  const cs: CartSuggestions = await rec.completeCart({ k: 4, freeShippingThreshold: 25 });
  const n: number = rec.itemCount + rec.dims + cs.gap + list.length;
  const persisted: boolean = rec.persistent;
  try {
    await fromBytes.similar('nope');
  } catch (e) {
    const code: WorkerErrorCode | undefined = (e as WorkerRecommenderError).code;
    const binding: ErrorCode = 'UNKNOWN_ITEM';
    if (code === binding || code === 'PACK_FETCH' || code === 'WORKER_TERMINATED') rec.terminate();
  }
  fromBytes.free();
  const src: PackSource = new URL('https://shop.example/model.cspk');
  // @ts-expect-error every method returns a Promise, not the result
  const sync: Recommendation[] = rec.recommend({ k: 3 });
  // @ts-expect-error k must be a number
  await rec.recommend({ k: '3' });
  // @ts-expect-error a Blob is not a pack source
  await WorkerRecommender.load(new Blob([]));
  // @ts-expect-error instances come from load()
  new WorkerRecommender();
  return [String(n), String(persisted), String(src), ...sync.map((r) => r.id)];
}
