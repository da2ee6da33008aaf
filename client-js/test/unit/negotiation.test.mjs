// /info, the order transports are tried in, how long each gets, and fallback.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load, record } from './support/env.mjs';

const plain = (v) => JSON.parse(JSON.stringify(v));

/** Fails whatever transport is being tried now; returns its name. */
function failCurrent(env) {
  const ws = env.sockets.find((s) => !s.closed && s.readyState === 0 && s.onclose);
  if (ws) {
    ws.fail();
    return 'websocket';
  }
  const es = env.eventSources.find((e) => !e.closed);
  if (es) {
    es.error(2);
    return 'eventsource';
  }
  const x = env.xhrs.find((r) => !r.done && /\/(xhr_streaming|xhr)$/.test(r.path));
  if (x) {
    x.respond(404, '');
    return x.path.endsWith('/xhr') ? 'xhr-polling' : 'xhr-streaming';
  }
  const s = env.scripts.find((sc) => sc.parentNode);
  if (s) {
    s.onerror();
    return 'jsonp-polling';
  }
  throw new Error('no transport is being tried');
}

function attempts(env, n) {
  const names = [];
  for (let i = 0; i < n; i++) names.push(failCurrent(env));
  return names;
}

test('asks <url>/info first, with a cache buster, keeping the query and dropping trailing slashes', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://LocalHost:8080/echo//?x=1');
  assert.equal(sock.url, 'http://localhost:8080/echo?x=1');
  assert.equal(env.xhrs.length, 1);
  const x = env.xhrs[0];
  assert.equal(x.method, 'GET');
  assert.equal(x.path, '/echo/info');
  assert.equal(x.query.get('x'), '1');
  assert.equal(x.query.get('t'), String(env.clock.now));
  assert.equal(x.withCredentials, true);
  assert.equal(sock.readyState, SockJS.CONNECTING);
  assert.equal(env.sockets.length, 0, 'no transport before /info answers');
});

test('relative URLs are resolved against the page', () => {
  const { SockJS } = load({ href: 'https://example.com/app/page.html?q#h' });
  assert.equal(new SockJS('/echo').url, 'https://example.com/echo');
  assert.equal(new SockJS('echo/').url, 'https://example.com/app/echo');
  assert.equal(new SockJS('//other.org/sock').url, 'https://other.org/sock');
});

test('default order: websocket, xhr-streaming, eventsource, xhr-polling, jsonp-polling', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo');
  const log = record(sock);
  env.info();
  assert.deepEqual(attempts(env, 5), ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling', 'jsonp-polling']);
  assert.equal(sock.readyState, SockJS.CLOSING);
  env.clock.tick(0);
  assert.deepEqual(plain(log), [{ type: 'close', code: 2000, reason: 'All transports failed', wasClean: false, willReconnect: false }]);
});

test('each attempt gets a new session id under the same server id', () => {
  const { SockJS, env } = load();
  new SockJS('http://localhost:8080/echo');
  env.info();
  failCurrent(env);
  const ws = env.sockets[0].url.match(/\/echo\/(\d{3})\/([a-z0-5]{8})\/websocket$/);
  const xs = env.xhr('/xhr_streaming').path.match(/\/echo\/(\d{3})\/([a-z0-5]{8})\/xhr_streaming$/);
  assert.ok(ws && xs);
  assert.equal(ws[1], xs[1]);
  assert.notEqual(ws[2], xs[2]);
});

test('options.transports is an allow-list and an order; unknown names are ignored', () => {
  const { SockJS, env } = load();
  new SockJS('http://localhost:8080/echo', null, { transports: ['xhr-polling', 'iframe-eventsource', 'websocket'] });
  env.info();
  assert.deepEqual(attempts(env, 2), ['xhr-polling', 'websocket']);
});

test('a single transport name may be a string', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo', [], { transports: 'eventsource' });
  env.info();
  assert.deepEqual(attempts(env, 1), ['eventsource']);
  env.clock.tick(0);
  assert.equal(sock.readyState, SockJS.CLOSED);
});

test('websocket is skipped when /info says websocket: false', () => {
  const { SockJS, env } = load();
  new SockJS('http://localhost:8080/echo');
  env.info({ websocket: false, cookie_needed: false, origins: ['*:*'], entropy: 5 });
  assert.equal(failCurrent(env), 'xhr-streaming');
  assert.equal(env.sockets.length, 0);
});

test('transports the browser lacks are skipped', () => {
  const { SockJS, env } = load({ without: ['WebSocket', 'EventSource'] });
  new SockJS('http://localhost:8080/echo');
  env.info();
  assert.deepEqual(attempts(env, 3), ['xhr-streaming', 'xhr-polling', 'jsonp-polling']);
});

test('cross-origin without CORS XHR: no /info request, only jsonp-polling (and websocket)', () => {
  const { SockJS, env } = load({ without: ['cors'], href: 'http://page.example/' });
  const sock = new SockJS('http://localhost:8080/echo');
  assert.equal(env.xhrs.filter((x) => x.sent).length, 0, 'no request sent');
  env.clock.tick(0);
  assert.deepEqual(attempts(env, 2), ['websocket', 'jsonp-polling']);
  env.clock.tick(0);
  assert.equal(sock.readyState, SockJS.CLOSED);
});

test('same origin without CORS XHR still uses the XHR transports', () => {
  const { SockJS, env } = load({ without: ['cors', 'WebSocket'], href: 'http://localhost:8080/page' });
  new SockJS('http://localhost:8080/echo');
  env.info();
  assert.equal(failCurrent(env), 'xhr-streaming');
});

test('info.base_url moves the transports elsewhere', () => {
  const { SockJS, env } = load();
  new SockJS('http://localhost:8080/echo');
  env.info({ websocket: true, base_url: 'http://node2.example:9999/echo' });
  assert.match(env.sockets[0].url, /^ws:\/\/node2\.example:9999\/echo\/\d{3}\/[a-z0-5]{8}\/websocket$/);
});

test('https becomes wss; options.server and options.sessionId shape the URL', () => {
  const { SockJS, env } = load({ href: 'https://example.com/' });
  let n = 0;
  new SockJS('https://example.com/sock', null, { server: 'srv', sessionId: () => 'sess' + ++n });
  env.info();
  assert.equal(env.sockets[0].url, 'wss://example.com/sock/srv/sess1/websocket');
  failCurrent(env);
  assert.equal(env.xhr('/xhr_streaming').path, '/sock/srv/sess2/xhr_streaming');
});

test('sessionId as a number sets the length', () => {
  const { SockJS, env } = load();
  new SockJS('http://localhost:8080/echo', null, { sessionId: 20 });
  env.info();
  assert.match(env.sockets[0].url, /\/echo\/\d{3}\/[a-z0-5]{20}\/websocket$/);
});

test('the transport timeout comes from the measured round trip', () => {
  // rtt <= 100: rto = 300 + rtt; websocket needs 2 round trips
  for (const [rtt, expected] of [[10, 620], [100, 800], [150, 1200], [1000, 8000]]) {
    const { SockJS, env } = load();
    new SockJS('http://localhost:8080/echo');
    env.info(undefined, rtt);
    assert.deepEqual(env.clock.pending(), [expected], `rtt ${rtt}`);
  }
});

test('jsonp-polling needs one round trip; options.timeout is a floor', () => {
  let { SockJS, env } = load();
  new SockJS('http://localhost:8080/echo', null, { transports: 'jsonp-polling' });
  env.info(undefined, 10);
  assert.deepEqual(env.clock.pending(), [310, 35000]);
  ({ SockJS, env } = load());
  new SockJS('http://localhost:8080/echo', null, { timeout: 3000 });
  env.info(undefined, 10);
  assert.deepEqual(env.clock.pending(), [3000]);
});

test('without a round trip (no /info), each transport gets 5 s', () => {
  const { SockJS, env } = load({ without: ['cors'], href: 'http://page.example/' });
  new SockJS('http://localhost:8080/echo');
  env.clock.tick(0);
  assert.deepEqual(env.clock.pending(), [5000]);
});

test('a transport that does not open in time is closed and the next one tried (2007 is not reported)', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo');
  const log = record(sock);
  env.info(undefined, 10);
  const ws = env.sockets[0];
  env.clock.tick(619);
  assert.equal(ws.closed, false);
  env.clock.tick(1);
  assert.equal(ws.closed, true, 'the timed-out WebSocket is closed');
  const x = env.xhr('/xhr_streaming');
  ws.receive && ws.onmessage({ data: 'o' }); // late frames from the abandoned transport are ignored
  assert.equal(sock.readyState, SockJS.CONNECTING);
  x.chunk('o\n');
  assert.equal(sock.readyState, SockJS.OPEN);
  assert.equal(sock.transport, 'xhr-streaming');
  assert.deepEqual(plain(log), [{ type: 'open' }]);
});

test('the last transport timing out ends with 2000: 2007 only moves on to the next, as in sockjs-client', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo', null, { transports: ['websocket'] });
  const log = record(sock);
  env.info(undefined, 10);
  env.clock.tick(620);
  env.clock.tick(0);
  assert.deepEqual(plain(log), [{ type: 'close', code: 2000, reason: 'All transports failed', wasClean: false, willReconnect: false }]);
});

test('the timer stops once open', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo');
  env.info(undefined, 10);
  env.sockets[0].accept();
  env.sockets[0].receive('o');
  assert.deepEqual(env.clock.pending(), []);
  env.clock.tick(60000);
  assert.equal(sock.readyState, SockJS.OPEN);
});

test('a close frame with an application code while connecting does not fall back', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo');
  const log = record(sock);
  env.info();
  env.sockets[0].accept();
  env.sockets[0].receive('c[3000,"Go away!"]');
  env.clock.tick(0);
  assert.deepEqual(plain(log), [{ type: 'close', code: 3000, reason: 'Go away!', wasClean: true, willReconnect: false }]);
  assert.equal(env.xhrs.length, 1, 'no other transport tried');
});

test('a WebSocket closed with 1000 before the open frame ends the attempt (like sockjs-client)', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo');
  const log = record(sock);
  env.info();
  env.sockets[0].drop(1000, 'bye');
  env.clock.tick(0);
  assert.deepEqual(plain(log), [{ type: 'close', code: 1000, reason: 'bye', wasClean: false, willReconnect: false }]);
});

test('/info failing closes with 1002 after an error event', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo');
  const log = record(sock);
  env.xhr('/info').respond(500, 'oops');
  env.clock.tick(0);
  assert.deepEqual(plain(log), [{ type: 'close', code: 1002, reason: 'Cannot connect to server', wasClean: false, willReconnect: false }]);
  // the error event only comes when close() interrupts /info; here /info had answered
});

test('close() while /info is pending gives an error event, then close', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo');
  const log = record(sock);
  sock.close();
  assert.equal(env.xhrs[0].aborted, true);
  env.clock.tick(0);
  assert.deepEqual(plain(log), [{ type: 'error' }, { type: 'close', code: 1000, reason: 'Normal closure', wasClean: true, willReconnect: false }]);
});

test('/info times out after 8 s', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo');
  const log = record(sock);
  env.clock.tick(7999);
  assert.equal(log.length, 0);
  env.clock.tick(1);
  assert.equal(env.xhrs[0].aborted, true);
  env.clock.tick(0);
  assert.deepEqual(plain(log), [{ type: 'close', code: 1002, reason: 'Cannot connect to server', wasClean: false, willReconnect: false }]);
});

test('/info answering something that is not JSON still proceeds', () => {
  const { SockJS, env } = load();
  new SockJS('http://localhost:8080/echo');
  env.info('not json');
  assert.equal(env.sockets.length, 1);
});

test('xhr-streaming and jsonp-polling wait for the page to load', () => {
  const { SockJS, env } = load({ without: ['WebSocket'] });
  env.ctx.document.readyState = 'loading';
  const sock = new SockJS('http://localhost:8080/echo');
  env.info();
  assert.equal(env.xhrs.length, 1, 'nothing started before load');
  assert.deepEqual(env.clock.pending(), []);
  env.ctx.document.readyState = 'complete';
  env.fireLoad();
  env.xhr('/xhr_streaming').chunk('o\n');
  assert.equal(sock.transport, 'xhr-streaming');
});

test('the open frame arriving twice means the server lost the session: 1006', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo', null, { transports: 'xhr-streaming' });
  const log = record(sock);
  env.info();
  const x = env.xhr('/xhr_streaming');
  x.chunk('o\n');
  x.end();
  env.xhr('/xhr_streaming').chunk('o\n');
  env.clock.tick(0);
  assert.deepEqual(plain(log), [{ type: 'open' }, { type: 'close', code: 1006, reason: 'Server lost session', wasClean: false, willReconnect: false }]);
});

test('session ids come from crypto.getRandomValues, or Math.random without it', () => {
  let { SockJS, env } = load();
  new SockJS('http://localhost:8080/echo');
  env.info();
  assert.ok(env.cryptoCalls >= 1);
  ({ SockJS, env } = load({ without: ['crypto'], random: () => 0.99 }));
  new SockJS('http://localhost:8080/echo');
  env.info();
  assert.match(env.sockets[0].url, /\/echo\/990\/33333333\/websocket$/);
});
