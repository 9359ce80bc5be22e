#!/usr/bin/env node
// Tiny static server for the demo shop: www/ at /, the built package (../pkg) at /pkg/.
// Binds 127.0.0.1; port from PORT (default 8080; 0 = any free port). Prints the URL.
//
//   node www/serve.mjs            # http://127.0.0.1:8080/
//   PORT=0 node www/serve.mjs     # first line of stdout is the URL
//
// Also importable: `const { server, url } = await serve({ port: 0, onRequest })` (used by the
// page tests; `onRequest(method, path)` sees every request that reaches the server).

import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const WWW = dirname(fileURLToPath(import.meta.url));
const PKG = resolve(WWW, '..', 'pkg');

/**
 * The demo's Content-Security-Policy: scripts only from this origin (ES modules, no inline
 * script, no eval) plus WebAssembly compilation; styles, images, data fetches likewise only from
 * here; no plugins, frames, <base> or form posts elsewhere. index.html repeats it (minus
 * frame-ancestors, which a meta tag cannot set) for servers that send no header.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.cspk': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Map a URL path to a file under www/ or pkg/, or null if it escapes them. */
function locate(pathname) {
  let rel;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  let base = WWW;
  if (rel === '/pkg' || rel.startsWith('/pkg/')) {
    base = PKG;
    rel = rel.slice(4);
  }
  if (rel.endsWith('/') || rel === '') rel += 'index.html';
  const file = normalize(join(base, rel));
  if (file !== base && !file.startsWith(base + sep)) return null;
  return file;
}

function handle(req, res) {
  if (this.onRequest) this.onRequest(req.method, req.url);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const { pathname } = new URL(req.url, 'http://localhost');
  const file = locate(pathname);
  let st;
  try {
    st = file && statSync(file);
  } catch {
    st = null;
  }
  if (!st || !st.isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  res.writeHead(200, {
    'content-type': MIME[extname(file)] ?? 'application/octet-stream',
    'content-length': st.size,
    // The favicon never changes; without a max-age Chromium revalidates it on every hash change.
    'cache-control': pathname === '/favicon.svg' ? 'public, max-age=86400' : 'no-cache',
    'x-content-type-options': 'nosniff',
    'content-security-policy': CSP,
    'referrer-policy': 'no-referrer',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

/** Start the server; resolves to `{ server, url }`. */
export function serve({ port = 8080, host = '127.0.0.1', onRequest = null } = {}) {
  return new Promise((ok, fail) => {
    const server = createServer(handle);
    server.onRequest = onRequest;
    server.once('error', fail);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      ok({ server, url: `http://${host}:${p}/` });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 8080);
  const { url } = await serve({ port });
  console.log(url);
  console.error(`cartsense demo shop: open ${url} (serving ${WWW} and ${PKG} at /pkg/; Ctrl-C to stop)`);
}
