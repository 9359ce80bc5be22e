// Privacy: the package itself makes no network request during a full session. Every way out
// of a Node process that a library could use is replaced by a recorder *before* the package is
// imported: fetch, XMLHttpRequest, WebSocket, EventSource, navigator.sendBeacon, and the
// sockets under node:http/https/net/dgram/dns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import dgram from 'node:dgram';
import dns from 'node:dns';
import { isCartsenseError } from './util.js';

const calls: string[] = [];
const recorder = (name: string) =>
  function record(...args: unknown[]): never {
    calls.push(`${name}(${String(args[0]).slice(0, 80)})`);
    throw new Error(`network access attempted: ${name}`);
  };
// The replacements are not the real classes' types: assigned through `Object.assign`.
Object.assign(globalThis, {
  fetch: recorder('fetch'),
  XMLHttpRequest: class { constructor() { recorder('XMLHttpRequest')(); } },
  WebSocket: class { constructor(u: unknown) { recorder('WebSocket')(u); } },
  EventSource: class { constructor(u: unknown) { recorder('EventSource')(u); } },
});
Object.defineProperty(globalThis, 'navigator', {
  value: { ...(globalThis.navigator ?? {}), sendBeacon: recorder('navigator.sendBeacon') },
  configurable: true,
});
net.Socket.prototype.connect = recorder('net.Socket.connect'); // http, https, net, tls all end here
dgram.Socket.prototype.send = recorder('dgram.send');
Object.assign(dns, { lookup: recorder('dns.lookup') });

const { Recommender, buildPack } = await import('cartsense');

test('a full session makes no network request', async () => {
  // The recorders work (a request from here is seen), then start from zero.
  assert.throws(() => fetch('https://example.com/'));
  assert.throws(() => net.connect(443, 'example.com'));
  assert.deepEqual(calls.map((c) => c.split('(')[0]), ['fetch', 'net.Socket.connect']);
  calls.length = 0;
  const ids = Array.from({ length: 40 }, (_, i) => `p${i}`);
  const bytes = buildPack({
    ids, dims: 4, embeddings: Float32Array.from({ length: 160 }, (_, i) => Math.sin(i)),
    titles: ids.map((id) => `T ${id}`), prices: ids.map((_, i) => i + 1),
    categories: ids.map((_, i) => ['a', 'b'][i % 2]), popularity: ids.map((_, i) => i % 7),
    currency: 'EUR', meta: { name: 'privacy' },
  });
  const rec = Recommender.fromBytes(bytes, { storageKey: 'privacy:test', maxEvents: 100 });
  rec.view('p1', 1);
  rec.addToCart('p2', 2);
  rec.addToCart('p3', 3);
  rec.removeFromCart('p3', 4);
  rec.purchase(['p2'], 5);
  rec.view('unknown', 6);
  rec.recommend({ k: 5, diversity: 0.3 });
  rec.similar('p1', { k: 3 });
  rec.popular({ k: 3, category: 'a' });
  rec.item('p1');
  rec.cart();
  rec.history();
  rec.categories();
  rec.meta();
  const saved = rec.exportHistory();
  rec.importHistory(saved);
  // Every other method the package has (cart completion, bundles, returning shoppers, ...),
  // with no argument or a plausible one; what they return does not matter here, only that
  // none of them reaches the network.
  const done = new Set(['constructor', 'free', 'clearHistory']);
  for (const name of Object.getOwnPropertyNames(Recommender.prototype)) {
    const d = Object.getOwnPropertyDescriptor(Recommender.prototype, name);
    if (done.has(name) || name.startsWith('__') || typeof d?.value !== 'function') continue;
    // Any method by name, with any of these arguments: untyped on purpose.
    const method = (rec as unknown as Record<string, (...a: unknown[]) => unknown>)[name].bind(rec);
    for (const args of [[], ['p1'], [[{ items: ['p1', 'p4'], at: 7 }]], [{ k: 3 }]]) {
      try { method(...args); } catch (e) { assert.ok(isCartsenseError(e), `${name}: ${e}`); }
    }
  }
  for (const g of ['itemCount', 'dims', 'currency', 'persistent'] as const) void rec[g];
  rec.clearHistory();
  rec.free();
  await new Promise((r) => setTimeout(r, 50)); // anything queued asynchronously
  assert.deepEqual(calls, []);
});
