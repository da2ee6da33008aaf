// Frames in (o, h, a, m, c, junk) and messages out (quoting), over each transport's framing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load, openWebSocket, record } from './support/env.mjs';

const plain = (v) => JSON.parse(JSON.stringify(v));

const HOSTILE = [
  '한국어 메시지',
  'emoji 😀🎉 and a lone \ud83d half',
  'controls \u0000\u0001\u0008\t\n\r\u001f\u007f\u0085',
  'separators \u2028\u2029',
  'bom \ufeff here',
  'nonchar \uffff\ufffe',
  '',
  'quotes " \\ / and </script>',
  'x'.repeat(100 * 1024)
];

test('an a frame dispatches each message in order; values that are not strings arrive as their JSON text', () => {
  const { SockJS, env } = load();
  const { sock, ws } = openWebSocket(SockJS, env);
  const log = record(sock);
  ws.receive('a["one","two",{"three":3},4]');
  ws.receive('a["five"]');
  assert.deepEqual(plain(log), [
    { type: 'message', data: 'one' },
    { type: 'message', data: 'two' },
    { type: 'message', data: '{"three":3}' },
    { type: 'message', data: '4' },
    { type: 'message', data: 'five' }
  ]);
});

test('an m frame is a single message; h is a heartbeat event; junk is ignored', () => {
  const { SockJS, env } = load();
  const { sock, ws } = openWebSocket(SockJS, env);
  const log = record(sock);
  let onheartbeat = 0;
  sock.onheartbeat = () => onheartbeat++;
  ws.receive('m"single"');
  ws.receive('h');
  ws.receive('a[broken');
  ws.receive('a{"not":"an array"}');
  ws.receive('c[3000]');
  ws.receive('x["unknown"]');
  ws.receive('a');
  ws.receive('a["after"]');
  assert.deepEqual(plain(log), [
    { type: 'message', data: 'single' },
    { type: 'heartbeat' },
    { type: 'message', data: 'after' }
  ]);
  assert.equal(onheartbeat, 1);
  assert.equal(sock.readyState, SockJS.OPEN);
});

test('a c frame closes cleanly with its code and reason', () => {
  const { SockJS, env } = load();
  const { sock, ws } = openWebSocket(SockJS, env);
  const log = record(sock);
  ws.receive('c[3000,"Go away!"]');
  assert.equal(sock.readyState, SockJS.CLOSING);
  assert.ok(ws.closed, 'the WebSocket is closed by the client');
  env.clock.tick(0);
  assert.equal(sock.readyState, SockJS.CLOSED);
  assert.deepEqual(plain(log), [{ type: 'close', code: 3000, reason: 'Go away!', wasClean: true, willReconnect: false }]);
});

test('messages after close() in a handler are not dispatched', () => {
  const { SockJS, env } = load();
  const { sock, ws } = openWebSocket(SockJS, env);
  const seen = [];
  sock.onmessage = (e) => {
    seen.push(e.data);
    if (e.data === 'stop') sock.close();
  };
  ws.receive('a["a","stop","b"]');
  ws.receive('a["c"]');
  assert.deepEqual(seen, ['a', 'stop']);
});

test('send quotes messages as JSON with everything outside printable ASCII escaped', () => {
  const { SockJS, env } = load();
  const { sock, ws } = openWebSocket(SockJS, env);
  for (const m of HOSTILE) sock.send(m);
  assert.equal(ws.sent.length, HOSTILE.length);
  ws.sent.forEach((payload, i) => {
    assert.match(payload, /^\[".*"\]$/s);
    assert.match(payload, /^[\x20-\x7e]*$/, 'only printable ASCII on the wire');
    assert.deepEqual(JSON.parse(payload), [HOSTILE[i]]);
  });
  assert.equal(ws.sent[0], '["\\ud55c\\uad6d\\uc5b4 \\uba54\\uc2dc\\uc9c0"]');
});

test('send converts non-strings to strings', () => {
  const { SockJS, env } = load();
  const { sock, ws } = openWebSocket(SockJS, env);
  sock.send(42);
  sock.send(null);
  sock.send({});
  assert.deepEqual(ws.sent, ['["42"]', '["null"]', '["[object Object]"]']);
});

test('hostile messages from the server arrive intact', () => {
  const { SockJS, env } = load();
  const { sock, ws } = openWebSocket(SockJS, env);
  const got = [];
  sock.onmessage = (e) => got.push(e.data);
  ws.receive('a' + JSON.stringify(HOSTILE));
  assert.deepEqual(got, HOSTILE);
});

test('xhr-streaming: frames split across chunks, prelude, several frames per chunk', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo', null, { transports: 'xhr-streaming' });
  const log = record(sock);
  env.info();
  const x = env.xhr('/xhr_streaming');
  assert.equal(x.method, 'POST');
  x.chunk('h'.repeat(2048) + '\n');
  x.chunk('o\na["par');
  assert.equal(sock.readyState, SockJS.OPEN);
  x.chunk('tial"]\na["x"]\na["y"');
  x.chunk(']\n');
  assert.deepEqual(plain(log), [
    { type: 'heartbeat' },
    { type: 'open' },
    { type: 'message', data: 'partial' },
    { type: 'message', data: 'x' },
    { type: 'message', data: 'y' }
  ]);
});

test('xhr-streaming: an ended stream is re-opened, frames at its very end are kept', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo', null, { transports: ['xhr-streaming'] });
  const got = [];
  sock.onmessage = (e) => got.push(e.data);
  env.info();
  const first = env.xhr('/xhr_streaming');
  first.chunk('o\n');
  first.end('a["last"]\n');
  const second = env.xhr('/xhr_streaming');
  assert.notEqual(first, second);
  assert.equal(first.path, second.path, 'same session');
  second.chunk('a["next"]\n');
  assert.deepEqual(got, ['last', 'next']);
  assert.equal(sock.readyState, SockJS.OPEN);
});

test('xhr-polling: one frame per poll, polls again after each', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo', null, { transports: ['xhr-polling'] });
  const got = [];
  sock.onmessage = (e) => got.push(e.data);
  env.info();
  env.xhr('/xhr').respond(200, 'o\n');
  assert.equal(sock.readyState, SockJS.OPEN);
  env.xhr('/xhr').respond(200, 'a["1","2"]\n');
  env.xhr('/xhr').respond(200, 'h\n');
  env.xhr('/xhr').respond(200, 'a["3"]\n');
  assert.deepEqual(got, ['1', '2', '3']);
  assert.equal(env.xhrs.filter((x) => x.path.endsWith('/xhr')).length, 5);
});

test('eventsource: data lines are frames, percent-escapes are decoded', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo', null, { transports: ['eventsource'] });
  const got = [];
  sock.onmessage = (e) => got.push(e.data);
  env.info();
  const es = env.eventSources[0];
  assert.match(es.url, /^http:\/\/localhost:8080\/echo\/\d{3}\/[a-z0-5]{8}\/eventsource$/);
  es.receive('o');
  // sockjs servers escape %, CR, LF and NUL in event data (frames are JSON, so only % occurs)
  es.receive('a["100%25 sure","%25%25","line\\nbreak"]');
  es.receive('a["raw 100% kept"]');
  assert.deepEqual(got, ['100% sure', '%%', 'line\nbreak', 'raw 100% kept']);
});

test('jsonp-polling: the callback gets one frame per script', () => {
  const { SockJS, env } = load();
  const sock = new SockJS('http://localhost:8080/echo', null, { transports: ['jsonp-polling'] });
  const got = [];
  sock.onmessage = (e) => got.push(e.data);
  env.info();
  let s = env.script();
  const u = new URL(s.src);
  assert.match(u.pathname, /^\/echo\/\d{3}\/[a-z0-5]{8}\/jsonp$/);
  assert.match(u.searchParams.get('c'), /^SockJS_jsonp\.a[a-z0-5]{6}$/);
  env.jsonp(s, 'o');
  assert.equal(sock.readyState, SockJS.OPEN);
  assert.equal(s.parentNode, null, 'the script is removed');
  env.jsonp(env.script(), 'a["x","y"]');
  s = env.script();
  env.jsonp(s, 'a["z"]');
  assert.deepEqual(got, ['x', 'y', 'z']);
  assert.equal(Object.keys(env.ctx.SockJS_jsonp).length, 1, 'only the pending callback is left');
});
