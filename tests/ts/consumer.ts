// Compiled with `tsc --noEmit` against pkg/*.d.ts: the published types must describe the API
// precisely (no `any` for options or results).
import init, { Recommender, buildPack } from 'cartsense';
import type { Recommendation, HistoryEvent, ImportResult, Item, ErrorCode, CartsenseError, CartSuggestions, Bundle } from 'cartsense';

export async function storefront(bytes: Uint8Array): Promise<string[]> {
  await init();
  const rec: Recommender = Recommender.fromBytes(bytes, { storageKey: 'shop', maxEvents: 100, maxCartLines: 500, halfLifeHours: 12 });
  rec.view('85123A');
  rec.view('85123A', Date.now());
  rec.addToCart('22423');
  rec.removeFromCart('22423');
  rec.purchase(['84879']);
  const cart: string[] = rec.cart();
  const h: HistoryEvent[] = rec.history();
  const kind: 'view' | 'add_to_cart' | 'remove_from_cart' | 'purchase' = h[0].type;
  const r: ImportResult = rec.importHistory(rec.exportHistory());
  const kept: number = r.kept + r.dropped;
  const list: Recommendation[] = rec.recommend({ k: 8, category: 'Kitchen', minPrice: 1, maxPrice: 20, diversity: 0.3, exclude: cart });
  const why: string | undefined = list[0]?.because.itemId;
  const seeded: ImportResult = rec.importOrders([{ items: ['85123A'], at: 1 }]);
  const again: Recommendation[] = rec.buyAgain({ k: 4, category: 'Bags' });
  const cs: CartSuggestions = rec.completeCart({ k: 4, freeShippingThreshold: 25 });
  const gap: number = cs.gap + cs.cartTotal + seeded.kept + again.length;
  const fbt: Recommendation[] = rec.frequentlyBoughtTogether('85123A', { k: 3 });
  const sets: Bundle[] = rec.bundles({ anchor: '85123A', size: 3, count: 2, discount: 0.1 });
  const price: number = sets[0]?.price ?? gap + fbt.length;
  const sim: Recommendation[] = rec.similar('85123A', { k: 4, minPrice: 2, maxPrice: 30, exclude: cart });
  // Every list method takes the price filters it honours (issue 13: popular was typed with two keys).
  const pop: Recommendation[] = rec.popular({ k: 4, category: 'Bags', minPrice: 1 });
  rec.buyAgain({ maxPrice: 10 });
  // @ts-expect-error diversity is recommend()'s only (popular() would ignore it)
  rec.popular({ diversity: 0.5 });
  const item: Item | undefined = rec.item('85123A');
  const n: number = rec.itemCount + rec.dims + kept + price;
  rec.clearHistory();
  rec.free();
  const made: Uint8Array = buildPack({ ids: ['a'], dims: 1, embeddings: new Float32Array([1]), quantize: 'f32', currency: 'GBP' });
  // @ts-expect-error k must be a number
  Recommender.fromBytes(made).recommend({ k: '3' });
  // @ts-expect-error unknown event types are not representable
  const bad: HistoryEvent = { type: 'click', itemId: 'a', at: 1 };
  const code: ErrorCode = 'PACK_CHECKSUM';
  const isOurs = (e: unknown): e is CartsenseError => e instanceof Error && 'code' in e;
  return [kind, why ?? '', item?.title ?? '', String(n), code, String(isOurs(bad)), ...sim.map((s) => s.id), ...pop.map((p) => p.id)];
}
