// The Spark-built pack as a storefront loads it: the npm package (pkg/, imported by name as
// tests/js do), `recommend` after a cart of known items, a non-empty list of the pack's ids.
//   node spark/check_pack.mjs PACK ITEM [ITEM ...]
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { Recommender } from 'cartsense';

const [pack, ...cart] = process.argv.slice(2);
assert.ok(pack && cart.length > 0, 'usage: node spark/check_pack.mjs PACK ITEM [ITEM ...]');
const rec = Recommender.fromBytes(new Uint8Array(readFileSync(pack)));
try {
  const known = { has: (id) => rec.item(id) !== undefined };
  for (const id of cart) assert.ok(known.has(id), `${id} is not in the pack`);
  const source = rec.meta().source;
  assert.equal(source?.builder, 'spark', 'the pack metadata does not say it was built on Spark');
  for (const id of cart) rec.addToCart(id);
  const recs = rec.recommend({ k: 10 });
  assert.ok(recs.length > 0, 'recommend returned an empty list');
  for (const r of recs) {
    assert.ok(known.has(r.id), `recommended ${r.id}, not an item of the pack`);
    assert.ok(!cart.includes(r.id), `recommended ${r.id}, already in the cart`);
  }
  const similar = rec.similar(cart[0], { k: 5 });
  assert.ok(similar.length > 0, 'similar returned an empty list');
  console.log(`pack loads in the npm package (Spark ${source.sparkVersion}); cart ${JSON.stringify(cart)} -> ` +
    JSON.stringify(recs.slice(0, 5).map((r) => r.id)));
} finally {
  rec.free();
}
