/**
 * The SockJS protocol as a client sees it, as pure functions (no I/O, no
 * timers): frames, message quoting, the negotiation that turns `/info` and the
 * measured round trip into the transports to try and how long to give each,
 * and the resume extension's settings (docs/resume.md).
 * @internal
 */
import type { TransportFactory } from './transports/types.js';

/** The answer of `GET <base>/info`, plus what the client knows about the URL. */
export interface Info {
  websocket?: boolean;
  cookie_needed?: boolean;
  origins?: string[];
  entropy?: number;
  base_url?: string;
  resume?: unknown;
  /** Client side: XMLHttpRequest can reach the server (same origin, or CORS support). */
  xhr?: boolean;
  [key: string]: unknown;
}

/** A frame from the server; `type` is its letter (messages: `a`, also for `m` and `q`). */
export type Frame =
  | { type: 'o' }
  | { type: 'h' }
  /** `a[...]`, `m"..."`, and the resume extension's `q[N,...]` (`accepted` = N). */
  | { type: 'a'; messages: string[]; accepted?: number }
  /** The resume extension's `x{...}`. */
  | { type: 'x'; token?: string; resumed?: boolean; accepted?: number }
  | { type: 'c'; code: number; reason: string };

/** What a server offers of the resume extension. */
export interface ResumeInfo {
  windowMs: number;
  heartbeatMs: number;
  ackMs: number;
  windowMessages: number;
}

/** Codes an application may pass to `close()`: 1000 and 3000-4999. */
export function userCode(code: number): boolean {
  return code === 1000 || (code >= 3000 && code <= 4999);
}

/**
 * The close code for an HTTP refusal the server explains with its status and
 * text, else 0: 1008 (policy: 401, 403), 1009 (too big: 413 a body; 414, 431
 * the request that opens a session, by its URL or its headers), 1013 (try
 * again later: 429, 503). Such a close is final: no other transport, no resume.
 */
export function refusal(status: number): number {
  return status == 401 || status == 403 ? 1008 : status == 413 || status == 414 || status == 431 ? 1009 : status == 429 || status == 503 ? 1013 : 0;
}

/** A close that no other transport or resume can help: the application's, all failed, a refusal. */
export function final(code: number): boolean {
  return userCode(code) || code == 2000 || code == 2011 || code == 1008 || code == 1009 || code == 1013;
}

/**
 * Retransmission timeout from a round trip time, as sockjs-client computes it
 * (RFC 2988 flavoured, with a floor of 300 ms for slow old browsers).
 */
export function rto(rtt: number): number {
  return rtt > 100 ? 4 * rtt : 300 + rtt;
}

/** How long a transport may take to open: `roundTrips` RTOs, at least the user's `timeout`, 5 s when the RTO is unknown. */
export function transportTimeout(rtoMs: number, roundTrips: number, userTimeout: number): number {
  return Math.max(userTimeout, rtoMs * roundTrips || 5000);
}

/**
 * Quotes a message for sending: JSON, with everything outside printable ASCII
 * escaped as \uXXXX, so no proxy, charset guess or form encoding (jsonp_send)
 * can mangle it, and lone surrogates survive as escapes.
 */
export function quote(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, function (c) {
    return '\\u' + ('000' + c.charCodeAt(0).toString(16)).slice(-4);
  });
}

/** Parses one frame; null for a frame to ignore (bad JSON, wrong shape, unknown type). */
export function parseFrame(frame: string): Frame | null {
  var t = frame.charAt(0), d: any;
  if (t == 'o' || t == 'h') return { type: t };
  try {
    d = JSON.parse(frame.slice(1));
  } catch (e) {
    return null;
  }
  // (message values are made strings when dispatched)
  if (t == 'a' && Array.isArray(d)) return { type: t, messages: d };
  if (t == 'm') return { type: 'a', messages: [d] };
  if (t == 'q' && Array.isArray(d) && typeof d[0] == 'number') return { type: 'a', messages: d.slice(1), accepted: d[0] };
  if (t == 'x' && d && typeof d == 'object') {
    return {
      type: t,
      token: typeof d['token'] == 'string' ? d['token'] : undefined,
      resumed: d['resumed'] === true,
      accepted: typeof d['in'] == 'number' ? d['in'] : undefined
    };
  }
  if (t == 'c' && Array.isArray(d) && d.length == 2) return { type: t, code: d[0], reason: d[1] };
  return null;
}

/** The resume extension's settings from `/info`, or null when it is not offered (or not understood). */
export function resumeInfo(info: Info): ResumeInfo | null {
  var r: any = info['resume'];
  if (!r || typeof r != 'object' || r['version'] !== 1) return null;
  return {
    windowMs: r['window_ms'] || 30000,
    heartbeatMs: r['heartbeat_ms'] || 5000,
    ackMs: r['ack_ms'] || 200,
    windowMessages: r['window_messages'] || 1024
  };
}

/**
 * The transports to try, in order: those named in `allow` in that order
 * (unknown names ignored), or all of `all` in its order; minus those the
 * browser cannot run, and websocket when the server said `websocket: false`.
 */
export function pickTransports(all: TransportFactory[], allow: string | ReadonlyArray<string> | undefined, info: Info): TransportFactory[] {
  var names: string[] = allow && allow.length ? ([] as string[]).concat(allow) : all.map(function (t) { return t.transportName; }),
    out: TransportFactory[] = [];
  for (var i = 0; i < names.length; i++) {
    for (var j = 0; j < all.length; j++) {
      var t = all[j];
      if (t.transportName === names[i] && out.indexOf(t) < 0 &&
          !(t.transportName == 'websocket' && info.websocket === false) && t.enabled(info)) out.push(t);
    }
  }
  return out;
}
