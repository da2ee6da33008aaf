// The nginx configuration of docs/production.md (docs/nginx.conf), as it is:
// nginx in front of the chat demo (examples/chat.rs), over HTTP and over TLS
// with a self-signed certificate. Through it, client-js and sockjs-client
// 1.6.1 each chat on every one of their transports, and each gets the
// transport it asked for (no fallback: upgrades pass, streams are not held
// back). The test changes only the lines the file marks `# test:`.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

import {
  CLIENT_JS_DIR,
  NGINX_PATH,
  REPO_DIR,
  getFreePort,
  launchChromium,
  startListeningProcess,
  waitForPort,
} from '../harness/index.mjs';

const CHAT_BIN = process.env.CHAT_BIN || path.join(REPO_DIR, 'target', 'debug', 'examples', 'chat');
const GUIDE = path.join(REPO_DIR, 'docs', 'nginx.conf');
const SOCKJS_CLIENT = path.join(CLIENT_JS_DIR, 'node_modules', 'sockjs-client', 'dist', 'sockjs.js');
const WAIT = 15000;

let chat;
let nginx;
let dir;
let browser;
const bases = {};

/** The guide with the `# test:` lines set for this run; fails if one is missing. */
function configure(text, values) {
  let out = text;
  for (const [pattern, replacement] of values) {
    assert.match(out, pattern, `docs/nginx.conf no longer has ${pattern}`);
    out = out.replace(pattern, replacement);
  }
  return out;
}

before(async () => {
  const appPort = await getFreePort();
  chat = await startListeningProcess({ name: 'chat example', command: CHAT_BIN, port: appPort, env: { PORT: String(appPort), RUST_LOG: 'warn' } });

  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockjs-guide-'));
  fs.chmodSync(dir, 0o755);
  for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    fs.mkdirSync(path.join(dir, 'tmp', t), { recursive: true });
    fs.chmodSync(path.join(dir, 'tmp', t), 0o777);
  }
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  fs.chmodSync(key, 0o644);

  const http = await getFreePort();
  const https = await getFreePort();
  const site = configure(fs.readFileSync(GUIDE, 'utf8'), [
    [/server 127\.0\.0\.1:8080;/, `server 127.0.0.1:${appPort};`],
    [/listen 80;/, `listen 127.0.0.1:${http};`],
    [/listen 443 ssl;/, `listen 127.0.0.1:${https} ssl;`],
    [/ssl_certificate +\/etc\/ssl\/certs\/example\.pem;/, `ssl_certificate ${cert};`],
    [/ssl_certificate_key \/etc\/ssl\/private\/example\.key;/, `ssl_certificate_key ${key};`],
  ]);
  fs.writeFileSync(path.join(dir, 'site.conf'), site);
  const p = (name) => path.join(dir, name);
  fs.writeFileSync(p('nginx.conf'), `worker_processes 1;
daemon off;
pid ${p('nginx.pid')};
error_log ${p('error.log')} warn;
events { worker_connections 512; }
http {
    access_log ${p('access.log')};
    client_body_temp_path ${p('tmp/client_body')};
    proxy_temp_path ${p('tmp/proxy')};
    fastcgi_temp_path ${p('tmp/fastcgi')};
    uwsgi_temp_path ${p('tmp/uwsgi')};
    scgi_temp_path ${p('tmp/scgi')};
    include ${p('site.conf')};
}
`);
  nginx = await startListeningProcess({
    name: 'nginx (docs/nginx.conf)',
    command: NGINX_PATH,
    args: ['-p', dir, '-c', p('nginx.conf'), '-e', p('error.log')],
    port: http,
  });
  await waitForPort(https);
  bases.HTTP = `http://127.0.0.1:${http}`;
  bases.TLS = `https://127.0.0.1:${https}`;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (nginx) await nginx.stop().catch(() => {});
  if (chat) await chat.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function page() {
  // The certificate is self-signed: this context trusts it (HTTPS and WSS).
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const p = await context.newPage();
  const lines = [];
  p.on('console', (m) => lines.push(`[${m.type()}] ${m.text()}`));
  return { page: p, lines, close: () => context.close().catch(() => {}) };
}

/** Opens SockJS on the page, says one line, waits for the room to echo it. */
function chatOnce({ url, transport, text }) {
  return new Promise((resolve) => {
    const events = [];
    const sock = new window.SockJS(url, null, { transports: [transport] });
    const timer = setTimeout(() => resolve({ events, error: 'timeout', transport: sock.transport }), 15000);
    sock.onopen = () => sock.send(text);
    sock.onmessage = (e) => {
      const ev = JSON.parse(e.data);
      events.push(ev);
      if (ev.type === 'message') {
        const used = sock.transport;
        sock.close();
        clearTimeout(timer);
        resolve({ events, transport: used, message: ev });
      }
    };
    sock.onclose = (e) => {
      clearTimeout(timer);
      resolve({ events, error: `closed ${e.code} ${e.reason}`, transport: sock.transport });
    };
  });
}

for (const scheme of ['HTTP', 'TLS']) {
  describe(`through docs/nginx.conf over ${scheme}`, () => {
    for (const transport of ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling', 'jsonp-polling']) {
      test(`client-js ${transport}`, { timeout: 30000 }, async () => {
        const p = await page();
        try {
          await p.page.goto(`${bases[scheme]}/`);
          await p.page.waitForFunction(() => typeof window.SockJS == 'function', null, { timeout: WAIT });
          const got = await p.page.evaluate(chatOnce, { url: '/chat?name=erin', transport, text: `hello over ${transport} 한국어` });
          assert.equal(got.error, undefined, `${JSON.stringify(got)}\n${p.lines.join('\n')}`);
          assert.equal(got.transport, transport);
          assert.deepEqual([got.message.name, got.message.text, got.message.transport], ['erin', `hello over ${transport} 한국어`, transport]);
        } finally {
          await p.close();
        }
      });
    }
    const sockjsClient = ['websocket', 'xhr-streaming', 'eventsource', 'iframe-eventsource', 'iframe-htmlfile', 'xhr-polling', 'iframe-xhr-polling', 'jsonp-polling'];
    for (const transport of sockjsClient) {
      test(`sockjs-client 1.6.1 ${transport}`, { timeout: 30000 }, async () => {
        const base = bases[scheme];
        const p = await page();
        try {
          // The demo's own page (a document served from loopback: Chromium's
          // local network access checks refuse sockets from a page the test
          // would make up), with sockjs-client loaded over its client.
          await p.page.route(`${base}/test/sockjs.js`, (r) => r.fulfill({ contentType: 'text/javascript', path: SOCKJS_CLIENT }));
          await p.page.goto(`${base}/`);
          await p.page.addScriptTag({ url: '/test/sockjs.js' });
          assert.equal(await p.page.evaluate(() => window.SockJS.version), '1.6.1');
          const got = await p.page.evaluate(chatOnce, { url: '/chat?name=frank', transport, text: `hi ${transport} </script>` });
          assert.equal(got.error, undefined, `${JSON.stringify(got)}\n${p.lines.join('\n')}`);
          assert.equal(got.transport, transport);
          assert.deepEqual([got.message.name, got.message.text], ['frank', `hi ${transport} </script>`]);
        } finally {
          await p.close();
        }
      });
    }
  });
}
