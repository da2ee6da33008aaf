/**
 * The iframe side of sockjs-client's iframe transports (`iframe-eventsource`,
 * `iframe-htmlfile`, `iframe-xhr-polling`, and the info request of browsers
 * without CORS). The server's `iframe.html` page loads this client and calls
 * `SockJS.bootstrap_iframe()`; a page on another origin embeds that page and
 * drives a transport inside it, same-origin with the server, by postMessage:
 *
 * - messages are JSON `{"windowId": <the iframe URL's #fragment>, "type", "data"}`;
 * - the iframe posts `s` when ready; the parent answers `s` with
 *   `[version, transport, transUrl, baseUrl]`; the iframe then posts each frame
 *   as `t` and, when the transport ends, `c` with `[code, reason]`;
 * - the parent posts `m` (a quoted message to send) and `c` (close).
 *
 * Only the page's parent window is listened to, and only from the origin of
 * its first message; frames are posted to that origin only. The version the
 * parent names is not compared with ours: the wire protocol is the same.
 * @internal
 */
import { ajaxInfo } from './transports/ajax.js';
import { eventSource } from './transports/eventsource.js';
import { htmlfile } from './transports/htmlfile.js';
import type { Transport, TransportFactory } from './transports/types.js';
import { xhrPolling } from './transports/xhr-polling.js';
import { addPath, g, noop, urlOrigin } from './util.js';

/** The transports a parent can ask for, by sockjs-client's names for them. */
var INSIDE: TransportFactory[] = [eventSource, htmlfile, xhrPolling];
/** sockjs-client's name for the info request made inside the iframe. */
var INFO = 'iframe-info-receiver';

interface Envelope {
  windowId: string;
  type: string;
  data: string;
}

export function bootstrapIframe(): void {
  var windowId = (g.location.hash || '').slice(1), parentOrigin: string | null = null,
    active: Transport | null = null, here = urlOrigin(g.location.href), queue: string[] = [];

  function post(type: string, data?: string) {
    var message = JSON.stringify({ windowId: windowId, type: type, data: data || '' });
    // `s` goes out before the parent is known; everything else only to it
    g.parent.postMessage(message, type == 's' || !parentOrigin ? '*' : parentOrigin);
  }

  function closed(code: number, reason: string) {
    active = null;
    post('c', JSON.stringify([code, reason]));
  }

  function start(args: unknown) {
    var p = args as [string, string, string, string];
    if (!Array.isArray(p) || typeof p[1] != 'string' || typeof p[2] != 'string' || typeof p[3] != 'string') return;
    var name = p[1], transUrl = p[2], baseUrl = p[3];
    if (urlOrigin(transUrl) !== here || urlOrigin(baseUrl) !== here) {
      return closed(1002, "Can't connect to a different origin from within an iframe");
    }
    if (active) active.close();
    active = null;
    if (name == INFO) {
      ajaxInfo(transUrl, function (info, rtt) {
        post('t', JSON.stringify([info, rtt]));
        closed(1000, 'Normal closure');
      });
      return;
    }
    for (var i = 0; i < INSIDE.length; i++) {
      var T = INSIDE[i];
      if (T.transportName == name) {
        queue = [];
        var url = function (suffix: string) { return addPath(transUrl, suffix); };
        var mine = T.open({
          resumable: false,
          receiveUrl: url,
          sendUrl: url,
          frame: function (frame) {
            if (active === mine) post('t', frame);
          },
          closed: function (code, reason) {
            if (active === mine) closed(code, reason);
          },
          batch: function () {
            var q = queue;
            queue = [];
            return q.length ? { seq: 0, quoted: q } : null;
          },
          sent: noop,
          control: function () { return null; }
        });
        active = mine;
        return;
      }
    }
    closed(1002, 'Unknown transport ' + name);
  }

  function onMessage(e: MessageEvent) {
    var m: Envelope;
    if (e.source !== g.parent) return;
    if (parentOrigin == null) parentOrigin = e.origin;
    if (e.origin !== parentOrigin) return;
    try {
      m = JSON.parse(e.data);
    } catch (x) {
      return;
    }
    if (!m || m.windowId !== windowId) return;
    if (m.type == 's') {
      try {
        start(JSON.parse(m.data));
      } catch (x) {
        // not JSON: ignored, as sockjs-client does
      }
    } else if (m.type == 'm') {
      // a message the parent quoted
      queue.push(m.data);
      if (active) active.wake();
    } else if (m.type == 'c') {
      if (active) active.close();
      active = null;
    }
  }

  if (g.parent === g) return; // not in a frame: nobody to talk to
  g.addEventListener('message', onMessage, false);
  post('s');
}
