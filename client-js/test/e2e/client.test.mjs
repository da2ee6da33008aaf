// actix-sockjs-client in Chromium, end to end, against two servers: the Rust
// conformance server (examples/testserver) and sockjs-node 0.3.24, both started
// here. For each server:
//   - every transport forced in turn, cross-origin and same-origin: opens on
//     that transport, echoes the hostile message set exactly and in order,
//     close() gives 1000 clean, /close gives 3000 "Go away!" clean;
//   - fallback with no forced transport: window.WebSocket deleted, WebSocket
//     disabled on the server, and through a buffering proxy (nginx);
//   - the ES module build imported by the page works too;
//   - reconnection: the server is killed mid-session and started again on the
//     same port; the client reconnects on its own and messages flow again.
// The client under test is built from src/ before the run (the unit tests check
// that dist/ is byte-identical to such a build).
//
// SOCKJS_SERVERS=rust,node (default both) picks the servers.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from '../../scripts/build.mjs';
import {
  assertEchoed,
  assertServerClose,
  buildMessages,
  CLIENT_JS_DIR,
  DEFAULT_MOUNTS,
  getFreePort,
  launchChromium,
  newPage,
  openHarnessPage,
  REPO_DIR,
  runEchoInPage,
  serverLabel,
  startHostileProxy,
  startListeningProcess,
  startPageServer,
  startSockjsServer,
  CLIENT_JS_TRANSPORTS as TRANSPORTS,
} from '../harness/index.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENT_BUILD = path.join(CLIENT_JS_DIR, '.build', 'e2e-dist');
const KINDS = (process.env.SOCKJS_SERVERS || 'rust,node').split(',').map((s) => s.trim()).filter(Boolean);
const ECHO_TIMEOUT_MS = 20000;
const FALLBACK_TIMEOUT_MS = 45000;
const expected = buildMessages();

let browser;

before(async () => {
  await build(CLIENT_BUILD);
  browser = await launchChromium();
});
after(async () => {
  if (browser) await browser.close();
});

function consoleTail(p) {
  return p.consoleLines.length ? `  page console (last 20):\n    ${p.consoleLines.slice(-20).join('\n    ')}` : '';
}

async function startPages() {
  return startPageServer({
    mounts: { ...DEFAULT_MOUNTS, '/client/': CLIENT_BUILD, '/e2e/': path.join(here, 'page') },
  });
}

/** Opens a fresh page on the UMD (or ESM) test page; returns the harness page handle. */
async function openPage(pages, { esm = false, deleteWebSocket = false } = {}) {
  const p = await newPage(browser);
  if (deleteWebSocket) {
    await p.page.addInitScript(() => {
      delete window.WebSocket;
    });
  }
  await openHarnessPage(p.page, pages.url(esm ? '/e2e/esm.html' : '/e2e/umd.html'));
  return p;
}

for (const kind of KINDS) {
  describe(`actix-sockjs-client in Chromium → ${serverLabel(kind)}`, { timeout: 900000 }, () => {
    let pages;
    let server;
    let proxy;

    before(async () => {
      pages = await startPages();
      server = await startSockjsServer({ sockjsUrl: pages.url('/vendor/sockjs-client/sockjs.js'), kind });
      pages.setProxyPort(server.port);
      proxy = await startHostileProxy({ upstreamPort: server.port });
    });
    after(async () => {
      if (proxy) await proxy.stop().catch(() => {});
      if (server) await server.stop().catch(() => {});
      if (pages) await pages.stop().catch(() => {});
    });

    for (const origin of ['cross-origin', 'same-origin']) {
      const base = () => (origin === 'cross-origin' ? server.url('') : pages.url(''));
      for (const transport of TRANSPORTS) {
        test(`${transport} × ${origin}: echo of the message set, close codes`, { timeout: 90000 }, async () => {
          const p = await openPage(pages);
          try {
            const r = await runEchoInPage(p.page, { url: base() + '/echo', transports: [transport], messages: 'set', timeoutMs: ECHO_TIMEOUT_MS });
            assertEchoed(r, { expected, transport, extra: [consoleTail(p)] });
            const c = await runEchoInPage(p.page, { url: base() + '/close', transports: [transport], messages: [], timeoutMs: ECHO_TIMEOUT_MS });
            assertServerClose(c, { transport, extra: [consoleTail(p)] });
          } finally {
            await p.close();
          }
        });
      }
    }

    test('the ES module build works in the page (websocket and xhr-polling)', { timeout: 60000 }, async () => {
      const p = await openPage(pages, { esm: true });
      try {
        assert.equal(await p.page.evaluate(() => typeof window.SockJS), 'undefined', 'no global SockJS on the ESM page');
        for (const transport of ['websocket', 'xhr-polling']) {
          const r = await runEchoInPage(p.page, { url: server.url('/echo'), transports: [transport], messages: 'set', ctor: 'SockJSModule', timeoutMs: ECHO_TIMEOUT_MS });
          assertEchoed(r, { expected, transport, extra: [consoleTail(p)] });
        }
      } finally {
        await p.close();
      }
    });

    async function fallback(t, { url, deleteWebSocket = false, extra = () => [] }) {
      const p = await openPage(pages, { deleteWebSocket });
      try {
        if (deleteWebSocket) assert.equal(await p.page.evaluate(() => typeof window.WebSocket), 'undefined');
        const r = await runEchoInPage(p.page, { url, transports: null, messages: 'set', timeoutMs: FALLBACK_TIMEOUT_MS });
        assertEchoed(r, { expected, extra: [consoleTail(p), ...extra()] });
        assert.notEqual(r.transport, 'websocket');
        t.diagnostic(`ended on ${r.transport} after ${r.elapsedMs} ms`);
        return r;
      } finally {
        await p.close();
      }
    }

    for (const origin of ['cross-origin', 'same-origin']) {
      const base = () => (origin === 'cross-origin' ? server.url('') : pages.url(''));
      test(`fallback: no window.WebSocket × ${origin}`, { timeout: 90000 }, async (t) => {
        const r = await fallback(t, { url: base() + '/echo', deleteWebSocket: true });
        assert.equal(r.transport, 'xhr-streaming', 'the next transport in order');
      });
      test(`fallback: WebSocket disabled on the server × ${origin}`, { timeout: 90000 }, async (t) => {
        const r = await fallback(t, { url: base() + '/disabled_websocket_echo' });
        assert.equal(r.transport, 'xhr-streaming', 'the next transport in order');
      });
    }

    test('fallback: through a buffering proxy (nginx: no Upgrade, buffering on)', { timeout: 120000 }, async (t) => {
      const r = await fallback(t, {
        url: proxy.url('/echo'),
        extra: () => [`  nginx access.log (last 30):\n    ${proxy.accessLog().trim().split('\n').slice(-30).join('\n    ')}`],
      });
      assert.ok(['xhr-polling', 'jsonp-polling'].includes(r.transport), `a polling transport, not ${r.transport}`);
    });

    for (const transport of TRANSPORTS) {
      test(`reconnection over ${transport}: the server restarts mid-session`, { timeout: 90000 }, async () => {
        const port = await getFreePort();
        const start = () => startListeningProcess({
          name: `${serverLabel(kind)} (restartable)`,
          command: kind === 'rust' ? (process.env.SOCKJS_SERVER_BIN || path.join(REPO_DIR, 'target', 'debug', 'examples', 'testserver')) : process.execPath,
          args: kind === 'rust' ? [String(port)] : [path.join(CLIENT_JS_DIR, 'test', 'servers', 'sockjs-node.cjs'), String(port)],
          port,
          cwd: REPO_DIR,
          env: { SOCKJS_URL: pages.url('/vendor/sockjs-client/sockjs.js'), RUST_LOG: process.env.RUST_LOG || 'warn' },
        });
        let srv = await start();
        const p = await openPage(pages);
        const state = () => p.page.evaluate(() => JSON.stringify(window.state));
        const waitFor = async (fn, arg, what) => {
          try {
            await p.page.waitForFunction(fn, arg, { timeout: 20000, polling: 50 });
          } catch (e) {
            throw new Error(`${what}: ${e.message.split('\n')[0]}\nstate: ${await state()}\n${consoleTail(p)}`);
          }
        };
        try {
          await p.page.evaluate(({ url, transport }) => {
            const s = (window.state = { events: [], received: [] });
            const sock = (window.sock = new window.SockJS(url, null, { transports: [transport], reconnect: { minDelay: 100, maxDelay: 400 } }));
            sock.onopen = () => s.events.push(`open ${sock.transport}`);
            sock.onmessage = (e) => s.received.push(e.data);
            sock.onclose = (e) => {
              s.events.push(`close ${e.code} ${e.reason} willReconnect=${e.willReconnect}`);
              (s.closeStates = s.closeStates || []).push(sock.readyState);
            };
            sock.onreconnecting = () => s.events.push(`reconnecting ${sock.readyState}`);
          }, { url: `http://127.0.0.1:${port}/echo`, transport });
          await waitFor(() => window.state.events.length === 1, null, 'first open');
          await p.page.evaluate(() => window.sock.send('before restart'));
          await waitFor(() => window.state.received.includes('before restart'), null, 'echo before the restart');

          srv.child.kill('SIGKILL'); // a crash: no goodbye to the client
          await srv.stop();
          if (kind === 'rust') {
            // Resumable: the drop is a reconnecting event, the socket stays
            // open; the restarted server refuses the resume (its sessions are
            // gone) with the reason, and the reconnect option opens a new one.
            await waitFor(() => window.state.events.some((e) => e.startsWith('reconnecting')), null, 'reconnecting after the server died');
            assert.equal(JSON.parse(await state()).events[1], 'reconnecting 1');
            srv = await start();
            await waitFor(() => window.state.events.some((e) => e.startsWith('close')), null, 'resume refused by the restarted server');
            assert.equal(JSON.parse(await state()).events[2], 'close 2011 Resume failed: server restarted willReconnect=true');
          } else {
            await waitFor(() => window.state.events.some((e) => e.startsWith('close')), null, 'close event after the server died');
            const closeEvent = JSON.parse(await state()).events[1];
            assert.match(closeEvent, /^close \d+ .* willReconnect=true$/);
            // Seen from the close event itself: a reconnection attempt that
            // fails while the server is still down passes through CLOSING.
            assert.equal(await p.page.evaluate(() => window.state.closeStates[0]), 0, 'CONNECTING while reconnecting');
            srv = await start();
          }
          await waitFor(() => window.state.events.filter((e) => e.startsWith('open')).length === 2, null, 'reopen after the restart');
          await p.page.evaluate(() => window.sock.send('after restart'));
          await waitFor(() => window.state.received.includes('after restart'), null, 'echo after the restart');
          await p.page.evaluate(() => window.sock.close());
          await waitFor(() => window.state.events[window.state.events.length - 1].startsWith('close 1000'), null, 'final close');

          const s = JSON.parse(await state());
          assert.deepEqual(s.received, ['before restart', 'after restart']);
          const opens = s.events.filter((e) => e.startsWith('open'));
          assert.deepEqual(opens, [`open ${transport}`, `open ${transport}`]);
          assert.equal(s.events[s.events.length - 1], 'close 1000 Normal closure willReconnect=false');
        } finally {
          await p.close();
          await srv.stop().catch(() => {});
        }
      });
    }
  });
}
