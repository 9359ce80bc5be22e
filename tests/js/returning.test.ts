// Returning shoppers in the built package: `completeCart` blends what the shopper bought before
// into the add-ons with the weights the pack's metadata `returning` carries (what
// `cartsense build` chose on the shop's own returning customers), defaults otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Recommender, buildPack } from 'cartsense';
import type { Order, PackSpec, Recommendation } from 'cartsense';

const DAY = 86_400_000;

function spec(meta?: unknown): PackSpec {
  let s = 7;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const n = 120;
  const d = 8;
  const ids = Array.from({ length: n }, (_, i) => `sku-${i}`);
  return {
    ids,
    dims: d,
    embeddings: new Float32Array(n * d).map(() => r()),
    prices: Float32Array.from(ids, (_, i) => 2 + (i % 11)),
    categories: ids.map((_, i) => ['mugs', 'tea', 'gifts'][i % 3]),
    // Every item co-bought with its successor: the cart's add-ons come from there.
    neighbours: {
      offsets: Uint32Array.from({ length: n + 1 }, (_, i) => i),
      index: Uint32Array.from(ids, (_, i) => (i + 1) % n),
      weight: new Float32Array(n).fill(1),
    },
    currency: 'GBP',
    ...(meta === undefined ? {} : { meta: meta as Record<string, unknown> }),
  };
}

function shopper(meta?: unknown) {
  const rec = Recommender.fromBytes(buildPack(spec(meta)));
  rec.importOrders([
    { items: ['sku-40', 'sku-41'], at: 1 * DAY },
    { items: ['sku-40', 'sku-77'], at: 20 * DAY },
    { items: ['sku-40', 'sku-41', 'sku-5'], at: 30 * DAY },
  ]);
  rec.addToCart('sku-5');
  rec.addToCart('sku-10');
  return rec;
}

const kinds = (items: Recommendation[]) => items.map((r) => r.because.kind);

test('completeCart leans on buy-again as far as the pack metadata says', () => {
  const only = shopper({ returning: { buyAgainWeight: 1, norm: 'max' } }).completeCart({ k: 6 });
  assert.deepEqual(only.items.slice(0, 3).map((r) => r.id), ['sku-40', 'sku-41', 'sku-77'],
    'weight 1: bought before, most often first (sku-5 is in the cart)');
  assert.deepEqual(only.items[0].because, { kind: 'bought-before', itemId: 'sku-40' });

  const none = shopper({ returning: { buyAgainWeight: 0 } }).completeCart({ k: 6 });
  assert.ok(!kinds(none.items).includes('bought-before'), 'weight 0: complements only');
  assert.ok(none.items.every((r) => !['sku-40', 'sku-41', 'sku-77'].includes(r.id)),
    'weight 0: earlier purchases only shape the profile, they are not blended in');
  const half = shopper({ returning: { buyAgainWeight: 0.5, norm: 'sum' } }).completeCart({ k: 6 });
  assert.ok(kinds(half.items).includes('bought-before') && kinds(half.items).some((k) => k !== 'bought-before'),
    `weight 0.5: both kinds, got ${kinds(half.items)}`);

  for (const s of [only, none, half]) {
    assert.ok(s.items.every((r) => r.id !== 'sku-5' && r.id !== 'sku-10'), 'never a cart item');
  }
});

test('a malformed returning object is ignored as a whole (defaults), never an error', () => {
  const plain = shopper(undefined).completeCart({ k: 10 });
  for (const returning of [{ buyAgainWeight: 3 }, { norm: 'median' }, { halfLifeDays: -1 }, 'yes']) {
    const got = shopper({ returning }).completeCart({ k: 10 });
    assert.deepEqual(got, plain, JSON.stringify(returning));
  }
  assert.ok(kinds(plain.items).includes('bought-before'), 'the defaults blend buy-again in');
});

test('demo data: real returning customers get earlier purchases among their add-ons, new shoppers none', async () => {
  const { readFileSync } = await import('node:fs');
  // tests/js/ and target/js-tests/ (where this runs from) are equally deep.
  const root = new URL('../../www/data/', import.meta.url);
  const bytes = readFileSync(new URL('model.cspk', root));
  const { customers }: { customers: { id: string; orders: Order[] }[] } =
    JSON.parse(readFileSync(new URL('customers.json', root), 'utf8'));
  let withAgain = 0;
  for (const c of customers) {
    const returning = Recommender.fromBytes(bytes);
    returning.importOrders(c.orders);
    const fresh = Recommender.fromBytes(bytes);
    const cartItem = returning.popular({ k: 1 })[0].id;
    returning.addToCart(cartItem);
    fresh.addToCart(cartItem);
    const bought = new Set(c.orders.flatMap((o) => o.items));
    const s = returning.completeCart({ k: 18 });
    const again = s.items.filter((r) => r.because.kind === 'bought-before');
    assert.ok(again.every((r) => bought.has(r.id) && r.because.itemId === r.id), `${c.id}: only items they bought`);
    assert.ok(s.items.every((r) => r.id !== cartItem), 'never the cart item');
    if (again.length > 0) withAgain++;
    assert.ok(!kinds(fresh.completeCart({ k: 18 }).items).includes('bought-before'), 'a new shopper has no purchase record');
  }
  assert.ok(withAgain >= customers.length / 2, `${withAgain} of ${customers.length} customers see earlier purchases`);
});
