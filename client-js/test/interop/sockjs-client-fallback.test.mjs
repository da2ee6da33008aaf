// Fallback runs of sockjs-client 1.6.1 in Chromium, with no forced transport:
// the client must connect on its own and echo the message set when
//   - the page has no window.WebSocket;
//   - the server disables WebSocket (/disabled_websocket_echo);
//   - a hostile proxy (nginx: no Upgrade pass-through, response buffering on,
//     HTTP/1.0 upstream) stands between the browser and the server.
// Each test prints (as a diagnostic) the transport it ended on.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack,
  startHostileProxy,
  newPage,
  openHarnessPage,
  runEchoInPage,
  buildMessages,
  assertEchoed,
  serverLabel,
} from '../harness/index.mjs';

// Fallback walks through transports that time out one after another (each
// after a few round trips), so allow more than a forced-transport run.
const FALLBACK_TIMEOUT_MS = 45000;
const expected = buildMessages();
let stack;
let proxy;

function consoleTail(p) {
  return p.consoleLines.length ? `  page console (last 20):\n    ${p.consoleLines.slice(-20).join('\n    ')}` : '';
}

async function fallbackRun(t, { url, deleteWebSocket = false, notTransport = 'websocket', extra = () => [] }) {
  const p = await newPage(stack.browser);
  try {
    if (deleteWebSocket) {
      // Runs before any page script, so sockjs-client never sees WebSocket.
      await p.page.addInitScript(() => {
        delete window.WebSocket;
      });
    }
    await openHarnessPage(p.page, stack.pages.url('/harness/sockjs-client.html'));
    if (deleteWebSocket) {
      assert.equal(await p.page.evaluate(() => typeof window.WebSocket), 'undefined', 'window.WebSocket was not deleted');
    }
    const r = await runEchoInPage(p.page, { url, transports: null, messages: 'set', timeoutMs: FALLBACK_TIMEOUT_MS });
    assertEchoed(r, { expected, extra: [consoleTail(p), ...extra()] });
    assert.notEqual(r.transport, notTransport, `the client should not end on ${notTransport} here`);
    t.diagnostic(`ended on ${r.transport} after ${r.elapsedMs} ms`);
    return r;
  } finally {
    await p.close();
  }
}

describe(`sockjs-client 1.6.1 fallback in Chromium → ${serverLabel()}`, { timeout: 600000 }, () => {
  before(async () => {
    stack = await startStack();
    proxy = await startHostileProxy({ upstreamPort: stack.server.port });
  });
  after(async () => {
    if (proxy) await proxy.stop().catch(() => {});
    if (stack) await stack.stop();
  });

  for (const origin of ['cross-origin', 'same-origin']) {
    const base = () => (origin === 'cross-origin' ? stack.crossOrigin('') : stack.sameOrigin(''));

    test(`no window.WebSocket in the page × ${origin}`, { timeout: 90000 }, async (t) => {
      await fallbackRun(t, { url: base() + '/echo', deleteWebSocket: true });
    });

    test(`server disables WebSocket × ${origin}`, { timeout: 90000 }, async (t) => {
      await fallbackRun(t, { url: base() + '/disabled_websocket_echo' });
    });
  }

  test('hostile proxy (nginx: no Upgrade, buffering on, HTTP/1.0 upstream) × cross-origin', { timeout: 120000 }, async (t) => {
    const tail = () => {
      const lines = proxy.accessLog().trim().split('\n').filter(Boolean);
      return [`  nginx access.log (last 30):\n    ${lines.slice(-30).join('\n    ')}`];
    };
    await fallbackRun(t, { url: proxy.url('/echo'), extra: tail });
    // Show what the proxy did to the transports tried on the way.
    const seen = new Map();
    for (const line of proxy.accessLog().split('\n')) {
      const m = / "(\w+) \/echo\/[^/ ]+\/[^/ ]+\/([a-z_]+)[^"]*" (\d+)/.exec(line);
      if (m) seen.set(`${m[2]} ${m[3]}`, (seen.get(`${m[2]} ${m[3]}`) || 0) + 1);
    }
    t.diagnostic(`through the proxy: ${[...seen].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  });
});
