// The resume extension (docs/resume.md) in the fake browser: drops are
// invisible to the page but for `reconnecting` and `resumed`; nothing is lost,
// doubled or reordered; a resume that cannot be done closes with its reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load, record } from './support/env.mjs';

const RESUME = { version: 1, window_ms: 10000, heartbeat_ms: 5000, timeout_ms: 15000, ack_ms: 200, window_messages: 1024, window_bytes: 1 << 20 };
const INFO = { websocket: true, cookie_needed: false, origins: ['*:*'], entropy: 1, resume: RESUME };
const plain = (v) => JSON.parse(JSON.stringify(v));
const query = (url) => Object.fromEntries(new URL(url).searchParams);
const session = (url) => new URL(url).pathname.split('/')[3];

function openResumable(options = {}) {
  const { SockJS, env } = load({ random: () => 0 });
  const sock = new SockJS('http://localhost:8080/echo', null, { transports: 'websocket', ...options });
  env.info(INFO);
  const ws = env.sockets[0];
  ws.accept();
  ws.receive('o');
  ws.receive('x{"token":"T0K"}');
  return { SockJS, env, sock, ws };
}

test('a session opens with resume=1 and takes the server\'s token', () => {
  const { ws, sock, SockJS } = openResumable();
  assert.deepEqual(query(ws.url), { resume: '1' });
  assert.equal(sock.readyState, SockJS.OPEN);
});

test('without resume in /info, or with resume: false, the session is plain SockJS', () => {
  for (const [info, options] of [[{ websocket: true }, {}], [INFO, { resume: false }]]) {
    const { SockJS, env } = load();
    const sock = new SockJS('http://localhost:8080/echo', null, { transports: 'websocket', ...options });
    env.info(info);
    const ws = env.sockets[0];
    assert.deepEqual(query(ws.url), {});
    ws.accept();
    ws.receive('o');
    sock.send('a');
    assert.deepEqual(ws.sent, ['["a"]']);
    ws.drop(1006, '');
    env.clock.tick(0);
    assert.equal(sock.readyState, SockJS.CLOSED);
  }
});

test('a dropped WebSocket comes back with its token: nothing lost, doubled or reordered', () => {
  const { env, sock, ws, SockJS } = openResumable();
  const log = record(sock);
  ws.receive('q[0,"m1","m2"]');
  sock.send('c1');
  sock.send('c2');
  assert.deepEqual(ws.sent, ['["c1"]', '["c2"]']);
  ws.receive('q[1,"m3"]'); // the server accepted c1
  ws.drop(1006, '');
  assert.equal(sock.readyState, SockJS.OPEN, 'still open');
  assert.equal(sock.transport, null);
  sock.send('c3'); // while coming back: kept
  env.clock.tick(0);
  const ws2 = env.sockets[1];
  assert.notEqual(session(ws2.url), session(ws.url), 'a new session URL');
  assert.deepEqual(query(ws2.url), { resume: 'T0K', ack: '3' });
  ws2.accept();
  ws2.receive('x{"resumed":true,"in":1}');
  assert.equal(sock.transport, 'websocket');
  assert.deepEqual(ws2.sent, ['["c2","c3"]'], 'what the server did not accept, in order');
  ws2.receive('q[3,"m4"]');
  assert.deepEqual(plain(log), [
    { type: 'message', data: 'm1' },
    { type: 'message', data: 'm2' },
    { type: 'message', data: 'm3' },
    { type: 'reconnecting' },
    { type: 'resumed' },
    { type: 'message', data: 'm4' }
  ].map((e) => e));
});

test('the reconnecting event says why; resumed follows', () => {
  const { env, sock, ws } = openResumable();
  const seen = [];
  sock.onreconnecting = (e) => seen.push(['reconnecting', e.code, e.reason]);
  sock.onresumed = () => seen.push(['resumed']);
  ws.drop(1006, 'gone');
  env.clock.tick(0);
  env.sockets[1].accept();
  env.sockets[1].receive('x{"resumed":true,"in":0}');
  assert.deepEqual(seen, [['reconnecting', 1006, 'gone'], ['resumed']]);
});

test('a resume the server refuses closes with its reason (2011)', () => {
  const { env, sock, ws, SockJS } = openResumable();
  const log = record(sock);
  ws.drop(1006, '');
  env.clock.tick(0);
  const ws2 = env.sockets[1];
  ws2.accept();
  ws2.receive('c[2011,"Resume failed: session expired"]');
  env.clock.tick(0);
  assert.equal(sock.readyState, SockJS.CLOSED);
  assert.deepEqual(plain(log).filter((e) => e.type == 'close'), [
    { type: 'close', code: 2011, reason: 'Resume failed: session expired', wasClean: true, willReconnect: false }
  ]);
});

test('coming back keeps trying, with growing pauses, until the window ends: then 2011', () => {
  const { env, sock, ws, SockJS } = openResumable();
  const log = record(sock);
  ws.drop(1006, '');
  let tries = 0;
  while (sock.readyState === SockJS.OPEN && tries < 100) {
    env.clock.tick(env.clock.pending()[0] ?? 0);
    const last = env.sockets[env.sockets.length - 1];
    if (last !== ws && !last.failedOnce) {
      last.failedOnce = true;
      tries++;
      last.fail();
    }
  }
  env.clock.tick(0);
  assert.ok(tries >= 5 && tries < 40, `${tries} tries in the window`);
  assert.equal(sock.readyState, SockJS.CLOSED);
  const close = plain(log).find((e) => e.type == 'close');
  assert.deepEqual([close.code, close.reason], [2011, 'Resume failed: window expired']);
  assert.ok(env.clock.now - 1_000_000 >= 10000, 'not before the window');
});

test('xhr-polling: a failed poll is tried again with the same ack; a failed send with the same numbers', () => {
  const { SockJS, env } = load({ random: () => 0 });
  const sock = new SockJS('http://localhost:8080/echo', null, { transports: 'xhr-polling' });
  env.info(INFO);
  assert.deepEqual(query(env.xhr('/xhr').url), { resume: '1', t: query(env.xhr('/xhr').url).t });
  env.xhr('/xhr').respond(200, 'o\n');
  env.xhr('/xhr').respond(200, 'x{"token":"T"}\n');
  env.xhr('/xhr').respond(200, 'q[0,"m1"]\n');
  const got = [];
  sock.onmessage = (e) => got.push(e.data);
  // The next poll fails: tried again, same ack (and token), no close.
  assert.deepEqual([query(env.xhr('/xhr').url).resume, query(env.xhr('/xhr').url).ack], ['T', '1']);
  env.xhr('/xhr').respond(0);
  env.clock.tick(100);
  assert.equal(query(env.xhr('/xhr').url).ack, '1');
  assert.equal(sock.readyState, SockJS.OPEN);
  sock.send('a');
  const send = env.xhr('/xhr_send');
  assert.deepEqual([query(send.url).seq, query(send.url).ack, send.body], ['1', '1', '["a"]']);
  send.respond(0);
  env.clock.tick(100);
  const again = env.xhr('/xhr_send');
  assert.deepEqual([query(again.url).seq, again.body], ['1', '["a"]'], 'the same numbers');
  again.respond(204);
  env.xhr('/xhr').respond(200, 'q[1,"m2"]\n');
  assert.deepEqual(got, ['m2'], 'm1 came before the handler');
});

test('a socket acknowledges every 32 messages, before its timer', () => {
  const { ws, sock } = openResumable();
  for (let i = 1; i <= 31; i++) ws.receive(`q[0,"m${i}"]`);
  sock.send('a');
  assert.deepEqual(ws.sent, ['["a"]'], '31 waiting: no acknowledgement yet');
  ws.receive('q[1,"m32"]');
  sock.send('b');
  assert.deepEqual(ws.sent, ['["a"]', '["b"]', '{"ack":32}'], 'the 32nd is acknowledged with the next send');
});

test('heartbeats: an idle client sends an empty batch (HTTP) or an ack (WebSocket) every heartbeat_ms', () => {
  const { env, ws } = openResumable();
  ws.receive('q[0,"m1"]');
  env.clock.tick(200);
  assert.deepEqual(ws.sent, ['{"ack":1}'], 'received messages are acknowledged within ack_ms');
  env.clock.tick(5000);
  assert.deepEqual(ws.sent, ['{"ack":1}', '{"ack":1}'], 'and the heartbeat');

  const { SockJS, env: e2 } = load({ random: () => 0 });
  new SockJS('http://localhost:8080/echo', null, { transports: 'xhr-streaming' });
  e2.info(INFO);
  e2.xhr('/xhr_streaming').chunk('h'.repeat(2048) + '\n' + 'o\n' + 'x{"token":"T"}\n' + 'q[0,"m1"]\n');
  e2.clock.tick(200);
  const ack = e2.xhr('/xhr_send');
  assert.deepEqual([query(ack.url).ack, ack.body], ['1', '[]']);
});
