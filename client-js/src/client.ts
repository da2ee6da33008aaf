/**
 * The WebSocket-shaped facade: validation as sockjs-client does it, the
 * connection life cycle (info, transports in turn, open, close), events, and
 * the extras that are off by default (reconnection, query parameters).
 */
import { parseFrame, pickTransports, quote, rto, transportTimeout, userCode } from './protocol.js';
import type { Info } from './protocol.js';
import { bootstrapIframe } from './iframe.js';
import { ajaxInfo, xhrUsable } from './transports/ajax.js';
import { TRANSPORTS } from './transports/index.js';
import type { Transport, TransportFactory } from './transports/types.js';
import { addPath, addQuery, g, origin, randomString, URL_RE } from './util.js';

/** Query parameters: values are URI-encoded, `null`/`undefined` ones left out. */
export interface QueryParams {
  [name: string]: string | number | boolean | null | undefined;
}

/** Automatic reconnection. Delays grow `minDelay * factor^n` up to `maxDelay`, each shortened by up to `jitter` of itself at random. */
export interface ReconnectOptions {
  /** First delay in ms (default 1000). */
  minDelay?: number;
  /** Largest delay in ms (default 30000). */
  maxDelay?: number;
  /** Growth per failed attempt (default 2). */
  factor?: number;
  /** Fraction 0..1 of each delay taken off at random (default 0.5). */
  jitter?: number;
  /** Attempts after a loss before giving up (default: no limit). A successful open starts the count again. */
  retries?: number;
  /**
   * Decides whether a close is worth reconnecting after. Default: every close
   * except those with a code an application chooses (1000, 3000-4999). A
   * `close()` by the page never reconnects.
   */
  shouldReconnect?(event: SockJSCloseEvent): boolean;
}

export interface SockJSOptions {
  /**
   * Transports allowed, in the order to try them (unknown names are ignored).
   * Default: websocket, xhr-streaming, eventsource, xhr-polling, jsonp-polling.
   */
  transports?: string | string[];
  /** Least time in ms given to each transport to open; by default it comes from the /info round trip. */
  timeout?: number;
  /** The server part of the URLs (default: 3 random digits). */
  server?: string;
  /** Length of the random session id (default 8), or a function that makes one. */
  sessionId?: number | (() => string);
  /**
   * Not in sockjs-client. Query parameters added to every request (info,
   * WebSocket, polls, sends), e.g. an access token, since browsers cannot set
   * headers on a WebSocket. A function is called for each request, so it can
   * hand out a fresh token.
   */
  query?: QueryParams | (() => QueryParams);
  /** Not in sockjs-client. Reconnect after the connection is lost (default: off). `true` for the default settings. */
  reconnect?: boolean | ReconnectOptions;
  /**
   * Not in sockjs-client. While open, if no frame (not even a heartbeat) comes
   * for this many ms, the connection is taken for dead: closed with 1006
   * "Heartbeat timeout" (and reconnected, with `reconnect`). Set it well above
   * the server's heartbeat interval (25 s by default for SockJS servers).
   * Default: off.
   */
  heartbeatTimeout?: number;
}

export interface SockJSEvent {
  type: string;
  target?: SockJS;
}

export interface SockJSMessageEvent extends SockJSEvent {
  data: any;
}

export interface SockJSCloseEvent extends SockJSEvent {
  code: number;
  reason: string;
  wasClean: boolean;
  /** Not in sockjs-client: a reconnection is scheduled (`readyState` is CONNECTING again). */
  willReconnect: boolean;
}

export interface SockJSEventMap {
  open: SockJSEvent;
  message: SockJSMessageEvent;
  close: SockJSCloseEvent;
  error: SockJSEvent;
  heartbeat: SockJSEvent;
}

type Listener = (this: SockJS, ev: any) => any;

var CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;

function bodyReady(): boolean {
  var d = g.document;
  return !d || (!!d.body && /^[ci]|^$/.test(d.readyState || ''));
}

export default class SockJS {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  /**
   * Runs the iframe side of sockjs-client's iframe transports; the server's
   * `iframe.html` page calls it. With it, this client can be the
   * `sockjs_url` the server's iframe page loads.
   */
  static bootstrap_iframe(): void {
    bootstrapIframe();
  }
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  /** CONNECTING, OPEN, CLOSING or CLOSED. */
  readyState: number = CONNECTING;
  /** The URL, resolved and without trailing slashes. */
  url: string;
  /** The name of the transport in use while OPEN, else null. */
  transport: string | null = null;
  protocol = '';
  extensions = '';
  onopen: ((this: SockJS, ev: SockJSEvent) => any) | null = null;
  onmessage: ((this: SockJS, ev: SockJSMessageEvent) => any) | null = null;
  onclose: ((this: SockJS, ev: SockJSCloseEvent) => any) | null = null;
  onerror: ((this: SockJS, ev: SockJSEvent) => any) | null = null;

  private _o: SockJSOptions;
  private _l: { [type: string]: Listener[] } = {};
  private _id: () => string;
  private _srv: string;
  private _same: boolean;
  /** Current attempt; a callback from an older one is ignored. */
  private _n = 0;
  private _tr: Transport | null = null;
  private _tn: string | null = null;
  private _ts: TransportFactory[] = [];
  private _ir: (() => void) | null = null;
  private _tt: any;
  private _ht: any;
  private _rt: any;
  private _rto = 0;
  private _base: string;
  /** Reconnection attempts since the last open. */
  private _a = 0;
  /** close() was called. */
  private _user = false;

  /**
   * @param url `http(s)://host/prefix`, or relative to the page.
   * @param protocols Checked as sockjs-client does, then unused (as there).
   */
  constructor(url: string, protocols?: string | string[] | null, options?: SockJSOptions) {
    if (arguments.length < 1) {
      throw new TypeError("Failed to construct 'SockJS: 1 argument required, but only 0 present");
    }
    var o = this._o = options || {}, sid = o.sessionId || 8, loc = g.location || {}, href = loc.href || '', u = url;
    if (typeof sid == 'number') {
      this._id = function () { return randomString(sid as number); };
    } else if (typeof sid == 'function') {
      this._id = sid;
    } else {
      throw new TypeError('If sessionId is used in the options, it needs to be a number or a function.');
    }
    this._srv = o.server || ('00' + Math.floor(Math.random() * 1000)).slice(-3);

    // resolve a relative URL against the page
    if (href && !/^[a-z][a-z\d+.-]*:/i.test(u)) {
      u = u.charAt(0) != '/' ? href.replace(/[?#].*/, '').replace(/[^\/]*$/, '') + u
        : u.charAt(1) == '/' ? loc.protocol + u : loc.protocol + '//' + loc.host + u;
    }
    var m = URL_RE.exec(u);
    if (!m) throw new SyntaxError("The URL '" + url + "' is invalid");
    if (m[5]) throw new SyntaxError('The URL must not contain a fragment');
    var scheme = m[1].toLowerCase(), host = m[2].toLowerCase();
    if (scheme != 'http:' && scheme != 'https:') {
      throw new SyntaxError("The URL's scheme must be either 'http:' or 'https:'. '" + scheme + "' is not allowed.");
    }
    if (loc.protocol == 'https:' && scheme != 'https:' && !/^(127\.[\d.]+|\[::1\]|localhost)(:\d*)?$/.test(host)) {
      throw new Error('SecurityError: An insecure SockJS connection may not be initiated from a page loaded over HTTPS');
    }

    var ps = (typeof protocols == 'string' ? [protocols] : protocols || []).slice().sort();
    for (var i = 0; i < ps.length; i++) {
      if (!ps[i]) throw new SyntaxError("The protocols entry '" + ps[i] + "' is invalid.");
      if (ps[i] === ps[i + 1]) throw new SyntaxError("The protocols entry '" + ps[i] + "' is duplicated.");
    }

    this._base = this.url = scheme + '//' + host + m[3].replace(/\/+$/, '') + m[4];
    this._same = !!loc.host && origin(scheme, host) == origin(loc.protocol, loc.host);
    this._start();
  }

  /** Sends a message (anything not a string is converted to one). Throws while CONNECTING, ignored once closing. */
  send(data: any): void {
    if (typeof data != 'string') data = '' + data;
    if (this.readyState == CONNECTING) {
      throw new Error('InvalidStateError: The connection has not been established yet');
    }
    if (this.readyState == OPEN && this._tr) this._tr.send(quote(data));
  }

  /** Closes; `code` must be 1000 or 3000-4999, `reason` at most 123 characters. */
  close(code?: number, reason?: string): void {
    if (code && !userCode(code)) throw new Error('InvalidAccessError: Invalid code');
    if (reason && reason.length > 123) throw new SyntaxError('reason argument has an invalid length');
    // also while CLOSING: a reconnection that close event would start is off
    this._user = true;
    if (this.readyState < CLOSING) this._close(code || 1000, reason || 'Normal closure', true);
  }

  addEventListener<K extends keyof SockJSEventMap>(type: K, listener: (this: SockJS, ev: SockJSEventMap[K]) => any): void;
  addEventListener(type: string, listener: (this: SockJS, ev: SockJSEvent) => any): void;
  addEventListener(type: string, listener: Listener): void {
    var ls = this._l[type] || (this._l[type] = []);
    if (ls.indexOf(listener) < 0) ls.push(listener);
  }

  removeEventListener<K extends keyof SockJSEventMap>(type: K, listener: (this: SockJS, ev: SockJSEventMap[K]) => any): void;
  removeEventListener(type: string, listener: (this: SockJS, ev: SockJSEvent) => any): void;
  removeEventListener(type: string, listener: Listener): void {
    var ls = this._l[type], i = ls ? ls.indexOf(listener) : -1;
    if (i >= 0) ls.splice(i, 1);
  }

  /**
   * Calls `on<type>` and then the listeners. A listener that throws does not
   * stop the others or the connection; its error is rethrown asynchronously.
   */
  dispatchEvent(event: SockJSEvent): boolean {
    var self = this, h = (self as any)['on' + event.type], ls = (self._l[event.type] || []).slice();
    if (h) ls.unshift(h);
    event.target = self;
    for (var i = 0; i < ls.length; i++) {
      try {
        ls[i].call(self, event);
      } catch (err) {
        setTimeout(function () { throw err; }, 0);
      }
    }
    return true;
  }

  /** Appends the user's query parameters to a request URL. */
  private _q(url: string): string {
    var q = this._o.query, s: string[] = [];
    if (typeof q == 'function') q = q();
    for (var k in q) {
      if (Object.prototype.hasOwnProperty.call(q, k) && q[k] != null) {
        s.push(encodeURIComponent(k) + '=' + encodeURIComponent('' + q[k]));
      }
    }
    return addQuery(url, s.join('&'));
  }

  /** Asks /info, then goes through the transports. */
  private _start(): void {
    var self = this, xhr = xhrUsable(self._same), t: any;
    function done(info?: Info, rtt?: number) {
      self._ir = null;
      if (!info) return self._close(1002, 'Cannot connect to server');
      self._rto = rtt == null ? 0 : rto(rtt);
      self._base = typeof info.base_url == 'string' ? info.base_url : self.url;
      info.xhr = xhr;
      self._ts = pickTransports(TRANSPORTS, self._o.transports, info);
      self._connect();
    }
    if (xhr) {
      self._ir = ajaxInfo(self._q(addPath(self.url, '/info')), done);
    } else {
      // No XHR can reach the server (a cross-origin page in a browser without
      // CORS XHR): go on with default timeouts and the transports that need
      // no XHR (jsonp-polling).
      t = setTimeout(function () { done({}); }, 0);
      self._ir = function () { clearTimeout(t); };
    }
  }

  /** Tries the next transport, or gives up with 2000. */
  private _connect(): void {
    var self = this, T = self._ts.shift();
    if (!T) return self._close(2000, 'All transports failed', false);
    var n = ++self._n;
    if (T.needBody && !bodyReady()) {
      self._ts.unshift(T);
      g.addEventListener('load', function () {
        if (n == self._n) self._connect();
      });
      return;
    }
    self._tt = setTimeout(function () {
      if (n == self._n && self.readyState == CONNECTING) {
        if (self._tr) self._tr.close();
        self._tclose(2007, 'Transport timed out');
      }
    }, transportTimeout(self._rto, T.roundTrips, self._o.timeout || 0));
    var base = addPath(self._base, '/' + self._srv + '/' + self._id()), tr = T.open(function (suffix) {
      return self._q(addPath(base, suffix));
    }, function (frame) {
      if (n == self._n) self._frame(frame);
    }, function (code, reason) {
      if (n == self._n) self._tclose(code, reason);
    });
    if (n == self._n) {
      self._tr = tr;
      self._tn = T.transportName;
    }
  }

  private _frame(frame: string): void {
    var self = this, f = parseFrame(frame), d: any, n = self._n, ms = self._o.heartbeatTimeout;
    if (ms && (self.readyState == OPEN || f && f[0] == 'o')) {
      clearTimeout(self._ht);
      self._ht = setTimeout(function () {
        if (n == self._n) self._close(1006, 'Heartbeat timeout');
      }, ms);
    }
    if (!f) return;
    d = f[1];
    if (f[0] == 'o') {
      if (this.readyState == CONNECTING) {
        clearTimeout(this._tt);
        this.readyState = OPEN;
        this.transport = this._tn;
        this._a = 0;
        this.dispatchEvent({ type: 'open' });
      } else {
        // the server was restarted and lost our session
        this._close(1006, 'Server lost session');
      }
    } else if (f[0] == 'h') {
      this.dispatchEvent({ type: 'heartbeat' });
    } else if (f[0] == 'c') {
      this._close(d[0], d[1], true);
    } else {
      if (f[0] == 'm') d = [d];
      for (var i = 0; i < d.length && this.readyState == OPEN; i++) {
        this.dispatchEvent({ type: 'message', data: d[i] } as SockJSMessageEvent);
      }
    }
  }

  /** Forgets the current transport attempt: its callbacks and timer. Returns the transport. */
  private _drop(): Transport | null {
    var tr = this._tr;
    this._n++;
    clearTimeout(this._tt);
    clearTimeout(this._ht);
    this._tr = null;
    this.transport = null;
    return tr;
  }

  /** The transport closed by itself (or timed out): try the next one while connecting, else close. */
  private _tclose(code: number, reason: string): void {
    this._drop();
    if (!userCode(code) && code !== 2000 && this.readyState == CONNECTING) this._connect();
    else this._close(code, reason);
  }

  private _close(code: number, reason: string, wasClean?: boolean): void {
    var self = this, failed = !!self._ir, tr = self._drop(), r = self._o.reconnect,
      ro: ReconnectOptions | false = r === true ? {} : r || false;
    if (self._ir) self._ir();
    self._ir = null;
    clearTimeout(self._rt);
    if (tr) tr.close();
    if (self.readyState == CLOSED) throw new Error('InvalidStateError: SockJS has already been closed');
    self.readyState = CLOSING;
    setTimeout(function () {
      var e: SockJSCloseEvent = { type: 'close', code: code || 1000, reason: reason, wasClean: !!wasClean, willReconnect: false };
      self.readyState = CLOSED;
      if (failed) self.dispatchEvent({ type: 'error' });
      if (ro && !self._user && self._a < (ro.retries == null ? 1 / 0 : ro.retries) &&
          (ro.shouldReconnect ? ro.shouldReconnect(e) : !userCode(e.code))) {
        e.willReconnect = true;
        self.readyState = CONNECTING;
        self._rt = setTimeout(function () { self._start(); },
          Math.min(ro.maxDelay || 30000, (ro.minDelay || 1000) * Math.pow(ro.factor || 2, self._a++)) *
          (1 - (ro.jitter == null ? 0.5 : ro.jitter) * Math.random()));
      }
      self.dispatchEvent(e);
      if (self.readyState == CLOSED) self.onmessage = self.onclose = self.onerror = null;
    }, 0);
  }
}

var proto = SockJS.prototype as any;
proto.CONNECTING = CONNECTING;
proto.OPEN = OPEN;
proto.CLOSING = CLOSING;
proto.CLOSED = CLOSED;
