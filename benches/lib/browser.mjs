// Headless Chromium runner: a tiny static server over the repository (pkg/ and benches/)
// and playwright-core driving /usr/bin/chromium (never `npx playwright install`).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm' };

export async function runBrowser(root, cases, pkgDir = join(root, 'pkg'), peerCases = [], { baskets = false } = {}) {
  const { chromium } = await import('playwright-core');
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    try {
      const file = path.startsWith('/pkg/') ? join(pkgDir, path.slice(5)) : join(root, path);
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        // Cross-origin isolation gives performance.now() its fine resolution.
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('[chromium]', e.message));
    await page.goto(`http://127.0.0.1:${server.address().port}/benches/page.html`);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
    const out = await page.evaluate((c) => window.runBench(c), cases);
    out.errors = [];
    if (baskets) out.rows.push(...await page.evaluate(() => window.runBaskets()));
    for (const c of peerCases) {
      const p = await page.evaluate((x) => window.runPeers(x), c);
      out.rows.push(...p.rows);
      out.errors.push(...p.errors);
    }
    out.version = `chromium ${browser.version()}`;
    return out;
  } finally {
    await browser.close();
    server.close();
  }
}
