// Refusals the server explains (status and text) end the connection with a
// close code and that text, instead of trying every transport or retrying;
// transports that failed to open are reported to the server with the next
// one; a server that restarts (1012) is a drop like any other.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load, record } from './support/env.mjs';

const plain = (v) => JSON.parse(JSON.stringify(v));
const query = (url) => Object.fromEntries(new URL(url, 'http://localhost:8080').searchParams);
const close = (code, reason) => ({ type: 'close', code, reason, wasClean: false, willReconnect: false });

test('/info refused with 403: close 1008 with the server\'s text', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo');
  const log = record(sock);
  env.xhr('/info').respond(403, 'Origin not allowed.');
  env.clock.tick(0);
  assert.deepEqual(plain(log).filter((e) => e.type === 'close'), [close(1008, 'Origin not allowed.')]);
});

test('/info answered 503: close 1013 (try again later)', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo');
  const log = record(sock);
  env.xhr('/info').respond(503, 'Too many sessions.');
  env.clock.tick(0);
  assert.deepEqual(plain(log).filter((e) => e.type === 'close'), [close(1013, 'Too many sessions.')]);
});

test('/info that fails without a reason still says 1002 "Cannot connect to server"', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo');
  const log = record(sock);
  env.xhr('/info').respond(0, '');
  env.clock.tick(0);
  assert.deepEqual(plain(log).filter((e) => e.type === 'close'), [close(1002, 'Cannot connect to server')]);
});

for (const [transport, path] of [['xhr-streaming', '/xhr_streaming'], ['xhr-polling', '/xhr']]) {
  test(`${transport}: a session refused with 401 closes with 1008 and the reason, no other transport tried`, () => {
    const { SockJS, env } = load();
    const sock = new SockJS('http://localhost:8080/echo', null, { transports: [transport, 'jsonp-polling'] });
    const log = record(sock);
    env.info();
    env.xhr(path).respond(401, 'Log in first.');
    env.clock.tick(0);
    assert.deepEqual(plain(log).filter((e) => e.type === 'close'), [close(1008, 'Log in first.')]);
    assert.equal(env.scripts.length, 0, 'jsonp-polling was not tried');
  });
}

// Refused for who the client is (1008) or for the size of its request (1009,
// here its headers): the same request would be refused again.
for (const [status, text, code, name] of [
  [403, 'Not for you.', 1008, 'a refusal is not retried by the reconnect option'],
  [431, 'Request headers too large.', 1009, 'a session refused as too big (431, close 1009) is not retried by the reconnect option either'],
]) {
  test(name, () => {
    const { SockJS, env } = load();
    const sock = new SockJS('http://localhost:8080/echo', null, { transports: 'xhr-polling', reconnect: true });
    const log = record(sock);
    env.info();
    env.xhr('/xhr').respond(status, text);
    env.clock.tick(60000);
    assert.deepEqual(plain(log).filter((e) => e.type === 'close'), [close(code, text)]);
    assert.equal(env.xhrs.filter((x) => x.path.endsWith('/info')).length, 1, 'no second /info');
  });
}

test('a send refused as too large (413) closes with 1009 and the reason', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo', null, { transports: 'xhr-polling' });
  const log = record(sock);
  env.info();
  env.xhr('/xhr').respond(200, 'o\n');
  sock.send('x'.repeat(10));
  env.xhr('/xhr_send').respond(413, 'Payload too large: the limit is 262144 bytes.');
  env.clock.tick(0);
  assert.deepEqual(plain(log).filter((e) => e.type === 'close'), [close(1009, 'Payload too large: the limit is 262144 bytes.')]);
});

// A session keeps a bounded part of its opening request: one over it is
// refused as too big (431 by its headers, 414 when the query takes it over).
const TOO_BIG = [
  [414, 'Request URL too long: a session keeps at most 16384 bytes of its opening request.'],
  [431, 'Request headers too large: a session keeps at most 16384 bytes of its opening request.']
];
for (const [status, text] of TOO_BIG) {
  for (const [transport, path] of [['xhr-streaming', '/xhr_streaming'], ['xhr-polling', '/xhr']]) {
    test(`${transport}: a session refused with ${status} closes with 1009 (too big) and the reason, no other transport tried`, () => {
      const { SockJS, env } = load();
      const sock = new SockJS('http://localhost:8080/echo', null, { transports: [transport, 'jsonp-polling'] });
      const log = record(sock);
      env.info();
      env.xhr(path).respond(status, text);
      env.clock.tick(0);
      assert.deepEqual(plain(log).filter((e) => e.type === 'close'), [close(1009, text)]);
      assert.equal(env.scripts.length, 0, 'jsonp-polling was not tried');
    });
  }

  test(`websocket first: its failure is not a refusal; the next transport reads the ${status} and closes with 1009`, () => {
    const { SockJS, env } = load();
    const sock = new SockJS('http://localhost:8080/echo', null, { transports: ['websocket', 'xhr-polling', 'jsonp-polling'] });
    const log = record(sock);
    env.info();
    env.sockets[0].drop(1006, '');
    env.clock.tick(0);
    env.xhr('/xhr').respond(status, text);
    env.clock.tick(0);
    assert.deepEqual(plain(log).filter((e) => e.type === 'close'), [close(1009, text)]);
    assert.equal(env.scripts.length, 0, 'jsonp-polling was not tried');
  });
}

test('transports that failed to open are named, with their close codes, on the next one\'s first request', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo', null, { transports: ['websocket', 'xhr-streaming', 'xhr-polling'] });
  env.info();
  env.sockets[0].drop(1006, '');
  env.clock.tick(0);
  env.xhr('/xhr_streaming').respond(500, '');
  env.clock.tick(0);
  const poll = env.xhr('/xhr');
  assert.equal(poll.query.get('fallback'), 'websocket.1006,xhr-streaming.1006');
  poll.respond(200, 'o\n');
  assert.equal(sock.transport, 'xhr-polling');
  assert.equal(env.xhr('/xhr').query.get('fallback'), null, 'only until open');
});

test('a timed-out transport is reported as 2007', () => {
  const { SockJS, env } = load();
  new SockJS('http://localhost:8080/echo', null, { transports: ['xhr-streaming', 'xhr-polling'], timeout: 1000 });
  env.info();
  env.clock.tick(1000);
  assert.equal(env.xhr('/xhr').query.get('fallback'), 'xhr-streaming.2007');
});

test('plain SockJS: c[1012] closes with 1012, and the reconnect option opens a new session', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo', null, { transports: 'websocket', reconnect: { minDelay: 10, jitter: 0 } });
  const closes = [];
  sock.onclose = (e) => closes.push([e.code, e.reason, e.willReconnect]);
  env.info();
  env.sockets[0].accept();
  env.sockets[0].receive('o');
  env.sockets[0].receive('c[1012,"Server restarting"]');
  env.clock.tick(0);
  assert.deepEqual(closes, [[1012, 'Server restarting', true]]);
  env.clock.tick(10);
  assert.equal(env.xhrs.filter((x) => x.path.endsWith('/info')).length, 2);
  assert.equal(sock.readyState, SockJS.CONNECTING);
});

test('resumable: c[1012] is a drop: reconnecting, and the session is resumed where it lives on', () => {
  const RESUME = { version: 1, window_ms: 10000, heartbeat_ms: 5000, timeout_ms: 15000, ack_ms: 200, window_messages: 1024, window_bytes: 1 << 20 };
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo', null, { transports: 'websocket' });
  const log = record(sock);
  env.info({ websocket: true, resume: RESUME });
  const ws = env.sockets[0];
  ws.accept();
  ws.receive('o');
  ws.receive('x{"token":"T"}');
  ws.receive('q[0,"m1"]');
  ws.receive('c[1012,"Server restarting"]');
  assert.equal(sock.readyState, SockJS.OPEN);
  env.clock.tick(0);
  const ws2 = env.sockets[1];
  assert.deepEqual(query(ws2.url), { resume: 'T', ack: '1' });
  ws2.accept();
  ws2.receive('x{"resumed":true,"in":0}');
  ws2.receive('q[0,"m2"]');
  assert.deepEqual(plain(log).map((e) => e.type + (e.data ? ' ' + e.data : '')), ['open', 'message m1', 'reconnecting', 'resumed', 'message m2']);
});
