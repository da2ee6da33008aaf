// The page server: a static HTTP server on its own loopback port, serving
//   /harness/...                  test pages and page-side scripts (test/harness/page/)
//   /vendor/sockjs-client/...     node_modules/sockjs-client/dist/ (sockjs-client from npm, no CDN)
//   /dist/...                     client-js/dist/ (our own client, once built)
// With a proxy target set, every other path is forwarded to the SockJS server
// (plain HTTP streamed without buffering, and WebSocket upgrades as raw bytes),
// which puts page and SockJS server on one origin: the same-origin runs.
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST, getFreePort, withTimeout } from './net.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENT_JS_DIR = path.resolve(here, '..', '..');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export const DEFAULT_MOUNTS = {
  '/harness/': path.join(here, 'page'),
  '/vendor/sockjs-client/': path.join(CLIENT_JS_DIR, 'node_modules', 'sockjs-client', 'dist'),
  '/dist/': path.join(CLIENT_JS_DIR, 'dist'),
};

// Hop-by-hop headers a proxy must not forward (RFC 9110 7.6.1).
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

function endToEnd(headers) {
  const out = {};
  for (const [k, v] of Object.entries(headers)) if (!HOP.has(k)) out[k] = v;
  return out;
}

function serveFile(res, file, method) {
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end(`not found: ${file}\n`);
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] || 'application/octet-stream',
      'Content-Length': st.size,
      'Cache-Control': 'no-store',
    });
    if (method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
}

/**
 * Starts the page server. Options: { mounts, proxyPort } (proxyPort may also be
 * set later with setProxyPort, since the SockJS server needs the page origin
 * for its sockjs_url before it starts).
 * Resolves to { port, origin, url(path), setProxyPort(port), stop() }.
 */
export async function startPageServer({ mounts = DEFAULT_MOUNTS, proxyPort = null } = {}) {
  let upstreamPort = proxyPort;
  const sockets = new Set();

  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (pathname.startsWith(prefix)) {
        const file = path.resolve(dir, '.' + pathname.slice(prefix.length - 1));
        if (!file.startsWith(path.resolve(dir) + path.sep)) {
          res.writeHead(403);
          res.end();
          return;
        }
        serveFile(res, file, req.method);
        return;
      }
    }
    if (!upstreamPort) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found (no proxy target)\n');
      return;
    }
    // Same-origin mode: forward to the SockJS server, streaming both ways.
    const up = http.request(
      { host: HOST, port: upstreamPort, method: req.method, path: req.url, headers: endToEnd(req.headers), agent: false },
      (ures) => {
        res.writeHead(ures.statusCode, ures.statusMessage, endToEnd(ures.headers));
        res.flushHeaders();
        ures.pipe(res);
        ures.on('error', () => res.destroy());
      },
    );
    up.on('error', (e) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(`proxy error: ${e.message}\n`);
      } else {
        res.destroy();
      }
    });
    // The browser aborting (e.g. closing a streaming XHR) must reach the server.
    res.on('close', () => up.destroy());
    req.pipe(up);
  });

  server.on('upgrade', (req, socket, head) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (!upstreamPort) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const upstream = net.connect(upstreamPort, HOST, () => {
      let raw = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      upstream.write(raw + '\r\n');
      if (head && head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      socket.destroy();
    });
    upstream.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
  });

  const port = await getFreePort();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, resolve);
  });
  const origin = `http://${HOST}:${port}`;
  return {
    port,
    origin,
    url: (p) => origin + p,
    setProxyPort(p) {
      upstreamPort = p;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await withTimeout(new Promise((r) => server.close(r)), 5000, 'page server close');
    },
  };
}
