// The demo's committed data and its static server, without a browser.
//
//   node --test tests/page/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { Recommender } from '../../pkg/node.js';
import { serve } from '../../www/serve.mjs';

const DATA = new URL('../../www/data/', import.meta.url);

test('the product table and the pack describe the same products', () => {
  const table = JSON.parse(readFileSync(new URL('products.json', DATA), 'utf8'));
  const bytes = readFileSync(new URL('model.cspk', DATA));
  assert.ok(statSync(new URL('products.json', DATA)).size + bytes.length < 1_000_000, 'committed data under 1 MB');
  assert.deepEqual(table.columns, ['id', 'title', 'price', 'popularity', 'collection']);
  const rec = Recommender.fromBytes(bytes, {});
  try {
    assert.equal(rec.itemCount, table.rows.length);
    assert.ok(table.rows.length >= 2000, 'a few thousand products');
    assert.equal(rec.currency, 'GBP');
    const ids = new Set();
    for (const [id, title, price, popularity, collection] of table.rows) {
      assert.match(id, /^[0-9A-Z]+$/, 'StockCode trimmed and upper-cased');
      assert.ok(!ids.has(id), `duplicate id ${id}`);
      ids.add(id);
      const it = rec.item(id);
      assert.ok(it, `pack lacks ${id}`);
      assert.equal(it.title, title);
      assert.equal(it.category, collection);
      assert.ok(Math.abs(it.price - price) < 1e-4 && price > 0, `price of ${id}`);
      assert.ok(Number.isInteger(popularity) && popularity > 0);
    }
    const collections = new Set(table.rows.map((r) => r[4]));
    assert.ok(collections.size >= 8 && collections.size <= 12, `${collections.size} collections`);
    assert.deepEqual(new Set(rec.categories()), collections);
    const meta = rec.meta();
    for (const k of ['name', 'source', 'citation', 'builtAt']) assert.ok(meta[k], `meta.${k}`);
    assert.match(meta.citation, /Chen.*Sain.*Guo.*2012/);
    assert.ok(meta.quality?.test?.hr10 > 0.1, 'meta.quality figures');
  } finally {
    rec.free();
  }
});

test('the sample returning customers: real ids, earlier orders of listed products, small', () => {
  const file = new URL('customers.json', DATA);
  assert.ok(statSync(file).size < 100_000, 'customers.json under 100 KB');
  const data = JSON.parse(readFileSync(file, 'utf8'));
  const products = new Set(JSON.parse(readFileSync(new URL('products.json', DATA), 'utf8')).rows.map((r) => r[0]));
  assert.equal(data.cutoff, '2011-11-01');
  const cutoff = Date.parse(`${data.cutoff}T00:00:00Z`);
  assert.ok(data.customers.length >= 4 && data.customers.length <= 8, `${data.customers.length} customers`);
  const bytes = readFileSync(new URL('model.cspk', DATA));
  const rec = Recommender.fromBytes(bytes, {});
  try {
    for (const c of data.customers) {
      assert.match(c.id, /^1\d{4}$/, 'an Online Retail CustomerID');
      assert.equal(c.label, `Customer ${c.id} · ${c.orders.length} orders`);
      assert.ok(c.orders.length >= 3, `${c.id}: several orders`);
      let last = -Infinity;
      for (const o of c.orders) {
        assert.ok(Number.isInteger(o.at) && o.at >= last && o.at < cutoff, `${c.id}: oldest first, before the cutoff`);
        last = o.at;
        assert.ok(o.items.length > 0 && new Set(o.items).size === o.items.length);
        for (const i of o.items) assert.ok(products.has(i), `${c.id}: ${i} is a demo product`);
      }
      // What the shop does with it: every item is kept, and "Buy it again" has something.
      rec.clearHistory();
      const r = rec.importOrders(c.orders);
      assert.equal(r.dropped, 0);
      assert.equal(rec.buyAgain({ k: 6 }).length, 6);
    }
  } finally {
    rec.free();
  }
});

function get(url, path) {
  return new Promise((ok, fail) => {
    const req = request(new URL(url), { path, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => ok({ status: res.statusCode, type: res.headers['content-type'], csp: res.headers['content-security-policy'] }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('the static server: MIME types, /pkg/ mapping, nothing outside www/ and pkg/', async () => {
  const { server, url } = await serve({ port: 0 });
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const want = {
      '/': [200, /^text\/html/],
      '/app.js': [200, /^text\/javascript/],
      '/js/shop.js': [200, /^text\/javascript/],
      '/style.css': [200, /^text\/css/],
      '/pkg/cartsense.js': [200, /^text\/javascript/],
      '/pkg/cartsense_bg.wasm': [200, /^application\/wasm$/],
      '/data/model.cspk': [200, /^application\/octet-stream$/],
      '/data/products.json': [200, /^application\/json/],
      '/data/customers.json': [200, /^application\/json/],
      '/favicon.svg': [200, /^image\/svg\+xml$/],
      '/nope.js': [404],
      '/../Cargo.toml': [404],
      '/%2e%2e/Cargo.toml': [404],
      '/pkg/%2e%2e/Cargo.toml': [404],
      '/pkg/..%2fsrc/lib.rs': [404],
      '/js/%00': [404],
    };
    for (const [path, [status, type]] of Object.entries(want)) {
      const r = await get(url, path);
      assert.equal(r.status, status, path);
      if (type) assert.match(r.type, type, path);
      if (status === 200) assert.match(r.csp, /script-src 'self' 'wasm-unsafe-eval';/, `${path}: CSP header`);
    }
  } finally {
    await new Promise((ok) => server.close(ok));
  }
});
