// The shop's state around one cartsense `Recommender`: the catalogue (products.json), the
// shopper's history (kept by cartsense in localStorage), and the demo's own small settings
// (pause flag, which cart items came from suggestions, past orders).
//
// Cart-bundle methods (`completeCart`, `frequentlyBoughtTogether`, `bundles`) are used when the
// package has them and otherwise emulated with `recommend` / `similar`, so the page works with
// both older and newer builds of the package.

import init, { Recommender } from '../pkg/cartsense.js';

export const HISTORY_KEY = 'cartsense-demo:history';
export const PREFS_KEY = 'cartsense-demo:prefs';
export const FREE_DELIVERY = 25;

const round2 = (x) => Math.round(x * 100) / 100;

async function fetchOk(url, how) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return how === 'json' ? r.json() : r.arrayBuffer();
}

/**
 * Load the wasm, the pack, the product table and the sample returning customers in parallel
 * (the shop works without the customers file: the control is then left out).
 */
export async function loadShop({ pack = 'data/model.cspk', products = 'data/products.json', customers = 'data/customers.json' } = {}) {
  const [, bytes, table, people] = await Promise.all([
    init(), fetchOk(pack, 'bytes'), fetchOk(products, 'json'),
    fetchOk(customers, 'json').catch(() => null),
  ]);
  const rec = Recommender.fromBytes(new Uint8Array(bytes), { storageKey: HISTORY_KEY });
  return new Shop(rec, table, people);
}

/** The valid entries of customers.json: `{ id, label, orders: { items, at }[] }`. */
function readCustomers(file) {
  const list = Array.isArray(file?.customers) ? file.customers : [];
  return list.filter((c) => c && typeof c.id === 'string' && typeof c.label === 'string' && Array.isArray(c.orders) &&
    c.orders.every((o) => Array.isArray(o?.items) && o.items.every((i) => typeof i === 'string') && Number.isFinite(o.at)));
}

function readPrefs() {
  const empty = { paused: false, accepted: {}, orders: [], customer: null };
  try {
    const p = JSON.parse(localStorage.getItem(PREFS_KEY) ?? 'null');
    if (!p || typeof p !== 'object') return empty;
    return {
      paused: p.paused === true,
      accepted: p.accepted && typeof p.accepted === 'object' ? p.accepted : {},
      orders: Array.isArray(p.orders) ? p.orders.filter((o) => o && Number.isFinite(o.total)) : [],
      customer: p.customer && typeof p.customer.id === 'string' && typeof p.customer.label === 'string'
        ? { id: p.customer.id, label: p.customer.label } : null,
    };
  } catch {
    return empty;
  }
}

/** Up to `k` items of `list` (best first), taking turns between the groups `key` gives. */
function roundRobin(list, key, k) {
  const groups = new Map();
  for (const x of list) {
    const g = key(x);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(x);
  }
  const out = [];
  for (let round = 0; out.length < k && out.length < list.length; round++) {
    for (const g of groups.values()) if (round < g.length && out.length < k) out.push(g[round]);
  }
  return out;
}

/** The package's cart-bundle method `name`, bound, or null (older builds; tests can force null). */
function method(rec, name) {
  if (globalThis.__cartsenseDemoNoBundles) return null;
  return typeof rec[name] === 'function' ? rec[name].bind(rec) : null;
}

export class Shop {
  constructor(rec, table, customers = null) {
    this.rec = rec;
    // Older builds of the package have no purchase record: no "Buy it again", no customers.
    this.returning = typeof rec.buyAgain === 'function' && typeof rec.importOrders === 'function';
    this.customers = this.returning ? readCustomers(customers) : [];
    this.customersCutoff = typeof customers?.cutoff === 'string' ? customers.cutoff : null;
    this.api = {
      completeCart: method(rec, 'completeCart'),
      frequentlyBoughtTogether: method(rec, 'frequentlyBoughtTogether'),
      bundles: method(rec, 'bundles'),
    };
    const col = Object.fromEntries(table.columns.map((c, i) => [c, i]));
    this.products = table.rows.map((r) => ({
      id: String(r[col.id]),
      title: String(r[col.title]),
      price: Number(r[col.price]),
      popularity: Number(r[col.popularity]),
      category: String(r[col.collection]),
    }));
    this.byId = new Map(this.products.map((p) => [p.id, p]));
    this.products.sort((a, b) => b.popularity - a.popularity || (a.id < b.id ? -1 : 1));
    const counts = new Map();
    for (const p of this.products) counts.set(p.category, (counts.get(p.category) ?? 0) + 1);
    this.collections = [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => a.name.localeCompare(b.name));
    this.prefs = readPrefs();
    this.listeners = new Set();
    this.timings = []; // ms of the recent scoring calls, for the footer and the tests
    this.notice = null; // what the last action did, for the screen-reader live region
    this.lastOrder = null; // the order placed in this page view, for the confirmation
    window.addEventListener('storage', (e) => {
      if (e.key === PREFS_KEY || e.key === null) this.prefs = readPrefs();
      if (e.key === HISTORY_KEY || e.key === PREFS_KEY || e.key === null) this.emit();
    });
  }

  onChange(fn) { this.listeners.add(fn); }
  emit() { for (const fn of this.listeners) fn(); }
  savePrefs() {
    try { localStorage.setItem(PREFS_KEY, JSON.stringify(this.prefs)); } catch { /* memory only */ }
  }

  /** Time one scoring call. */
  timed(fn) {
    const t = performance.now();
    const out = fn();
    this.timings.push(performance.now() - t);
    if (this.timings.length > 50) this.timings.shift();
    return out;
  }

  item(id) {
    return this.byId.get(id) ?? this.rec.item(id) ?? null;
  }
  title(id) {
    return this.item(id)?.title ?? id;
  }

  // --- events -----------------------------------------------------------------------------

  get paused() { return this.prefs.paused; }
  setPaused(on) {
    this.prefs.paused = !!on;
    this.savePrefs();
    this.emit();
  }
  /** Record a product view (not while paused). `quiet`: the caller re-renders itself. */
  view(id, { quiet = false } = {}) {
    if (this.prefs.paused) return;
    this.rec.view(id);
    if (!quiet) this.emit();
  }
  /** Add to the cart; `source` names the suggestion list it came from (or null). */
  add(id, source = null) {
    this.rec.addToCart(id);
    if (source) this.prefs.accepted[id] = source;
    this.notice = `Added ${this.title(id)} to your basket.`;
    this.savePrefs();
    this.emit();
  }
  /** Add several items; `anchor` (the product being looked at) is not counted as a suggestion. */
  addAll(ids, source = null, anchor = null) {
    for (const id of ids) {
      if (this.inCart(id)) continue;
      this.rec.addToCart(id);
      if (source && id !== anchor) this.prefs.accepted[id] = source;
    }
    this.notice = `Added ${ids.length} items to your basket.`;
    this.savePrefs();
    this.emit();
  }
  remove(id) {
    this.rec.removeFromCart(id);
    delete this.prefs.accepted[id];
    this.notice = `Removed ${this.title(id)} from your basket.`;
    this.savePrefs();
    this.emit();
  }
  /** Place the (demo) order: a purchase event, and the order's value split for the panel. */
  checkout() {
    const ids = this.rec.cart();
    if (!ids.length) return null;
    const v = this.cartValue();
    this.rec.purchase(ids);
    const order = { at: Date.now(), items: ids.length, total: v.total, fromSuggestions: v.fromSuggestions };
    this.prefs.orders.push(order);
    this.lastOrder = order;
    this.prefs.accepted = {};
    this.savePrefs();
    this.emit();
    return order;
  }
  /**
   * Delete everything this demo stored: history (incl. cart), the long-term purchase record,
   * attribution, orders and which sample customer was stepped into: a fresh shopper.
   */
  clearAll() {
    this.rec.clearHistory();
    this.prefs.accepted = {};
    this.prefs.orders = [];
    this.prefs.customer = null;
    this.savePrefs();
    this.emit();
  }

  /**
   * Become sample customer `id` (customers.json): start from a clean device, then seed the
   * long-term purchase record with their earlier orders, as a shop would after a login.
   * Returns `{ kept, dropped }` from `importOrders`, or null for an unknown id.
   */
  stepInto(id) {
    const c = this.customers.find((x) => x.id === id);
    if (!c) return null;
    this.rec.clearHistory();
    const r = this.rec.importOrders(c.orders);
    this.prefs.accepted = {};
    this.prefs.orders = [];
    this.prefs.customer = { id: c.id, label: c.label };
    this.savePrefs();
    this.notice = `Now shopping as ${c.label}: ${r.kept} past purchases are in this browser's purchase record.`;
    this.emit();
    return r;
  }
  /** The sample customer stepped into, if the purchase record still holds their orders. */
  get customer() {
    return this.prefs.customer && this.purchaseRecord().length ? this.prefs.customer : null;
  }

  /**
   * The long-term purchase record as stored (exportHistory's "m"), item by item:
   * `{ id, purchases, lastPurchase, cartAdds }[]`, most bought first.
   */
  purchaseRecord() {
    let m = [];
    try { m = JSON.parse(this.rec.exportHistory()).m ?? []; } catch { m = []; }
    return (Array.isArray(m) ? m : [])
      .filter((r) => Array.isArray(r) && typeof r[0] === 'string')
      .map(([id, purchases, lastPurchase, cartAdds]) => ({ id, purchases: Number(purchases) || 0, lastPurchase: Number(lastPurchase) || 0, cartAdds: Number(cartAdds) || 0 }))
      .sort((a, b) => b.purchases - a.purchases || b.lastPurchase - a.lastPurchase || (a.id < b.id ? -1 : 1));
  }

  // --- cart -------------------------------------------------------------------------------

  cartIds() { return this.rec.cart(); }
  inCart(id) { return this.rec.cart().includes(id); }
  cartItems() { return this.rec.cart().map((id) => this.item(id) ?? { id, title: id, price: 0, category: '' }); }
  cartValue() {
    let total = 0;
    let fromSuggestions = 0;
    let accepted = 0;
    for (const it of this.cartItems()) {
      total += it.price;
      if (this.prefs.accepted[it.id]) { fromSuggestions += it.price; accepted++; }
    }
    return { total: round2(total), fromSuggestions: round2(fromSuggestions), accepted };
  }
  ordersValue() {
    const o = this.prefs.orders;
    return {
      count: o.length,
      total: round2(o.reduce((a, x) => a + x.total, 0)),
      fromSuggestions: round2(o.reduce((a, x) => a + (x.fromSuggestions ?? 0), 0)),
    };
  }

  // --- lists ------------------------------------------------------------------------------

  /**
   * "For you": personalised unless paused or the history is empty (then popular picks).
   * Tight product families (lunch bags, say) can fill a whole list from one viewed item, so the
   * list takes the best candidates round-robin over the history items they are there because of.
   */
  forYou(k = 8) {
    if (this.prefs.paused) {
      const list = this.timed(() => this.rec.popular({ k }));
      return { list, personalised: false };
    }
    const pool = this.timed(() => this.rec.recommend({ k: Math.max(60, 8 * k), excludeViewed: true }));
    const list = roundRobin(pool, (r) => r.because?.itemId ?? '', k);
    return { list, personalised: list.some((r) => r.because?.kind !== 'popular') };
  }
  /** "Buy it again": items bought before, due ones first (never cart items); none while paused. */
  buyAgain(k = 6) {
    if (this.prefs.paused || !this.returning) return [];
    const cart = new Set(this.cartIds());
    return this.timed(() => this.rec.buyAgain({ k: k + cart.size })).filter((r) => !cart.has(r.id)).slice(0, k);
  }
  trending(k = 8, category) {
    return this.timed(() => this.rec.popular({ k, category }));
  }
  forYouIn(category, k = 8) {
    if (this.prefs.paused) return this.trending(k, category);
    return this.timed(() => this.rec.recommend({ k, category, excludeViewed: false }));
  }
  similar(id, k = 8) {
    const item = this.item(id);
    try {
      return this.timed(() => this.rec.similar(id, { k, category: item?.category, exclude: this.cartIds() }));
    } catch {
      return [];
    }
  }

  /** Items often bought with `id` (the package's FBT when present, else similar items of other collections). */
  boughtTogether(id, k = 2) {
    try {
      if (this.api.frequentlyBoughtTogether) {
        return this.timed(() => this.api.frequentlyBoughtTogether(id, { k }));
      }
      const cat = this.item(id)?.category;
      const pool = this.timed(() => this.rec.similar(id, { k: 40 }));
      const other = pool.filter((r) => r.category !== cat);
      return [...other, ...pool.filter((r) => r.category === cat)].slice(0, k)
        .map((r) => ({ ...r, because: { kind: 'bought-together', itemId: id } }));
    } catch {
      return [];
    }
  }

  /** `{ items: Item[], total, price }` for the product page's bundle, or null. */
  bundle(id) {
    if (this.api.bundles) {
      try {
        const b = this.timed(() => this.api.bundles({ anchor: id, size: 3, count: 1, discount: 0, cart: [] }))[0];
        if (b && b.items.length > 1) {
          return { items: b.items.map((x) => this.item(x)).filter(Boolean), total: b.total, price: b.price };
        }
      } catch { /* fall through to the emulation */ }
    }
    const anchor = this.item(id);
    if (!anchor) return null;
    const items = [anchor, ...this.boughtTogether(id, 2).map((r) => this.item(r.id) ?? r)];
    if (items.length < 2) return null;
    const total = round2(items.reduce((a, x) => a + x.price, 0));
    return { items, total, price: total };
  }

  /**
   * Cart completion and the free-delivery nudge: `{ items: Recommendation[], cartTotal, gap,
   * closers: Recommendation[], closerSets: { items: Item[], total }[] }` (sets: pairs that close
   * the gap together when no single item does; only from the package's `completeCart`).
   */
  completeBasket(k = 6) {
    const cart = this.cartIds();
    if (!cart.length) return { items: [], cartTotal: 0, gap: FREE_DELIVERY, closers: [], closerSets: [] };
    if (this.api.completeCart) {
      try {
        const r = this.timed(() => this.api.completeCart({ k: 3 * k, freeShippingThreshold: FREE_DELIVERY }));
        // `closerSets` are the ways to close the gap: single items, or pairs when no single
        // item does (`closers` lists their items, so a pair's halves are not closers alone).
        const recs = new Map((r.closers ?? []).map((x) => [x.id, x]));
        const sets = r.closerSets ?? [];
        const closers = sets.filter((b) => b.items.length === 1)
          .map((b) => recs.get(b.items[0]) ?? this.item(b.items[0])).filter(Boolean).slice(0, 4);
        const pairs = sets.filter((b) => b.items.length > 1).slice(0, 2)
          .map((b) => ({ items: b.items.map((x) => this.item(x)).filter(Boolean), total: b.total }));
        return { items: this.varied(r.items ?? [], cart, k), cartTotal: r.cartTotal, gap: r.gap, closers, closerSets: pairs };
      } catch { /* fall through to the emulation */ }
    }
    const cartTotal = this.cartValue().total;
    const gap = round2(Math.max(0, FREE_DELIVERY - cartTotal));
    const pool = this.timed(() => this.rec.recommend({ k: 200 }));
    const items = this.varied(pool, cart, k);
    let closers = [];
    if (gap > 0) {
      // Relevant items that close the gap without overshooting much; then the nearest fits.
      const fits = pool.filter((r) => r.price >= gap);
      closers = fits.filter((r) => r.price <= gap * 1.5 + 2).slice(0, 4);
      const rest = fits.filter((r) => !closers.includes(r)).sort((a, b) => a.price - b.price);
      closers = [...closers, ...rest].slice(0, 4);
      if (closers.length < 4) {
        const more = this.timed(() => this.rec.recommend({ k: 4, minPrice: gap, maxPrice: gap * 2 + 5, exclude: closers.map((r) => r.id) }));
        closers = [...closers, ...more].slice(0, 4);
      }
      closers.sort((a, b) => a.price - b.price); // the closest fit first
    }
    return { items, cartTotal, gap, closers, closerSets: [] };
  }

  /**
   * `k` of `list` (best first) for "complete your basket": at most one more item from a
   * collection already in the cart and two from any other, then filled up in order. Shoppers
   * see a varied shelf rather than six designs of the bag they just added.
   */
  varied(list, cart, k) {
    const cartCats = new Set(cart.map((id) => this.item(id)?.category));
    const perCat = new Map();
    const out = [];
    for (const r of list) {
      const n = perCat.get(r.category) ?? 0;
      if (n >= (cartCats.has(r.category) ? 1 : 2)) continue;
      perCat.set(r.category, n + 1);
      out.push(r);
      if (out.length === k) return out;
    }
    for (const r of list) if (out.length < k && !out.includes(r)) out.push(r);
    return out;
  }

  /** Title search: every word must appear; best sellers first. */
  search(q, limit = 60) {
    const words = q.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) return [];
    const out = [];
    for (const p of this.products) {
      const t = p.title.toLowerCase();
      if (words.every((w) => t.includes(w) || p.id.toLowerCase() === w)) out.push(p);
      if (out.length >= limit) break;
    }
    return out;
  }

  inCollection(name) {
    return this.products.filter((p) => p.category === name);
  }
}
