// The demo shop: boot, hash router, header, re-render on every shop change.
//
// Scoring runs on the main thread: with 3,000 items a recommend() call takes well under a
// millisecond (the footer shows the live median), so a Web Worker would only add latency and
// would lose localStorage persistence, which workers cannot reach.

import { h, mount, money, setCurrency, slug } from './js/dom.js';
import { loadShop, FREE_DELIVERY } from './js/shop.js';
import * as V from './js/views.js';

const t0 = performance.now();
const main = document.getElementById('main');
const announce = (msg) => { document.getElementById('announce').textContent = msg; };

function route() {
  const [, name = '', ...rest] = location.hash.replace(/^#/, '').split('/');
  let arg = '';
  try { arg = decodeURIComponent(rest.join('/')); } catch { arg = rest.join('/'); }
  return { name, arg };
}

let shop;
let shown = 48; // products listed on a collection page
let firstPersonalised = false;

function renderHeader() {
  const v = shop.cartValue();
  const n = shop.cartIds().length;
  document.getElementById('cart-count').textContent = String(n);
  document.getElementById('cart-total').textContent = money(v.total);
  document.getElementById('cart-link').setAttribute('aria-label', `Basket: ${n} item${n === 1 ? '' : 's'}, ${money(v.total)}`);
  const bar = document.getElementById('nudge-bar');
  if (n === 0) bar.replaceChildren(`Free delivery on orders over ${money(FREE_DELIVERY)}`);
  else if (v.total < FREE_DELIVERY) bar.replaceChildren(h('strong', {}, money(FREE_DELIVERY - v.total)), ' to free delivery — ', h('a', { href: '#/cart' }, 'see what closes the gap'));
  else bar.replaceChildren(h('strong', {}, 'Free delivery'), ' unlocked on your order');
  // Stored things: history events plus items in the long-term purchase record.
  document.getElementById('privacy-count').textContent = String(shop.rec.history().length + shop.purchaseRecord().length);
  document.getElementById('privacy-link').classList.toggle('paused', shop.paused);
  const ms = [...shop.timings].sort((a, b) => a - b);
  if (ms.length) document.getElementById('perf').textContent = `median scoring call ${ms[ms.length >> 1].toFixed(2)} ms on this device`;
}

function pageFor(r) {
  switch (r.name) {
    case '':
      return { title: 'Home', nodes: V.homePage(shop) };
    case 'c': {
      const c = shop.collections.find((x) => slug(x.name) === r.arg);
      if (!c) return { title: 'Not found', nodes: [h('h1', {}, 'Collection not found'), h('a', { href: '#/' }, 'Back to the shop')] };
      return { title: c.name, nodes: V.collectionPage(shop, c.name, shown, () => { shown += 48; render({ keep: true }); }) };
    }
    case 'p':
      return { title: shop.title(r.arg), nodes: V.productPage(shop, r.arg) };
    case 'cart':
      return { title: 'Basket', nodes: V.cartPage(shop, checkout) };
    case 'search':
      return { title: 'Search', nodes: V.searchPage(shop, r.arg) };
    case 'privacy':
      return {
        title: 'Your data',
        nodes: V.privacyPage(shop, {
          onClear: () => { shop.clearAll(); announce('History cleared. Recommendations are no longer personal.'); },
          onPause: () => { shop.setPaused(!shop.paused); announce(shop.paused ? 'Personalisation paused.' : 'Personalisation resumed.'); },
        }),
      };
    default:
      return { title: 'Not found', nodes: [h('h1', {}, 'Page not found'), h('a', { href: '#/' }, 'Back to the shop')] };
  }
}

/**
 * Render the current route. `keep`: re-render in place after a change (keep scroll and the
 * keyboard focus on the same control, or its list's heading if the control went away).
 */
function render({ keep = false } = {}) {
  const r = route();
  const active = document.activeElement;
  const hadFocus = keep && active !== main && main.contains(active);
  const focusKey = hadFocus ? active.dataset.focus : null;
  const focusShelf = keep && main.contains(active) ? active.closest('section')?.id : null;
  const { title, nodes } = pageFor(r);
  mount(main, nodes);
  document.title = `${title} · Hearth & Parcel (cartsense demo)`;
  renderHeader();
  for (const a of document.querySelectorAll('.nav a')) {
    const here = a.getAttribute('href') === location.hash || (a.getAttribute('href') === '#/' && r.name === '');
    if (here) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (hadFocus) {
    // The same control if it is still there, else its list's heading, else the page heading.
    const again = focusKey && main.querySelector(`[data-focus="${CSS.escape(focusKey)}"]`);
    const shelf = focusShelf && main.querySelector(`#${CSS.escape(focusShelf)} h2`);
    const h1 = main.querySelector('h1');
    h1?.setAttribute('tabindex', '-1');
    (again || shelf || h1)?.focus({ preventScroll: !again });
  } else if (!keep) {
    window.scrollTo(0, 0);
  }
  const fy = main.querySelector('#for-you');
  if (!firstPersonalised && fy?.dataset.personalised === 'true') {
    firstPersonalised = true;
    performance.mark('cs:first-personalised');
  }
  main.dataset.route = r.name || 'home';
}

function checkout() {
  const o = shop.checkout();
  if (o) announce(`Order placed: ${money(o.total)}. Thank you!`);
}

function onNavigate({ initial = false } = {}) {
  const r = route();
  if (r.name !== 'c') shown = 48;
  if (r.name === 'p' && r.arg) shop.view(r.arg, { quiet: true }); // rendered once below
  render();
  // Move focus to the new page's heading for keyboard and screen-reader users, but never away
  // from the search box while the shopper is typing.
  const h1 = main.querySelector('h1');
  if (h1 && !initial && document.activeElement?.id !== 'q') {
    h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: true });
  }
}

async function boot() {
  try {
    shop = await loadShop();
  } catch (e) {
    mount(main, h('h1', {}, 'The shop could not load'), h('p', {}, String(e?.message ?? e)));
    throw e;
  }
  setCurrency(shop.rec.currency);
  const nav = document.getElementById('collections');
  mount(nav, h('li', {}, h('a', { href: '#/' }, 'Home')), shop.collections.map((c) => h('li', {}, h('a', { href: `#/c/${slug(c.name)}` }, c.name))));
  const meta = shop.rec.meta();
  document.getElementById('data-note').textContent = `${shop.rec.itemCount.toLocaleString('en-GB')} real products from ${meta.source ? 'the UCI Online Retail dataset' : 'the pack'} (Chen, Sain & Guo 2012).`;

  shop.onChange(() => {
    render({ keep: true });
    if (shop.notice) { announce(shop.notice); shop.notice = null; }
  });
  window.addEventListener('hashchange', () => onNavigate());

  const q = document.getElementById('q');
  let timer = 0;
  const go = () => {
    const want = `#/search/${encodeURIComponent(q.value.trim())}`;
    if (route().name === 'search') { history.replaceState(null, '', want); render({ keep: true }); } else location.hash = want;
  };
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(go, 120); });
  document.getElementById('search').addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(timer); go(); });
  if (route().name === 'search') q.value = route().arg;

  onNavigate({ initial: true });
  performance.mark('cs:first-list');
  document.documentElement.dataset.ready = 'true';
  // Test and console hook: the shop, and how long boot took.
  window.cartsenseDemo = { shop, bootMs: performance.now() - t0 };
}

boot();
