// Node-side helpers around the page-side echo routine (page/echo.mjs): open
// the harness page, run an echo in it, and turn the result into assertions
// whose messages say exactly what went wrong.
import assert from 'node:assert/strict';
import { withTimeout } from './net.mjs';
import { buildMessages } from './page/messages.mjs';

export { buildMessages };
export { runEcho } from './page/echo.mjs';

/** Navigates to a harness page and waits (bounded) until window.harness exists. */
export async function openHarnessPage(page, url, { timeoutMs = 15000 } = {}) {
  await page.goto(url, { timeout: timeoutMs, waitUntil: 'load' });
  await page.waitForFunction(() => Boolean(window.harness), null, { timeout: timeoutMs });
}

/**
 * Runs the echo routine in the page. opts: { url, transports, messages: 'set' | string[] | [],
 * timeoutMs, ctor, options }. 'set' means the standard message set, built in the page.
 */
export async function runEchoInPage(page, opts) {
  const timeoutMs = opts.timeoutMs ?? 20000;
  return withTimeout(
    page.evaluate(async (o) => {
      const messages = o.messages === 'set' ? window.harness.buildMessages().map((m) => m.data) : o.messages || [];
      return window.harness.runEcho({ ...o, messages });
    }, { ...opts, timeoutMs }),
    timeoutMs + 10000,
    `echo in page (${opts.url})`,
  );
}

const hex = (s, i) => (i < s.length ? 'U+' + s.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0') : 'end of string');

function preview(s) {
  const j = JSON.stringify(s);
  return j.length > 80 ? `${j.slice(0, 77)}...(${s.length} chars)` : j;
}

/** Describes how `got` differs from `want` (both strings), or null if equal. */
export function describeStringDiff(want, got) {
  if (want === got) return null;
  if (typeof got !== 'string') return `expected a string, got ${typeof got} ${preview(String(got))}`;
  let i = 0;
  while (i < want.length && i < got.length && want.charCodeAt(i) === got.charCodeAt(i)) i++;
  return `length ${got.length} (want ${want.length}); first difference at index ${i}: got ${hex(got, i)}, want ${hex(want, i)}; got ${preview(got)}`;
}

/** Lists every difference between the expected message set and what came back. */
export function describeEchoDiff(expected, received) {
  const problems = [];
  if (received.length !== expected.length) {
    problems.push(`${received.length} messages came back, ${expected.length} were sent`);
  }
  const n = Math.max(expected.length, received.length);
  for (let i = 0; i < n; i++) {
    if (i >= received.length) {
      problems.push(`#${i} ${expected[i].name}: never came back`);
      continue;
    }
    if (i >= expected.length) {
      problems.push(`#${i}: unexpected extra message ${preview(received[i])}`);
      continue;
    }
    const d = describeStringDiff(expected[i].data, received[i]);
    if (d) {
      const elsewhere = received.findIndex((r) => r === expected[i].data);
      problems.push(`#${i} ${expected[i].name}: ${d}${elsewhere >= 0 ? ` (it came back as #${elsewhere}: out of order)` : ''}`);
    }
  }
  return problems;
}

function context(result, extra = []) {
  const lines = [
    `  opened=${result.opened} transport=${result.transport} close=${JSON.stringify(result.close)} timedOut=${result.timedOut} error=${result.error} (${result.elapsedMs} ms)`,
    `  events: ${result.events.join(' | ')}`,
  ];
  for (const e of extra) if (e) lines.push(e);
  return lines.join('\n');
}

function closeDesc(close) {
  return close ? `close ${close.code} ${JSON.stringify(close.reason)} wasClean=${close.wasClean}` : 'no close event';
}

/**
 * Asserts the connection opened on `transport` (or, if transport is null, on
 * any transport), echoed `expected` exactly and in order, and closed 1000 clean.
 * extra: lines (e.g. console tail) appended to failure messages.
 */
export function assertEchoed(result, { expected, transport = null, extra = [] }) {
  const ctx = () => context(result, extra);
  assert.ok(
    result.opened,
    `connection did not open${transport ? ` with transport ${transport}` : ''}: ${result.error || closeDesc(result.close)}\n${ctx()}`,
  );
  if (transport) {
    assert.equal(result.transport, transport, `sock.transport is ${result.transport}, forced ${transport}\n${ctx()}`);
  }
  const problems = describeEchoDiff(expected, result.received);
  assert.deepEqual(problems, [], `echo over ${result.transport} differs:\n  ${problems.join('\n  ')}\n${ctx()}`);
  assert.ok(result.close, `close() gave no close event: ${result.error}\n${ctx()}`);
  assert.deepEqual(
    { code: result.close.code, wasClean: result.close.wasClean },
    { code: 1000, wasClean: true },
    `close() should give 1000 clean, got ${closeDesc(result.close)}\n${ctx()}`,
  );
}

/** Asserts the /close service: opens on `transport`, no messages, then 3000 "Go away!" clean. */
export function assertServerClose(result, { transport = null, extra = [] }) {
  const ctx = () => context(result, extra);
  assert.ok(result.opened, `connection to /close did not open: ${result.error || closeDesc(result.close)}\n${ctx()}`);
  if (transport) {
    assert.equal(result.transport, transport, `sock.transport is ${result.transport}, forced ${transport}\n${ctx()}`);
  }
  assert.deepEqual(result.received, [], `/close sent messages\n${ctx()}`);
  assert.ok(result.close, `/close gave no close event: ${result.error}\n${ctx()}`);
  assert.deepEqual(
    result.close,
    { code: 3000, reason: 'Go away!', wasClean: true },
    `/close should close 3000 "Go away!" clean, got ${closeDesc(result.close)}\n${ctx()}`,
  );
}
