// Beyond sockjs-client: automatic reconnection (backoff, jitter, limits) and the query hook.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load, openWebSocket, record } from './support/env.mjs';

const plain = (v) => JSON.parse(JSON.stringify(v));

/** Breaks the open connection and lets the close event out; returns the delay until the next attempt (or null). */
function breakConnection(env, ws) {
  ws.drop(1006, '');
  env.clock.tick(0);
  const p = env.clock.pending();
  return p.length ? p[0] : null;
}

test('off by default: a lost connection stays closed', () => {
  const { SockJS, env } = load();
  const { sock, ws } = openWebSocket(SockJS, env);
  const log = record(sock);
  assert.equal(breakConnection(env, ws), null);
  env.clock.tick(600000);
  assert.equal(sock.readyState, SockJS.CLOSED);
  assert.equal(env.xhrs.length, 1);
  assert.deepEqual(plain(log), [{ type: 'close', code: 1006, reason: '', wasClean: false, willReconnect: false }]);
});

test('reconnect: true — close event says so, readyState goes back to CONNECTING, a fresh session opens', () => {
  const { SockJS, env } = load({ random: () => 0 });
  const { sock, ws } = openWebSocket(SockJS, env, 'http://localhost:8080/echo', { reconnect: true });
  const log = record(sock);
  let stateInHandler;
  sock.onclose = () => { stateInHandler = sock.readyState; };
  const got = [];
  sock.onmessage = (e) => got.push(e.data);

  assert.equal(breakConnection(env, ws), 1000, 'first delay: minDelay (jitter took nothing off)');
  assert.equal(stateInHandler, SockJS.CONNECTING);
  assert.equal(sock.readyState, SockJS.CONNECTING);
  assert.deepEqual(plain(log), [{ type: 'close', code: 1006, reason: '', wasClean: false, willReconnect: true }]);
  assert.throws(() => sock.send('x'), /InvalidStateError/);

  env.clock.tick(999);
  assert.equal(env.xhrs.length, 1);
  env.clock.tick(1);
  env.info();
  const ws2 = env.sockets[1];
  assert.notEqual(ws2.url, ws.url, 'new session id');
  ws2.accept();
  ws2.receive('o');
  assert.equal(sock.readyState, SockJS.OPEN);
  ws2.receive('a["back"]');
  sock.send('again');
  assert.deepEqual(ws2.sent, ['["again"]']);
  assert.deepEqual(got, ['back']);
  assert.deepEqual(plain(log).map((e) => e.type), ['close', 'open', 'message']);
  assert.equal(typeof sock.onmessage, 'function', 'handlers survive a reconnection');
});

test('delays grow by factor up to maxDelay, jitter takes up to its share off, open resets the count', () => {
  let r = 0;
  const { SockJS, env } = load({ random: () => r });
  const sock = new SockJS('http://localhost:8080/echo', null, {
    transports: 'websocket',
    reconnect: { minDelay: 100, maxDelay: 1000, factor: 3, jitter: 0.5 }
  });
  const delays = [];
  for (let i = 0; i < 5; i++) {
    r = i === 2 ? 1 : 0; // the third delay gets the full jitter
    env.xhr('/info').respond(503);
    env.clock.tick(0);
    delays.push(env.clock.pending()[0]);
    env.clock.tick(delays[i]);
  }
  assert.deepEqual(delays, [100, 300, 450, 1000, 1000]);
  env.info();
  env.sockets[0].accept();
  env.sockets[0].receive('o');
  r = 0;
  assert.equal(breakConnection(env, env.sockets[0]), 100, 'back to minDelay after a successful open');
  assert.equal(sock.readyState, SockJS.CONNECTING);
});

test('default jitter is half the delay, drawn from Math.random', () => {
  const { SockJS, env } = load({ random: () => 0.5 });
  const { ws } = openWebSocket(SockJS, env, 'http://localhost:8080/echo', { reconnect: true });
  assert.equal(breakConnection(env, ws), 750);
});

test('retries limits the attempts after a loss', () => {
  const { SockJS, env } = load({ random: () => 0 });
  const { sock, ws } = openWebSocket(SockJS, env, 'http://localhost:8080/echo', { reconnect: { retries: 2 } });
  const log = record(sock);
  env.clock.tick(breakConnection(env, ws));
  env.xhr('/info').respond(0);
  env.clock.tick(0);
  env.clock.tick(env.clock.pending()[0]);
  env.xhr('/info').respond(0);
  env.clock.tick(0);
  assert.deepEqual(env.clock.pending(), []);
  assert.equal(sock.readyState, SockJS.CLOSED);
  assert.deepEqual(plain(log).filter((e) => e.type === 'close').map((e) => [e.code, e.willReconnect]),
    [[1006, true], [1002, true], [1002, false]]);
});

test('close() during the wait cancels the reconnection', () => {
  const { SockJS, env } = load();
  const { sock, ws } = openWebSocket(SockJS, env, 'http://localhost:8080/echo', { reconnect: true });
  const log = record(sock);
  breakConnection(env, ws);
  sock.close();
  env.clock.tick(0);
  env.clock.tick(600000);
  assert.equal(env.xhrs.length, 1);
  assert.equal(sock.readyState, SockJS.CLOSED);
  assert.deepEqual(plain(log).map((e) => [e.code, e.willReconnect]), [[1006, true], [1000, false]]);
});

test('close() while CLOSING (before the close event) means no reconnection either', () => {
  const { SockJS, env } = load();
  const { sock, ws } = openWebSocket(SockJS, env, 'http://localhost:8080/echo', { reconnect: true });
  const log = record(sock);
  ws.drop(1006, '');
  assert.equal(sock.readyState, SockJS.CLOSING);
  sock.close();
  env.clock.tick(0);
  assert.deepEqual(plain(log).map((e) => [e.code, e.willReconnect]), [[1006, false]]);
  assert.deepEqual(env.clock.pending(), []);
  assert.equal(sock.readyState, SockJS.CLOSED);
});

test('close() inside the close handler cancels it too', () => {
  const { SockJS, env } = load();
  const { sock, ws } = openWebSocket(SockJS, env, 'http://localhost:8080/echo', { reconnect: true });
  sock.onclose = (e) => { if (e.willReconnect) sock.close(); };
  breakConnection(env, ws);
  env.clock.tick(600000);
  assert.equal(env.xhrs.length, 1);
  assert.equal(sock.readyState, SockJS.CLOSED);
});

test('application close codes (1000, 3000-4999) and close() do not reconnect by default', () => {
  for (const frame of ['c[3000,"Go away!"]', 'c[1000,"bye"]', 'c[4999,"x"]']) {
    const { SockJS, env } = load();
    const { sock, ws } = openWebSocket(SockJS, env, 'http://localhost:8080/echo', { reconnect: true });
    const log = record(sock);
    ws.receive(frame);
    env.clock.tick(0);
    assert.equal(log[0].willReconnect, false, frame);
    assert.deepEqual(env.clock.pending(), []);
  }
  const { SockJS, env } = load();
  const { sock } = openWebSocket(SockJS, env, 'http://localhost:8080/echo', { reconnect: true });
  sock.close();
  env.clock.tick(0);
  assert.deepEqual(env.clock.pending(), []);
});

test('server-side failures reconnect: 2000, 1002, 1006 "Server lost session", 2010', () => {
  const { SockJS, env } = load({ random: () => 0 });
  const { sock, ws } = openWebSocket(SockJS, env, 'http://localhost:8080/echo', { reconnect: true, transports: 'websocket' });
  const log = record(sock);
  ws.receive('c[2010,"Another connection still open"]');
  env.clock.tick(0);
  env.clock.tick(env.clock.pending()[0]);
  env.info();
  env.sockets[1].fail(); // all transports failed
  env.clock.tick(0);
  assert.deepEqual(plain(log).map((e) => [e.code, e.willReconnect]), [[2010, true], [2000, true]]);
});

test('shouldReconnect decides', () => {
  const seen = [];
  const { SockJS, env } = load();
  const { ws } = openWebSocket(SockJS, env, 'http://localhost:8080/echo', {
    reconnect: { shouldReconnect: (e) => { seen.push(e.code); return e.code === 3000; } }
  });
  ws.receive('c[3000,"Go away!"]');
  env.clock.tick(0);
  assert.deepEqual(seen, [3000]);
  assert.equal(env.clock.pending().length, 1);
});

test('query: added to every request, function called per request', () => {
  let n = 0;
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo?app=1', null, {
    transports: ['websocket', 'xhr-streaming'],
    query: () => ({ token: 'tok' + ++n, skip: null, 'sp ace': 'a&b' })
  });
  const info = env.xhrs[0];
  assert.equal(info.query.get('app'), '1');
  assert.equal(info.query.get('token'), 'tok1');
  assert.equal(info.query.get('sp ace'), 'a&b');
  assert.equal(info.query.has('skip'), false);
  env.info();
  const ws = new URL(env.sockets[0].url);
  assert.equal(ws.searchParams.get('token'), 'tok2');
  assert.equal(ws.searchParams.get('app'), '1');
  env.sockets[0].fail();
  const stream = env.xhr('/xhr_streaming');
  assert.equal(stream.query.get('token'), 'tok3');
  stream.chunk('o\n');
  sock.send('x');
  assert.equal(env.xhr('/xhr_send').query.get('token'), 'tok4');
});

test('query: a plain object works too, and reaches jsonp requests', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo', null, { transports: 'jsonp-polling', query: { token: 'abc' } });
  assert.equal(env.xhrs[0].query.get('token'), 'abc');
  env.info();
  const s = new URL(env.script().src);
  assert.equal(s.searchParams.get('token'), 'abc');
  assert.ok(s.searchParams.get('c'));
  env.jsonp(env.script(), 'o');
  sock.send('x');
  assert.equal(new URL(env.posts[0].action).searchParams.get('token'), 'abc');
});

test('heartbeatTimeout: off by default', () => {
  const { SockJS, env } = load();
  const { sock } = openWebSocket(SockJS, env);
  assert.deepEqual(env.clock.pending(), []);
  env.clock.tick(3600000);
  assert.equal(sock.readyState, SockJS.OPEN);
});

test('heartbeatTimeout: any frame keeps the connection alive; silence closes it with 1006, then reconnects', () => {
  const { SockJS, env } = load({ random: () => 0 });
  const { sock, ws } = openWebSocket(SockJS, env, 'http://localhost:8080/echo', { heartbeatTimeout: 60000, reconnect: true });
  const log = record(sock);
  env.clock.tick(59999);
  ws.receive('h');
  env.clock.tick(59999);
  ws.receive('a["still here"]');
  env.clock.tick(59999);
  assert.equal(sock.readyState, SockJS.OPEN);
  env.clock.tick(1);
  assert.equal(ws.closed, true, 'the silent WebSocket is closed');
  env.clock.tick(0);
  assert.deepEqual(plain(log), [
    { type: 'heartbeat' },
    { type: 'message', data: 'still here' },
    { type: 'close', code: 1006, reason: 'Heartbeat timeout', wasClean: false, willReconnect: true }
  ]);
  assert.deepEqual(env.clock.pending(), [1000], 'only the reconnection timer is left');
});

test('heartbeatTimeout: no timer survives a close', () => {
  const { SockJS, env } = load();
  const { sock } = openWebSocket(SockJS, env, 'http://localhost:8080/echo', { heartbeatTimeout: 1000 });
  sock.close();
  env.clock.tick(0);
  assert.deepEqual(env.clock.pending(), []);
});
