#!/usr/bin/env node
// Build the demo shop's data from UCI Online Retail: www/data/products.json (the product table)
// and www/data/model.cspk (the model pack). Deterministic: the same input gives byte-identical
// output (seeded PRNG, fixed builtAt, stable sorts).
//
//   node scripts/demo-data.mjs [--data ../shared/data/online-retail-uci/by-day] [--items 3000]
//                              [--dims 64] [--power 0.5] [--raw] [--neighbours 2]
//                              [--profile mean|fold-in] [--nw 3] [--out www/data]
//   node scripts/demo-data.mjs --eval [same options]   # compare scorer variants, write nothing
//   node scripts/demo-data.mjs --only customers         # write only customers.json (seconds)
//
// Steps (see www/data/SOURCE.md):
// 1. Read by-day/*.csv in file-name order and clean the rows exactly as PROTOCOL.md §1 does
//    (no cancellations, Quantity > 0, UnitPrice > 0, no postage/fee/manual codes).
// 2. Per item: title = its most frequent Description (title-cased for display), price = median
//    UnitPrice over its clean rows, popularity = number of invoices containing it. Keep the
//    `--items` most popular items that have a title.
// 3. Collections: the first keyword rule (COLLECTIONS below) that matches the title.
// 4. Embeddings: the cosine co-occurrence matrix S_ij = C_ij / sqrt(c_i c_j) over invoices,
//    factorised by seeded subspace iteration into its top `--dims` eigenpairs; an item's
//    vector is its row of U·Λ^power, L2-normalised (unless --raw).
//    Co-purchase neighbours: each item's `--neighbours` strongest S_ij, blended into the score
//    with weight `--nw` (the pack's `meta.scorer`).
// 5. Quality on PROTOCOL.md §1 (validation and test, model rebuilt from train invoices only),
//    stored in the pack's meta.
// 6. buildPack (int8 rows, Gram matrix for the fold-in, neighbours) from the built package in pkg/.

import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const DATA = resolve(root, args.data ?? '../shared/data/online-retail-uci/by-day');
const OUT = resolve(root, args.out ?? 'www/data');
const N_ITEMS = Number(args.items ?? 3000);
const DIMS = Number(args.dims ?? 64);
const POWER = Number(args.power ?? 0.5); // item vector = row of U·Λ^POWER
const NORM = !('raw' in args); // L2-normalise item vectors (chosen on validation, see SOURCE.md)
// Least-squares fold-in for the shopper's query, chosen on the validation split (SOURCE.md).
const FOLD_IN = { lambda: 10, alpha: 1 };
// Co-purchase neighbours kept per item, and the scorer's blend weight for them (chosen on the
// validation split, see SOURCE.md).
const NEIGHBOURS = Number(args.neighbours ?? 2);
const SCORER = { profile: args.profile ?? 'mean', neighbourWeight: Number(args.nw ?? 3) };
const BUILT_AT = '2011-12-10T00:00:00Z'; // fixed: the day after the last invoice in the data

const { buildPack, Recommender } = await import(join(root, 'pkg/node.js'));

// ---------------------------------------------------------------------------------------------
// 1. Read and clean.

/** Split one CSV line (RFC 4180 quoting; the files have no embedded newlines). */
function splitCsv(line) {
  const out = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === '"') {
        if (line[i + 1] === '"') { cur += '"'; i++; } else q = false;
      } else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { out.push(cur); cur = ''; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

const NON_PRODUCTS = new Set(['POST', 'DOT', 'M', 'C2', 'D', 'S', 'B', 'CRUK', 'PADS', 'AMAZONFEE', 'BANK CHARGES']);
const isProduct = (code) => !NON_PRODUCTS.has(code) && !code.startsWith('GIFT_') && !code.startsWith('DCGS');

const files = readdirSync(DATA).filter((f) => f.endsWith('.csv')).sort();
if (files.length === 0) throw new Error(`no CSV files in ${DATA}`);
const baskets = new Map(); // invoice -> Set(item), insertion order = first clean row order
const basketDate = new Map(); // invoice -> InvoiceDate of its first clean row
const basketCustomer = new Map(); // invoice -> CustomerID of its first clean row ('' = none)
const itemPrices = new Map(); // item -> number[]
const itemTitles = new Map(); // item -> Map(description -> count)
let rows = 0;
let clean = 0;
for (const f of files) {
  const lines = readFileSync(join(DATA, f), 'utf8').split('\n');
  for (let li = 1; li < lines.length; li++) {
    const line = lines[li].replace(/\r$/, '');
    if (!line) continue;
    rows++;
    const [invoice, stock, desc, qty, date, price, customer = ''] = splitCsv(line);
    const inv = invoice.trim();
    const item = stock.trim().toUpperCase();
    if (inv.startsWith('C') || !(Number(qty) > 0) || !(Number(price) > 0) || !isProduct(item)) continue;
    clean++;
    if (!baskets.has(inv)) {
      baskets.set(inv, new Set());
      basketDate.set(inv, date.trim());
      basketCustomer.set(inv, customer.trim().replace(/\.0$/, ''));
    }
    baskets.get(inv).add(item);
    if (!itemPrices.has(item)) { itemPrices.set(item, []); itemTitles.set(item, new Map()); }
    itemPrices.get(item).push(Number(price));
    const d = desc.trim().replace(/\s+/g, ' ');
    if (d) itemTitles.get(item).set(d, (itemTitles.get(item).get(d) ?? 0) + 1);
  }
}
console.error(`read ${files.length} files, ${rows} rows, ${clean} clean rows, ${baskets.size} invoices`);

// ---------------------------------------------------------------------------------------------
// 2. Item table.

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const KEEP_UPPER = new Set(['LED', 'UK', 'USA', 'PHP', 'DVD', 'CD', 'OK', 'XL', 'III', 'II', 'N', 'S', 'W', 'E']);
/** "WHITE HANGING HEART T-LIGHT HOLDER" -> "White Hanging Heart T-Light Holder". */
function titleCase(s) {
  return s
    .toLowerCase()
    .replace(/[a-z0-9']+/g, (w) => (KEEP_UPPER.has(w.toUpperCase()) && w.length > 1 ? w.toUpperCase() : w[0].toUpperCase() + w.slice(1)))
    .replace(/'S\b/g, "'s");
}

const popularity = new Map();
for (const b of baskets.values()) for (const i of b) popularity.set(i, (popularity.get(i) ?? 0) + 1);

function bestTitle(item) {
  let best = '';
  let n = 0;
  for (const [d, c] of itemTitles.get(item)) if (c > n) { best = d; n = c; } // first seen wins ties
  return best;
}

const candidates = [...popularity.keys()]
  .filter((i) => bestTitle(i) && /[A-Z]/.test(bestTitle(i)))
  .sort((a, b) => popularity.get(b) - popularity.get(a) || (a < b ? -1 : a > b ? 1 : 0));
const ids = candidates.slice(0, N_ITEMS).sort();
const index = new Map(ids.map((id, i) => [id, i]));
const n = ids.length;

// ---------------------------------------------------------------------------------------------
// 3. Collections: first matching rule wins. Keywords match whole words (or word starts with *).

const COLLECTIONS = [
  ['Christmas', 'CHRISTMAS XMAS ADVENT SANTA REINDEER SNOWFLAKE* NOEL BAUBLE* SNOWMAN NATIVITY ANGEL STAR TREE FESTIVE ELF'],
  ['Candles & Lights', 'CANDLE* T-LIGHT* TEA-LIGHT* TEALIGHT* LIGHT* LANTERN* LAMP* LAMPSHADE CHANDELIER NIGHTLIGHT INCENSE'],
  ['Bags & Purses', 'BAG BAGS TOTE SHOPPER PURSE PURSES BACKPACK RUCKSACK WALLET HANDBAG'],
  ['Kids & Toys', 'TOY* CHILDREN* CHILDS KIDS DOLLY DOLL DOLLS SPACEBOY GAME GAMES PLAYHOUSE JIGSAW TEDDY CRAYON* SKIPPING COLOURING PUPPET SOLDIER* KNITTING SCOOTER BUILDING BLOCKS BLOCK WORD SPINNING TOP PAINTING PAINT BALLOON* BALL RABBIT CIRCUS DINOSAUR* FELTCRAFT CRAFT STENCIL SNAKES LUDO BINGO DOMINOES NAUGHTS CLAY SEWING HORSE MONSTERS'],
  ['Party & Wrapping', 'PARTY BUNTING WRAP WRAPPING RIBBON* CONFETTI INVITES BIRTHDAY TISSUE GIFT PAPER CHAIN GARLAND'],
  ['Stationery', 'CARD CARDS NOTEBOOK* PENCIL* PEN PENS STICKER* ENVELOPE* JOURNAL TAPE NOTE NOTES NOTEPAD CALENDAR ERASER RUBBER RULER DIARY MEMO BOOKMARK STAMP SHARPENER CHALK ALBUM STATIONERY EXERCISE BOOKS BOOK WRITING SKETCHBOOK CHALKBOARD BLACKBOARD MEMOBOARD CALCULATOR'],
  ['Kitchen & Dining', 'MUG MUGS CUP CUPS SAUCER* PLATE PLATES BOWL* TEA TEAPOT COFFEE CAKE CAKES CAKESTAND BAKING CUTLERY SPOON* FORK KNIFE NAPKIN* APRON COASTER* JUG TRAY LUNCH BOTTLE PANTRY KITCHEN EGG JAM CHOPSTICKS TEATIME DOILY DOILIES BEAKER GLASS GLASSES TUMBLER OVEN GLOVE TOWEL TOWELS SUGAR MILK BREAD SCALES RECIPE STRAWS CUPCAKE PICNIC COOKIE BISCUIT JELLY POPCORN CHOPPING PLACEMAT* DISH MOULD* ICE'],
  ['Garden & Outdoors', 'GARDEN GARDENERS PLANT PLANTER POT POTS WATERING BIRD BIRDHOUSE BIRDFEEDER FEEDER HERB* FLOWER GNOME WINDMILL GROW SEED* SEEDS TRUG OUTDOOR PARASOL BUTTERFLY'],
  ['Jewellery & Accessories', 'NECKLACE* BRACELET* EARRING* EARRINGS RING RINGS HAIR CLIP CLIPS HAIRCLIP* UMBRELLA BEADS BEAD CHARM* BROOCH HAIRBAND SCARF HAT GLOVES MIRROR COMPACT KEYRING KEY JEWEL* DIAMANTE SLIPPER* SOCKS HANDWARMER* WARMER PASSPORT FOB LUGGAGE PONCHO GLOSS'],
  ['Storage & Tins', 'TIN TINS BOX BOXES STORAGE BASKET* JAR JARS CRATE CHEST DRAWER DRAWERS CASE CASES HOLDER RACK BIN TRUNK HAMPER'],
  ['Home & Decor', 'FRAME FRAMES SIGN CLOCK CUSHION* HOOK HOOKS HANGING HEART HEARTS DOORMAT VASE WALL ORNAMENT DECORATION WREATH DOORSTOP COAT HANGER HANGERS BLANKET THROW QUILT CURTAIN SHELF CABINET BELL CHIME PICTURE PHOTO PLAQUE LETTERS BUNNY CHICK EASTER FAN DOOR KNOB SOAP BATH BATHROOM CLOTHES WATER MAGNET* MAT DOORSTOP STOOL FRIDGE DRAWERKNOB'],
];
const OTHER = 'Gifts & More';
const rules = COLLECTIONS.map(([name, words]) => {
  const exact = new Set();
  const prefixes = [];
  for (const w of words.split(' ')) (w.endsWith('*') ? prefixes.push(w.slice(0, -1)) : exact.add(w));
  return { name, test: (tok) => exact.has(tok) || prefixes.some((p) => tok.startsWith(p)) };
});
function collectionOf(rawTitle) {
  const toks = rawTitle.toUpperCase().split(/[^A-Z0-9-]+/).filter(Boolean);
  for (const r of rules) if (toks.some(r.test)) return r.name;
  return OTHER;
}

const items = ids.map((id) => {
  const raw = bestTitle(id);
  return {
    id,
    title: titleCase(raw),
    price: Math.round(median(itemPrices.get(id)) * 100) / 100,
    popularity: popularity.get(id),
    collection: collectionOf(raw),
  };
});
const byCollection = {};
for (const it of items) byCollection[it.collection] = (byCollection[it.collection] ?? 0) + 1;
console.error('collections:', JSON.stringify(byCollection));

// ---------------------------------------------------------------------------------------------
// 3b. Returning customers for the demo's "shop as a returning customer" control: a few real
//     customers' orders before CUSTOMER_CUTOFF, restricted to the kept items (www/data/customers.json).
//     Only these customer ids and orders (item ids and invoice times) are written, nothing else.

const CUSTOMER_CUTOFF = '2011-11-01';
const N_CUSTOMERS = 6;
function returningCustomers() {
  const byCustomer = new Map(); // customer -> [{ items, at, date }]
  const returns = new Set(); // customers with an invoice on or after the cutoff
  for (const [inv, b] of baskets) {
    const cust = basketCustomer.get(inv);
    if (!cust) continue;
    const date = basketDate.get(inv);
    if (date >= CUSTOMER_CUTOFF) { returns.add(cust); continue; }
    const kept = [...b].filter((i) => index.has(i));
    if (!kept.length) continue;
    if (!byCustomer.has(cust)) byCustomer.set(cust, []);
    byCustomer.get(cust).push({ items: kept, at: Date.parse(`${date.replace(' ', 'T')}Z`), date });
  }
  const collectionOfId = new Map(items.map((x) => [x.id, x.collection]));
  const candidates = [];
  for (const [id, orders] of byCustomer) {
    // Several orders of a readable size, and the customer really came back after the cutoff.
    if (orders.length < 5 || orders.length > 12 || !returns.has(id)) continue;
    if (orders.some((o) => o.items.length > 40)) continue;
    orders.sort((a, b) => a.at - b.at || (a.date < b.date ? -1 : 1));
    const times = new Map();
    for (const o of orders) for (const i of o.items) times.set(i, (times.get(i) ?? 0) + 1);
    const repeated = [...times.values()].filter((c) => c >= 2).length;
    if (repeated < 5) continue;
    const perCol = new Map();
    for (const i of times.keys()) perCol.set(collectionOfId.get(i), (perCol.get(collectionOfId.get(i)) ?? 0) + 1);
    const main = [...perCol].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
    candidates.push({ id, orders, repeated, main });
  }
  // Most repeat purchases first, one customer per main collection (so the demo shows varied
  // tastes), ties by customer id.
  candidates.sort((a, b) => b.repeated - a.repeated || (a.id < b.id ? -1 : 1));
  const picked = [];
  const seen = new Set();
  for (const c of candidates) {
    if (picked.length === N_CUSTOMERS) break;
    if (seen.has(c.main)) continue;
    seen.add(c.main);
    picked.push(c);
  }
  picked.sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    source: 'UCI Online Retail (see SOURCE.md): invoices dated before the cutoff, items restricted to products.json',
    cutoff: CUSTOMER_CUTOFF,
    customers: picked.map((c) => ({
      id: c.id,
      label: `Customer ${c.id} · ${c.orders.length} orders`,
      orders: c.orders.map((o) => ({ items: o.items, at: o.at })),
    })),
    candidates: candidates.length,
  };
}
const customers = returningCustomers();
{
  const { candidates, ...out } = customers;
  console.error(`returning customers: ${candidates} candidates, kept ${out.customers.map((c) => c.label).join(', ')}`);
  mkdirSync(OUT, { recursive: true });
  const text = JSON.stringify(out).replace(/\{"id":/g, '\n{"id":').replace(/\},\{"items"/g, '},\n {"items"') + '\n';
  if (!('eval' in args)) writeFileSync(join(OUT, 'customers.json'), text);
  if (args.only === 'customers') {
    console.error(`wrote ${join(OUT, 'customers.json')} (${text.length} bytes)`);
    process.exit(0);
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Embeddings from the cosine co-occurrence matrix.

function mulberry32(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Embeddings (n x dims, row-major) of the items `index` maps to rows, from the invoices
 * `basketList` (iterable of Set of item ids): top eigenpairs of the cosine co-occurrence matrix.
 */
function embed(basketList, index, n, dims, log = false) {
  const C = new Float32Array(n * n);
  const count = new Float64Array(n);
  for (const b of basketList) {
    const idx = [];
    for (const it of b) { const i = index.get(it); if (i !== undefined) idx.push(i); }
    for (const i of idx) count[i]++;
    for (let a = 0; a < idx.length; a++) {
      const ra = idx[a] * n;
      for (let c = 0; c < idx.length; c++) if (c !== a) C[ra + idx[c]]++;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (C[i * n + j]) C[i * n + j] /= Math.sqrt(count[i] * count[j]);

  /** Orthonormalise the columns of Q (n x k, row-major) by modified Gram-Schmidt. */
  function orthonormalise(Q, k) {
    for (let c = 0; c < k; c++) {
      for (let p = 0; p < c; p++) {
        let d = 0;
        for (let r = 0; r < n; r++) d += Q[r * k + c] * Q[r * k + p];
        for (let r = 0; r < n; r++) Q[r * k + c] -= d * Q[r * k + p];
      }
      let norm = 0;
      for (let r = 0; r < n; r++) norm += Q[r * k + c] ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let r = 0; r < n; r++) Q[r * k + c] /= norm;
    }
  }
  /** Y = S Q (S n x n, Q n x k). */
  function mul(Q, k) {
    const Y = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      const yi = i * k;
      const row = i * n;
      for (let j = 0; j < n; j++) {
        const s = C[row + j];
        if (s === 0) continue;
        const qj = j * k;
        for (let c = 0; c < k; c++) Y[yi + c] += s * Q[qj + c];
      }
    }
    return Y;
  }

  const K = dims + 8; // oversampling helps the trailing eigenpairs converge
  const rand = mulberry32(20111209);
  let Q = new Float64Array(n * K).map(() => rand() - 0.5);
  orthonormalise(Q, K);
  for (let it = 0; it < 12; it++) { Q = mul(Q, K); orthonormalise(Q, K); }
  // Rayleigh-Ritz: small K x K eigenproblem T = Qᵀ S Q, solved by Jacobi rotations.
  const SQ = mul(Q, K);
  const T = Array.from({ length: K }, (_, a) => Array.from({ length: K }, (_, b) => {
    let d = 0;
    for (let r = 0; r < n; r++) d += Q[r * K + a] * SQ[r * K + b];
    return d;
  }));
  const V = Array.from({ length: K }, (_, a) => Array.from({ length: K }, (_, b) => (a === b ? 1 : 0)));
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < K; p++) for (let q = p + 1; q < K; q++) off += T[p][q] ** 2;
    if (off < 1e-18) break;
    for (let p = 0; p < K; p++) for (let q = p + 1; q < K; q++) {
      if (Math.abs(T[p][q]) < 1e-30) continue;
      const theta = (T[q][q] - T[p][p]) / (2 * T[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let r = 0; r < K; r++) { const a = T[r][p], b = T[r][q]; T[r][p] = c * a - s * b; T[r][q] = s * a + c * b; }
      for (let r = 0; r < K; r++) { const a = T[p][r], b = T[q][r]; T[p][r] = c * a - s * b; T[q][r] = s * a + c * b; }
      for (let r = 0; r < K; r++) { const a = V[r][p], b = V[r][q]; V[r][p] = c * a - s * b; V[r][q] = s * a + c * b; }
    }
  }
  const order = [...Array(K).keys()].sort((a, b) => T[b][b] - T[a][a]).slice(0, dims);
  const eig = order.map((o) => T[o][o]);
  if (log) console.error('top eigenvalues:', eig.slice(0, 6).map((x) => x.toFixed(2)).join(' '), '...', eig[dims - 1].toFixed(2));
  const emb = new Float32Array(n * dims);
  for (let r = 0; r < n; r++) {
    for (let d = 0; d < dims; d++) {
      const o = order[d];
      let u = 0;
      for (let c = 0; c < K; c++) u += Q[r * K + c] * V[c][o];
      emb[r * dims + d] = u * Math.max(eig[d], 0) ** POWER;
    }
  }
  if (NORM) {
    for (let r = 0; r < n; r++) {
      let q = 0;
      for (let d = 0; d < dims; d++) q += emb[r * dims + d] ** 2;
      q = Math.sqrt(q) || 1;
      for (let d = 0; d < dims; d++) emb[r * dims + d] /= q;
    }
  }
  // Fix each column's sign (sum >= 0) so the output does not depend on the solver's choice.
  for (let d = 0; d < dims; d++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += emb[r * dims + d];
    if (s < 0) for (let r = 0; r < n; r++) emb[r * dims + d] = -emb[r * dims + d];
  }
  // Co-purchase neighbours: each item's NEIGHBOURS strongest cosine co-occurrences.
  const offsets = new Uint32Array(n + 1);
  const nIndex = [];
  const nWeight = [];
  for (let i = 0; i < n; i++) {
    const row = [];
    for (let j = 0; j < n; j++) if (C[i * n + j] > 0) row.push(j);
    row.sort((a, b) => C[i * n + b] - C[i * n + a] || a - b);
    for (const j of row.slice(0, NEIGHBOURS)) { nIndex.push(j); nWeight.push(C[i * n + j]); }
    offsets[i + 1] = nIndex.length;
  }
  return { emb, neighbours: { offsets, index: Uint32Array.from(nIndex), weight: Float32Array.from(nWeight) } };
}

const { emb, neighbours } = embed(baskets.values(), index, n, DIMS, true);

// ---------------------------------------------------------------------------------------------
// Optional: offline check of the model with PROTOCOL.md §1 cases (--eval). The catalogue and the
// embeddings are rebuilt from the training invoices only; cases are restricted to the kept items.

/** Items and embeddings from invoices dated before `end`; cases from [evalStart, evalEnd). */
function split(end, evalStart, evalEnd) {
  const train = [];
  const held = [];
  for (const [inv, b] of baskets) {
    const d = basketDate.get(inv);
    if (d < end) train.push(b);
    else if (d >= evalStart && d < evalEnd) held.push(b);
  }
  const pop = new Map();
  for (const b of train) for (const i of b) pop.set(i, (pop.get(i) ?? 0) + 1);
  const keep = [...pop.keys()]
    .filter((i) => bestTitle(i))
    .sort((a, b) => pop.get(b) - pop.get(a) || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, N_ITEMS)
    .sort();
  const idx = new Map(keep.map((id, i) => [id, i]));
  const cases = [];
  for (const b of held) {
    const items = [...b].filter((i) => idx.has(i));
    if (items.length >= 2) cases.push({ context: items.slice(0, -1), target: items[items.length - 1] });
  }
  return { ids: keep, popularity: keep.map((i) => pop.get(i)), ...embed(train, idx, keep.length, DIMS), cases };
}

/** HR@10 and MRR@10 of a scorer setting `v` = { foldIn, scorer } on the cases of split `s`. */
function score(s, v) {
  const pack = buildPack({
    ids: s.ids, dims: DIMS, embeddings: s.emb, popularity: s.popularity, quantize: 'int8',
    neighbours: s.neighbours, foldIn: v.foldIn, meta: { scorer: v.scorer },
  });
  // A few held-out invoices have over 1,000 lines: the cart must take them all (the default
  // maxCartLines, 1,000, refuses the next line with BAD_ARGUMENT).
  const rec = Recommender.fromBytes(pack, { maxEvents: 1000, maxCartLines: 100_000 });
  let hr = 0;
  let mrr = 0;
  const t0 = performance.now();
  for (const c of s.cases) {
    rec.clearHistory();
    for (const id of c.context) rec.addToCart(id, 0);
    const list = rec.recommend({ k: 10 }).map((r) => r.id);
    const rank = list.indexOf(c.target) + 1;
    if (rank > 0) { hr++; mrr += 1 / rank; }
  }
  const ms = (performance.now() - t0) / s.cases.length;
  rec.free();
  return { hr: hr / s.cases.length, mrr: mrr / s.cases.length, ms };
}

const VARIANTS = ['fold-in', 'mean'].flatMap((profile) => [0, 0.3, 1, 3].map((nw) => ({
  name: `${profile}, neighbours ${nw}`,
  foldIn: FOLD_IN,
  scorer: { profile, neighbourWeight: nw },
})));

if ('eval' in args) {
  const val = split('2011-10-01', '2011-10-01', '2011-11-01');
  const tst = split('2011-11-01', '2011-11-01', '2011-12-31');
  console.log(`validation: ${val.cases.length} cases, test: ${tst.cases.length} cases (${N_ITEMS} items, ${DIMS} dims)`);
  console.log('variant                 val HR@10  val MRR@10  test HR@10  test MRR@10  ms/case');
  for (const v of VARIANTS) {
    const a = score(val, v);
    const b = score(tst, v);
    console.log(`${v.name.padEnd(22)}  ${a.hr.toFixed(4).padStart(9)}  ${a.mrr.toFixed(4).padStart(10)}  ${b.hr.toFixed(3).padStart(10)}  ${b.mrr.toFixed(3).padStart(11)}  ${b.ms.toFixed(2).padStart(7)}`);
  }
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// 5. Write the pack and the table.

// Quality of this configuration on PROTOCOL.md §1 (catalogue and embeddings from train only).
const quality = (() => {
  const val = split('2011-10-01', '2011-10-01', '2011-11-01');
  const tst = split('2011-11-01', '2011-11-01', '2011-12-31');
  const a = score(val, { foldIn: FOLD_IN, scorer: SCORER });
  const b = score(tst, { foldIn: FOLD_IN, scorer: SCORER });
  const r3 = (x) => Math.round(x * 1000) / 1000;
  const q = {
    protocol: `PROTOCOL.md §1 basket completion, catalogue restricted to the ${N_ITEMS} most popular train items`,
    validation: { cases: val.cases.length, hr10: r3(a.hr), mrr10: r3(a.mrr) },
    test: { cases: tst.cases.length, hr10: r3(b.hr), mrr10: r3(b.mrr) },
  };
  console.error('quality:', JSON.stringify(q));
  return q;
})();

const CITATION =
  'Daqing Chen, Sai Liang Sain, and Kun Guo, "Data mining for the online retail industry: A case study of RFM model-based customer segmentation using data mining", Journal of Database Marketing and Customer Strategy Management, 19(3), 197-208, 2012. doi:10.1057/dbm.2012.17';
const pack = buildPack({
  ids,
  dims: DIMS,
  embeddings: emb,
  titles: items.map((x) => x.title),
  prices: items.map((x) => x.price),
  categories: items.map((x) => x.collection),
  popularity: items.map((x) => x.popularity),
  quantize: 'int8',
  currency: 'GBP',
  foldIn: FOLD_IN,
  neighbours,
  meta: {
    scorer: SCORER,
    name: 'cartsense demo shop (UCI Online Retail)',
    source: 'UCI Machine Learning Repository, "Online Retail" (id 352), 2010-12-01..2011-12-09, via databricks/Spark-The-Definitive-Guide data/retail-data/by-day',
    citation: CITATION,
    builtAt: BUILT_AT,
    builtBy: 'scripts/demo-data.mjs',
    model: `top-${DIMS} eigenvectors of the cosine co-occurrence matrix (${baskets.size} invoices, ${n} items), rows U·Λ^${POWER}${NORM ? ' L2-normalised' : ''}; Gram matrix for the fold-in (lambda ${FOLD_IN.lambda}, alpha ${FOLD_IN.alpha}), profile ${SCORER.profile}; ${NEIGHBOURS} co-purchase neighbours per item (cosine), blend weight ${SCORER.neighbourWeight}`,
    quality,
  },
});

mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'model.cspk'), pack);
const table = {
  columns: ['id', 'title', 'price', 'popularity', 'collection'],
  currency: 'GBP',
  source: 'UCI Online Retail (see SOURCE.md)',
  rows: items.map((x) => [x.id, x.title, x.price, x.popularity, x.collection]),
};
writeFileSync(join(OUT, 'products.json'), JSON.stringify(table).replace(/\],\[/g, '],\n[') + '\n');
console.error(`wrote ${join(OUT, 'model.cspk')} (${pack.length} bytes) and products.json (${n} items)`);

// Sanity check: the pack loads and similar() looks sensible for the best seller.
const rec = Recommender.fromBytes(pack, {});
const top = [...items].sort((a, b) => b.popularity - a.popularity)[0];
console.error(`similar to "${top.title}":`, rec.similar(top.id, { k: 5 }).map((r) => r.title).join(' | '));
rec.free();
