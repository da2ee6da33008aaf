/**
 * The WebSocket-shaped facade: validation as sockjs-client does it, the
 * connection life cycle (info, transports in turn, open, close), events, and
 * what sockjs-client does not have: the resume extension (a dropped
 * connection comes back with nothing lost, docs/resume.md), client
 * heartbeats, reconnection after a session is lost for good, query parameters.
 */
import { journal } from './journal.js';
import type { Batch, Journal } from './journal.js';
import { final, parseFrame, pickTransports, quote, resumeInfo, rto, transportTimeout, userCode } from './protocol.js';
import type { Frame, Info, ResumeInfo } from './protocol.js';
import { ajaxInfo, xhrUsable } from './transports/ajax.js';
import { TRANSPORTS } from './transports/index.js';
import type { Link, Transport, TransportFactory } from './transports/types.js';
import { addPath, addQuery, g, later, origin, randomString, URL_RE } from './util.js';

/** The transports this client has, in the order tried when `transports` names none. */
export type TransportName = 'websocket' | 'xhr-streaming' | 'eventsource' | 'xhr-polling' | 'jsonp-polling';

/**
 * sockjs-client's other transport names: accepted in `transports` so that a
 * list written for sockjs-client compiles unchanged, and ignored (this client
 * does not have them).
 */
export type IgnoredTransportName = 'xdr-streaming' | 'iframe-eventsource' | 'htmlfile' | 'iframe-htmlfile' | 'xdr-polling' | 'iframe-xhr-polling';

/** Query parameters: values are URI-encoded, `null`/`undefined` ones left out. */
export interface QueryParams {
  [name: string]: string | number | boolean | null | undefined;
}

/** Reconnection after a session is lost for good. Delays grow `minDelay * factor^n` up to `maxDelay`, each shortened by up to `jitter` of itself at random. */
export interface ReconnectOptions {
  /** First delay in ms (default 1000). */
  minDelay?: number | undefined;
  /** Largest delay in ms (default 30000). */
  maxDelay?: number | undefined;
  /** Growth per failed attempt (default 2). */
  factor?: number | undefined;
  /** Fraction 0..1 of each delay taken off at random (default 0.5). */
  jitter?: number | undefined;
  /** Attempts after a loss before giving up (default: no limit). A successful open starts the count again. */
  retries?: number | undefined;
  /**
   * Decides whether a close is worth reconnecting after. Default: every close
   * except those with a code an application chooses (1000, 3000-4999),
   * 1008 (the server refused this client) and 1009 (too big: the same
   * request would be refused again). A `close()` by the page never
   * reconnects.
   */
  shouldReconnect?: ((event: SockJSCloseEvent) => boolean) | undefined;
}

export interface SockJSOptions {
  /**
   * Transports allowed, in the order to try them (sockjs-client's other
   * names are ignored). Default: websocket, xhr-streaming, eventsource,
   * xhr-polling, jsonp-polling.
   */
  transports?: TransportName | IgnoredTransportName | ReadonlyArray<TransportName | IgnoredTransportName> | undefined;
  /** Least time in ms given to each transport to open; by default it comes from the /info round trip. */
  timeout?: number | undefined;
  /** The server part of the URLs (default: 3 random digits). */
  server?: string | undefined;
  /** Length of the random session id (default 8), or a function that makes one. */
  sessionId?: number | (() => string) | undefined;
  /**
   * Not in sockjs-client. Query parameters added to every request (info,
   * WebSocket, polls, sends), e.g. an access token, since browsers cannot set
   * headers on a WebSocket. A function is called for each request, so it can
   * hand out a fresh token.
   */
  query?: QueryParams | (() => QueryParams) | undefined;
  /**
   * Not in sockjs-client. Use the resume extension when the server offers it
   * (default `true`): a dropped connection, lost poll answer or failed send is
   * invisible to the page but for `reconnecting` and `resumed` events; nothing
   * is lost, duplicated or reordered. When it cannot be resumed, `close` says
   * why (code 2011).
   */
  resume?: boolean | undefined;
  /**
   * Not in sockjs-client. After a session is lost for good (the server does
   * not offer resume, or a resume failed), open a new session on the same
   * object instead of staying closed (default: off). Libraries that treat
   * `close` as final and reconnect themselves (@stomp/stompjs) must leave it off.
   */
  reconnect?: boolean | ReconnectOptions | undefined;
  /**
   * Not in sockjs-client. While open, if no frame (not even a heartbeat) comes
   * for this many ms, the connection is taken for dead: closed with 1006
   * "Heartbeat timeout" (or, resumable, resumed). Set it well above the
   * server's heartbeat interval (25 s by default for SockJS servers).
   * Default: off, or 35 s for a resumable session.
   */
  heartbeatTimeout?: number | undefined;
}

export interface SockJSEvent {
  type: string;
  target?: SockJS;
}

export interface SockJSMessageEvent extends SockJSEvent {
  data: string;
}

export interface SockJSCloseEvent extends SockJSEvent {
  code: number;
  reason: string;
  wasClean: boolean;
  /** Not in sockjs-client: a reconnection is scheduled (`readyState` is CONNECTING again). */
  willReconnect: boolean;
}

/** Not in sockjs-client: the connection dropped; the session is being resumed (`readyState` stays OPEN). */
export interface SockJSReconnectingEvent extends SockJSEvent {
  code: number;
  reason: string;
}

export interface SockJSEventMap {
  open: SockJSEvent;
  message: SockJSMessageEvent;
  close: SockJSCloseEvent;
  error: SockJSEvent;
  heartbeat: SockJSEvent;
  reconnecting: SockJSReconnectingEvent;
  resumed: SockJSEvent;
}

type Listener = (this: SockJS, ev: any) => any;

var CONNECTING = 0 as const, OPEN = 1 as const, CLOSING = 2 as const, CLOSED = 3 as const;
/** Resumable: default silence before a connection is taken for dead. */
var RESUME_HEARTBEAT_TIMEOUT = 35000;
/** Resumable: first pause before coming back, doubling up to the largest. */
var RESUME_PAUSE = 100, RESUME_PAUSE_MAX = 5000;
/**
 * Resumable: an acknowledgement is due once 1/share of the server's window
 * waits: on a socket 1/32 (32 messages of the default 1,024), where it is a
 * frame of a few bytes and every message waiting for one is kept by the
 * server; on a stream a quarter, where it is a request.
 */
var SOCKET_ACK_SHARE = 32, STREAM_ACK_SHARE = 4;

function bodyReady(): boolean {
  var d = g.document;
  return !d || (!!d.body && /^[ci]|^$/.test(d.readyState || ''));
}

export default class SockJS {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  /** CONNECTING, OPEN, CLOSING or CLOSED. */
  readonly readyState: 0 | 1 | 2 | 3 = CONNECTING;
  /** The URL, resolved and without trailing slashes. */
  readonly url: string = '';
  /** The name of the transport in use while OPEN, else null. */
  readonly transport: TransportName | null = null;
  readonly protocol: string = '';
  readonly extensions: string = '';
  onopen: ((this: SockJS, ev: SockJSEvent) => any) | null = null;
  onmessage: ((this: SockJS, ev: SockJSMessageEvent) => any) | null = null;
  onclose: ((this: SockJS, ev: SockJSCloseEvent) => any) | null = null;
  onerror: ((this: SockJS, ev: SockJSEvent) => any) | null = null;
  onheartbeat: ((this: SockJS, ev: SockJSEvent) => any) | null = null;
  onreconnecting: ((this: SockJS, ev: SockJSReconnectingEvent) => any) | null = null;
  onresumed: ((this: SockJS, ev: SockJSEvent) => any) | null = null;

  private _options: SockJSOptions;
  private _listeners: { [type: string]: Listener[] } = {};
  private _newSessionId: () => string;
  private _server: string;
  private _sameOrigin: boolean;
  /** Where sessions live (the info's `base_url`, else `url`). */
  private _base: string;
  /** Bumped for every transport attempt: callbacks of an older one are ignored. */
  private _attempt = 0;
  private _transport?: Transport | null;
  private _transportFactory?: TransportFactory;
  /** The transports still to try in this round. */
  private _candidates!: TransportFactory[];
  /** All transports the negotiation allowed, in order. */
  private _allowed!: TransportFactory[];
  private _cancelInfo?: (() => void) | null;
  private _openTimer: any;
  private _silenceTimer: any;
  private _reconnectTimer: any;
  private _pingTimer: any;
  private _rto = 0;
  /** Reconnections (after a session was lost) since the last open. */
  private _reconnects = 0;
  /** close() was called. */
  private _closedByUser?: boolean;
  /**
   * Messages waiting for the transport, and with the resume extension what
   * it keeps of the session (plain SockJS: a message leaves it when sent).
   */
  private _journal?: Journal;
  /** The resume extension's settings, when the session uses it. */
  private _resume?: ResumeInfo | null;
  /** Resumable: the connection dropped and is coming back; since when. */
  private _droppedAt?: number;
  private _resumeTries = 0;
  /** Resumable: a heartbeat (an empty send, or a WebSocket ack) is due. */
  private _pingDue?: boolean;
  private _lastSend = 0;
  /** The current session URL (`<base>/<server>/<id>`). */
  private _session?: string;
  /** Transports that failed to open, as `name.code`, told to the server with the next one (it counts why clients fall back). */
  private _fallbacks: string[] = [];

  /**
   * @param url `http(s)://host/prefix`, or relative to the page.
   * @param protocols Checked as sockjs-client does, then unused (as there).
   */
  constructor(url: string, protocols?: string | string[] | null, options?: SockJSOptions) {
    if (arguments.length < 1) {
      throw new TypeError("Failed to construct 'SockJS: 1 argument required, but only 0 present");
    }
    var o = this._options = options || {}, sid = o.sessionId || 8, loc = g.location || {}, href = loc.href || '', u = url;
    if (typeof sid == 'number') {
      this._newSessionId = function () { return randomString(sid as number); };
    } else if (typeof sid == 'function') {
      this._newSessionId = sid;
    } else {
      throw new TypeError('If sessionId is used in the options, it needs to be a number or a function.');
    }
    this._server = o.server || ('00' + Math.floor(Math.random() * 1000)).slice(-3);

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

    this._base = (this as any).url = scheme + '//' + host + m[3].replace(/\/+$/, '') + m[4];
    this._sameOrigin = !!loc.host && origin(scheme, host) == origin(loc.protocol, loc.host);
    var self = this;
    // The page goes away: the session ends now, not after a resume window.
    if (g.addEventListener) g.addEventListener('pagehide', function () { if (self.readyState < CLOSING) self.close(); });
    this._start();
  }

  /** Sends a message (anything not a string is converted to one). Throws while CONNECTING, ignored once closing. */
  send(data: unknown): void {
    var s = typeof data == 'string' ? data : '' + data;
    if (this.readyState == CONNECTING) {
      throw new Error('InvalidStateError: The connection has not been established yet');
    }
    if (this.readyState != OPEN) return;
    (this._journal as Journal).push(quote(s));
    if (this._transport && !this._droppedAt) this._transport.wake();
  }

  /** Closes; `code` must be 1000 or 3000-4999, `reason` at most 123 characters. */
  close(code?: number, reason?: string): void {
    if (code && !userCode(code)) throw new Error('InvalidAccessError: Invalid code');
    if (reason && reason.length > 123) throw new SyntaxError('reason argument has an invalid length');
    // also while CLOSING: a reconnection that close event would start is off
    this._closedByUser = true;
    var J = this._journal, T = this._transportFactory;
    if (this.readyState == OPEN && J && J.token && T && T.transportName != 'websocket') {
      // Resumable over HTTP: tell the server it is for good (a socket's close frame says so itself).
      // A beacon, as it outlives the page (without one, the session waits out its window).
      try {
        g.navigator.sendBeacon(this._withQuery(addQuery(addPath(this._session as string, '/xhr_send'), J.sendQuery(J.nextSeq) + '&close=1')), '[]');
      } catch (e) {
        // no beacons
      }
    }
    if (this.readyState < CLOSING) this._close(code || 1000, reason || 'Normal closure', true);
  }

  addEventListener<K extends keyof SockJSEventMap>(type: K, listener: (this: SockJS, ev: SockJSEventMap[K]) => any): void;
  addEventListener(type: string, listener: (this: SockJS, ev: SockJSEvent) => any): void;
  addEventListener(type: string, listener: Listener): void {
    var ls = this._listeners[type] || (this._listeners[type] = []);
    if (ls.indexOf(listener) < 0) ls.push(listener);
  }

  removeEventListener<K extends keyof SockJSEventMap>(type: K, listener: (this: SockJS, ev: SockJSEventMap[K]) => any): void;
  removeEventListener(type: string, listener: (this: SockJS, ev: SockJSEvent) => any): void;
  removeEventListener(type: string, listener: Listener): void {
    var ls = this._listeners[type], i = ls ? ls.indexOf(listener) : -1;
    if (i >= 0) ls.splice(i, 1);
  }

  /**
   * Calls `on<type>` and then the listeners. A listener that throws does not
   * stop the others or the connection; its error is rethrown asynchronously.
   */
  dispatchEvent(event: SockJSEvent): boolean {
    var self = this, h = (self as any)['on' + event.type], ls = (self._listeners[event.type] || []).slice();
    if (h) ls.unshift(h);
    event.target = self;
    for (var i = 0; i < ls.length; i++) {
      try {
        ls[i].call(self, event);
      } catch (err) {
        later(function () { throw err; });
      }
    }
    return true;
  }

  private _emit(type: string): void {
    this.dispatchEvent({ type: type });
  }

  private _set(state: 0 | 1 | 2 | 3, transport?: string | null): void {
    (this as any).readyState = state;
    if (transport !== undefined) (this as any).transport = transport;
  }

  /** Appends the user's query parameters to a request URL. */
  private _withQuery(url: string): string {
    var q = this._options.query, s: string[] = [];
    if (typeof q == 'function') q = q();
    // (a plain object: inherited enumerable properties would be sent too)
    for (var k in q) {
      if (q[k] != null) s.push(encodeURIComponent(k) + '=' + encodeURIComponent('' + q[k]));
    }
    return addQuery(url, s.join('&'));
  }

  /** Asks /info, then goes through the transports. */
  private _start(): void {
    var self = this, xhr = xhrUsable(self._sameOrigin), t: any;
    function done(info?: Info, rtt?: number, code?: number, text?: string) {
      self._cancelInfo = null;
      if (!info) return code ? self._close(code, text || '') : self._close(1002, 'Cannot connect to server');
      self._rto = rtt == null ? 0 : rto(rtt);
      self._base = typeof info.base_url == 'string' ? info.base_url : self.url;
      info.xhr = xhr;
      self._resume = self._options.resume === false ? null : resumeInfo(info);
      self._journal = journal();
      self._fallbacks = [];
      self._allowed = pickTransports(TRANSPORTS, self._options.transports, info);
      self._candidates = self._allowed.slice();
      self._connect();
    }
    if (xhr) {
      self._cancelInfo = ajaxInfo(self._withQuery(addPath(self.url, '/info')), done);
    } else {
      // No XHR can reach the server (a cross-origin page in a browser without
      // CORS XHR): go on with default timeouts and the transports that need
      // no XHR (jsonp-polling).
      t = setTimeout(function () { done({}); }, 0);
      self._cancelInfo = function () { clearTimeout(t); };
    }
  }

  /** Tries the next transport, or gives up (2000, or for a resume: another round). */
  private _connect(): void {
    var self = this, T = self._candidates.shift();
    if (!T) {
      if (self._droppedAt) return self._comeBackLater();
      return self._close(2000, 'All transports failed', false);
    }
    var n = ++self._attempt;
    if (T.needBody && !bodyReady()) {
      self._candidates.unshift(T);
      g.addEventListener('load', function () {
        if (n == self._attempt) self._connect();
      });
      return;
    }
    self._openTimer = setTimeout(function () {
      if (n == self._attempt && (self.readyState == CONNECTING || self._droppedAt)) {
        if (self._transport) self._transport.close();
        self._transportClosed(2007, 'Transport timed out');
      }
    }, transportTimeout(self._rto, T.roundTrips, self._options.timeout || 0));
    var session = self._session = addPath(self._base, '/' + self._server + '/' + self._newSessionId()),
      J = self._journal as Journal, R = self._resume;
    var link: Link = {
      resumable: !!R,
      receiveUrl: function (suffix) {
        var url = addPath(session, suffix), fb = self._fallbacks;
        if (R) url = addQuery(url, J.receiveQuery());
        // (only while connecting: the list is emptied on open)
        if (fb.length) url = addQuery(url, 'fallback=' + fb.join(','));
        return self._withQuery(url);
      },
      sendUrl: function (suffix, b: Batch) {
        var url = addPath(session, suffix);
        return self._withQuery(R ? addQuery(url, J.sendQuery(b.seq)) : url);
      },
      frame: function (f) {
        if (n == self._attempt) self._frame(f);
      },
      closed: function (code, reason) {
        if (n == self._attempt) self._transportClosed(code, reason);
      },
      batch: function (socket) {
        if (n != self._attempt || self.readyState != OPEN || self._droppedAt) return null;
        self._lastSend = Date.now();
        var b = socket ? J.socketBatch() : J.httpBatch();
        // plain SockJS: what is sent is gone (at most once)
        if (!R) {
          if (b) J.acceptedUpTo(b.seq + b.quoted.length - 1);
        } else if (!b && !socket && self._ackDue(STREAM_ACK_SHARE)) {
          // an empty send: an acknowledgement, and a heartbeat
          b = { seq: J.nextSeq, quoted: [] };
        }
        if (b) self._pingDue = false;
        return b;
      },
      sent: function (b, certain) {
        if (certain && b.quoted.length) J.acceptedUpTo(b.seq + b.quoted.length - 1);
      },
      control: function () {
        if (!R || n != self._attempt || !self._ackDue(SOCKET_ACK_SHARE)) return null;
        self._pingDue = false;
        self._lastSend = Date.now();
        J.acked = J.received;
        return '{"ack":' + J.received + '}';
      }
    };
    var tr = T.open(link);
    if (n == self._attempt) {
      self._transport = tr;
      self._transportFactory = T;
    }
  }

  private _frame(raw: string): void {
    var self = this, f: Frame | null = parseFrame(raw), n = self._attempt, J = self._journal as Journal,
      ms = self._options.heartbeatTimeout || (self._resume ? RESUME_HEARTBEAT_TIMEOUT : 0);
    if (ms && (self.readyState == OPEN || f && f.type == 'o')) {
      clearTimeout(self._silenceTimer);
      self._silenceTimer = setTimeout(function () {
        if (n != self._attempt) return;
        if (self._transport) self._transport.close();
        self._transportClosed(1006, 'Heartbeat timeout');
      }, ms);
    }
    if (!f) return;
    if (f.type == 'x') {
      if (f.token) J.token = f.token;
      if (f.resumed) J.resumed(f.accepted || 0);
    }
    // Coming back: the session took this request (its first frame says how
    // much it accepted; should that answer have been lost, any frame still
    // says the session is there).
    if (self._droppedAt && f.type != 'c') self._resumed();
    switch (f.type) {
      case 'o':
        if (self.readyState == CONNECTING) {
          J.opened = true;
          self._reconnects = 0;
          self._fallbacks = [];
          self._lastSend = Date.now();
          self._live('open');
        } else {
          // the server was restarted and lost our session
          self._close(1006, 'Server lost session');
        }
        break;
      case 'h':
        self._emit('heartbeat');
        break;
      case 'c':
        // 1012, the server restarts: a drop like any other (resumed where the session lives on)
        if (f.code != 1012) return self._close(f.code, f.reason, true);
        if (self._transport) self._transport.close();
        self._transportClosed(1012, f.reason);
        break;
      case 'a':
        if (f.accepted != null) J.acceptedUpTo(f.accepted);
        J.received += f.messages.length;
        for (var i = 0; i < f.messages.length && self.readyState == OPEN; i++) {
          // Messages are strings; what a server that breaks the protocol
          // sends instead arrives as its JSON text.
          var m = f.messages[i];
          self.dispatchEvent({ type: 'message', data: typeof m == 'string' ? m : JSON.stringify(m) } as SockJSMessageEvent);
        }
        if (J.unacked()) self._schedulePing();
        break;
    }
  }

  /**
   * Resumable: a heartbeat or an acknowledgement is due: the timer says so,
   * or 1/`share` of the server's window waits (polls acknowledge by
   * themselves).
   */
  private _ackDue(share: number): boolean {
    var J = this._journal as Journal, R = this._resume as ResumeInfo;
    return !!this._pingDue || J.unacked() * share >= R.windowMessages;
  }

  /** Resumable: keeps heartbeats and acknowledgements going while open. */
  private _schedulePing(): void {
    var self = this, R = self._resume, J = self._journal;
    if (!R || !J || self.readyState != OPEN) return;
    clearTimeout(self._pingTimer);
    var streaming = !!(self._transportFactory && self._transportFactory.streaming),
      ack = streaming && J.unacked(),
      wait = Math.max(0, Math.min(ack ? R.ackMs : 1 / 0, self._lastSend + R.heartbeatMs - Date.now()));
    self._pingTimer = setTimeout(function () {
      if (self.readyState != OPEN) return;
      if (ack || Date.now() - self._lastSend >= R!.heartbeatMs) self._pingDue = true;
      if (self._transport && !self._droppedAt) self._transport.wake();
      self._schedulePing();
    }, wait);
  }

  /** Forgets the current transport attempt: its callbacks and timers. Returns the transport. */
  private _dropTransport(): Transport | null | undefined {
    var tr = this._transport;
    this._attempt++;
    clearTimeout(this._openTimer);
    clearTimeout(this._silenceTimer);
    this._transport = null;
    return tr;
  }

  /** The transport ended by itself (or timed out). */
  private _transportClosed(code: number, reason: string): void {
    this._dropTransport();
    if (this.readyState == CONNECTING && !final(code)) {
      // (at most one per transport: a round ends when all have failed)
      this._fallbacks.push((this._transportFactory as TransportFactory).transportName + '.' + code);
      return this._connect();
    }
    if (this._journal && this._journal.token && this.readyState == OPEN && !final(code)) {
      return this._dropped(code, reason);
    }
    this._close(code, reason);
  }

  /** Resumable: the connection dropped while open: come back to the session. */
  private _dropped(code: number, reason: string): void {
    var self = this;
    if (self._droppedAt) {
      // this try failed: the next transport now, else another round later
      return self._candidates.length ? self._connect() : self._comeBackLater();
    }
    self._droppedAt = Date.now();
    self._resumeTries = 0;
    (self as any).transport = null;
    clearTimeout(self._pingTimer);
    self.dispatchEvent({ type: 'reconnecting', code: code, reason: reason } as SockJSReconnectingEvent);
    if (self.readyState == OPEN) self._comeBackLater();
  }

  /** Resumable: another try in a moment, the transport that dropped first; within the window. */
  private _comeBackLater(): void {
    var self = this, R = self._resume as ResumeInfo, left = (self._droppedAt as number) + R.windowMs - Date.now(),
      wait = Math.min(RESUME_PAUSE_MAX, left, self._resumeTries ? RESUME_PAUSE * Math.pow(2, self._resumeTries - 1) : 0);
    if (left <= 0) return self._close(2011, 'Resume failed: window expired');
    self._resumeTries++;
    var all = self._allowed, i = Math.max(0, all.indexOf(self._transportFactory as TransportFactory));
    // the transport that worked first, then the others in their order
    self._candidates = all.slice(i).concat(all.slice(0, i));
    clearTimeout(self._reconnectTimer);
    self._reconnectTimer = setTimeout(function () {
      if (self.readyState == OPEN && self._droppedAt) self._connect();
    }, wait);
  }

  /** Resumable: the session took this request back. */
  private _resumed(): void {
    this._droppedAt = 0;
    this._live('resumed');
    if (this._transport) this._transport.wake();
  }

  /** The transport in use opened (`open`) or came back (`resumed`). */
  private _live(event: string): void {
    clearTimeout(this._openTimer);
    this._set(OPEN, this._transportFactory && this._transportFactory.transportName);
    this._emit(event);
    this._schedulePing();
  }

  private _close(code: number, reason: string, wasClean?: boolean): void {
    // failed: closed before /info answered (that request is cancelled; `error` comes before `close`)
    var self = this, failed = self._cancelInfo, tr = self._dropTransport(), r = self._options.reconnect,
      ro: ReconnectOptions | false = r === true ? {} : r || false;
    if (failed) failed();
    self._cancelInfo = null;
    clearTimeout(self._reconnectTimer);
    clearTimeout(self._pingTimer);
    self._droppedAt = 0;
    if (tr) tr.close();
    self._set(CLOSING, null);
    later(function () {
      var e: SockJSCloseEvent = { type: 'close', code: code || 1000, reason: reason, wasClean: !!wasClean, willReconnect: false };
      self._set(CLOSED);
      if (failed) self._emit('error');
      if (ro && !self._closedByUser && self._reconnects < (ro.retries == null ? 1 / 0 : ro.retries) &&
          (ro.shouldReconnect ? ro.shouldReconnect(e) : !userCode(e.code) && (e.code | 1) != 1009)) {
        e.willReconnect = true;
        self._set(CONNECTING);
        self._reconnectTimer = setTimeout(function () { self._start(); },
          Math.min(ro.maxDelay || 30000, (ro.minDelay || 1000) * Math.pow(ro.factor || 2, self._reconnects++)) *
          (1 - (ro.jitter == null ? 0.5 : ro.jitter) * Math.random()));
      }
      self.dispatchEvent(e);
      if (self.readyState == CLOSED) {
        self.onmessage = self.onclose = self.onerror = self.onreconnecting = self.onresumed = null;
      }
    });
  }
}

var proto = SockJS.prototype as any;
proto.CONNECTING = CONNECTING;
proto.OPEN = OPEN;
proto.CLOSING = CLOSING;
proto.CLOSED = CLOSED;
