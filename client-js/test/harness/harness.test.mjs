// Checks of the harness itself: the message set is what the issue asks for,
// and the echo assertions catch what they must (so a green matrix means
// something).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMessages, describeEchoDiff, assertEchoed, assertServerClose } from './index.mjs';

const codes = (s) => Array.from(s, (c) => c.codePointAt(0));
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test('message set: Korean, emoji, C0, C1, U+2028, U+FEFF, U+FFFF, empty, 100 KiB, in that order', () => {
  const m = buildMessages();
  assert.deepEqual(
    m.map((x) => x.name),
    ['Korean text', 'emoji', 'C0 controls U+0000..U+001F', 'C1 controls U+0080..U+009F', 'U+2028', 'U+FEFF', 'U+FFFF', 'empty string', '100 KiB message'],
  );
  assert.match(m[0].data, /^[\uAC00-\uD7A3 ,.!]+$/u, 'Korean text is Hangul');
  assert.ok(codes(m[1].data).some((c) => c >= 0x1f600), 'emoji include astral code points (surrogate pairs)');
  assert.deepEqual(codes(m[2].data), range(0x00, 0x1f));
  assert.deepEqual(codes(m[3].data), range(0x80, 0x9f));
  assert.equal(m[4].data, '\u2028');
  assert.equal(m[5].data, '\uFEFF');
  assert.equal(m[6].data, '\uFFFF');
  assert.equal(m[7].data, '');
  assert.equal(m[8].data.length, 100 * 1024);
  assert.equal(Buffer.byteLength(m[8].data, 'utf8'), 100 * 1024);
  assert.ok(m[8].data.includes('"') && m[8].data.includes('\\'), 'large message exercises JSON escaping');
  assert.deepEqual(buildMessages(), m, 'message set is deterministic');
});

const ok = (received) => ({
  opened: true,
  transport: 'xhr-polling',
  received,
  close: { code: 1000, reason: 'Normal closure', wasClean: true },
  timedOut: false,
  error: null,
  events: [],
  elapsedMs: 1,
});

test('echo diff: exact echo has no problems', () => {
  const m = buildMessages();
  assert.deepEqual(describeEchoDiff(m, m.map((x) => x.data)), []);
  assertEchoed(ok(m.map((x) => x.data)), { expected: m, transport: 'xhr-polling' });
});

test('echo diff: a changed, dropped, reordered or extra message is reported', () => {
  const m = buildMessages();
  const data = m.map((x) => x.data);

  const changed = data.slice();
  changed[5] = ''; // U+FEFF stripped, as a BOM-eating decoder would
  assert.match(describeEchoDiff(m, changed).join('\n'), /#5 U\+FEFF: length 0 \(want 1\); first difference at index 0: got end of string, want U\+FEFF/);

  const c1 = data.slice();
  c1[3] = c1[3].replace('\u0085', '\n'); // NEL normalised
  assert.match(describeEchoDiff(m, c1).join('\n'), /#3 C1 controls .*index 5: got U\+000A, want U\+0085/);

  const dropped = data.slice(0, -1);
  assert.match(describeEchoDiff(m, dropped).join('\n'), /8 messages came back, 9 were sent[\s\S]*#8 100 KiB message: never came back/);

  const swapped = data.slice();
  [swapped[4], swapped[6]] = [swapped[6], swapped[4]];
  assert.match(describeEchoDiff(m, swapped).join('\n'), /#4 U\+2028: .*came back as #6: out of order/);

  assert.match(describeEchoDiff(m, [...data, 'x']).join('\n'), /#9: unexpected extra message "x"/);
});

test('assertions: wrong transport, unclean or wrong close, no open all fail', () => {
  const m = buildMessages();
  const data = m.map((x) => x.data);
  assert.throws(() => assertEchoed(ok(data), { expected: m, transport: 'websocket' }), /sock.transport is xhr-polling, forced websocket/);
  assert.throws(
    () => assertEchoed({ ...ok(data), close: { code: 1006, reason: '', wasClean: false } }, { expected: m }),
    /close\(\) should give 1000 clean, got close 1006/,
  );
  assert.throws(
    () => assertEchoed({ ...ok([]), opened: false, close: { code: 2000, reason: 'All transports failed', wasClean: false } }, { expected: m, transport: 'htmlfile' }),
    /did not open with transport htmlfile: close 2000 "All transports failed"/,
  );
  assert.throws(
    () => assertServerClose({ ...ok([]), close: { code: 3000, reason: 'Go away', wasClean: true } }, {}),
    /should close 3000 "Go away!" clean/,
  );
  assertServerClose({ ...ok([]), close: { code: 3000, reason: 'Go away!', wasClean: true } }, { transport: 'xhr-polling' });
});
