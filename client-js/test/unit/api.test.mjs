// The WebSocket-shaped API: constructor checks, readyState, send/close rules, close codes, events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load, openWebSocket, record } from './support/env.mjs';

const plain = (v) => JSON.parse(JSON.stringify(v));

/** Runs `f` and returns the error it throws, which must be an `name` error whose message matches `re`. */
function throwsIn(ctxError, f, re) {
  let err;
  try {
    f();
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'expected a throw');
  assert.equal(err.constructor.name, ctxError);
  assert.match(err.message, re);
}

test('readyState constants on the class and on instances', () => {
  const { SockJS, env } = load();
  assert.deepEqual([SockJS.CONNECTING, SockJS.OPEN, SockJS.CLOSING, SockJS.CLOSED], [0, 1, 2, 3]);
  const sock = new SockJS('http://localhost:8080/echo');
  assert.deepEqual([sock.CONNECTING, sock.OPEN, sock.CLOSING, sock.CLOSED], [0, 1, 2, 3]);
  assert.equal(sock.readyState, 0);
  assert.equal(sock.protocol, '');
  assert.equal(sock.extensions, '');
  assert.equal(sock.transport, null);
  env.info();
  env.sockets[0].accept();
  env.sockets[0].receive('o');
  assert.equal(sock.readyState, 1);
  assert.equal(sock.transport, 'websocket');
});

test('constructor argument checks, as sockjs-client', () => {
  const { SockJS } = load({ href: 'https://secure.example/' });
  throwsIn('TypeError', () => new SockJS(), /1 argument required/);
  throwsIn('SyntaxError', () => new SockJS('http://'), /The URL 'http:\/\/' is invalid/);
  throwsIn('SyntaxError', () => new SockJS('https://h/echo#frag'), /must not contain a fragment/);
  throwsIn('SyntaxError', () => new SockJS('ftp://h/echo'), /scheme must be either 'http:' or 'https:'. 'ftp:' is not allowed/);
  throwsIn('SyntaxError', () => new SockJS('ws://h/echo'), /'ws:' is not allowed/);
  throwsIn('Error', () => new SockJS('http://h.example/echo'), /SecurityError: An insecure SockJS connection/);
  for (const ok of ['http://localhost:1/echo', 'http://127.0.0.1/echo', 'http://[::1]:80/echo']) new SockJS(ok);
  throwsIn('SyntaxError', () => new SockJS('https://h/echo', ['a', '']), /The protocols entry '' is invalid/);
  throwsIn('SyntaxError', () => new SockJS('https://h/echo', ['b', 'a', 'b']), /The protocols entry 'b' is duplicated/);
  throwsIn('TypeError', () => new SockJS('https://h/echo', null, { sessionId: 'x' }), /needs to be a number or a function/);
  const protocols = ['b', 'a'];
  new SockJS('https://h/echo', protocols);
  assert.deepEqual(protocols, ['b', 'a'], 'the caller\'s array is left alone');
  new SockJS('https://h/echo', 'single');
});

test('send while connecting throws; after close it is ignored', () => {
  const { SockJS, env } = load();
  const { sock, ws } = (() => {
    const s = new SockJS('http://localhost:8080/echo');
    throwsIn('Error', () => s.send('x'), /InvalidStateError: The connection has not been established yet/);
    env.info();
    env.sockets[0].accept();
    env.sockets[0].receive('o');
    return { sock: s, ws: env.sockets[0] };
  })();
  sock.close();
  sock.send('ignored');
  env.clock.tick(0);
  sock.send('ignored too');
  assert.deepEqual(ws.sent, []);
});

test('close() code and reason checks, as sockjs-client', () => {
  const { SockJS, env } = load();
  const { sock } = openWebSocket(SockJS, env);
  for (const code of [1, 999, 1001, 1006, 2000, 2999, 5000]) {
    throwsIn('Error', () => sock.close(code), /InvalidAccessError: Invalid code/);
  }
  throwsIn('SyntaxError', () => sock.close(1000, 'x'.repeat(124)), /reason argument has an invalid length/);
  assert.equal(sock.readyState, SockJS.OPEN);
  sock.close(4999, 'x'.repeat(123));
  assert.equal(sock.readyState, SockJS.CLOSING);
});

test('close(): CLOSING at once, then CLOSED and a clean close event; the transport is closed', () => {
  const { SockJS, env } = load();
  const { sock, ws } = openWebSocket(SockJS, env);
  const log = record(sock);
  let closeState;
  sock.onclose = () => { closeState = sock.readyState; };
  sock.close(3001, 'done');
  assert.equal(sock.readyState, SockJS.CLOSING);
  assert.equal(ws.closed, true);
  assert.equal(sock.transport, null);
  sock.close(); // ignored while closing
  env.clock.tick(0);
  assert.equal(closeState, SockJS.CLOSED);
  assert.deepEqual(plain(log), [{ type: 'close', code: 3001, reason: 'done', wasClean: true, willReconnect: false }]);
  assert.equal(sock.onclose, null, 'handlers are dropped after the final close, as sockjs-client does');
  sock.close(); // ignored once closed
  env.clock.tick(0);
  assert.equal(log.length, 1);
});

test('close() without arguments: 1000 "Normal closure"', () => {
  const { SockJS, env } = load();
  const { sock } = openWebSocket(SockJS, env);
  const log = record(sock);
  sock.close();
  env.clock.tick(0);
  assert.deepEqual(plain(log), [{ type: 'close', code: 1000, reason: 'Normal closure', wasClean: true, willReconnect: false }]);
});

test('close() while a transport is connecting stops it', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo');
  env.info();
  sock.close();
  assert.equal(env.sockets[0].closed, true);
  env.clock.tick(10000);
  assert.equal(env.xhrs.length, 1, 'no fallback after close()');
  assert.equal(sock.readyState, SockJS.CLOSED);
});

test('the connection breaking after open: close with the WebSocket code, not clean', () => {
  const { SockJS, env } = load();
  const { sock, ws } = openWebSocket(SockJS, env);
  const log = record(sock);
  ws.drop(1006, '');
  env.clock.tick(0);
  assert.deepEqual(plain(log), [{ type: 'close', code: 1006, reason: '', wasClean: false, willReconnect: false }]);
});

test('a WebSocket error after open: 1006 "WebSocket connection broken"', () => {
  const { SockJS, env } = load();
  const { sock, ws } = openWebSocket(SockJS, env);
  const log = record(sock);
  ws.fail();
  env.clock.tick(0);
  assert.deepEqual(plain(log), [{ type: 'close', code: 1006, reason: 'WebSocket connection broken', wasClean: false, willReconnect: false }]);
});

test('a WebSocket constructor that throws counts as a failed attempt, reported later', () => {
  const { SockJS, env } = load();
  env.ctx.WebSocket = function () { throw new Error('SecurityError: port blocked'); };
  const sock = new SockJS('http://localhost:8080/echo');
  env.info();
  assert.throws(() => env.xhr('/xhr_streaming'));
  env.clock.tick(0);
  env.xhr('/xhr_streaming').chunk('o\n');
  assert.equal(sock.transport, 'xhr-streaming');
});

test('on* handlers run before listeners; removeEventListener; duplicates added once', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo');
  const order = [];
  const a = () => order.push('a');
  const b = function (e) {
    order.push('b');
    assert.equal(this, sock);
    assert.equal(e.target, sock);
  };
  sock.addEventListener('open', a);
  sock.addEventListener('open', a);
  sock.addEventListener('open', b);
  sock.onopen = () => order.push('on');
  sock.addEventListener('message', a);
  sock.removeEventListener('message', a);
  sock.removeEventListener('close', a);
  env.info();
  env.sockets[0].accept();
  env.sockets[0].receive('o');
  env.sockets[0].receive('a["x"]');
  assert.deepEqual(order, ['on', 'a', 'b']);
});

test('a listener that throws does not stop the others or the connection; the error is rethrown later', () => {
  const { SockJS, env } = load();
  const { sock, ws } = openWebSocket(SockJS, env);
  const got = [];
  sock.onmessage = () => { throw new Error('app bug'); };
  sock.addEventListener('message', (e) => got.push(e.data));
  ws.receive('a["1","2"]');
  assert.deepEqual(got, ['1', '2']);
  assert.throws(() => env.clock.tick(0), /app bug/);
  assert.throws(() => env.clock.tick(0), /app bug/);
  env.clock.tick(0);
  sock.send('still works');
  assert.deepEqual(ws.sent, ['["still works"]']);
});

test('dispatchEvent is public, WebSocket style', () => {
  const { SockJS } = load();
  const sock = new SockJS('http://localhost:8080/echo');
  let seen;
  sock.addEventListener('custom', (e) => { seen = e; });
  assert.equal(sock.dispatchEvent({ type: 'custom', x: 1 }), true);
  assert.equal(seen.x, 1);
});
