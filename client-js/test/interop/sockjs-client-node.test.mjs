// sockjs-client 1.6.1 running in Node (no browser) against the SockJS server
// under test, over the transports it has there: websocket (faye-websocket),
// xhr-streaming and xhr-polling (Node's http). Same checks as in the browser.
import { describe, test, before, after } from 'node:test';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { startStack, runEcho, buildMessages, assertEchoed, assertServerClose, serverLabel } from '../harness/index.mjs';

const require = createRequire(import.meta.url);
const SockJS = require('sockjs-client');

const TIMEOUT_MS = 20000;
const expected = buildMessages();
let stack;

describe(`sockjs-client 1.6.1 in Node ${process.version} → ${serverLabel()}`, { timeout: 300000 }, () => {
  before(async () => {
    // The server's iframe page is not used here, but it still needs a sockjs_url.
    stack = await startStack({ browser: false });
  });
  after(async () => {
    if (stack) await stack.stop();
  });

  for (const transport of ['websocket', 'xhr-streaming', 'xhr-polling']) {
    test(`${transport} × node`, { timeout: 60000 }, async (t) => {
      assert.equal(SockJS.version, '1.6.1');
      const echo = await runEcho({
        ctor: SockJS,
        url: stack.crossOrigin('/echo'),
        transports: [transport],
        messages: expected.map((m) => m.data),
        timeoutMs: TIMEOUT_MS,
      });
      assertEchoed(echo, { expected, transport });
      const closed = await runEcho({ ctor: SockJS, url: stack.crossOrigin('/close'), transports: [transport], timeoutMs: TIMEOUT_MS });
      assertServerClose(closed, { transport });
      t.diagnostic(`echo ${echo.elapsedMs} ms, /close ${closed.elapsedMs} ms`);
    });
  }
});
