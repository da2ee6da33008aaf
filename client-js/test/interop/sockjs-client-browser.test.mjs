// sockjs-client 1.6.1 (from npm, served locally) in Debian's Chromium against
// the SockJS server under test (SOCKJS_SERVER=rust|node), one test per
// transport × origin. Each test forces that one transport and checks:
//   - the connection opens and sock.transport is the forced transport;
//   - the message set (Korean, emoji, C0, C1, U+2028, U+FEFF, U+FFFF, empty,
//     100 KiB) comes back exactly and in order;
//   - close() gives 1000, clean;
//   - the /close service gives 3000 "Go away!", clean.
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
  SOCKJS_CLIENT_TRANSPORTS,
} from '../harness/index.mjs';

export const ORIGINS = ['cross-origin', 'same-origin'];

// Cells where sockjs-client itself will not use the transport. These are not
// skipped: the test asserts that the client refuses, and says why.
const CLIENT_REFUSES = {
  'htmlfile × cross-origin':
    'sockjs-client 1.6.1 enables htmlfile only when page and server share an origin ' +
    '(HtmlFileTransport.enabled returns info.sameOrigin): its hidden iframe calls a function ' +
    'in the parent page, which a cross-origin frame may not do. iframe-htmlfile is its cross-origin form.',
};

const ECHO_TIMEOUT_MS = 20000;
const expected = buildMessages();
let stack;

function consoleTail(p) {
  return p.consoleLines.length ? `  page console (last 20):\n    ${p.consoleLines.slice(-20).join('\n    ')}` : '';
}

describe(`sockjs-client 1.6.1 in Chromium → ${serverLabel()}`, { timeout: 600000 }, () => {
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    if (stack) await stack.stop();
  });

  for (const origin of ORIGINS) {
    for (const transport of SOCKJS_CLIENT_TRANSPORTS) {
      const cell = `${transport} × ${origin}`;
      const refusal = CLIENT_REFUSES[cell];
      const name = refusal ? `${cell} (refused by sockjs-client, asserted)` : cell;
      test(name, { timeout: 90000 }, async (t) => {
        const base = origin === 'cross-origin' ? stack.crossOrigin('') : stack.sameOrigin('');
        const p = await newPage(stack.browser);
        try {
          await openHarnessPage(p.page, stack.pages.url('/harness/sockjs-client.html'));
          const version = await p.page.evaluate(() => window.SockJS.version);
          assert.equal(version, '1.6.1', 'the page must load sockjs-client 1.6.1 from node_modules');

          if (refusal) {
            const r = await runEchoInPage(p.page, {
              url: base + '/echo',
              transports: [transport],
              messages: 'set',
              timeoutMs: ECHO_TIMEOUT_MS,
            });
            assert.equal(r.opened, false, `expected sockjs-client to refuse ${cell}, but it opened on ${r.transport}`);
            assert.deepEqual(
              r.close && { code: r.close.code, reason: r.close.reason },
              { code: 2000, reason: 'All transports failed' },
              `expected sockjs-client to refuse ${cell} with 2000 "All transports failed": ${JSON.stringify(r)}`,
            );
            t.diagnostic(`not usable: ${refusal}`);
            return;
          }

          const echo = await runEchoInPage(p.page, {
            url: base + '/echo',
            transports: [transport],
            messages: 'set',
            timeoutMs: ECHO_TIMEOUT_MS,
          });
          assertEchoed(echo, { expected, transport, extra: [consoleTail(p)] });

          const closed = await runEchoInPage(p.page, {
            url: base + '/close',
            transports: [transport],
            messages: [],
            timeoutMs: ECHO_TIMEOUT_MS,
          });
          assertServerClose(closed, { transport, extra: [consoleTail(p)] });
          t.diagnostic(`echo ${echo.elapsedMs} ms, /close ${closed.elapsedMs} ms`);
        } finally {
          await p.close();
        }
      });
    }
  }
});
