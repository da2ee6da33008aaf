// The chat demo (examples/chat.rs) in Chromium: two people on different
// transports see each other's messages, in order, and the joins and leaves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { getFreePort, startListeningProcess, launchChromium, newPage, REPO_DIR, CLIENT_JS_DIR } from '../harness/index.mjs';

const CHAT_BIN = process.env.CHAT_BIN || path.join(REPO_DIR, 'target', 'debug', 'examples', 'chat');
const WAIT = { timeout: 15000 };

let server;
let browser;
let base;

before(async () => {
  const port = await getFreePort();
  server = await startListeningProcess({ name: 'chat example', command: CHAT_BIN, port, env: { PORT: String(port) } });
  base = `http://127.0.0.1:${port}`;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function person(name, transport) {
  const p = await newPage(browser);
  await p.page.goto(`${base}/?name=${name}&transport=${transport}`);
  await p.page.waitForFunction(() => document.getElementById('transport').textContent !== '–', null, WAIT);
  assert.equal(await p.page.textContent('#transport'), transport, `${name} is on the forced transport`);
  return p;
}

async function say(page, text) {
  await page.fill('#text', text);
  await page.click('#send');
}

const messages = (page) =>
  page.$$eval('#log .message', (lis) => lis.map((li) => li.querySelector('.name').textContent + ': ' + li.childNodes[1].textContent));

test('two pages on websocket and xhr-polling see each other, in order', async () => {
  const alice = await person('alice', 'websocket');
  const bob = await person('bob', 'xhr-polling');
  await alice.page.waitForFunction(() => [...document.querySelectorAll('#log .join')].some((li) => li.textContent.startsWith('bob joined')), null, WAIT);

  const lines = [];
  for (let i = 0; i < 5; i++) {
    await say(alice.page, `alice ${i} 한국어 😀`);
    lines.push(`alice: alice ${i} 한국어 😀`);
    await say(bob.page, `bob ${i} <b>not bold</b>`);
    lines.push(`bob: bob ${i} <b>not bold</b>`);
  }
  // Each sees every message once; each person's own messages keep their order.
  for (const p of [alice, bob]) {
    await p.page.waitForFunction((n) => document.querySelectorAll('#log .message').length >= n, lines.length, WAIT);
    const seen = await messages(p.page);
    assert.equal(seen.length, lines.length, `no duplicates: ${JSON.stringify(seen)}`);
    for (const who of ['alice', 'bob']) {
      assert.deepEqual(seen.filter((l) => l.startsWith(who)), lines.filter((l) => l.startsWith(who)));
    }
  }
  // Markup in a message is shown as text.
  assert.equal(await alice.page.locator('#log .message b').count(), 0);

  await bob.close();
  await alice.page.waitForFunction(() => [...document.querySelectorAll('#log .leave')].some((li) => li.textContent.startsWith('bob left')), null, WAIT);
  await alice.close();
});

// sockjs-client 1.6.1's iframe transports against the demo as it ships: the
// demo's iframe page loads the client it serves (client-js, /sockjs.min.js),
// whose SockJS.bootstrap_iframe() runs the transport inside the iframe. The
// page is on the demo's own origin (the demo allows only that one); the browser
// serves it and sockjs-client from the test, everything else is the demo.
const SOCKJS_CLIENT = path.join(CLIENT_JS_DIR, 'node_modules', 'sockjs-client', 'dist', 'sockjs.js');
const PAGE = '<!doctype html><meta charset="utf-8"><title>iframe transports</title><script src="/test/sockjs.js"></script><body></body>';

for (const transport of ['iframe-eventsource', 'iframe-htmlfile', 'iframe-xhr-polling']) {
  test(`sockjs-client ${transport} chats with the demo through its iframe page`, async () => {
    const p = await newPage(browser);
    try {
      await p.page.route(`${base}/test/page.html`, (r) => r.fulfill({ contentType: 'text/html', body: PAGE }));
      await p.page.route(`${base}/test/sockjs.js`, (r) => r.fulfill({ contentType: 'text/javascript', path: SOCKJS_CLIENT }));
      await p.page.goto(`${base}/test/page.html`);
      const got = await p.page.evaluate(
        ({ transport, timeoutMs }) =>
          new Promise((resolve) => {
            const events = [];
            const sock = new window.SockJS('/chat?name=dave', null, { transports: [transport] });
            const timer = setTimeout(() => resolve({ events, error: 'timeout', transport: sock.transport }), timeoutMs);
            sock.onopen = () => sock.send('hello 한국어 </script>');
            sock.onmessage = (e) => {
              const ev = JSON.parse(e.data);
              events.push(ev);
              if (ev.type === 'message') sock.close();
            };
            sock.onclose = (e) => {
              clearTimeout(timer);
              resolve({ events, transport: sock.transport, close: [e.code, e.reason] });
            };
            window.addEventListener('beforeunload', () => sock.close());
          }),
        { transport, timeoutMs: 15000 },
      );
      assert.equal(got.error, undefined, `${JSON.stringify(got)}\n${p.consoleLines.join('\n')}`);
      assert.deepEqual(got.close, [1000, 'Normal closure']);
      const mine = got.events.find((e) => e.type === 'message');
      assert.deepEqual(
        mine && { name: mine.name, text: mine.text, transport: mine.transport },
        { name: 'dave', text: 'hello 한국어 </script>', transport: transport.replace('iframe-', '') },
        JSON.stringify(got.events),
      );
      assert.equal(got.events[0].type, 'welcome');
    } finally {
      await p.close();
    }
  });
}

// A page on another site cannot read the demo's frames through <script>
// (JSONP) or a frame (htmlfile), which carry no Origin header: Chromium marks
// them `Sec-Fetch-Site: cross-site`, and the demo (same-origin only, the
// default) refuses them. The demo's own pages still can.
test('a cross-site page cannot read a session through JSONP; the demo\'s own page can', async () => {
  const p = await newPage(browser);
  try {
    const load = (origin) =>
      p.page.evaluate(
        ({ url }) =>
          new Promise((resolve) => {
            window.cb = (frame) => resolve({ read: frame });
            const s = document.createElement('script');
            s.src = url;
            s.onerror = () => resolve({ refused: true });
            document.head.appendChild(s);
            setTimeout(() => resolve({ timeout: true }), 10000);
          }),
        { url: `${base}/chat/000/${origin.replace(/\W/g, '')}${Date.now()}/jsonp?c=cb` },
      );
    await p.page.route('http://evil.test/page.html', (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>evil</title>' }));
    await p.page.goto('http://evil.test/page.html');
    assert.deepEqual(await load('evil'), { refused: true });

    await p.page.route(`${base}/test/page.html`, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>own</title>' }));
    await p.page.goto(`${base}/test/page.html`);
    assert.deepEqual(await load('own'), { read: 'o' });
  } finally {
    await p.close();
  }
});
