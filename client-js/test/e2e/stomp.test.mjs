// STOMP over SockJS in Chromium: @stomp/stompjs (its UMD bundle from
// node_modules) with client-js (dist/sockjs.min.js) as its socket
// (`webSocketFactory`), in the page of the STOMP example broker
// (examples/stomp.rs), on every client-js transport; then
// with sockjs-client 1.6.1 as the socket; then the example's own page as it
// ships. Each run: CONNECT, SUBSCRIBE (three subscriptions on two
// destinations, and a second client), SEND of Korean text, a body with NULs
// (content-length framing), an empty and a large body, MESSAGE on every
// subscription with its own `subscription` header, a RECEIPT for a SEND and a
// SUBSCRIBE, DISCONNECT with a receipt. The example's page loads stompjs from
// cdn.jsdelivr.net: the test serves the local file for that address and
// refuses every other request off loopback, so nothing leaves the machine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';

import {
  getFreePort,
  startListeningProcess,
  launchChromium,
  newPage,
  REPO_DIR,
  CLIENT_JS_DIR,
  CLIENT_JS_TRANSPORTS,
} from '../harness/index.mjs';

const STOMP_BIN = process.env.STOMP_BIN || path.join(REPO_DIR, 'target', 'debug', 'examples', 'stomp');
const STOMPJS_DIR = path.join(CLIENT_JS_DIR, 'node_modules', '@stomp', 'stompjs');
const STOMPJS_VERSION = JSON.parse(fs.readFileSync(path.join(STOMPJS_DIR, 'package.json'), 'utf8')).version;
const STOMPJS = path.join(STOMPJS_DIR, 'bundles', 'stomp.umd.min.js');
const STOMPJS_CDN = 'https://cdn.jsdelivr.net/npm/@stomp/stompjs@7/bundles/stomp.umd.min.js';
const CLIENT_JS = path.join(CLIENT_JS_DIR, 'dist', 'sockjs.min.js');
const SOCKJS_CLIENT = path.join(CLIENT_JS_DIR, 'node_modules', 'sockjs-client', 'dist', 'sockjs.js');
const SOCKJS_CLIENT_TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling'];
const TIMEOUT_MS = 20000;

// What is sent to /topic/a, in this order. The NUL body can only be framed by
// its content-length (stompjs adds one to every non-empty SEND).
const BODIES = [
  { body: '안녕하세요, 세계', type: 'text/plain;charset=utf-8' },
  { body: '\u0000NUL first, NUL\u0000inside, and NUL last\u0000', type: 'application/octet-stream' },
  { body: 'lines\nwith: colons\r\nand a backslash \\c', type: 'text/plain' },
  { body: '', type: 'text/plain' },
  { body: '한국어 😀 '.repeat(2000), type: 'text/plain;charset=utf-8' },
];
const RECEIPT_FOR = 0; // the SEND that asks for a receipt

let server;
let browser;
let base;

before(async () => {
  const port = await getFreePort();
  server = await startListeningProcess({ name: 'stomp example', command: STOMP_BIN, port, env: { PORT: String(port), RUST_LOG: 'warn' } });
  base = `http://127.0.0.1:${port}`;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

/**
 * A fresh page whose requests off loopback are refused (and listed in
 * `blocked`), but for stompjs's CDN address, which gets the local bundle.
 */
async function stompPage() {
  const p = await newPage(browser);
  const blocked = [];
  await p.context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => {
      const url = route.request().url();
      if (url === STOMPJS_CDN) return route.fulfill({ contentType: 'text/javascript', path: STOMPJS });
      blocked.push(url);
      return route.abort();
    },
  );
  return { ...p, blocked };
}

/**
 * Runs in the page: two stompjs clients over window.SockJS on `transport`. The
 * observer subscribes to /topic/a (with a receipt); the main client subscribes
 * twice to /topic/a and once to /topic/b, sends `bodies` to /topic/a (one SEND
 * with a receipt), then one to /topic/b, and both disconnect with receipts.
 * Returns what each subscription got, the receipts, what the main client
 * wrote to its socket, and the close events; or { error, log }.
 */
async function stompRun({ transport, bodies, receiptFor, timeoutMs }) {
  const log = [];
  let failed;
  const failure = new Promise((_, reject) => {
    failed = reject;
  });
  failure.catch(() => {});
  const within = (what, promise) => {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    });
    return Promise.race([promise, failure, late]).finally(() => clearTimeout(timer));
  };
  const waiters = [];
  const notify = () => {
    for (const w of waiters.slice()) {
      if (w.check()) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const when = (check) => (check() ? Promise.resolve() : new Promise((resolve) => waiters.push({ check, resolve })));
  const plain = (f) => ({ command: f.command, headers: { ...f.headers } });

  function client(name) {
    const c = { name, socket: null, sent: [], closes: [], messages: {}, leaving: false };
    c.stomp = new window.StompJs.Client({
      webSocketFactory: () => {
        const s = new window.SockJS(location.origin + '/stomp', null, { transports: [transport] });
        const send = s.send;
        s.send = function (data) {
          c.sent.push(typeof data == 'string' ? data : Object.prototype.toString.call(data));
          return send.call(this, data);
        };
        c.socket = s;
        return s;
      },
      reconnectDelay: 0,
      disconnectHeaders: { receipt: `bye-${name}` },
      debug: (line) => {
        log.push(`${name}: ${line.slice(0, 300)}`);
        if (log.length > 200) log.shift();
      },
      onStompError: (f) => failed(new Error(`${name}: ERROR frame: ${f.headers.message} ${f.body}`)),
      onWebSocketClose: (e) => {
        c.closes.push({ code: e.code, reason: e.reason });
        if (!c.leaving) failed(new Error(`${name}: the socket closed: ${e.code} ${e.reason}`));
      },
    });
    c.connected = new Promise((resolve) => {
      c.stomp.onConnect = (f) => resolve(plain(f));
    });
    c.disconnected = new Promise((resolve) => {
      c.stomp.onDisconnect = (f) => resolve(plain(f));
    });
    return c;
  }
  const receipt = (c, id) => new Promise((resolve) => c.stomp.watchForReceipt(id, (f) => resolve(plain(f))));
  function subscribe(c, destination, id, receiptId) {
    const got = (c.messages[id] = []);
    const headers = { id };
    if (receiptId) headers.receipt = receiptId;
    const r = receiptId ? receipt(c, receiptId) : null;
    c.stomp.subscribe(
      destination,
      (m) => {
        got.push({ command: m.command, headers: { ...m.headers }, body: m.body, bytes: Array.from(m.binaryBody) });
        notify();
      },
      headers,
    );
    return r;
  }

  try {
    const observer = client('observer');
    observer.stomp.activate();
    await within('the observer CONNECTED', observer.connected);
    const observerSubscribed = await within('the observer SUBSCRIBE receipt', subscribe(observer, '/topic/a', 'obs', 'obs-subscribed'));

    const main = client('main');
    main.stomp.activate();
    const connected = await within('CONNECTED', main.connected);
    subscribe(main, '/topic/a', 'sub-1');
    subscribe(main, '/topic/a', 'sub-2');
    const subscribed = await within('the SUBSCRIBE receipt', subscribe(main, '/topic/b', 'sub-b', 'subscribed'));

    let sendReceipt;
    bodies.forEach(({ body, type }, i) => {
      const headers = { 'content-type': type };
      if (i === receiptFor) {
        headers.receipt = 'sent';
        sendReceipt = receipt(main, 'sent');
      }
      main.stomp.publish({ destination: '/topic/a', body, headers });
    });
    const sent = await within('the SEND receipt', sendReceipt);
    const n = bodies.length;
    await within(
      'MESSAGE on every /topic/a subscription',
      when(() => main.messages['sub-1'].length >= n && main.messages['sub-2'].length >= n && observer.messages.obs.length >= n),
    );
    main.stomp.publish({ destination: '/topic/b', body: 'only for b' });
    await within('MESSAGE on /topic/b', when(() => main.messages['sub-b'].length >= 1));

    const transports = { main: main.socket.transport, observer: observer.socket.transport };
    // deactivate() sends DISCONNECT with the receipt header and resolves once the socket closed.
    main.leaving = true;
    const mainClosed = main.stomp.deactivate();
    const bye = await within('the DISCONNECT receipt', main.disconnected);
    await within('the main socket to close', mainClosed);
    observer.leaving = true;
    const observerClosed = observer.stomp.deactivate();
    const observerBye = await within('the observer DISCONNECT receipt', observer.disconnected);
    await within('the observer socket to close', observerClosed);
    return {
      transports,
      connected,
      observerSubscribed,
      subscribed,
      sent,
      bye,
      observerBye,
      messages: { ...main.messages, ...observer.messages },
      wire: main.sent,
      closes: { main: main.closes, observer: observer.closes },
    };
  } catch (e) {
    return { error: String(e && e.message), log };
  }
}

/** Asserts everything stompRun claims to have seen. */
function assertStompRun(got, { transport, p }) {
  const diag = () => `${JSON.stringify(got.log || got).slice(0, 4000)}\n${p.consoleLines.slice(-30).join('\n')}`;
  assert.equal(got.error, undefined, diag());
  assert.deepEqual(got.transports, { main: transport, observer: transport }, 'both sockets are on the forced transport');

  assert.equal(got.connected.command, 'CONNECTED');
  assert.equal(got.connected.headers.version, '1.2');
  assert.equal(got.connected.headers['heart-beat'], '0,0');
  assert.equal(got.connected.headers.server, 'actix-sockjs-stomp');
  assert.deepEqual(got.observerSubscribed, { command: 'RECEIPT', headers: { 'receipt-id': 'obs-subscribed' } });
  assert.deepEqual(got.subscribed, { command: 'RECEIPT', headers: { 'receipt-id': 'subscribed' } });
  assert.deepEqual(got.sent, { command: 'RECEIPT', headers: { 'receipt-id': 'sent' } });

  // Each /topic/a subscription got every body, exactly, in order, with its own header.
  for (const id of ['sub-1', 'sub-2', 'obs']) {
    const ms = got.messages[id];
    assert.deepEqual(ms.map((m) => m.body), BODIES.map((b) => b.body), `${id}: the bodies, in order, once each`);
    ms.forEach((m, i) => {
      const bytes = Buffer.from(BODIES[i].body, 'utf8');
      assert.equal(m.command, 'MESSAGE');
      assert.equal(m.headers.subscription, id);
      assert.equal(m.headers.destination, '/topic/a');
      assert.equal(m.headers['content-type'], BODIES[i].type);
      assert.equal(m.headers['content-length'], bytes.length ? String(bytes.length) : undefined, `${id} #${i}: content-length in bytes`);
      assert.ok(Buffer.from(m.bytes).equals(bytes), `${id} #${i}: the body's bytes are its UTF-8`);
    });
  }
  // One publication, one message-id on every subscription; each its own.
  const ids = got.messages['sub-1'].map((m) => m.headers['message-id']);
  assert.equal(new Set(ids).size, BODIES.length, `distinct message-ids: ${ids}`);
  assert.deepEqual(got.messages['sub-2'].map((m) => m.headers['message-id']), ids);
  assert.deepEqual(got.messages.obs.map((m) => m.headers['message-id']), ids);
  // /topic/b got its one message and nothing of /topic/a (which came first).
  assert.deepEqual(
    got.messages['sub-b'].map((m) => [m.headers.subscription, m.headers.destination, m.body]),
    [['sub-b', '/topic/b', 'only for b']],
  );

  // The client wrote text frames only (SockJS carries text); the NUL body went
  // out framed by its byte length, NULs and all.
  assert.deepEqual(got.wire.filter((w) => typeof w != 'string'), []);
  const nul = BODIES[1];
  const frame = got.wire.find((w) => w.startsWith('SEND\n') && w.includes('application/octet-stream'));
  assert.ok(frame, 'the SEND of the NUL body was written');
  assert.ok(
    frame.endsWith(`\ncontent-length:${Buffer.byteLength(nul.body)}\n\n${nul.body}\u0000`),
    `the NUL body framed by its content-length: ${JSON.stringify(frame)}`,
  );

  // DISCONNECT: each client got the receipt it asked for, then the socket closed cleanly.
  assert.deepEqual(got.bye, { command: 'RECEIPT', headers: { 'receipt-id': 'bye-main' } });
  assert.deepEqual(got.observerBye, { command: 'RECEIPT', headers: { 'receipt-id': 'bye-observer' } });
  for (const who of ['main', 'observer']) {
    assert.equal(got.closes[who].length, 1, `${who}: one close event`);
    assert.equal(got.closes[who][0].code, 1000, `${who}: closed with 1000`);
  }
}

/**
 * Opens the example's page (a page the test made up could not open sockets to
 * loopback: Chromium's local network access checks refuse them), stops the
 * page's own client, loads `library` over the page's SockJS and runs stompRun.
 */
async function runWith(library, transport) {
  const p = await stompPage();
  try {
    await p.page.route(`${base}/test/sockjs.js`, (r) => r.fulfill({ contentType: 'text/javascript', path: library }));
    await p.page.goto(`${base}/`);
    assert.equal(await p.page.evaluate(() => typeof window.StompJs.Client), 'function', 'stompjs loaded from the CDN address');
    await p.page.evaluate(() => window.client.deactivate());
    await p.page.evaluate(() => {
      window.pageSockJS = window.SockJS;
    });
    await p.page.addScriptTag({ url: '/test/sockjs.js' });
    const loaded = await p.page.evaluate(() => ({ replaced: window.SockJS !== window.pageSockJS, version: window.SockJS.version }));
    assert.deepEqual(loaded, { replaced: true, version: library === SOCKJS_CLIENT ? '1.6.1' : undefined }, 'the socket library under test is loaded');
    const got = await p.page.evaluate(stompRun, { transport, bodies: BODIES, receiptFor: RECEIPT_FOR, timeoutMs: TIMEOUT_MS });
    assertStompRun(got, { transport, p });
    assert.deepEqual(p.blocked, [], 'no request left loopback');
  } finally {
    await p.close();
  }
}

for (const transport of CLIENT_JS_TRANSPORTS) {
  test(`stompjs ${STOMPJS_VERSION} over client-js ${transport}`, { timeout: 60000 }, () => runWith(CLIENT_JS, transport));
}

for (const transport of SOCKJS_CLIENT_TRANSPORTS) {
  test(`stompjs ${STOMPJS_VERSION} over sockjs-client 1.6.1 ${transport}`, { timeout: 60000 }, () => runWith(SOCKJS_CLIENT, transport));
}

test("the example's own page: two pages chat on /topic/chat", { timeout: 60000 }, async () => {
  const one = await stompPage();
  const two = await stompPage();
  try {
    const open = async (p) => {
      await p.page.goto(`${base}/`);
      await p.page.waitForFunction(() => window.client && window.client.connected, null, { timeout: TIMEOUT_MS });
    };
    const say = async (p, text) => {
      await p.page.fill('#text', text);
      await p.page.click('#send');
    };
    const seen = (p) => p.page.$$eval('#log li', (lis) => lis.map((li) => li.textContent));
    const waitFor = (p, text) =>
      p.page.waitForFunction((t) => [...document.querySelectorAll('#log li')].some((li) => li.textContent === t), text, { timeout: TIMEOUT_MS });

    await open(one);
    // Its own message coming back shows its subscription is in place.
    await say(one, 'first, <b>from one</b>');
    await waitFor(one, 'first, <b>from one</b>');
    await open(two);
    await say(two, '안녕하세요, 세계');
    await waitFor(two, '안녕하세요, 세계');
    await waitFor(one, '안녕하세요, 세계');
    assert.deepEqual(await seen(one), ['first, <b>from one</b>', '안녕하세요, 세계']);
    assert.deepEqual(await seen(two), ['안녕하세요, 세계']);
    assert.equal(await one.page.locator('#log b').count(), 0, 'markup in a message is shown as text');
    assert.deepEqual([...one.blocked, ...two.blocked], [], 'no request left loopback');
  } finally {
    await one.close();
    await two.close();
  }
});

/** The resident memory of a process, in bytes (Linux). */
function residentBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  assert.ok(kib > 0, 'VmRSS read');
  return kib * 1024;
}

/**
 * Runs in the page: STOMP frames written by hand over client-js's WebSocket.
 * SUBSCRIBE and UNSUBSCRIBE of `pairs` destinations, each new (long names,
 * `perMessage` pairs to a SockJS message), then a SUBSCRIBE with a receipt;
 * then `more` subscriptions, the last with a receipt, then one past them.
 * Returns the frames the broker answered with, and how the socket closed.
 */
async function churn({ url, pairs, perMessage, more, timeoutMs }) {
  const sock = new window.SockJS(url, null, { transports: ['websocket'] });
  const got = [];
  let wake = null;
  let closed = null;
  sock.onmessage = (e) => {
    got.push(e.data);
    if (wake) wake();
  };
  sock.onclose = (e) => {
    closed = { code: e.code, reason: e.reason };
    if (wake) wake();
  };
  // The next frame, or how the socket closed, or 'timed out'.
  const now = () => (got.length ? got.shift() : closed ? `closed ${closed.code}` : null);
  const next = () =>
    new Promise((resolve) => {
      const ready = now();
      if (ready !== null) return resolve(ready);
      const timer = setTimeout(() => {
        wake = null;
        resolve('timed out');
      }, timeoutMs);
      wake = () => {
        clearTimeout(timer);
        wake = null;
        resolve(now());
      };
    });
  await new Promise((resolve, reject) => {
    sock.onopen = resolve;
    setTimeout(() => reject(new Error('no open')), timeoutMs);
  });
  sock.send('CONNECT\naccept-version:1.2\nhost:x\n\n\0');
  const connected = await next();
  const long = 'x'.repeat(200);
  for (let n = 0; n < pairs; ) {
    let batch = '';
    for (let i = 0; i < perMessage && n < pairs; i++, n++) {
      batch += `SUBSCRIBE\ndestination:/queue/${long}/${n}\nid:s${n}\n\n\0UNSUBSCRIBE\nid:s${n}\n\n\0`;
    }
    sock.send(batch);
  }
  sock.send('SUBSCRIBE\ndestination:/queue/after\nid:after\nreceipt:churned\n\n\0');
  const churned = await next();
  let batch = '';
  for (let i = 0; i < more; i++) {
    batch += `SUBSCRIBE\ndestination:/queue/cap/${i}\nid:c${i}\n${i === more - 1 ? 'receipt:full\n' : ''}\n\0`;
  }
  sock.send(batch);
  const full = await next();
  sock.send('SUBSCRIBE\ndestination:/queue/one-more\nid:one-more\n\n\0');
  const past = await next();
  const end = await next();
  return { connected, churned, full, past, end, closed };
}

test('a client naming a new destination each time: the broker forgets them, and holds 1,000 subscriptions a session', { timeout: 120000 }, async () => {
  const p = await stompPage();
  try {
    await p.page.goto(`${base}/`);
    await p.page.waitForFunction(() => window.client && window.client.connected, null, { timeout: TIMEOUT_MS });
    const pid = server.child.pid;
    const before = residentBytes(pid);
    const r = await p.page.evaluate(churn, { url: `${base}/stomp`, pairs: 40000, perMessage: 800, more: 999, timeoutMs: 60000 });
    const grew = residentBytes(pid) - before;
    console.log(`# 40,000 destinations subscribed and left: the broker grew ${(grew / 1048576).toFixed(1)} MiB`);
    assert.match(r.connected, /^CONNECTED\n/);
    assert.match(r.churned, /^RECEIPT\nreceipt-id:churned\n/);
    // Forgotten, each of these names (about 250 bytes, with its group) stayed: 20 MiB or more.
    assert.ok(grew < 8 * 1048576, `the broker grew ${grew} bytes`);
    // /queue/after and 999 more are 1,000: the next is refused, and the session closed.
    assert.match(r.full, /^RECEIPT\nreceipt-id:full\n/);
    assert.match(r.past, /^ERROR\nmessage:too many subscriptions\n/);
    assert.equal(r.closed?.code, 3000, JSON.stringify(r));
  } finally {
    await p.close();
  }
});
