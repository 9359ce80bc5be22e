// Page renderers. Each returns DOM nodes built with `h` (text only, never markup from data).

import { h, money, slug } from './dom.js';
import { tile } from './tiles.js';
import { FREE_DELIVERY, HISTORY_KEY, PREFS_KEY } from './shop.js';

/** "Why this?" text for a recommendation's `because`. */
export function reasonText(shop, because) {
  const t = because?.itemId ? `“${shop.title(because.itemId)}”` : '';
  switch (because?.kind) {
    case 'viewed': return `Because you looked at ${t}.`;
    case 'in-cart': return `Goes with ${t} in your basket.`;
    case 'purchased': return `Because you bought ${t}.`;
    case 'similar': return t ? `Similar to ${t}.` : 'Similar to what you looked at.';
    case 'bought-together': return `Often bought together with ${t}.`;
    case 'pairs-with': return `Shoppers pair this with ${t}.`;
    case 'bought-before': {
      const r = shop.purchaseRecord().find((x) => x.id === because.itemId);
      if (!r || !r.purchases) return 'You bought this before.';
      return `You bought this ${r.purchases === 1 ? 'once' : `${r.purchases} times`}, last on ${fmtDate(r.lastPurchase)}.`;
    }
    case 'popular': return 'Popular with shoppers right now (nothing personal yet).';
    default: return 'Suggested for you.';
  }
}

/** The add-to-basket button of an item (shows "In basket" when it is). */
function addButton(shop, item, source, key) {
  if (shop.inCart(item.id)) {
    return h('a', { class: 'btn btn-ghost in-cart', href: '#/cart', 'data-focus': `add:${key}:${item.id}` }, 'In basket ✓');
  }
  return h('button', {
    type: 'button',
    class: 'btn add',
    'data-add': item.id,
    'data-focus': `add:${key}:${item.id}`,
    'aria-label': `Add ${item.title} to basket`,
    'on:click': () => shop.add(item.id, source),
  }, 'Add to basket');
}

/**
 * A product card. `source` = the suggestion list's name (adds count as accepted suggestions),
 * `because` = the recommendation's reason (shows a "Why this?" disclosure).
 */
export function card(shop, item, { source = null, because = null, key = 'list' } = {}) {
  const href = `#/p/${encodeURIComponent(item.id)}`;
  return h('li', { class: 'card', 'data-id': item.id, 'data-reason': because?.kind },
    h('a', { class: 'card-link', href, 'data-focus': `link:${key}:${item.id}` },
      tile(item.id, item.category),
      h('span', { class: 'card-title' }, item.title)),
    h('div', { class: 'card-meta' },
      h('span', { class: 'price' }, money(item.price)),
      h('span', { class: 'muted small' }, item.category)),
    because && h('details', { class: 'why' },
      h('summary', {}, 'Why this?'),
      h('p', {}, reasonText(shop, because))),
    addButton(shop, item, source, key));
}

/** A titled row of cards. */
export function section(id, title, note, cards, extra = {}) {
  return h('section', { class: 'shelf', id, 'aria-labelledby': `${id}-h`, ...extra },
    h('div', { class: 'shelf-head' },
      h('h2', { id: `${id}-h`, tabindex: '-1' }, title),
      note && h('p', { class: 'muted' }, note)),
    cards.length ? h('ul', { class: 'cards' }, cards) : h('p', { class: 'empty' }, 'Nothing to show yet.'));
}

function recCards(shop, list, source, key) {
  return list.map((r) => card(shop, r, { source, because: r.because, key }));
}

// --- pages ---------------------------------------------------------------------------------

/**
 * "Shop as a returning customer…": pick a real customer of the data and import their earlier
 * orders (`importOrders`), or go back to a fresh shopper (clears the history and the record).
 */
export function returningPanel(shop, { linkToData = true } = {}) {
  if (!shop.customers.length) return null;
  const current = shop.customer;
  const select = h('select', { id: 'customer-select', 'data-focus': 'customer-select' },
    shop.customers.map((c) => h('option', { value: c.id, selected: current?.id === c.id }, c.label)));
  const cutoff = shop.customersCutoff ? fmtDate(Date.parse(`${shop.customersCutoff}T00:00:00Z`) - 1) : 'the cut-off';
  return h('section', { class: 'panel returning', id: 'returning', 'aria-labelledby': 'ret-h', 'data-customer': current?.id ?? '' },
    h('h2', { id: 'ret-h', class: 'h3', tabindex: '-1' }, current ? `Shopping as ${current.label}` : 'Shop as a returning customer…'),
    h('p', { class: 'small' }, current
      ? `Their real orders up to ${cutoff} (UCI Online Retail) are in this browser's purchase record: see “Buy it again” and how “For you” changed. `
      : `Step into a real customer of the UCI Online Retail data: their orders up to ${cutoff} are imported into this browser with importOrders(), as a shop would do after a login (this replaces what the browser has stored, basket included). Nothing leaves the device. `,
    linkToData && [h('a', { href: '#/privacy' }, 'See what is stored'), '.']),
    h('form', {
      class: 'controls',
      'on:submit': (e) => { e.preventDefault(); shop.stepInto(select.value); },
    },
    h('label', { for: 'customer-select' }, 'Customer'), ' ', select, ' ',
    h('button', { type: 'submit', class: 'btn', id: 'step-in', 'data-focus': 'step-in' }, current ? 'Switch' : 'Step in'),
    current && h('button', {
      type: 'button', class: 'btn btn-ghost', id: 'fresh', 'data-focus': 'fresh',
      'on:click': () => { shop.notice = 'Back to a fresh shopper: history and purchase record cleared.'; shop.clearAll(); },
    }, 'Back to a fresh shopper')));
}

export function homePage(shop) {
  const again = shop.buyAgain(6);
  const fy = shop.forYou(6);
  const note = shop.paused
    ? 'Personalisation is paused: showing what is popular.'
    : fy.personalised
      ? (shop.rec.history().length
        ? 'Picked on this device from what you looked at and added.'
        : 'Picked on this device from your earlier orders: new finds only, repeats are in “Buy it again”.')
      : 'Look at a few products and this list adapts instantly.';
  return [
    h('div', { class: 'hero' },
      h('h1', {}, 'Gifts, homeware & seasonal finds'),
      h('p', {}, 'Recommendations here are computed in your browser by WebAssembly. Your browsing history never leaves this device — ',
        h('a', { href: '#/privacy' }, 'see exactly what is stored'), '.')),
    returningPanel(shop),
    again.length > 0 && section('buy-again', 'Buy it again', 'From your earlier orders, kept on this device; due ones first.',
      recCards(shop, again, 'Buy it again', 'ba')),
    section('for-you', 'For you', note, recCards(shop, fy.list, 'For you', 'fy'),
      { 'data-personalised': String(fy.personalised) }),
    section('trending', 'Trending', 'Most-ordered products across the shop.',
      recCards(shop, shop.trending(6), null, 'tr')),
    h('section', { class: 'shelf', 'aria-labelledby': 'col-h' },
      h('div', { class: 'shelf-head' }, h('h2', { id: 'col-h' }, 'Shop by collection')),
      h('ul', { class: 'collections' }, shop.collections.map((c) => {
        const top = shop.inCollection(c.name)[0];
        return h('li', {},
          h('a', { href: `#/c/${slug(c.name)}`, class: 'collection-link' },
            top && tile(top.id, c.name),
            h('span', {}, c.name),
            h('span', { class: 'muted small' }, `${c.count} products`)));
      }))),
    orderValuePanel(shop),
  ];
}

export function collectionPage(shop, name, shown = 48, showMore = () => {}) {
  const all = shop.inCollection(name);
  const picks = shop.forYouIn(name, 4);
  return [
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/' }, 'Home'), ' › ', name),
    h('h1', {}, name),
    section('col-for-you', shop.paused ? `Popular in ${name}` : `For you in ${name}`, null,
      recCards(shop, picks, shop.paused ? null : `For you in ${name}`, 'cfy')),
    h('section', { class: 'shelf', 'aria-labelledby': 'all-h' },
      h('div', { class: 'shelf-head' },
        h('h2', { id: 'all-h' }, `All ${all.length} products`),
        h('p', { class: 'muted' }, 'Best sellers first.')),
      h('ul', { class: 'cards' }, all.slice(0, shown).map((p) => card(shop, p, { key: 'all' }))),
      shown < all.length && h('button', { type: 'button', class: 'btn btn-ghost more', 'data-focus': 'more', 'on:click': showMore }, 'Show more')),
  ];
}

export function productPage(shop, id) {
  const item = shop.item(id);
  if (!item) return [h('h1', {}, 'Product not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the shop'))];
  const bundle = shop.bundle(id);
  const sim = shop.similar(id, 6);
  const bought = shop.purchaseRecord().find((r) => r.id === id && r.purchases > 0);
  return [
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' },
      h('a', { href: '#/' }, 'Home'), ' › ', h('a', { href: `#/c/${slug(item.category)}` }, item.category)),
    h('article', { class: 'product' },
      h('div', { class: 'product-tile' }, tile(item.id, item.category)),
      h('div', { class: 'product-info' },
        h('h1', { id: 'product-title' }, item.title),
        h('p', { class: 'price big' }, money(item.price)),
        h('p', { class: 'muted' }, `Item ${item.id} · ${item.category}`),
        bought && h('p', { class: 'bought-before', id: 'bought-before' },
          `You bought this ${bought.purchases === 1 ? 'once' : `${bought.purchases} times`}, last on ${fmtDate(bought.lastPurchase)}.`),
        addButton(shop, item, null, 'main'),
        h('p', { class: 'muted small' }, `Free UK delivery on orders over ${money(FREE_DELIVERY)}.`))),
    bundle && bundlePanel(shop, bundle),
    section('similar', 'Similar items', null, recCards(shop, sim, 'Similar items', 'sim')),
    !shop.paused && section('inspired', 'Inspired by your browsing', 'Updated with every product you look at.',
      recCards(shop, shop.forYou(6).list, 'Inspired by your browsing', 'ins')),
  ];
}

function bundlePanel(shop, b) {
  const missing = b.items.filter((x) => !shop.inCart(x.id));
  return h('section', { class: 'shelf bundle', id: 'fbt', 'aria-labelledby': 'fbt-h' },
    h('div', { class: 'shelf-head' }, h('h2', { id: 'fbt-h' }, 'Frequently bought together')),
    h('div', { class: 'bundle-row' },
      h('ol', { class: 'bundle-items' }, b.items.map((x, i) => h('li', {},
        i > 0 && h('span', { class: 'plus', 'aria-hidden': 'true' }, '+'),
        h('a', { href: `#/p/${encodeURIComponent(x.id)}` }, tile(x.id, x.category), h('span', { class: 'card-title' }, x.title)),
        h('span', { class: 'price' }, money(x.price))))),
      h('div', { class: 'bundle-buy' },
        h('p', {}, `Total for all ${b.items.length}: `,
          b.price < b.total && h('s', { class: 'muted' }, money(b.total)), ' ',
          h('strong', { class: 'bundle-price' }, money(b.price))),
        missing.length
          ? h('button', {
            type: 'button', class: 'btn add-all', 'data-focus': 'add-all',
            'on:click': () => shop.addAll(b.items.map((x) => x.id), 'Frequently bought together', b.items[0].id),
          }, missing.length === b.items.length ? `Add all ${b.items.length} to basket` : `Add the other ${missing.length} to basket`)
          : h('a', { class: 'btn btn-ghost', href: '#/cart' }, 'All in your basket ✓'))));
}

export function nudge(gap) {
  const pct = Math.min(100, Math.round(((FREE_DELIVERY - gap) / FREE_DELIVERY) * 100));
  return h('div', { class: 'nudge', id: 'nudge', role: 'status' },
    h('p', {}, gap > 0
      ? [h('strong', {}, money(gap)), ' to free delivery']
      : [h('strong', {}, 'Free delivery'), ' unlocked on this order']),
    h('div', { class: 'bar', role: 'progressbar', 'aria-label': 'Progress to free delivery', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct },
      h('span', { 'css-width': `${pct}%` })));
}

export function cartPage(shop, onCheckout) {
  const items = shop.cartItems();
  if (!items.length) {
    const o = shop.lastOrder;
    return [h('h1', {}, 'Your basket'),
      o && h('div', { class: 'panel order-placed', role: 'status' },
        h('h2', { class: 'h3' }, 'Thank you — order placed (demo)'),
        h('p', {}, `${o.items} item${o.items === 1 ? '' : 's'}, ${money(o.total)}; ${money(o.fromSuggestions)} of it came from suggestions you accepted. `,
          'The purchase is now part of your history, so your next recommendations build on it.')),
      h('p', { class: 'empty' }, 'Your basket is empty. ', h('a', { href: '#/' }, 'Find something nice.')),
      orderValuePanel(shop)];
  }
  const cb = shop.completeBasket(6);
  const value = shop.cartValue();
  return [
    h('h1', {}, 'Your basket'),
    h('div', { class: 'cart-layout' },
      h('div', {},
        h('ul', { class: 'cart-lines', 'aria-label': 'Basket items' }, items.map((it) => h('li', { class: 'cart-line', 'data-id': it.id },
          tile(it.id, it.category),
          h('a', { href: `#/p/${encodeURIComponent(it.id)}` }, it.title),
          shop.prefs.accepted[it.id] && h('span', { class: 'badge', title: `Added from “${shop.prefs.accepted[it.id]}”` }, 'suggested'),
          h('span', { class: 'price' }, money(it.price)),
          h('button', { type: 'button', class: 'btn btn-ghost remove', 'data-focus': `rm:${it.id}`, 'aria-label': `Remove ${it.title}`, 'on:click': () => shop.remove(it.id) }, 'Remove')))),
        h('p', { class: 'cart-total' }, 'Total ', h('strong', {}, money(value.total)))),
      h('aside', { class: 'cart-side' },
        nudge(cb.gap),
        cb.gap > 0 && (cb.closers.length > 0 || cb.closerSets.length > 0) && h('div', { id: 'closers' },
          h('h2', { class: 'h3' }, 'Close the gap'),
          h('ul', { class: 'mini' },
            cb.closers.map((r) => h('li', { 'data-id': r.id },
              h('a', { href: `#/p/${encodeURIComponent(r.id)}` }, r.title),
              h('span', { class: 'price' }, money(r.price)),
              addButton(shop, r, 'Free-delivery closers', 'close'))),
            cb.closerSets.map((b, i) => h('li', { class: 'closer-set' },
              h('span', {}, b.items.map((x, j) => [j > 0 && ' + ', h('a', { href: `#/p/${encodeURIComponent(x.id)}` }, x.title)])),
              h('span', { class: 'price' }, money(b.total)),
              h('button', {
                type: 'button', class: 'btn add', 'data-focus': `set:${i}`,
                'on:click': () => shop.addAll(b.items.map((x) => x.id), 'Free-delivery closers'),
              }, `Add both (${money(b.total)})`))))),
        h('button', { type: 'button', class: 'btn checkout', 'data-focus': 'checkout', 'on:click': onCheckout }, 'Place order (demo)'),
        orderValuePanel(shop))),
    section('complete', 'Complete your basket', 'Chosen for everything in your basket together.',
      recCards(shop, cb.items, 'Complete your basket', 'cb')),
  ];
}

export function searchPage(shop, q) {
  const res = shop.search(q);
  return [
    h('h1', {}, q ? `Search: “${q}”` : 'Search'),
    h('p', { class: 'muted', role: 'status' }, q ? `${res.length === 60 ? '60+' : res.length} products` : 'Type in the search box above.'),
    res.length ? h('ul', { class: 'cards', id: 'search-results' }, res.map((p) => card(shop, p, { key: 'sr' }))) : null,
  ];
}

export function orderValuePanel(shop) {
  const v = shop.cartValue();
  const o = shop.ordersValue();
  const share = v.total > 0 ? Math.round((100 * v.fromSuggestions) / v.total) : 0;
  return h('section', { class: 'panel order-value', id: 'order-value', 'aria-labelledby': 'ov-h' },
    h('h2', { id: 'ov-h', class: 'h3' }, 'Order value'),
    h('dl', {},
      h('dt', {}, 'Basket value'), h('dd', { 'data-k': 'cart' }, money(v.total)),
      h('dt', {}, `From accepted suggestions (${v.accepted} item${v.accepted === 1 ? '' : 's'})`), h('dd', { 'data-k': 'suggested' }, `${money(v.fromSuggestions)} (${share}%)`),
      o.count > 0 && [h('dt', {}, `Past orders (${o.count})`), h('dd', {}, `${money(o.total)}, of which ${money(o.fromSuggestions)} from suggestions`)]));
}

function fmtDate(ms) {
  try {
    return new Date(ms).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  } catch {
    return String(ms);
  }
}

function fmtTime(ms) {
  try {
    return new Date(ms).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' });
  } catch {
    return String(ms);
  }
}

export function privacyPage(shop, { onClear, onPause }) {
  const events = shop.rec.history();
  const record = shop.purchaseRecord();
  let raw = null;
  let rawPrefs = null;
  try { raw = localStorage.getItem(HISTORY_KEY); rawPrefs = localStorage.getItem(PREFS_KEY); } catch { /* storage disabled */ }
  const label = { view: 'Viewed', add_to_cart: 'Added to basket', remove_from_cart: 'Removed from basket', purchase: 'Bought' };
  return [
    h('h1', {}, 'Your data on this device'),
    h('div', { class: 'panel privacy', id: 'privacy' },
      h('p', {}, 'Recommendations are computed by WebAssembly in this browser tab. What you look at and add is stored only in this browser (localStorage key ',
        h('code', {}, HISTORY_KEY), shop.rec.persistent ? '' : ' — storage is unavailable, so it lives in memory only', ') and is never sent anywhere: after loading, this page makes no network requests.'),
      h('div', { class: 'controls' },
        h('button', { type: 'button', class: 'btn', id: 'pause', 'aria-pressed': String(shop.paused), 'data-focus': 'pause', 'on:click': onPause },
          shop.paused ? 'Resume personalisation' : 'Pause personalisation'),
        h('button', { type: 'button', class: 'btn btn-danger', id: 'clear-history', 'data-focus': 'clear', 'on:click': onClear }, 'Clear my history'),
        h('span', { class: 'muted small' }, shop.paused
          ? 'Paused: views are not recorded and “For you” shows popular items. Your basket still works (it is kept as basket events).'
          : 'Clearing also empties your basket (part of the history) and the long-term purchase record.')),
      h('h2', { class: 'h3' }, `Stored history: ${events.length} event${events.length === 1 ? '' : 's'}`),
      events.length
        ? h('table', { class: 'history', id: 'history-table' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'Event'), h('th', { scope: 'col' }, 'Item'), h('th', { scope: 'col' }, 'When'))),
          h('tbody', {}, events.map((e, i) => h('tr', { 'data-type': e.type },
            h('td', {}, String(i + 1)), h('td', {}, label[e.type] ?? e.type),
            h('td', {}, shop.title(e.itemId), ' ', h('span', { class: 'muted small' }, `(${e.itemId})`)),
            h('td', {}, fmtTime(e.at))))))
        : h('p', { class: 'empty', id: 'history-empty' }, 'No events are stored.'),
      h('h2', { class: 'h3', id: 'record-h' }, `Long-term purchase record: ${record.length} item${record.length === 1 ? '' : 's'}`),
      h('p', { class: 'small muted' }, 'Kept across visits (at most 500 items) so “Buy it again” and your suggestions can build on what you bought before',
        shop.customer ? ` — now the orders of ${shop.customer.label}` : '', '. Stored in the same localStorage value (field ', h('code', {}, 'm'), '); cleared with your history.'),
      record.length
        ? h('table', { class: 'history', id: 'record-table' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Item'), h('th', { scope: 'col' }, 'Times bought'), h('th', { scope: 'col' }, 'Last bought'), h('th', { scope: 'col' }, 'Basket adds'))),
          h('tbody', {}, record.map((r) => h('tr', { 'data-id': r.id },
            h('td', {}, shop.title(r.id), ' ', h('span', { class: 'muted small' }, `(${r.id})`)),
            h('td', {}, String(r.purchases)),
            h('td', {}, r.lastPurchase ? fmtDate(r.lastPurchase) : '—'),
            h('td', {}, String(r.cartAdds))))))
        : h('p', { class: 'empty', id: 'record-empty' }, 'Nothing is stored.'),
      h('details', {},
        h('summary', {}, 'Exact stored values'),
        h('p', { class: 'small' }, h('code', {}, HISTORY_KEY)),
        h('pre', { id: 'raw-history' }, raw ?? '(nothing)'),
        h('p', { class: 'small' }, h('code', {}, PREFS_KEY), ' — this demo’s own settings: the pause switch, which basket items came from suggestions, and order totals for the order-value panel.'),
        h('pre', {}, rawPrefs ?? '(nothing)'))),
    returningPanel(shop, { linkToData: false }),
  ];
}
