/**
 * The SockJS protocol as a client sees it: frames, message quoting, the
 * `/info` request, and the negotiation that turns its answer and the measured
 * round trip into the list of transports to try and how long to give each.
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
  /** Client side: XMLHttpRequest can reach the server (same origin, or CORS support). */
  xhr?: boolean;
  [key: string]: unknown;
}

/** Codes an application may pass to `close()`: 1000 and 3000-4999. */
export function userCode(code: number): boolean {
  return code === 1000 || (code >= 3000 && code <= 4999);
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

/**
 * Parses one frame: `o` open, `h` heartbeat, `a[...]` messages, `m"..."`
 * (old single message), `c[code,"reason"]` close. Returns the type and
 * payload, or null for a frame to ignore (bad JSON, wrong shape, unknown type).
 */
export function parseFrame(frame: string): [string, any?] | null {
  var t = frame.charAt(0), d: any;
  if (t == 'o' || t == 'h') return [t];
  try {
    d = JSON.parse(frame.slice(1));
  } catch (e) {
    return null;
  }
  return (t == 'a' && Array.isArray(d)) || t == 'm' || (t == 'c' && Array.isArray(d) && d.length == 2) ? [t, d] : null;
}

/**
 * The transports to try, in order: those named in `allow` in that order
 * (unknown names ignored), or all of `all` in its order; minus those the
 * browser cannot run, and websocket when the server said `websocket: false`.
 */
export function pickTransports(all: TransportFactory[], allow: string | string[] | undefined, info: Info): TransportFactory[] {
  var names = allow ? (typeof allow == 'string' ? [allow] : allow) : [], out: TransportFactory[] = [];
  if (!names.length) names = all.map(function (t) { return t.transportName; });
  for (var i = 0; i < names.length; i++) {
    for (var j = 0; j < all.length; j++) {
      var t = all[j];
      if (t.transportName === names[i] && out.indexOf(t) < 0 &&
          !(t.transportName == 'websocket' && info.websocket === false) && t.enabled(info)) out.push(t);
    }
  }
  return out;
}
