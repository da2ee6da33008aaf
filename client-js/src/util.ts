/**
 * The environment. Every browser API (XMLHttpRequest, WebSocket, EventSource,
 * document, location, crypto) is read from the global object when it is used,
 * never captured at load time, so the unit tests can run the built bundle in a
 * context whose globals are fakes, and a page that deletes `window.WebSocket`
 * before connecting gets the fallback. Timers and `Date.now` are the global
 * ones for the same reason.
 *
 * No `global`, no `process`: this must load as-is under any bundler.
 * @internal
 */
export var g: any =
  typeof globalThis != 'undefined' ? globalThis :
  typeof self != 'undefined' ? self :
  typeof window != 'undefined' ? window : {};

/** A function that does nothing (old IE will not accept `null` for XHR handlers). */
export function noop(): void {}

/** Inserts `path` before the query string of `url`, as sockjs-client does. */
export function addPath(url: string, path: string): string {
  var i = url.indexOf('?');
  return i < 0 ? url + path : url.slice(0, i) + path + url.slice(i);
}

/** Appends the query `q` (already encoded, may be empty) to `url`. */
export function addQuery(url: string, q: string): string {
  return q ? url + (url.indexOf('?') < 0 ? '?' : '&') + q : url;
}

var CHARS = 'abcdefghijklmnopqrstuvwxyz012345';

/** `n` random characters from a 32-letter alphabet; crypto-strong where the browser has it. */
export function randomString(n: number): string {
  var s = '', b: Uint8Array | null = null;
  try {
    b = g.crypto.getRandomValues(new Uint8Array(n));
  } catch (e) {
    // no crypto: Math.random it is
  }
  for (var i = 0; i < n; i++) s += CHARS.charAt((b ? b[i] : Math.random() * 256) & 31);
  return s;
}

/** Calls `f` asynchronously (callbacks must never run inside the call that set them up). */
export function later(f: () => void): void {
  setTimeout(f, 0);
}

/** https://host/path/ -> [protocol, host, path without trailing slashes, query, fragment] */
export var URL_RE = /^([a-z][a-z\d+.-]*:)\/\/([^\/?#]+)([^?#]*)([^#]*)(#.*)?$/i;

/** `scheme//host:port`, lowercase, with the scheme's default port written out. */
export function origin(protocol: string, host: string): string {
  return (protocol + '//' + host + (/:\d+$/.test(host) ? '' : protocol == 'https:' ? ':443' : ':80')).toLowerCase();
}

/** The origin of an absolute URL, or null when it is not one. */
export function urlOrigin(url: string): string | null {
  var m = URL_RE.exec(url);
  return m ? origin(m[1], m[2]) : null;
}
