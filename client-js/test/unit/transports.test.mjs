// Sending and failing, transport by transport: URLs, batching, errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load, record } from './support/env.mjs';

const plain = (v) => JSON.parse(JSON.stringify(v));

function openXhr(transport, opts) {
  const { SockJS, env } = load(opts);
  const sock = new SockJS('http://localhost:8080/echo', null, { transports: transport });
  const log = record(sock);
  env.info();
  if (transport === 'eventsource') env.eventSources[0].receive('o');
  else if (transport === 'jsonp-polling') env.jsonp(env.script(), 'o');
  else env.xhr(transport === 'xhr-polling' ? '/xhr' : '/xhr_streaming').respond(200, 'o\n');
  assert.equal(sock.readyState, SockJS.OPEN);
  assert.equal(sock.transport, transport);
  return { SockJS, env, sock, log };
}

test('websocket: URL, one frame per send', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/prefix/echo');
  env.info();
  const ws = env.sockets[0];
  assert.match(ws.url, /^ws:\/\/localhost:8080\/prefix\/echo\/\d{3}\/[a-z0-5]{8}\/websocket$/);
  ws.accept();
  ws.receive('o');
  sock.send('a');
  sock.send('b');
  assert.deepEqual(ws.sent, ['["a"]', '["b"]']);
});

for (const transport of ['xhr-streaming', 'xhr-polling', 'eventsource']) {
  test(`${transport}: sends go to xhr_send one request at a time, batched meanwhile`, () => {
    const { env, sock } = openXhr(transport);
    sock.send('1');
    const first = env.xhr('/xhr_send');
    assert.equal(first.method, 'POST');
    assert.equal(first.body, '["1"]');
    assert.match(first.path, /^\/echo\/\d{3}\/[a-z0-5]{8}\/xhr_send$/);
    assert.equal(first.withCredentials, true);
    sock.send('2');
    sock.send('3');
    assert.equal(env.xhrs.filter((x) => x.path.endsWith('/xhr_send')).length, 1, 'one send in flight');
    first.respond(204);
    env.clock.tick(24);
    assert.equal(env.xhrs.filter((x) => x.path.endsWith('/xhr_send')).length, 1, 'a short pause between sends');
    env.clock.tick(1);
    assert.equal(env.xhr('/xhr_send').body, '["2","3"]');
    env.xhr('/xhr_send').respond(200);
    env.clock.tick(25);
    sock.send('4');
    assert.equal(env.xhr('/xhr_send').body, '["4"]');
  });

  test(`${transport}: a failed send closes with 1006`, () => {
    const { env, sock, log } = openXhr(transport);
    sock.send('x');
    env.xhr('/xhr_send').respond(404, 'Not Found');
    env.clock.tick(0);
    assert.deepEqual(plain(log).pop(), { type: 'close', code: 1006, reason: 'Sending error: http status 404', wasClean: false, willReconnect: false });
    assert.equal(env.xhrs.filter((x) => !x.done && x.sent).length, 0, 'nothing left running');
    assert.equal(env.eventSources.filter((e) => !e.closed).length, 0);
  });
}

test('xhr-polling: a failing poll closes with 1006', () => {
  const { env, log } = openXhr('xhr-polling');
  env.xhr('/xhr').respond(0, '');
  env.clock.tick(0);
  assert.deepEqual(plain(log).pop(), { type: 'close', code: 1006, reason: 'Receiver error', wasClean: false, willReconnect: false });
});

test('xhr-streaming: a stream that keeps ending empty is given up after 3 tries', () => {
  const { env, log } = openXhr('xhr-streaming');
  env.xhr('/xhr_streaming').end();
  env.xhr('/xhr_streaming').end();
  env.xhr('/xhr_streaming').end();
  env.clock.tick(0);
  assert.deepEqual(plain(log).pop(), { type: 'close', code: 1006, reason: 'Receiver got nothing', wasClean: false, willReconnect: false });
});

test('eventsource: an error with readyState CONNECTING re-opens, CLOSED fails', () => {
  const { env, log, sock } = openXhr('eventsource');
  env.eventSources[0].error(0);
  assert.equal(env.eventSources[0].closed, true, 'the browser\'s own retry is stopped');
  assert.equal(env.eventSources.length, 2);
  env.eventSources[1].receive('a["x"]');
  env.eventSources[1].error(2);
  env.clock.tick(0);
  assert.equal(sock.readyState, 3);
  assert.deepEqual(plain(log).slice(-2), [
    { type: 'message', data: 'x' },
    { type: 'close', code: 1006, reason: 'Receiver error', wasClean: false, willReconnect: false }
  ]);
});

test('jsonp-polling: sends post the form field d to jsonp_send through a hidden iframe', () => {
  const { env, sock } = openXhr('jsonp-polling');
  sock.send('héllo');
  assert.equal(env.posts.length, 1);
  const p = env.posts[0];
  const action = new URL(p.action);
  assert.match(action.pathname, /^\/echo\/\d{3}\/[a-z0-5]{8}\/jsonp_send$/);
  assert.match(action.searchParams.get('i'), /^a[a-z0-5]{8}$/);
  assert.equal(p.method, 'POST');
  assert.equal(p.name, 'd');
  assert.equal(p.value, '["h\\u00e9llo"]');
  assert.equal(p.target, p.iframe.name);
  assert.equal(p.form.parentNode, env.ctx.document.body);
  sock.send('2');
  sock.send('3');
  assert.equal(env.posts.length, 1, 'one post at a time');
  p.iframe.onload();
  assert.equal(p.form.parentNode, null, 'the form and iframe are removed');
  env.clock.tick(25);
  assert.equal(env.posts.length, 2);
  assert.equal(env.posts[1].value, '["2","3"]');
});

test('jsonp-polling: a script that fails to load closes with 1006', () => {
  const { env, log } = openXhr('jsonp-polling');
  const s = env.script();
  s.onerror();
  assert.equal(s.parentNode, null);
  env.clock.tick(0);
  assert.deepEqual(plain(log).pop(), { type: 'close', code: 1006, reason: 'Receiver error', wasClean: false, willReconnect: false });
});

test('jsonp-polling: a script that loads without calling back, or never answers, fails too', () => {
  let { env, log } = openXhr('jsonp-polling');
  env.script().onload();
  env.clock.tick(0);
  assert.equal(plain(log).pop().code, 1006);
  ({ env, log } = openXhr('jsonp-polling'));
  env.clock.tick(35000);
  env.clock.tick(0);
  assert.equal(plain(log).pop().code, 1006);
});

test('closing stops the running requests of a polling transport', () => {
  const { env, sock } = openXhr('xhr-streaming');
  sock.send('x');
  const stream = env.xhr('/xhr_streaming');
  const send = env.xhr('/xhr_send');
  sock.close();
  assert.equal(stream.aborted, true);
  assert.equal(send.aborted, true);
});

test('closing a jsonp transport removes its script and callback', () => {
  const { env, sock } = openXhr('jsonp-polling');
  const s = env.script();
  sock.close();
  assert.equal(s.parentNode, null);
  assert.deepEqual(Object.keys(env.ctx.SockJS_jsonp), []);
});
