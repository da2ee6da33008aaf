// The resume extension in Chromium with client-js, through a fault-injecting
// proxy that cuts connections mid-answer and mid-stream, drops answers and
// stalls streams: on every transport, 2,000 messages go out and come back
// through the echo service exactly once and in order (a message lost or
// doubled on either way would be missing or doubled in what comes back), and
// the page sees only `reconnecting` / `resumed`, never a close.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from '../../scripts/build.mjs';
import {
  CLIENT_JS_DIR,
  DEFAULT_MOUNTS,
  faultPlan,
  launchChromium,
  newPage,
  openHarnessPage,
  startFaultyProxy,
  startPageServer,
  startSockjsServer,
} from '../harness/index.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENT_BUILD = path.join(CLIENT_JS_DIR, '.build', 'resume-dist');
const N = 2000;
const PLANS = {
  websocket: { every: 1, cut: 4000, socket: true },
  'xhr-streaming': { every: 2, cut: 3000 },
  eventsource: { every: 1, cut: 1500 },
  'xhr-polling': { every: 2, cut: 600, late: 24000 },
  'jsonp-polling': { every: 2, cut: 600, late: 24000 },
};

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

describe('client-js resumes through faults in Chromium → actix-sockjs', { timeout: 600000 }, () => {
  let seed = 1;
  for (const [transport, plan] of Object.entries(PLANS)) {
    test(`${transport}: ${N} messages each way through cuts, dropped answers and stalls`, { timeout: 120000 }, async (t) => {
      const proxy = await startFaultyProxy({ upstreamPort: server.port, plan: faultPlan({ seed: seed++, ...plan }) });
      const p = await newPage(browser);
      try {
        await openHarnessPage(p.page, pages.url('/e2e/umd.html'));
        const r = await p.page.evaluate(({ url, transport, n }) => new Promise((resolve) => {
          const got = [];
          const events = [];
          const sock = new window.SockJS(url, null, { transports: [transport] });
          const timer = setTimeout(() => resolve({ got: got.length, events, error: 'timeout' }), 100000);
          sock.onopen = () => {
            events.push('open');
            for (let i = 1; i <= n; i++) sock.send(`m${i}`);
          };
          sock.onreconnecting = (e) => events.push(`reconnecting ${e.code}`);
          sock.onresumed = () => events.push('resumed');
          sock.onmessage = (e) => {
            got.push(e.data);
            if (got.length === n) {
              clearTimeout(timer);
              sock.close();
              const want = Array.from({ length: n }, (_, i) => `m${i + 1}`);
              const bad = got.findIndex((m, i) => m !== want[i]);
              resolve({ got: got.length, events, bad, sample: bad >= 0 ? got.slice(Math.max(0, bad - 2), bad + 3) : [] });
            }
          };
          sock.onclose = (e) => events.push(`close ${e.code} ${e.reason}`);
        }), { url: proxy.url('/echo'), transport, n: N });
        t.diagnostic(`${proxy.summary()}; page events: ${r.events.filter((e) => e !== 'open').length}`);
        assert.equal(r.error, undefined, `${JSON.stringify(r)}; ${proxy.summary()}; ${p.consoleLines.slice(-10).join(' | ')}`);
        assert.equal(r.bad, -1, `order or content broken at ${r.bad}: ${JSON.stringify(r.sample)}`);
        assert.equal(r.got, N);
        assert.ok(!r.events.some((e) => e.startsWith('close')), `no close before the end: ${r.events}`);
        const faults = proxy.stats.cut + proxy.stats.dropped + proxy.stats.stalled;
        assert.ok(faults >= 5, `too few faults to mean anything: ${proxy.summary()}`);
      } finally {
        await p.close();
        await proxy.stop();
      }
    });
  }
});
