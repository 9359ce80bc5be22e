// DOM helpers. Every string child becomes a text node, so data (titles, ids, collection names)
// can never turn into markup: there is no innerHTML anywhere in the shop.

/**
 * Create an element. `attrs`: `class`, `text`, `on:<event>`, `css-<property>` (set through the
 * CSSOM: the page's Content-Security-Policy refuses inline `style` attributes), `data-*`,
 * `aria-*` and any other attribute (set with setAttribute, `true` = empty attribute,
 * `false`/null/undefined = absent).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Same as `h` for SVG elements. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else if (k.startsWith('on:')) el.addEventListener(k.slice(3), v);
    else if (k.startsWith('css-')) el.style.setProperty(k.slice(4), String(v));
    else if (k === 'style') throw new Error('inline style attributes are refused by the CSP: use css-<property>');
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replace all children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

let moneyFmt = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' });
/** Set the currency of `money()` from the pack (falls back to GBP). */
export function setCurrency(code) {
  try {
    moneyFmt = new Intl.NumberFormat('en-GB', { style: 'currency', currency: code || 'GBP' });
  } catch {
    /* unknown code: keep GBP */
  }
}
/** £4.20 */
export const money = (x) => moneyFmt.format(Math.round(x * 100) / 100);

/** URL-safe slug of a collection name ("Candles & Lights" -> "candles-lights"). */
export const slug = (name) =>
  String(name)
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'other';
