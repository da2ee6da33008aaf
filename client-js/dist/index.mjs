/*! actix-sockjs-client 0.1.0 | MIT OR Apache-2.0 */
/** Codes an application may pass to `close()`: 1000 and 3000-4999. */
function userCode(code) {
    return code === 1000 || (code >= 3000 && code <= 4999);
}
/**
 * Retransmission timeout from a round trip time, as sockjs-client computes it
 * (RFC 2988 flavoured, with a floor of 300 ms for slow old browsers).
 */
function rto(rtt) {
    return rtt > 100 ? 4 * rtt : 300 + rtt;
}
/** How long a transport may take to open: `roundTrips` RTOs, at least the user's `timeout`, 5 s when the RTO is unknown. */
function transportTimeout(rtoMs, roundTrips, userTimeout) {
    return Math.max(userTimeout, rtoMs * roundTrips || 5000);
}
/**
 * Quotes a message for sending: JSON, with everything outside printable ASCII
 * escaped as \uXXXX, so no proxy, charset guess or form encoding (jsonp_send)
 * can mangle it, and lone surrogates survive as escapes.
 */
function quote(s) {
    return JSON.stringify(s).replace(/[\u007f-\uffff]/g, function (c) {
        return '\\u' + ('000' + c.charCodeAt(0).toString(16)).slice(-4);
    });
}
/**
 * Parses one frame: `o` open, `h` heartbeat, `a[...]` messages, `m"..."`
 * (old single message), `c[code,"reason"]` close. Returns the type and
 * payload, or null for a frame to ignore (bad JSON, wrong shape, unknown type).
 */
function parseFrame(frame) {
    var t = frame.charAt(0), d;
    if (t == 'o' || t == 'h')
        return [t];
    try {
        d = JSON.parse(frame.slice(1));
    }
    catch (e) {
        return null;
    }
    return (t == 'a' && Array.isArray(d)) || t == 'm' || (t == 'c' && Array.isArray(d) && d.length == 2) ? [t, d] : null;
}
/**
 * The transports to try, in order: those named in `allow` in that order
 * (unknown names ignored), or all of `all` in its order; minus those the
 * browser cannot run, and websocket when the server said `websocket: false`.
 */
function pickTransports(all, allow, info) {
    var names = allow ? (typeof allow == 'string' ? [allow] : allow) : [], out = [];
    if (!names.length)
        names = all.map(function (t) { return t.transportName; });
    for (var i = 0; i < names.length; i++) {
        for (var j = 0; j < all.length; j++) {
            var t = all[j];
            if (t.transportName === names[i] && out.indexOf(t) < 0 &&
                !(t.transportName == 'websocket' && info.websocket === false) && t.enabled(info))
                out.push(t);
        }
    }
    return out;
}

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
var g = typeof globalThis != 'undefined' ? globalThis :
    typeof self != 'undefined' ? self :
        typeof window != 'undefined' ? window : {};
/** A function that does nothing (old IE will not accept `null` for XHR handlers). */
function noop() { }
/** Inserts `path` before the query string of `url`, as sockjs-client does. */
function addPath(url, path) {
    var i = url.indexOf('?');
    return i < 0 ? url + path : url.slice(0, i) + path + url.slice(i);
}
/** Appends the query `q` (already encoded, may be empty) to `url`. */
function addQuery(url, q) {
    return q ? url + (url.indexOf('?') < 0 ? '?' : '&') + q : url;
}
var CHARS = 'abcdefghijklmnopqrstuvwxyz012345';
/** `n` random characters from a 32-letter alphabet; crypto-strong where the browser has it. */
function randomString(n) {
    var s = '', b = null;
    try {
        b = g.crypto.getRandomValues(new Uint8Array(n));
    }
    catch (e) {
        // no crypto: Math.random it is
    }
    for (var i = 0; i < n; i++)
        s += CHARS.charAt((b ? b[i] : Math.random() * 256) & 31);
    return s;
}
/** Calls `f` asynchronously (callbacks must never run inside the call that set them up). */
function later(f) {
    setTimeout(f, 0);
}
/** https://host/path/ -> [protocol, host, path without trailing slashes, query, fragment] */
var URL_RE = /^([a-z][a-z\d+.-]*:)\/\/([^\/?#]+)([^?#]*)([^#]*)(#.*)?$/i;
/** `scheme//host:port`, lowercase, with the scheme's default port written out. */
function origin(protocol, host) {
    return (protocol + '//' + host + (/:\d+$/.test(host) ? '' : protocol == 'https:' ? ':443' : ':80')).toLowerCase();
}
/** The origin of an absolute URL, or null when it is not one. */
function urlOrigin(url) {
    var m = URL_RE.exec(url);
    return m ? origin(m[1], m[2]) : null;
}

/**
 * XMLHttpRequest helpers shared by xhr-streaming, xhr-polling, eventsource
 * (for sending) and the /info request.
 * @internal
 */
/**
 * Sends a request; `done(status, responseText)` once at the end (status 0 on
 * a network error), `chunk(responseTextSoFar)` as a 200 response streams in.
 * Adds `t=<now>` against caches, and `withCredentials` for cookies (sticky
 * sessions) where XHR does CORS. Returns a function that aborts silently.
 */
function ajax(method, url, body, done, chunk) {
    var x = null;
    function finish(status, text) {
        if (x) {
            x.onreadystatechange = noop;
            x = null;
            done(status, text);
        }
    }
    try {
        x = new g.XMLHttpRequest();
        x.open(method, addQuery(url, 't=' + Date.now()), true);
        if ('withCredentials' in x)
            x.withCredentials = true;
        x.onreadystatechange = function () {
            var s = 0, t = '', r = x && x.readyState;
            if (r > 2) {
                try {
                    s = x.status;
                    t = x.responseText;
                }
                catch (e) {
                    // old IE cannot read these at readyState 3
                }
                if (r == 4)
                    finish(s == 1223 ? 204 : s, t || '');
                else if (s == 200 && t && chunk)
                    chunk(t);
            }
        };
        x.send(body);
    }
    catch (e) {
        later(function () { finish(0, ''); });
    }
    return function () {
        var y = x;
        x = null;
        if (y) {
            y.onreadystatechange = noop;
            try {
                y.abort();
            }
            catch (e) {
                // nothing to abort
            }
        }
    };
}
/** Whether XHR can reach a server: same origin, or an XHR with CORS (`withCredentials`). */
function xhrUsable(sameOrigin) {
    var X = g.XMLHttpRequest;
    try {
        return !!X && (sameOrigin || 'withCredentials' in new X());
    }
    catch (e) {
        return false;
    }
}
/** `enabled()` of the XHR-based transports. */
function xhrEnabled(info) {
    return !!info.xhr;
}
/**
 * Receives frames from a streaming or polling response, one per line (lines
 * that are complete only), as they arrive. `done(true)` when the response ended
 * with 200 (poll again), `done(false)` otherwise.
 */
function xhrReceive(url, onFrame, done) {
    var pos = 0;
    function lines(text) {
        for (var i; (i = text.indexOf('\n', pos)) >= 0;) {
            var f = text.slice(pos, i);
            pos = i + 1;
            if (f)
                onFrame(f);
        }
    }
    return ajax('POST', url, null, function (status, text) {
        if (status == 200)
            lines(text);
        done(status == 200);
    }, lines);
}
/** Posts a batch of messages to `<session>/xhr_send`; `done('')` on 200/204, `done(error)` otherwise. */
function xhrSend(url, payload, done) {
    return ajax('POST', url, payload, function (status) {
        done(status == 200 || status == 204 ? '' : 'http status ' + status);
    });
}
/** How long the /info request may take. */
var INFO_TIMEOUT = 8000;
/**
 * `GET <url>` (the info URL) with a timeout. Calls back once with the parsed
 * object (`{}` if not an object) and the round trip in ms, or with nothing on
 * failure. Returns a function that cancels.
 */
function ajaxInfo(url, cb) {
    var start = Date.now(), timer = setTimeout(function () {
        abort();
        cb();
    }, INFO_TIMEOUT), abort = ajax('GET', url, null, function (status, text) {
        clearTimeout(timer);
        var info;
        if (status != 200)
            return cb();
        try {
            info = JSON.parse(text);
        }
        catch (e) {
            // an answer that is not JSON still means the server is there
        }
        cb(info && typeof info == 'object' ? info : {}, Date.now() - start);
    });
    return function () {
        clearTimeout(timer);
        abort();
    };
}

/**
 * The machinery of every transport but websocket: a receive loop (one
 * long-lived streaming request, or one poll after another) and a buffered
 * sender that posts queued messages as one JSON array, one request at a time.
 * @internal
 */
/** Normal ends in a row with no frame before the receive loop gives up (a server answering 200 and nothing). */
var EMPTY_LIMIT = 3;
/** Pause after a send before the next, so that replies to a burst get batched (as sockjs-client does). */
var SEND_PAUSE = 25;
function pollingTransport(url, onFrame, onClose, recvSuffix, receive, sendSuffix, send) {
    var closed = false, empty = 0, queue = [], stopRecv, stopSend = null;
    function fail(reason) {
        if (!closed) {
            close();
            onClose(1006, reason);
        }
    }
    function poll() {
        var got = false;
        try {
            stopRecv = receive(url(recvSuffix), function (f) {
                got = true;
                empty = 0;
                onFrame(f);
            }, function (ok) {
                if (closed)
                    return;
                if (ok && (got || ++empty < EMPTY_LIMIT))
                    poll();
                else
                    fail(ok ? 'Receiver got nothing' : 'Receiver error');
            });
        }
        catch (e) {
            stopRecv = noop;
            later(function () { fail('Receiver error'); });
        }
    }
    function flush() {
        if (queue.length && !stopSend && !closed) {
            var payload = '[' + queue.join(',') + ']';
            queue = [];
            stopSend = send(url(sendSuffix), payload, function (err) {
                stopSend = null;
                if (err)
                    return fail('Sending error: ' + err);
                var t = setTimeout(function () {
                    stopSend = null;
                    flush();
                }, SEND_PAUSE);
                stopSend = function () { clearTimeout(t); };
            });
        }
    }
    function close() {
        closed = true;
        stopRecv();
        if (stopSend)
            stopSend();
    }
    poll();
    return {
        send: function (m) {
            queue.push(m);
            flush();
        },
        close: close
    };
}

/** eventsource: frames as `data:` lines of a text/event-stream; sends via `xhr_send`. @internal */
function receive$2(url, onFrame, done) {
    var es = new g.EventSource(url);
    function stop() {
        es.onmessage = es.onerror = noop;
        es.close();
    }
    es.onmessage = function (e) {
        var f = e.data;
        try {
            // servers percent-escape '%', CR, LF and NUL inside event data
            f = decodeURI(f);
        }
        catch (x) {
            // not escaped after all
        }
        onFrame(f);
    };
    es.onerror = function () {
        // CLOSED (2): refused for good; otherwise the stream ended and may be re-opened
        var ok = es.readyState != 2;
        stop();
        done(ok);
    };
    return stop;
}
var eventSource = {
    transportName: 'eventsource',
    roundTrips: 2,
    enabled: function (info) {
        return !!g.EventSource && xhrEnabled(info);
    },
    open: function (url, onFrame, onClose) {
        return pollingTransport(url, onFrame, onClose, '/eventsource', receive$2, '/xhr_send', xhrSend);
    }
};

/**
 * htmlfile: the "forever iframe". A hidden iframe loads `htmlfile?c=<name>`,
 * a page the server keeps open, writing one `<script>p("<frame>")</script>`
 * per frame; the page calls back `parent.<name>.start()`, `.message(frame)` and
 * `.stop()`. Same origin only, so it is used inside the iframe page (the
 * `iframe-htmlfile` transport of sockjs-client), not offered by the facade.
 * Sends via `xhr_send`.
 * @internal
 */
/**
 * Name of the global object holding the open receivers' callbacks (no leading
 * underscore: the minifier renames such properties, and the server's page
 * names this one).
 */
var CALLBACKS$1 = 'SockJS_htmlfile';
/** A page that never calls `start()` (a proxy's error page, a blocked frame) is given up after this long. */
var START_TIMEOUT = 15000;
function receive$1(url, onFrame, done) {
    var d = g.document, id = 'a' + randomString(6), cbs = g[CALLBACKS$1] || (g[CALLBACKS$1] = {}), frame = d.createElement('iframe'), timer;
    function stop() {
        var f = frame;
        frame = null;
        clearTimeout(timer);
        delete cbs[id];
        if (f) {
            f.onerror = null;
            f.src = 'about:blank';
            if (f.parentNode)
                f.parentNode.removeChild(f);
        }
        return !!f;
    }
    function end(ok) {
        if (stop())
            done(ok);
    }
    cbs[id] = {
        start: function () { clearTimeout(timer); },
        message: function (f) { if (frame)
            onFrame(f); },
        // the page finished loading: the response ended (response limit, close frame)
        stop: function () { end(true); }
    };
    frame.onerror = function () { end(false); };
    frame.style.display = 'none';
    frame.src = addQuery(url, 'c=' + CALLBACKS$1 + '.' + id);
    timer = setTimeout(function () { end(false); }, START_TIMEOUT);
    d.body.appendChild(frame);
    return stop;
}
var htmlfile = {
    transportName: 'htmlfile',
    roundTrips: 2,
    needBody: true,
    enabled: function () {
        return !!g.document;
    },
    open: function (url, onFrame, onClose) {
        return pollingTransport(url, onFrame, onClose, '/htmlfile', receive$1, '/xhr_send', xhrSend);
    }
};

/** xhr-polling: one POST to `xhr` per frame; sends via `xhr_send`. @internal */
var xhrPolling = {
    transportName: 'xhr-polling',
    roundTrips: 2, // CORS preflight, request
    enabled: xhrEnabled,
    open: function (url, onFrame, onClose) {
        return pollingTransport(url, onFrame, onClose, '/xhr', xhrReceive, '/xhr_send', xhrSend);
    }
};

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
/** The transports a parent can ask for, by sockjs-client's names for them. */
var INSIDE = [eventSource, htmlfile, xhrPolling];
/** sockjs-client's name for the info request made inside the iframe. */
var INFO = 'iframe-info-receiver';
function bootstrapIframe() {
    var windowId = (g.location.hash || '').slice(1), parentOrigin = null, active = null, here = urlOrigin(g.location.href);
    function post(type, data) {
        var message = JSON.stringify({ windowId: windowId, type: type, data: data || '' });
        // `s` goes out before the parent is known; everything else only to it
        g.parent.postMessage(message, type == 's' || !parentOrigin ? '*' : parentOrigin);
    }
    function closed(code, reason) {
        active = null;
        post('c', JSON.stringify([code, reason]));
    }
    function start(args) {
        var p = args;
        if (!Array.isArray(p) || typeof p[1] != 'string' || typeof p[2] != 'string' || typeof p[3] != 'string')
            return;
        var name = p[1], transUrl = p[2], baseUrl = p[3];
        if (urlOrigin(transUrl) !== here || urlOrigin(baseUrl) !== here) {
            return closed(1002, "Can't connect to a different origin from within an iframe");
        }
        if (active)
            active.close();
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
                var mine = T.open(function (suffix) {
                    return addPath(transUrl, suffix);
                }, function (frame) {
                    if (active === mine)
                        post('t', frame);
                }, function (code, reason) {
                    if (active === mine)
                        closed(code, reason);
                });
                active = mine;
                return;
            }
        }
        closed(1002, 'Unknown transport ' + name);
    }
    function onMessage(e) {
        var m;
        if (e.source !== g.parent)
            return;
        if (parentOrigin == null)
            parentOrigin = e.origin;
        if (e.origin !== parentOrigin)
            return;
        try {
            m = JSON.parse(e.data);
        }
        catch (x) {
            return;
        }
        if (!m || m.windowId !== windowId)
            return;
        if (m.type == 's') {
            try {
                start(JSON.parse(m.data));
            }
            catch (x) {
                // not JSON: ignored, as sockjs-client does
            }
        }
        else if (m.type == 'm') {
            if (active)
                active.send(m.data);
        }
        else if (m.type == 'c') {
            if (active)
                active.close();
            active = null;
        }
    }
    if (g.parent === g)
        return; // not in a frame: nobody to talk to
    g.addEventListener('message', onMessage, false);
    post('s');
}

/**
 * jsonp-polling, for browsers without CORS XHR: each poll is a <script> for
 * `jsonp?c=<callback>` that calls back with one frame; messages are posted to
 * `jsonp_send` as the form field `d` by a hidden form into a hidden iframe.
 * @internal
 */
/** Name of the global object holding the pending callbacks (the server checks names against [A-Za-z0-9_.]). */
var CALLBACKS = 'SockJS_jsonp';
/** A script that neither calls back nor fails (old browsers) is given up after this long. */
var SCRIPT_TIMEOUT = 35000;
function receive(url, onFrame, done) {
    var d = g.document, id = 'a' + randomString(6), cbs = g[CALLBACKS] || (g[CALLBACKS] = {}), script = d.createElement('script'), timer;
    function stop() {
        var s = script;
        script = null;
        clearTimeout(timer);
        delete cbs[id];
        if (s) {
            s.onload = s.onerror = null;
            if (s.parentNode)
                s.parentNode.removeChild(s);
        }
        return !!s;
    }
    function end(frame) {
        if (stop()) {
            if (frame)
                onFrame(frame);
            done(frame != null);
        }
    }
    cbs[id] = end;
    // loaded without calling back, or failed to load
    script.onload = script.onerror = function () { end(); };
    script.async = true;
    script.src = addQuery(url, 'c=' + encodeURIComponent(CALLBACKS + '.' + id));
    timer = setTimeout(function () { end(); }, SCRIPT_TIMEOUT);
    var head = d.getElementsByTagName('head')[0] || d.body;
    head.insertBefore(script, head.firstChild);
    return stop;
}
function send(url, payload, done) {
    var d = g.document, id = 'a' + randomString(8), form = d.createElement('form'), area = d.createElement('textarea'), frame = d.createElement('iframe');
    function stop() {
        var f = form;
        form = null;
        frame.onload = null;
        if (f && f.parentNode)
            f.parentNode.removeChild(f);
        return !!f;
    }
    frame.name = id;
    form.target = id;
    form.method = 'POST';
    form.acceptCharset = 'UTF-8';
    form.action = addQuery(url, 'i=' + id);
    form.style.display = 'none';
    area.name = 'd';
    area.value = payload;
    form.appendChild(area);
    form.appendChild(frame);
    d.body.appendChild(form);
    form.submit();
    // The answer lands in the iframe; whether the post succeeded cannot be known.
    frame.onload = function () {
        if (stop())
            done('');
    };
    return stop;
}
var jsonpPolling = {
    transportName: 'jsonp-polling',
    roundTrips: 1,
    needBody: true,
    enabled: function () {
        return !!g.document;
    },
    open: function (url, onFrame, onClose) {
        return pollingTransport(url, onFrame, onClose, '/jsonp', receive, '/jsonp_send', send);
    }
};

/** The websocket transport: `ws(s)://<base>/<server>/<session>/websocket`. @internal */
var websocket = {
    transportName: 'websocket',
    // One round trip in theory; over TLS a second connection setup is likely.
    roundTrips: 2,
    enabled: function () {
        return !!g.WebSocket;
    },
    open: function (url, onFrame, onClose) {
        var ws = null;
        function end(code, reason) {
            if (ws) {
                ws.onmessage = ws.onclose = ws.onerror = noop;
                ws = null;
                onClose(code, reason);
            }
        }
        try {
            ws = new g.WebSocket(url('/websocket').replace(/^http/, 'ws'));
            ws.onmessage = function (e) { onFrame(e.data); };
            ws.onclose = function (e) { end(e.code, e.reason); };
            ws.onerror = function () { end(1006, 'WebSocket connection broken'); };
        }
        catch (e) {
            // e.g. a blocked port: fail like a broken connection, but not synchronously
            ws = {};
            later(function () { end(1006, 'WebSocket connection broken'); });
        }
        return {
            send: function (m) {
                if (ws)
                    ws.send('[' + m + ']');
            },
            close: function () {
                var w = ws;
                ws = null;
                if (w && w.close) {
                    w.onmessage = w.onclose = w.onerror = noop;
                    w.close();
                }
            }
        };
    }
};

/** xhr-streaming: one long POST to `xhr_streaming` read as it arrives; sends via `xhr_send`. @internal */
var xhrStreaming = {
    transportName: 'xhr-streaming',
    roundTrips: 2, // CORS preflight, request
    // some browsers spin the loading indicator for a stream started before load
    needBody: true,
    enabled: xhrEnabled,
    open: function (url, onFrame, onClose) {
        return pollingTransport(url, onFrame, onClose, '/xhr_streaming', xhrReceive, '/xhr_send', xhrSend);
    }
};

/** @internal */
/** Every transport, in the order they are tried when the user names none: the fallback order. */
var TRANSPORTS = [websocket, xhrStreaming, eventSource, xhrPolling, jsonpPolling];

/**
 * The WebSocket-shaped facade: validation as sockjs-client does it, the
 * connection life cycle (info, transports in turn, open, close), events, and
 * the extras that are off by default (reconnection, query parameters).
 */
var CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
function bodyReady() {
    var d = g.document;
    return !d || (!!d.body && /^[ci]|^$/.test(d.readyState || ''));
}
var SockJS = /** @class */ (function () {
    /**
     * @param url `http(s)://host/prefix`, or relative to the page.
     * @param protocols Checked as sockjs-client does, then unused (as there).
     */
    function SockJS(url, protocols, options) {
        /** CONNECTING, OPEN, CLOSING or CLOSED. */
        this.readyState = CONNECTING;
        /** The name of the transport in use while OPEN, else null. */
        this.transport = null;
        this.protocol = '';
        this.extensions = '';
        this.onopen = null;
        this.onmessage = null;
        this.onclose = null;
        this.onerror = null;
        this._l = {};
        /** Current attempt; a callback from an older one is ignored. */
        this._n = 0;
        this._tr = null;
        this._tn = null;
        this._ts = [];
        this._ir = null;
        this._rto = 0;
        /** Reconnection attempts since the last open. */
        this._a = 0;
        /** close() was called. */
        this._user = false;
        if (arguments.length < 1) {
            throw new TypeError("Failed to construct 'SockJS: 1 argument required, but only 0 present");
        }
        var o = this._o = options || {}, sid = o.sessionId || 8, loc = g.location || {}, href = loc.href || '', u = url;
        if (typeof sid == 'number') {
            this._id = function () { return randomString(sid); };
        }
        else if (typeof sid == 'function') {
            this._id = sid;
        }
        else {
            throw new TypeError('If sessionId is used in the options, it needs to be a number or a function.');
        }
        this._srv = o.server || ('00' + Math.floor(Math.random() * 1000)).slice(-3);
        // resolve a relative URL against the page
        if (href && !/^[a-z][a-z\d+.-]*:/i.test(u)) {
            u = u.charAt(0) != '/' ? href.replace(/[?#].*/, '').replace(/[^\/]*$/, '') + u
                : u.charAt(1) == '/' ? loc.protocol + u : loc.protocol + '//' + loc.host + u;
        }
        var m = URL_RE.exec(u);
        if (!m)
            throw new SyntaxError("The URL '" + url + "' is invalid");
        if (m[5])
            throw new SyntaxError('The URL must not contain a fragment');
        var scheme = m[1].toLowerCase(), host = m[2].toLowerCase();
        if (scheme != 'http:' && scheme != 'https:') {
            throw new SyntaxError("The URL's scheme must be either 'http:' or 'https:'. '" + scheme + "' is not allowed.");
        }
        if (loc.protocol == 'https:' && scheme != 'https:' && !/^(127\.[\d.]+|\[::1\]|localhost)(:\d*)?$/.test(host)) {
            throw new Error('SecurityError: An insecure SockJS connection may not be initiated from a page loaded over HTTPS');
        }
        var ps = (typeof protocols == 'string' ? [protocols] : protocols || []).slice().sort();
        for (var i = 0; i < ps.length; i++) {
            if (!ps[i])
                throw new SyntaxError("The protocols entry '" + ps[i] + "' is invalid.");
            if (ps[i] === ps[i + 1])
                throw new SyntaxError("The protocols entry '" + ps[i] + "' is duplicated.");
        }
        this._base = this.url = scheme + '//' + host + m[3].replace(/\/+$/, '') + m[4];
        this._same = !!loc.host && origin(scheme, host) == origin(loc.protocol, loc.host);
        this._start();
    }
    /**
     * Runs the iframe side of sockjs-client's iframe transports; the server's
     * `iframe.html` page calls it. With it, this client can be the
     * `sockjs_url` the server's iframe page loads.
     */
    SockJS.bootstrap_iframe = function () {
        bootstrapIframe();
    };
    /** Sends a message (anything not a string is converted to one). Throws while CONNECTING, ignored once closing. */
    SockJS.prototype.send = function (data) {
        if (typeof data != 'string')
            data = '' + data;
        if (this.readyState == CONNECTING) {
            throw new Error('InvalidStateError: The connection has not been established yet');
        }
        if (this.readyState == OPEN && this._tr)
            this._tr.send(quote(data));
    };
    /** Closes; `code` must be 1000 or 3000-4999, `reason` at most 123 characters. */
    SockJS.prototype.close = function (code, reason) {
        if (code && !userCode(code))
            throw new Error('InvalidAccessError: Invalid code');
        if (reason && reason.length > 123)
            throw new SyntaxError('reason argument has an invalid length');
        // also while CLOSING: a reconnection that close event would start is off
        this._user = true;
        if (this.readyState < CLOSING)
            this._close(code || 1000, reason || 'Normal closure', true);
    };
    SockJS.prototype.addEventListener = function (type, listener) {
        var ls = this._l[type] || (this._l[type] = []);
        if (ls.indexOf(listener) < 0)
            ls.push(listener);
    };
    SockJS.prototype.removeEventListener = function (type, listener) {
        var ls = this._l[type], i = ls ? ls.indexOf(listener) : -1;
        if (i >= 0)
            ls.splice(i, 1);
    };
    /**
     * Calls `on<type>` and then the listeners. A listener that throws does not
     * stop the others or the connection; its error is rethrown asynchronously.
     */
    SockJS.prototype.dispatchEvent = function (event) {
        var self = this, h = self['on' + event.type], ls = (self._l[event.type] || []).slice();
        if (h)
            ls.unshift(h);
        event.target = self;
        for (var i = 0; i < ls.length; i++) {
            try {
                ls[i].call(self, event);
            }
            catch (err) {
                setTimeout(function () { throw err; }, 0);
            }
        }
        return true;
    };
    /** Appends the user's query parameters to a request URL. */
    SockJS.prototype._q = function (url) {
        var q = this._o.query, s = [];
        if (typeof q == 'function')
            q = q();
        for (var k in q) {
            if (Object.prototype.hasOwnProperty.call(q, k) && q[k] != null) {
                s.push(encodeURIComponent(k) + '=' + encodeURIComponent('' + q[k]));
            }
        }
        return addQuery(url, s.join('&'));
    };
    /** Asks /info, then goes through the transports. */
    SockJS.prototype._start = function () {
        var self = this, xhr = xhrUsable(self._same), t;
        function done(info, rtt) {
            self._ir = null;
            if (!info)
                return self._close(1002, 'Cannot connect to server');
            self._rto = rtt == null ? 0 : rto(rtt);
            self._base = typeof info.base_url == 'string' ? info.base_url : self.url;
            info.xhr = xhr;
            self._ts = pickTransports(TRANSPORTS, self._o.transports, info);
            self._connect();
        }
        if (xhr) {
            self._ir = ajaxInfo(self._q(addPath(self.url, '/info')), done);
        }
        else {
            // No XHR can reach the server (a cross-origin page in a browser without
            // CORS XHR): go on with default timeouts and the transports that need
            // no XHR (jsonp-polling).
            t = setTimeout(function () { done({}); }, 0);
            self._ir = function () { clearTimeout(t); };
        }
    };
    /** Tries the next transport, or gives up with 2000. */
    SockJS.prototype._connect = function () {
        var self = this, T = self._ts.shift();
        if (!T)
            return self._close(2000, 'All transports failed', false);
        var n = ++self._n;
        if (T.needBody && !bodyReady()) {
            self._ts.unshift(T);
            g.addEventListener('load', function () {
                if (n == self._n)
                    self._connect();
            });
            return;
        }
        self._tt = setTimeout(function () {
            if (n == self._n && self.readyState == CONNECTING) {
                if (self._tr)
                    self._tr.close();
                self._tclose(2007, 'Transport timed out');
            }
        }, transportTimeout(self._rto, T.roundTrips, self._o.timeout || 0));
        var base = addPath(self._base, '/' + self._srv + '/' + self._id()), tr = T.open(function (suffix) {
            return self._q(addPath(base, suffix));
        }, function (frame) {
            if (n == self._n)
                self._frame(frame);
        }, function (code, reason) {
            if (n == self._n)
                self._tclose(code, reason);
        });
        if (n == self._n) {
            self._tr = tr;
            self._tn = T.transportName;
        }
    };
    SockJS.prototype._frame = function (frame) {
        var self = this, f = parseFrame(frame), d, n = self._n, ms = self._o.heartbeatTimeout;
        if (ms && (self.readyState == OPEN || f && f[0] == 'o')) {
            clearTimeout(self._ht);
            self._ht = setTimeout(function () {
                if (n == self._n)
                    self._close(1006, 'Heartbeat timeout');
            }, ms);
        }
        if (!f)
            return;
        d = f[1];
        if (f[0] == 'o') {
            if (this.readyState == CONNECTING) {
                clearTimeout(this._tt);
                this.readyState = OPEN;
                this.transport = this._tn;
                this._a = 0;
                this.dispatchEvent({ type: 'open' });
            }
            else {
                // the server was restarted and lost our session
                this._close(1006, 'Server lost session');
            }
        }
        else if (f[0] == 'h') {
            this.dispatchEvent({ type: 'heartbeat' });
        }
        else if (f[0] == 'c') {
            this._close(d[0], d[1], true);
        }
        else {
            if (f[0] == 'm')
                d = [d];
            for (var i = 0; i < d.length && this.readyState == OPEN; i++) {
                this.dispatchEvent({ type: 'message', data: d[i] });
            }
        }
    };
    /** Forgets the current transport attempt: its callbacks and timer. Returns the transport. */
    SockJS.prototype._drop = function () {
        var tr = this._tr;
        this._n++;
        clearTimeout(this._tt);
        clearTimeout(this._ht);
        this._tr = null;
        this.transport = null;
        return tr;
    };
    /** The transport closed by itself (or timed out): try the next one while connecting, else close. */
    SockJS.prototype._tclose = function (code, reason) {
        this._drop();
        if (!userCode(code) && code !== 2000 && this.readyState == CONNECTING)
            this._connect();
        else
            this._close(code, reason);
    };
    SockJS.prototype._close = function (code, reason, wasClean) {
        var self = this, failed = !!self._ir, tr = self._drop(), r = self._o.reconnect, ro = r === true ? {} : r || false;
        if (self._ir)
            self._ir();
        self._ir = null;
        clearTimeout(self._rt);
        if (tr)
            tr.close();
        if (self.readyState == CLOSED)
            throw new Error('InvalidStateError: SockJS has already been closed');
        self.readyState = CLOSING;
        setTimeout(function () {
            var e = { type: 'close', code: code || 1000, reason: reason, wasClean: !!wasClean, willReconnect: false };
            self.readyState = CLOSED;
            if (failed)
                self.dispatchEvent({ type: 'error' });
            if (ro && !self._user && self._a < (ro.retries == null ? 1 / 0 : ro.retries) &&
                (ro.shouldReconnect ? ro.shouldReconnect(e) : !userCode(e.code))) {
                e.willReconnect = true;
                self.readyState = CONNECTING;
                self._rt = setTimeout(function () { self._start(); }, Math.min(ro.maxDelay || 30000, (ro.minDelay || 1000) * Math.pow(ro.factor || 2, self._a++)) *
                    (1 - (ro.jitter == null ? 0.5 : ro.jitter) * Math.random()));
            }
            self.dispatchEvent(e);
            if (self.readyState == CLOSED)
                self.onmessage = self.onclose = self.onerror = null;
        }, 0);
    };
    SockJS.CONNECTING = 0;
    SockJS.OPEN = 1;
    SockJS.CLOSING = 2;
    SockJS.CLOSED = 3;
    return SockJS;
}());
var proto = SockJS.prototype;
proto.CONNECTING = CONNECTING;
proto.OPEN = OPEN;
proto.CLOSING = CLOSING;
proto.CLOSED = CLOSED;

/**
 * actix-sockjs-client: a SockJS client, WebSocket-shaped, that speaks the
 * SockJS protocol to any SockJS server.
 *
 * ```ts
 * import SockJS from 'actix-sockjs-client';
 * const sock = new SockJS('https://example.com/echo');
 * sock.onopen = () => sock.send('hello');
 * sock.onmessage = (e) => console.log(e.data);
 * ```
 */

export { SockJS as default };
