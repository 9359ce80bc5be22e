// Product placeholder tiles, drawn locally as SVG from the item id and its collection (the data
// has no images). The same id always gives the same tile.

import { s } from './dom.js';

/** FNV-1a 32-bit hash of a string. */
export function hash(str) {
  let x = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    x ^= str.charCodeAt(i);
    x = Math.imul(x, 0x01000193);
  }
  return x >>> 0;
}

// One simple motif per collection, drawn in a 100 x 100 box.
const MOTIFS = {
  christmas: 'M50 14 L59 38 L85 39 L64 55 L72 80 L50 65 L28 80 L36 55 L15 39 L41 38 Z',
  candles: 'M40 44 h20 v40 h-20 Z M50 16 C58 26 58 34 50 40 C42 34 42 26 50 16 Z',
  bags: 'M24 40 h52 l-5 44 h-42 Z M38 40 v-8 a12 12 0 0 1 24 0 v8 h-5 v-8 a7 7 0 0 0 -14 0 v8 Z',
  kids: 'M22 52 h26 v26 h-26 Z M52 52 h26 v26 h-26 Z M37 24 h26 v26 h-26 Z',
  party: 'M12 26 L88 26 L78 32 L70 52 L62 34 L54 54 L46 34 L38 54 L30 34 L22 52 L14 32 Z',
  stationery: 'M28 16 h40 a4 4 0 0 1 4 4 v60 a4 4 0 0 1 -4 4 h-40 Z M36 30 h28 v4 h-28 Z M36 42 h28 v4 h-28 Z M36 54 h20 v4 h-20 Z',
  kitchen: 'M26 34 h40 v30 a14 14 0 0 1 -14 14 h-12 a14 14 0 0 1 -14 -14 Z M66 40 h6 a10 10 0 0 1 0 20 h-6 v-6 h6 a4 4 0 0 0 0 -8 h-6 Z',
  garden: 'M50 84 v-30 M50 54 C30 54 22 40 24 24 C40 24 50 34 50 54 C50 34 60 24 76 24 C78 40 70 54 50 54 Z M47 54 h6 v30 h-6 Z',
  jewellery: 'M50 20 L72 38 L50 82 L28 38 Z M28 38 h44',
  storage: 'M20 36 L50 22 L80 36 L80 72 L50 86 L20 72 Z M20 36 L50 50 L80 36 M50 50 V86',
  home: 'M50 82 C20 62 14 46 22 34 C30 22 44 24 50 36 C56 24 70 22 78 34 C86 46 80 62 50 82 Z',
  gifts: 'M22 42 h56 v14 h-56 Z M26 56 h48 v28 h-48 Z M46 42 h8 v42 h-8 Z M50 42 C40 26 28 30 34 40 Z M50 42 C60 26 72 30 66 40 Z',
};
const KEYS = [
  ['christmas', 'christmas'], ['candle', 'candles'], ['light', 'candles'], ['bag', 'bags'],
  ['kid', 'kids'], ['toy', 'kids'], ['party', 'party'], ['wrap', 'party'], ['station', 'stationery'],
  ['kitchen', 'kitchen'], ['dining', 'kitchen'], ['garden', 'garden'], ['jewel', 'jewellery'],
  ['accessor', 'jewellery'], ['storage', 'storage'], ['tin', 'storage'], ['home', 'home'], ['decor', 'home'],
];

function motifFor(collection) {
  const c = String(collection ?? '').toLowerCase();
  for (const [k, m] of KEYS) if (c.includes(k)) return MOTIFS[m];
  return MOTIFS.gifts;
}

/**
 * An SVG tile for one item. `size` is only the rendered size; the drawing is resolution free.
 * Decorative (aria-hidden): the card's title carries the meaning.
 */
export function tile(id, collection, { size } = {}) {
  const x = hash(String(id));
  const hue = x % 360;
  const hue2 = (hue + 25 + ((x >>> 9) % 50)) % 360;
  const pattern = (x >>> 16) % 3;
  const gid = `g${x.toString(36)}`;
  const bg = [
    s('defs', {},
      s('linearGradient', { id: gid, x1: 0, y1: 0, x2: 1, y2: 1 },
        s('stop', { offset: 0, 'stop-color': `hsl(${hue} 55% 88%)` }),
        s('stop', { offset: 1, 'stop-color': `hsl(${hue2} 50% 76%)` }))),
    s('rect', { width: 100, height: 100, fill: `url(#${gid})` }),
  ];
  const deco = [];
  if (pattern === 0) {
    for (let i = 0; i < 6; i++) {
      const cx = ((x >>> (i * 3)) % 90) + 5;
      const cy = ((x >>> (i * 2 + 5)) % 90) + 5;
      deco.push(s('circle', { cx, cy, r: 3 + (i % 3) * 2, fill: `hsl(${hue2} 60% 96% / .55)` }));
    }
  } else if (pattern === 1) {
    for (let i = -100; i < 100; i += 14) {
      deco.push(s('path', { d: `M${i} 100 L${i + 100} 0`, stroke: `hsl(${hue} 60% 97% / .35)`, 'stroke-width': 5 }));
    }
  } else {
    deco.push(s('circle', { cx: 50, cy: 50, r: 40, fill: `hsl(${hue2} 60% 97% / .45)` }));
  }
  const motif = s('path', {
    d: motifFor(collection),
    fill: `hsl(${hue} 45% 38%)`,
    stroke: `hsl(${hue} 50% 25%)`,
    'stroke-width': 1.5,
    'stroke-linejoin': 'round',
    'fill-rule': 'evenodd',
  });
  return s('svg', {
    class: 'tile',
    viewBox: '0 0 100 100',
    width: size,
    height: size,
    'aria-hidden': 'true',
    focusable: 'false',
  }, bg, deco, motif);
}
