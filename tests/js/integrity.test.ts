// Integrity: `fromBytes(bytes, { sha256 })` refuses bytes that do not hash to the digest the
// storefront published, before parsing them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Recommender, buildPack } from 'cartsense';
import { isCartsenseError, withCode as code } from './util.js';

const bytes = buildPack({ ids: ['a', 'b', 'c'], dims: 2, embeddings: [1, 0, 0, 1, 0.5, 0.5] });
const hex = createHash('sha256').update(bytes).digest('hex');
test('a matching digest loads, in either case', () => {
  for (const sha256 of [hex, hex.toUpperCase()]) {
    const rec = Recommender.fromBytes(bytes, { sha256 });
    assert.equal(rec.itemCount, 3);
    rec.free();
  }
});

test('another pack, or any flipped byte, throws PACK_CHECKSUM', () => {
  const other = buildPack({ ids: ['x'], dims: 1, embeddings: [1] });
  assert.throws(() => Recommender.fromBytes(other, { sha256: hex }), code('PACK_CHECKSUM'));
  for (let i = 0; i < bytes.length; i++) {
    const bad = bytes.slice();
    bad[i] ^= 0x01;
    assert.throws(() => Recommender.fromBytes(bad, { sha256: hex }), code('PACK_CHECKSUM'), `byte ${i}`);
  }
  assert.throws(() => Recommender.fromBytes(bytes, { sha256: hex }) && Recommender.fromBytes(bytes.subarray(1), { sha256: hex }),
    code('PACK_CHECKSUM'));
});

test('a malformed digest is a BAD_ARGUMENT', () => {
  for (const sha256 of ['', 'abc', hex.slice(1), `${hex}0`, 'g'.repeat(64)]) {
    assert.throws(() => Recommender.fromBytes(bytes, { sha256 }), code('BAD_ARGUMENT'), sha256);
  }
  // @ts-expect-error sha256 is a string
  assert.throws(() => Recommender.fromBytes(bytes, { sha256: 5 }), code('BAD_ARGUMENT'));
  // @ts-expect-error sha256 is a string
  assert.throws(() => Recommender.fromBytes(bytes, { sha256: ['x'] }), code('BAD_ARGUMENT'));
});

test('the mismatch message names both digests', () => {
  const wrong = '0'.repeat(64);
  assert.throws(() => Recommender.fromBytes(bytes, { sha256: wrong }),
    (e) => isCartsenseError(e) && e.code === 'PACK_CHECKSUM' && e.message.includes(wrong) && e.message.includes(hex));
});
