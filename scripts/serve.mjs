// Serves the Packlab page: index.html and the www/ folder, nothing else.
//
//   node scripts/serve.mjs            http://127.0.0.1:8080/
//   PORT=9000 node scripts/serve.mjs
//
// Only files of the site are served: any other path (source, Cargo.toml,
// `/../` tricks) is refused, so a page test can rely on it.

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const siteFolder = join(root, 'www');

const mimeTypes = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file a request path names, or null when it is outside the site. */
export function resolveSitePath(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0].split('#')[0]);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  if (decoded === '/' || decoded === '/index.html') return join(root, 'index.html');
  if (!decoded.startsWith('/www/')) return null;
  const candidate = resolve(root, '.' + normalize(decoded));
  return candidate.startsWith(siteFolder + sep) ? candidate : null;
}

export function startServer(port = Number(process.env.PORT || 8080), host = '127.0.0.1') {
  const server = createServer(async (request, response) => {
    const refuse = (status, message) => {
      response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(message);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'method not allowed\n');
    const path = resolveSitePath(request.url || '/');
    if (!path) return refuse(404, 'not found\n');
    try {
      const info = await stat(path);
      if (!info.isFile()) return refuse(404, 'not found\n');
      const body = await readFile(path);
      response.writeHead(200, {
        'Content-Type': mimeTypes[extname(path)] || 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch {
      refuse(404, 'not found\n');
    }
  });
  return new Promise((resolveListening, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolveListening(server));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const server = await startServer();
  const { port } = server.address();
  console.log(`Packlab is at http://127.0.0.1:${port}/ (Ctrl+C stops it)`);
}
