// A client the server refuses, in Chromium with client-js: the accept hook's
// refusal (403 "Members only.") and the session limit (503 "Too many
// sessions.") reach the page as a close code and the server's own text, at
// once, instead of every transport being tried or the client retrying
// forever. A WebSocket handshake's refusal cannot be read by a page, so the
// next transport reads it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from '../../scripts/build.mjs';
import { CLIENT_JS_DIR, DEFAULT_MOUNTS, launchChromium, newPage, openHarnessPage, startPageServer, startSockjsServer } from '../harness/index.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENT_BUILD = path.join(CLIENT_JS_DIR, '.build', 'refusal-dist');

let browser;
let pages;
let server;

before(async () => {
  await build(CLIENT_BUILD);
  browser = await launchChromium();
  pages = await startPageServer({ mounts: { ...DEFAULT_MOUNTS, '/client/': CLIENT_BUILD, '/e2e/': path.join(here, 'page') } });
  server = await startSockjsServer({ sockjsUrl: pages.url('/vendor/sockjs-client/sockjs.js'), kind: 'rust' });
});
after(async () => {
  if (server) await server.stop().catch(() => {});
  if (pages) await pages.stop().catch(() => {});
  if (browser) await browser.close();
});

async function closeOf(url, options) {
  const p = await newPage(browser);
  try {
    await openHarnessPage(p.page, pages.url('/e2e/umd.html'));
    return await p.page.evaluate(({ url, options }) => new Promise((resolve) => {
      const started = Date.now();
      const sock = new window.SockJS(url, null, options);
      const timer = setTimeout(() => resolve({ error: 'timeout' }), 20000);
      sock.onopen = () => resolve({ error: 'opened' });
      sock.onclose = (e) => {
        clearTimeout(timer);
        resolve({ code: e.code, reason: e.reason, willReconnect: e.willReconnect, ms: Date.now() - started });
      };
    }), { url, options });
  } finally {
    await p.close();
  }
}

test('the accept hook\'s refusal: close 1008 "Members only." on the first transport that can read it', async () => {
  const r = await closeOf(server.url('/refused'), {});
  assert.deepEqual([r.code, r.reason, r.willReconnect], [1008, 'Members only.', false], JSON.stringify(r));
});

for (const transport of ['xhr-streaming', 'xhr-polling']) {
  test(`${transport}: the refusal closes with its reason, jsonp-polling is not tried`, async () => {
    const r = await closeOf(server.url('/refused'), { transports: [transport, 'jsonp-polling'] });
    assert.deepEqual([r.code, r.reason], [1008, 'Members only.'], JSON.stringify(r));
  });
}

test('eventsource and jsonp-polling cannot read a refusal: the client ends with 2000 after both', async () => {
  // (EventSource reports an error without its status; a <script> likewise.)
  const r = await closeOf(server.url('/refused'), { transports: ['eventsource', 'jsonp-polling'] });
  assert.equal(r.code, 2000, JSON.stringify(r));
});

test('the session limit: close 1013 "Too many sessions." (try again later)', async () => {
  const r = await closeOf(server.url('/full'), { transports: ['websocket', 'xhr-polling'] });
  assert.deepEqual([r.code, r.reason], [1013, 'Too many sessions.'], JSON.stringify(r));
});

test('with reconnect on, a refusal is final; the session limit is retried', async () => {
  const refused = await closeOf(server.url('/refused'), { transports: 'xhr-polling', reconnect: { minDelay: 50 } });
  assert.deepEqual([refused.code, refused.willReconnect], [1008, false]);
  const full = await closeOf(server.url('/full'), { transports: 'xhr-polling', reconnect: { minDelay: 50 } });
  assert.deepEqual([full.code, full.willReconnect], [1013, true]);
});
