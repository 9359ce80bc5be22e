#!/usr/bin/env node
// cartsense speed harness (issue 5). One command from a clean clone: `make bench`
// (or `npm install && npm run bench` in benches/). Prints ONE table of medians and ratios,
// then pack load / memory and int8 recall; writes benches/out/results.json and, with --docs,
// docs/perf.svg.
//
//   node run.mjs            default grid (about 5 minutes on 2 cores)
//   node run.mjs --full     10k / 100k / 1M x d = 32 / 64 / 128, int8 and f32
//   node run.mjs --quick    10k x 64 only (a smoke test of the harness)
//   node run.mjs --baskets  only the basket-neighbour case (20k x 64 int8, 20,000 stored
//                           baskets: recommend() p50/p90 in Node and Chromium, about 1 minute)
//   flags: --no-browser --no-peers --no-native --no-baskets --docs --pkg <dir>
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';
import { runCase } from './lib/engine.mjs';
import { queryVector, timeIt } from './lib/data.mjs';
import { PEERS, exactTop, recall } from './lib/peers.mjs';
import { runBrowser } from './lib/browser.mjs';
import { svgChart } from './lib/chart.mjs';
import { benchBaskets } from './lib/baskets.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (f) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : undefined);
const pkgDir = opt('--pkg') ?? join(root, 'pkg');

// ---- child mode: load one pack in a fresh instance, report time and memory ----
if (flag('--probe')) {
  const glue = await import(pathToFileURL(join(pkgDir, 'cartsense.js')));
  const wasm = glue.initSync({ module: readFileSync(join(pkgDir, 'cartsense_bg.wasm')) });
  const bytes = new Uint8Array(readFileSync(opt('--probe')));
  const before = wasm.memory.buffer.byteLength;
  const first = performance.now();
  const rec = glue.Recommender.fromBytes(bytes);
  const firstMs = performance.now() - first;
  const after = wasm.memory.buffer.byteLength;
  rec.free();
  const load = timeIt(() => glue.Recommender.fromBytes(bytes).free(), { budgetMs: 500, min: 5, max: 25, warm: 1 });
  console.log(JSON.stringify({ packBytes: bytes.length, memBytes: after - before, firstMs, load }));
  process.exit(0);
}

if (!existsSync(join(pkgDir, 'cartsense_bg.wasm'))) {
  console.error('pkg/ missing: building it (scripts/build-pkg.sh)');
  execFileSync('bash', [join(root, 'scripts/build-pkg.sh')], { stdio: 'inherit', cwd: root });
}
const cs = await import(pathToFileURL(join(pkgDir, 'cartsense.js')));
cs.initSync({ module: readFileSync(join(pkgDir, 'cartsense_bg.wasm')) });

const full = flag('--full');
const basketsOnly = flag('--baskets');
const withBaskets = !flag('--no-baskets') && !flag('--quick');
const grid = basketsOnly
  ? []
  : flag('--quick')
  ? [{ n: 10_000, d: 64, quants: ['int8', 'f32'], js: ['f32', 'int8'], recall: true, peers: true }]
  : full
  ? [10_000, 100_000, 1_000_000].flatMap((n) => [32, 64, 128].map((d) => ({
      n, d, quants: n * d > 64_000_000 ? ['int8'] : ['int8', 'f32'], js: ['f32', 'int8'], recall: n * d <= 64_000_000,
    })))
  : [
      { n: 100_000, d: 64, quants: ['int8', 'f32'], js: ['f32', 'int8'], recall: true, peers: true },
      { n: 10_000, d: 64, quants: ['int8', 'f32'], js: ['f32', 'int8'], recall: true },
      { n: 1_000_000, d: 64, quants: ['int8'], js: ['int8'] },
      { n: 100_000, d: 32, quants: ['int8', 'f32'], recall: true },
      { n: 100_000, d: 128, quants: ['int8', 'f32'], recall: true },
    ];
if (full) for (const c of grid) c.peers = c.n === 100_000 && c.d === 64;

const dataDir = join(here, 'out', 'packs');
rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });
const wasmBytes = readFileSync(join(pkgDir, 'cartsense_bg.wasm'));
const gzip = (await import('node:zlib')).gzipSync(wasmBytes, { level: 9 }).length;
const result = {
  date: new Date().toISOString(), node: process.version, cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model, loadavg: os.loadavg(), wasmBytes: wasmBytes.length, wasmGzip: gzip,
  rows: [], loads: [], recall: [], peers: [], native: [],
};
const log = (...a) => console.error('[bench]', ...a);

// ---- Node: our wasm, JS baselines, peers ----
for (const c of grid) {
  log(`node ${c.n}x${c.d} ${c.quants.join('/')}`);
  const r = runCase(cs, c, 'node');
  result.rows.push(...r.rows);
  result.recall.push(...r.recall);
  for (const [quant, bytes] of Object.entries(r.packs)) {
    const file = join(dataDir, `${c.n}x${c.d}-${quant}.cspk`);
    writeFileSync(file, bytes);
    const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--probe', file, '--pkg', pkgDir], { encoding: 'utf8' });
    try {
      result.loads.push({ case: `${c.n}x${c.d}`, runtime: 'node', quant, ...JSON.parse(p.stdout) });
    } catch {
      log(`load probe failed for ${file}: ${p.stderr.slice(0, 300)}`);
    }
  }
  if (c.peers && !flag('--no-peers')) {
    const { n, d, emb } = r.data;
    const q = queryVector(d);
    for (const peer of PEERS) {
      log(`peer ${peer.name}`);
      try {
        const t0 = performance.now();
        const p = await peer.setup({ n, d, emb, q });
        const buildMs = performance.now() - t0;
        const got = await p.search();
        const times = [];
        const start = performance.now();
        while (times.length < 200 && (times.length < 5 || performance.now() - start < 1500)) {
          const t = performance.now();
          await p.search();
          times.push(performance.now() - t);
        }
        times.sort((a, b) => a - b);
        const rc = recall(got.map(Number), exactTop(emb, n, d, q, peer.metric.split(' ')[0]));
        result.rows.push({
          case: `${n}x${d}`, runtime: peer.native ? 'node (native addon)' : 'node', quant: 'f32',
          method: `${peer.name} [${peer.metric}]`, median: times[times.length >> 1],
          p10: times[Math.floor(times.length * 0.1)], p90: times[Math.floor(times.length * 0.9)],
          runs: times.length, recall: rc, buildMs,
        });
        p.dispose?.();
      } catch (e) {
        log(`  skipped: ${String(e?.message ?? e).split('\n')[0]}`);
        result.peers.push({ name: peer.name, error: String(e?.message ?? e).split('\n')[0] });
      }
    }
  }
  r.data = null;
}

// ---- Node: basket neighbours at shop scale ----
if (withBaskets) {
  log('node: basket neighbours, 20000x64 int8 + 20,000 baskets');
  result.rows.push(...benchBaskets(cs, 'node'));
}

// ---- headless Chromium: the same cases with the --target web build ----
if (!flag('--no-browser')) {
  try {
    log('chromium');
    const cases = grid.map(({ n, d, quants, js }) => ({ n, d, quants, js }));
    const peerCases = flag('--no-peers') ? [] : grid.filter((c) => c.peers).map(({ n, d }) => ({ n, d }));
    const b = await runBrowser(root, cases, pkgDir, peerCases, { baskets: withBaskets });
    result.peers.push(...b.errors);
    result.rows.push(...b.rows);
    result.loads.push(...b.loads);
    result.chromium = b.version;
  } catch (e) {
    log(`chromium skipped: ${e.message}`);
    result.chromiumError = e.message;
  }
}

// ---- native Rust (target-cpu=native), same pack files, criterion ----
if (!flag('--no-native') && !basketsOnly) {
  log('native (cargo bench --bench kernels, target-cpu=native)');
  const target = join(root, 'target', 'bench-native');
  const crit = join(target, 'criterion');
  rmSync(crit, { recursive: true, force: true });
  const p = spawnSync('cargo', ['bench', '--bench', 'kernels', '--', '--noplot'], {
    cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, RUSTFLAGS: '-C target-cpu=native', CARGO_TARGET_DIR: target, CARTSENSE_BENCH_PACKS: dataDir },
  });
  if (p.status !== 0) log('cargo bench failed');
  for (const [group, fns] of Object.entries(readCriterion(crit))) {
    const [cas, quant] = group.split('-');
    for (const [fn, ns] of Object.entries(fns)) {
      const bytes = scannedBytes(cas, quant);
      result.native.push({ case: cas, quant, fn, ms: ns / 1e6, gbps: bytes / ns });
      if (fn === 'recommend' || fn === 'scan' || fn === 'read') {
        const method = fn === 'recommend' ? `native Rust Engine::recommend (${quant})`
          : fn === 'scan' ? `native Rust scan + top-10 (${quant})`
          : `read floor: ${(bytes / 1e6).toFixed(1)} MB at ${(bytes / ns).toFixed(1)} GB/s (${quant} rows)`;
        result.rows.push({ case: cas, runtime: 'native', quant, method, median: ns / 1e6, floor: fn === 'read' });
      }
    }
  }
}

function scannedBytes(cas, quant) {
  const [n, d] = cas.split('x').map(Number);
  return quant === 'f32' ? n * d * 4 : n * d + n * 4;
}

function readCriterion(dir) {
  const out = {};
  const walk = (p) => {
    if (!existsSync(p)) return;
    for (const e of readdirSafe(p)) {
      const f = join(p, e);
      if (e === 'new' && existsSync(join(f, 'estimates.json'))) {
        const b = JSON.parse(readFileSync(join(f, 'benchmark.json'), 'utf8'));
        const est = JSON.parse(readFileSync(join(f, 'estimates.json'), 'utf8'));
        (out[b.group_id] ??= {})[b.function_id] = est.median.point_estimate;
      } else if (!e.includes('.')) walk(f);
    }
  };
  walk(dir);
  return out;
}
function readdirSafe(p) {
  try { return execFileSync('ls', [p], { encoding: 'utf8' }).split('\n').filter(Boolean); } catch { return []; }
}

// ---- the table ----
const ours = (cas, runtime, quant) => result.rows.find((r) =>
  r.ours && r.case === cas && r.quant === quant && r.runtime === (runtime === 'chromium' ? 'chromium' : 'node'));
const fmt = (x, w = 8) => (x === undefined ? '' : x < 10 ? x.toFixed(3) : x.toFixed(1)).padStart(w);
const ratio = (r, q) => {
  const o = ours(r.case, r.runtime, q);
  return o && !r.ours ? `${(r.median / o.median).toFixed(2)}x` : '';
};
const caseOrder = [...new Set(grid.map((c) => `${c.n}x${c.d}`))];
const rtOrder = ['node', 'chromium', 'node (native addon)', 'native'];
const sorted = result.rows.filter((r) => !r.baskets).sort((a, b) =>
  caseOrder.indexOf(a.case) - caseOrder.indexOf(b.case) ||
  rtOrder.indexOf(a.runtime) - rtOrder.indexOf(b.runtime) || a.median - b.median);
const lines = [];
lines.push(`cartsense bench ${result.date}  node ${result.node}  ${result.chromium ?? ''}  ${result.cpus} cpus (${result.cpu})  load ${result.loadavg.map((x) => x.toFixed(1)).join(' ')}`);
lines.push(`wasm ${result.wasmBytes} bytes, ${result.wasmGzip} gzip -9`);
lines.push('');
if (sorted.length) {
  lines.push('| items x dims | runtime | method | median ms | p10-p90 ms | / ours int8 | / ours f32 | recall@10 |');
  lines.push('|---|---|---|---:|---:|---:|---:|---:|');
  for (const r of sorted) {
    lines.push(`| ${r.case} | ${r.runtime} | ${r.method} | ${fmt(r.median, 0)} | ${r.p10 !== undefined ? `${fmt(r.p10, 0)}-${fmt(r.p90, 0)}` : ''} | ${ratio(r, 'int8')} | ${ratio(r, 'f32')} | ${r.recall !== undefined ? r.recall.toFixed(2) : ''} |`);
  }
  lines.push('');
  lines.push('Ratios are method median / cartsense wasm recommend() median in the same runtime (Node rows and the native rows against Node); above 1 = slower than ours.');
  if (result.peers.length) lines.push(`Peers that did not run: ${result.peers.map((p) => `${p.name} (${p.error})`).join('; ')}`);
  lines.push('');
  lines.push('| pack | runtime | pack MB | load median ms | wasm memory growth MB | memory / pack |');
  lines.push('|---|---|---:|---:|---:|---:|');
  for (const l of result.loads) {
    const mem = l.memBytes !== undefined ? (l.memBytes / 1e6).toFixed(1) : '';
    const rel = l.memBytes !== undefined ? (l.memBytes / l.packBytes).toFixed(2) : '';
    lines.push(`| ${l.case} ${l.quant} | ${l.runtime} | ${(l.packBytes / 1e6).toFixed(1)} | ${fmt(l.load.median, 0)} | ${mem} | ${rel} |`);
  }
  lines.push('');
}
const basketRows = result.rows.filter((r) => r.baskets);
if (basketRows.length) {
  lines.push(`Basket neighbours: ${basketRows[0].case} (pack ${(basketRows[0].packBytes / 1e6).toFixed(1)} MB), recommend({ k: 10 }) after carts of 5-10 items, call by call (${basketRows[0].runs} calls); target p50 <= 1 ms in Chromium`);
  lines.push('');
  lines.push('| runtime | scorer | p50 ms | p90 ms | p10 ms | pack load ms |');
  lines.push('|---|---|---:|---:|---:|---:|');
  for (const r of basketRows) lines.push(`| ${r.runtime} | ${r.method} | ${fmt(r.median, 0)} | ${fmt(r.p90, 0)} | ${fmt(r.p10, 0)} | ${fmt(r.loadMs, 0)} |`);
  lines.push('');
}
if (result.recall.length) {
  lines.push('| catalogue | int8 recall@10 vs f32 (500 five-view histories) |');
  lines.push('|---|---:|');
  for (const r of result.recall) lines.push(`| ${r.case} | ${r.recall.toFixed(3)} |`);
}
const table = lines.join('\n');
console.log(table);
mkdirSync(join(here, 'out'), { recursive: true });
writeFileSync(join(here, 'out', 'results.json'), JSON.stringify(result, null, 1));
writeFileSync(join(here, 'out', 'table.md'), table + '\n');
if (flag('--docs') && !basketsOnly) {
  writeFileSync(join(root, 'docs', 'perf.svg'), svgChart(result, '100000x64'));
  writeFileSync(join(root, 'docs', 'perf-results.json'), JSON.stringify(result, null, 1));
  log('wrote docs/perf.svg and docs/perf-results.json');
}
