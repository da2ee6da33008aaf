// sockjs-client 1.6.1's iframe transports with our client-js as the client
// the server's iframe page loads (`sockjs_url` = client-js's UMD bundle): the
// page runs sockjs-client, the hidden iframe runs client-js's
// SockJS.bootstrap_iframe(), and they talk by postMessage. Each transport ×
// origin echoes the whole message set and sees /close's 3000 "Go away!".
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack,
  newPage,
  openHarnessPage,
  runEchoInPage,
  buildMessages,
  assertEchoed,
  assertServerClose,
  serverLabel,
} from '../harness/index.mjs';

const TRANSPORTS = ['iframe-eventsource', 'iframe-htmlfile', 'iframe-xhr-polling'];
const ORIGINS = ['cross-origin', 'same-origin'];
const ECHO_TIMEOUT_MS = 20000;
const expected = buildMessages();
let stack;

describe(`sockjs-client 1.6.1 iframe transports, iframe on client-js → ${serverLabel()}`, { timeout: 300000 }, () => {
  before(async () => {
    stack = await startStack({ sockjsUrlPath: '/dist/sockjs-iframe.min.js' });
  });
  after(async () => {
    if (stack) await stack.stop();
  });

  test('the iframe page loads client-js', async () => {
    const p = await newPage(stack.browser);
    try {
      await p.page.goto(stack.crossOrigin('/echo/iframe.html'));
      assert.equal(await p.page.evaluate(() => typeof window.SockJS.bootstrap_iframe), 'function');
      assert.equal(await p.page.evaluate(() => window.SockJS.version), undefined, 'not sockjs-client');
      assert.equal(await p.page.evaluate(() => typeof window.SockJS.OPEN), 'undefined', 'only the bootstrap');
    } finally {
      await p.close();
    }
  });

  for (const origin of ORIGINS) {
    for (const transport of TRANSPORTS) {
      test(`${transport} × ${origin}`, { timeout: 90000 }, async (t) => {
        const base = origin === 'cross-origin' ? stack.crossOrigin('') : stack.sameOrigin('');
        const p = await newPage(stack.browser);
        const tail = () => (p.consoleLines.length ? `  page console:\n    ${p.consoleLines.slice(-20).join('\n    ')}` : '');
        try {
          await openHarnessPage(p.page, stack.pages.url('/harness/sockjs-client.html'));
          const echo = await runEchoInPage(p.page, { url: base + '/echo', transports: [transport], messages: 'set', timeoutMs: ECHO_TIMEOUT_MS });
          assertEchoed(echo, { expected, transport, extra: [tail()] });
          const closed = await runEchoInPage(p.page, { url: base + '/close', transports: [transport], messages: [], timeoutMs: ECHO_TIMEOUT_MS });
          assertServerClose(closed, { transport, extra: [tail()] });
          t.diagnostic(`echo ${echo.elapsedMs} ms, /close ${closed.elapsedMs} ms`);
        } finally {
          await p.close();
        }
      });
    }
  }
});
