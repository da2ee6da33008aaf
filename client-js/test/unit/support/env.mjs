// A fake browser for the unit tests: the built UMD bundle runs in a node:vm
// context whose globals are fakes (XMLHttpRequest, WebSocket, EventSource, a
// little DOM for jsonp, location, timers, Date.now, Math.random). The client
// reads every browser API from the global object, so nothing else is needed
// to inject them. Time only moves when a test calls clock.tick().
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The bundle under test: built from src/ by `npm test` before the tests run. */
export const BUILD = join(ROOT, '.build', 'dist');

let bundleSource;
function bundle() {
  if (!bundleSource) {
    try {
      bundleSource = readFileSync(join(BUILD, 'sockjs.min.js'), 'utf8');
    } catch (e) {
      throw new Error(`${join(BUILD, 'sockjs.min.js')} is missing: run the tests with \`npm test\`, which builds it first`);
    }
  }
  return bundleSource;
}

export class FakeClock {
  constructor() {
    this.now = 1_000_000;
    this.timers = new Map();
    this.seq = 0;
  }
  setTimeout = (fn, ms) => {
    const id = ++this.seq;
    this.timers.set(id, { fn, at: this.now + Math.max(0, +ms || 0), id });
    return id;
  };
  clearTimeout = (id) => {
    this.timers.delete(id);
  };
  /** Delays of the pending timers, soonest first. */
  pending() {
    return [...this.timers.values()].sort((a, b) => a.at - b.at || a.id - b.id).map((t) => t.at - this.now);
  }
  /** Advances time by `ms`, running every timer that falls due, in order (also those set meanwhile). */
  tick(ms = 0) {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.timers.values()].filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers.delete(due.id);
      this.now = due.at;
      due.fn();
    }
    this.now = end;
  }
}

export class FakeXHR {
  constructor() {
    this.readyState = 0;
    this.status = 0;
    this.responseText = '';
    this.withCredentials = false;
    this.aborted = false;
    this.done = false;
    new.target.env.xhrs.push(this);
  }
  open(method, url, async) {
    this.method = method;
    this.url = url;
    this.async = async;
    this.readyState = 1;
  }
  send(body) {
    this.body = body === undefined ? null : body;
    this.sent = true;
  }
  abort() {
    this.aborted = true;
    this.done = true;
  }
  get path() {
    return this.url ? new URL(this.url).pathname : '';
  }
  get query() {
    return new URL(this.url).searchParams;
  }
  _state(readyState, status, text) {
    this.readyState = readyState;
    this.status = status;
    this.responseText = text;
    if (readyState === 4) this.done = true;
    if (this.onreadystatechange) this.onreadystatechange();
  }
  /** Answers in one go. */
  respond(status, text = '') {
    this._state(4, status, text);
  }
  /** Streams more of a 200 response. */
  chunk(text) {
    this._state(3, 200, this.responseText + text);
  }
  /** Ends a streamed 200 response. */
  end(text = '') {
    this._state(4, 200, this.responseText + text);
  }
}

export class FakeWebSocket {
  constructor(url, protocols) {
    this.url = url;
    this.protocols = protocols;
    this.sent = [];
    this.readyState = 0;
    this.closed = false;
    new.target.env.sockets.push(this);
  }
  send(data) {
    if (this.readyState !== 1) throw new Error('fake WebSocket: send while not open');
    this.sent.push(data);
  }
  close(code, reason) {
    this.closed = true;
    this.closeArgs = [code, reason];
    this.readyState = 3;
  }
  // server side
  accept() {
    this.readyState = 1;
    if (this.onopen) this.onopen({ type: 'open' });
  }
  receive(data) {
    this.onmessage({ type: 'message', data });
  }
  /** The connection fails: error, then close 1006 (as browsers do). */
  fail() {
    this.readyState = 3;
    if (this.onerror) this.onerror({ type: 'error' });
    if (this.onclose) this.onclose({ type: 'close', code: 1006, reason: '', wasClean: false });
  }
  /** The server closes the WebSocket. */
  drop(code = 1006, reason = '') {
    this.readyState = 3;
    if (this.onclose) this.onclose({ type: 'close', code, reason, wasClean: code !== 1006 });
  }
}

export class FakeEventSource {
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.closed = false;
    new.target.env.eventSources.push(this);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  receive(data) {
    this.readyState = 1;
    this.onmessage({ type: 'message', data });
  }
  /** Error with the given readyState: 0 = will reconnect (stream ended), 2 = failed for good. */
  error(readyState) {
    this.readyState = readyState;
    this.onerror({ type: 'error' });
  }
}

class FakeElement {
  constructor(tag, env) {
    this.env = env;
    this.tagName = tag.toUpperCase();
    this.children = [];
    this.parentNode = null;
    this.style = {};
  }
  appendChild(c) {
    return this.insertBefore(c, null);
  }
  insertBefore(c, ref) {
    c.parentNode = this;
    const i = ref ? this.children.indexOf(ref) : -1;
    if (i >= 0) this.children.splice(i, 0, c);
    else this.children.push(c);
    this.env.attached(c);
    return c;
  }
  removeChild(c) {
    this.children.splice(this.children.indexOf(c), 1);
    c.parentNode = null;
    return c;
  }
  get firstChild() {
    return this.children[0] || null;
  }
  submit() {
    const area = this.children.find((c) => c.tagName === 'TEXTAREA');
    const iframe = this.children.find((c) => c.tagName === 'IFRAME');
    this.env.posts.push({ form: this, action: this.action, method: this.method, target: this.target, name: area.name, value: area.value, iframe });
  }
}

class FakeDocument {
  constructor(env) {
    this.env = env;
    this.head = new FakeElement('head', env);
    this.body = new FakeElement('body', env);
    this.readyState = 'complete';
  }
  createElement(tag) {
    return new FakeElement(tag, this.env);
  }
  getElementsByTagName(tag) {
    return tag === 'head' ? [this.head] : tag === 'body' ? [this.body] : [];
  }
}

/**
 * Loads the bundle into a fresh fake browser. Options:
 *   href      the page's URL (default http://localhost:8080/app/page.html)
 *   without   globals to leave out: 'WebSocket', 'EventSource', 'XMLHttpRequest', 'document', 'crypto', 'cors'
 *   random    Math.random replacement (default: a fixed-seed generator)
 */
export function load(opts = {}) {
  const without = new Set(opts.without || []);
  const clock = new FakeClock();
  const loc = new URL(opts.href || 'http://localhost:8080/app/page.html');
  let seed = 42;
  const e = {
    clock,
    xhrs: [],
    sockets: [],
    eventSources: [],
    scripts: [],
    posts: [],
    loadListeners: [],
    random: opts.random || (() => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    }),
    attached(el) {
      if (el.tagName === 'SCRIPT') this.scripts.push(el);
    },
    /** The newest XHR whose path ends with `suffix` and that has not finished. */
    xhr(suffix) {
      const x = this.xhrs.filter((r) => r.sent && !r.done && r.path.endsWith(suffix)).pop();
      if (!x) throw new Error(`no open XHR for ...${suffix}; requests: ${this.xhrs.map((r) => `${r.method} ${r.path}${r.done ? ' (done)' : ''}`).join(', ')}`);
      return x;
    },
    /** Answers the pending /info request. */
    info(body = { websocket: true, cookie_needed: false, origins: ['*:*'], entropy: 1 }, rtt = 10) {
      clock.tick(rtt);
      this.xhr('/info').respond(200, typeof body === 'string' ? body : JSON.stringify(body));
    },
    /** The newest jsonp script not yet answered. */
    script() {
      const s = this.scripts.filter((x) => x.parentNode).pop();
      if (!s) throw new Error('no pending jsonp script');
      return s;
    },
    /** Answers a jsonp script with a frame, as the server's JavaScript would. */
    jsonp(script, frame) {
      const c = new URL(script.src).searchParams.get('c');
      const [obj, id] = c.split('.');
      ctx[obj][id](frame);
      if (script.onload) script.onload();
    },
    fireLoad() {
      for (const f of this.loadListeners) f({ type: 'load' });
    }
  };
  const sandbox = {
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    Date: { now: () => clock.now },
    location: { href: loc.href, protocol: loc.protocol, host: loc.host, hostname: loc.hostname, port: loc.port },
    addEventListener(type, f) {
      if (type === 'load') e.loadListeners.push(f);
    },
    console
  };
  if (!without.has('crypto')) {
    sandbox.crypto = {
      getRandomValues(a) {
        e.cryptoCalls = (e.cryptoCalls || 0) + 1;
        const b = randomBytes(a.length);
        for (let i = 0; i < a.length; i++) a[i] = b[i];
        return a;
      }
    };
  }
  // subclasses per environment, so that each reports to its own
  const XHR = without.has('cors')
    ? class extends FakeXHR { constructor() { super(); delete this.withCredentials; } }
    : class extends FakeXHR {};
  const WS = class extends FakeWebSocket {};
  const ES = class extends FakeEventSource {};
  XHR.env = WS.env = ES.env = e;
  if (!without.has('XMLHttpRequest')) sandbox.XMLHttpRequest = XHR;
  if (!without.has('WebSocket')) sandbox.WebSocket = WS;
  if (!without.has('EventSource')) sandbox.EventSource = ES;
  if (!without.has('document')) sandbox.document = new FakeDocument(e);
  const ctx = vm.createContext(sandbox);
  vm.runInContext('Math.random = function () { return __random(); };', Object.assign(ctx, { __random: () => e.random() }));
  vm.runInContext(bundle(), ctx, { filename: 'sockjs.min.js' });
  e.ctx = ctx;
  e.window = ctx;
  return { SockJS: ctx.SockJS, env: e };
}

/** Records every event a socket dispatches, as plain objects. */
export function record(sock) {
  const log = [];
  for (const type of ['open', 'message', 'close', 'error', 'heartbeat', 'reconnecting', 'resumed']) {
    sock.addEventListener(type, (ev) => {
      const o = { type: ev.type };
      if (type === 'message') o.data = ev.data;
      if (type === 'close') Object.assign(o, { code: ev.code, reason: ev.reason, wasClean: ev.wasClean, willReconnect: ev.willReconnect });
      log.push(o);
    });
  }
  return log;
}

/** Opens a socket over a WebSocket: info, WebSocket accepted, `o` frame. */
export function openWebSocket(SockJS, env, url = 'http://localhost:8080/echo', options = {}) {
  const sock = new SockJS(url, null, options);
  env.info();
  const ws = env.sockets[env.sockets.length - 1];
  ws.accept();
  ws.receive('o');
  return { sock, ws };
}
