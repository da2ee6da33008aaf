// The chat demo (examples/chat.rs) in Chromium: two people on different
// transports see each other's messages, in order, and the joins and leaves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { getFreePort, startListeningProcess, launchChromium, newPage, REPO_DIR } from '../harness/index.mjs';

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
