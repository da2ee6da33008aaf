// A client the server refuses, in Chromium with client-js: the accept hook's
// refusal (403 "Members only."), the session limit (503 "Too many
// sessions.") and an opening request over the server's bound (414 "Request
// URL too long: ...", 431 "Request headers too large: ...") reach the page as
// a close code and the server's own text, at once, instead of every transport
// being tried or the client retrying forever. A WebSocket handshake's refusal
// cannot be read by a page, so the next transport reads it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from '../../scripts/build.mjs';
import { CLIENT_JS_DIR, DEFAULT_MOUNTS, launchChromium, newPage, openHarnessPage, startPageServer, startSockjsServer, withTimeout } from '../harness/index.mjs';

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

/**
 * Opens a client with `options` on a fresh page and resolves to its close
 * (`{ code, reason, willReconnect, ms }`), with `requests`: each request the
 * page made to the SockJS server, in order, as `<last path segment> <status>`
 * (0: no answer), and `websocket` for a WebSocket it opened (a page sees no
 * status of a refused handshake). `setup` runs in the page first.
 */
async function closeOf(url, options, setup) {
  const p = await newPage(browser);
  const requests = [];
  const origin = new URL(url).origin;
  p.page.on('request', (req) => {
    if (req.url().startsWith(origin)) requests.push(req);
  });
  p.page.on('websocket', () => requests.push('websocket'));
  try {
    await openHarnessPage(p.page, pages.url('/e2e/umd.html'));
    if (setup) await p.page.evaluate(setup);
    const r = await p.page.evaluate(({ url, options }) => new Promise((resolve) => {
      const started = Date.now();
      const sock = new window.SockJS(url, null, options);
      const timer = setTimeout(() => resolve({ error: 'timeout' }), 20000);
      sock.onopen = () => resolve({ error: 'opened' });
      sock.onclose = (e) => {
        clearTimeout(timer);
        resolve({ code: e.code, reason: e.reason, willReconnect: e.willReconnect, ms: Date.now() - started });
      };
    }), { url, options });
    // (each request has its answer, or failed, by the close; the events may trail it)
    const seen = await withTimeout(Promise.all(requests.map(async (q) => {
      if (typeof q == 'string') return q;
      const res = await q.response();
      return `${new URL(q.url()).pathname.split('/').pop()} ${res ? res.status() : 0}`;
    })), 5000, 'the requests\' answers');
    return { ...r, requests: seen };
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

// The server keeps at most 16 KiB (its default max_request_bytes) of the
// request that opens a session; the `query` option adds its parameters to
// every request, so 20,000 bytes of them take the opening requests over the
// bound. /info opens no session and answers as usual.
const PAD = { query: { pad: 'x'.repeat(20000) } };
const URL_TOO_LONG = /^Request URL too long: a session keeps at most 16384 bytes of its opening request\.$/;

test('an opening request over the server\'s bound (414): close 1009 with the server\'s reason, not 2000', async () => {
  // websocket first: its refused handshake reads as a failed connection
  // (1006); xhr-streaming, next, reads the 414 and ends it there.
  const r = await closeOf(server.url('/echo'), PAD);
  assert.equal(r.code, 1009, JSON.stringify(r));
  assert.match(r.reason, URL_TOO_LONG, JSON.stringify(r));
  assert.equal(r.willReconnect, false);
  assert.deepEqual(r.requests, ['info 200', 'websocket', 'xhr_streaming 414']);
});

test('xhr-polling alone: the 414 is read on the first transport: close 1009 with the server\'s reason', async () => {
  const r = await closeOf(server.url('/echo'), { ...PAD, transports: 'xhr-polling' });
  assert.deepEqual([r.code, r.willReconnect], [1009, false], JSON.stringify(r));
  assert.match(r.reason, URL_TOO_LONG, JSON.stringify(r));
  assert.deepEqual(r.requests, ['info 200', 'xhr 414']);
});

test('headers over the bound (431, cookies here): close 1009 "Request headers too large: ..."', async () => {
  // Five 3.5 KB cookies (Chromium keeps up to 4 KB each) make a Cookie header
  // of 17.5 KB; the XHRs send them (withCredentials, and the page's origin is
  // the same site as the server's). Set once the page is loaded: the page
  // server would refuse such headers itself.
  const r = await closeOf(server.url('/echo'), { transports: 'xhr-polling' }, () => {
    for (let i = 0; i < 5; i++) document.cookie = `big${i}=${'y'.repeat(3500)}; path=/`;
  });
  assert.deepEqual([r.code, r.willReconnect], [1009, false], JSON.stringify(r));
  assert.match(r.reason, /^Request headers too large: a session keeps at most 16384 bytes of its opening request\.$/, JSON.stringify(r));
  assert.deepEqual(r.requests, ['info 200', 'xhr 431']);
});
