/*! actix-sockjs-client 0.1.0 | MIT OR Apache-2.0 */
/**
 * What a client keeps of its session for the resume extension (docs/resume.md),
 * as pure state: the resume token, how many server messages it received,
 * which of its own messages the server has not accepted yet (they are sent
 * again until it has), and what it last acknowledged. No I/O, no timers.
 * @internal
 */
function journal() {
    /** Messages not yet accepted, in order; `sentOnSocket`: the last sent on the current socket. */
    var outbox = [], sentOnSocket = 0;
    function batch(from) {
        var b = null;
        for (var i = 0; i < outbox.length; i++) {
            var m = outbox[i];
            if (m.seq > from) {
                if (!b)
                    b = { seq: m.seq, quoted: [] };
                b.quoted.push(m.quoted);
            }
        }
        return b;
    }
    var j = {
        token: null,
        received: 0,
        acked: 0,
        nextSeq: 1,
        push: function (quoted) {
            outbox.push({ seq: j.nextSeq++, quoted: quoted });
        },
        acceptedUpTo: function (n) {
            while (outbox.length && outbox[0].seq <= n)
                outbox.shift();
        },
        resumed: function (n) {
            j.acceptedUpTo(n);
            sentOnSocket = n;
        },
        receiveQuery: function () {
            j.acked = j.received;
            return j.token == null ? 'resume=1' + (j.opened ? '&ack=0' : '') : 'resume=' + encodeURIComponent(j.token) + '&ack=' + j.received;
        },
        sendQuery: function (seq) {
            j.acked = j.received;
            return 'seq=' + seq + '&ack=' + j.received;
        },
        httpBatch: function () {
            return batch(0);
        },
        socketBatch: function () {
            var b = batch(sentOnSocket);
            if (b)
                sentOnSocket = b.seq + b.quoted.length - 1;
            return b;
        },
        unacked: function () {
            return j.received - j.acked;
        }
    };
    return j;
}

/** Codes an application may pass to `close()`: 1000 and 3000-4999. */
function userCode(code) {
    return code === 1000 || (code >= 3000 && code <= 4999);
}
/**
 * The close code for an HTTP refusal the server explains with its status and
 * text, else 0: 1008 (policy: 401, 403), 1009 (too big: 413 a body; 414, 431
 * the request that opens a session, by its URL or its headers), 1013 (try
 * again later: 429, 503). Such a close is final: no other transport, no resume.
 */
function refusal(status) {
    return status == 401 || status == 403 ? 1008 : status == 413 || status == 414 || status == 431 ? 1009 : status == 429 || status == 503 ? 1013 : 0;
}
/** A close that no other transport or resume can help: the application's, all failed, a refusal. */
function final(code) {
    return userCode(code) || code == 2000 || code == 2011 || code == 1008 || code == 1009 || code == 1013;
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
/** Parses one frame; null for a frame to ignore (bad JSON, wrong shape, unknown type). */
function parseFrame(frame) {
    var t = frame.charAt(0), d;
    if (t == 'o' || t == 'h')
        return { type: t };
    try {
        d = JSON.parse(frame.slice(1));
    }
    catch (e) {
        return null;
    }
    // (message values are made strings when dispatched)
    if (t == 'a' && Array.isArray(d))
        return { type: t, messages: d };
    if (t == 'm')
        return { type: 'a', messages: [d] };
    if (t == 'q' && Array.isArray(d) && typeof d[0] == 'number')
        return { type: 'a', messages: d.slice(1), accepted: d[0] };
    if (t == 'x' && d && typeof d == 'object') {
        return {
            type: t,
            token: typeof d['token'] == 'string' ? d['token'] : undefined,
            resumed: d['resumed'] === true,
            accepted: typeof d['in'] == 'number' ? d['in'] : undefined
        };
    }
    if (t == 'c' && Array.isArray(d) && d.length == 2)
        return { type: t, code: d[0], reason: d[1] };
    return null;
}
/** The resume extension's settings from `/info`, or null when it is not offered (or not understood). */
function resumeInfo(info) {
    var r = info['resume'];
    if (!r || typeof r != 'object' || r['version'] !== 1)
        return null;
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
function pickTransports(all, allow, info) {
    var names = allow && allow.length ? [].concat(allow) : all.map(function (t) { return t.transportName; }), out = [];
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
 * with 200 (poll again), `done(false)` otherwise, with the close code and
 * the server's text when it was a refusal.
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
        done(status == 200, refusal(status), text);
    }, lines);
}
/** Posts a batch of messages to `<session>/xhr_send`; `done('')` on 200/204, `done(error)` otherwise (with a refusal's code and text). */
function xhrSend(url, payload, done) {
    return ajax('POST', url, payload, function (status, text) {
        done(status == 200 || status == 204 ? '' : 'http status ' + status, refusal(status), text);
    });
}
/** How long the /info request may take. */
var INFO_TIMEOUT = 8000;
/**
 * `GET <url>` (the info URL) with a timeout. Calls back once with the parsed
 * object (`{}` if not an object) and the round trip in ms, or on failure with
 * no info (and a refusal's close code and text). Returns a function that cancels.
 */
function ajaxInfo(url, cb) {
    var start = Date.now(), timer = setTimeout(function () {
        abort();
        cb();
    }, INFO_TIMEOUT), abort = ajax('GET', url, null, function (status, text) {
        clearTimeout(timer);
        var info;
        if (status != 200)
            return cb(undefined, 0, refusal(status), text);
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
 * long-lived streaming request, or one poll after another) and a sender that
 * posts what its link gives as one JSON array, one request at a time. With
 * the resume extension a failed request is tried again, a few times, before
 * the transport gives up (its connection then comes back on a new one).
 * @internal
 */
/** Normal ends in a row with no frame before the receive loop gives up (a server answering 200 and nothing). */
var EMPTY_LIMIT = 3;
/** Pause after a send before the next, so that replies to a burst get batched (as sockjs-client does). */
var SEND_PAUSE = 25;
/** Resumable: tries of a failing request, and the pause before each (doubling). */
var TRIES = 5;
var RETRY_PAUSE = 100;
function pollingTransport(link, recvSuffix, receive, sendSuffix, send) {
    var closed = false, empty = 0, recvFailures = 0, sendFailures = 0, stopRecv = noop, stopSend = null;
    /** Ends the transport: 1006, or a refusal's code with the server's text. */
    function fail(reason, code) {
        if (!closed) {
            close();
            link.closed(code || 1006, reason);
        }
    }
    /** After a failure: again after a pause, or give up. */
    function retry(failures, again, reason) {
        if (!link.resumable || failures >= TRIES) {
            fail(reason);
            return null;
        }
        var t = setTimeout(again, RETRY_PAUSE * Math.pow(2, failures - 1));
        return function () { clearTimeout(t); };
    }
    function poll() {
        var got = false;
        try {
            stopRecv = receive(link.receiveUrl(recvSuffix), function (f) {
                got = true;
                empty = 0;
                recvFailures = 0;
                link.frame(f);
            }, function (ok, code, text) {
                if (closed)
                    return;
                if (code)
                    return fail(text || '', code);
                if (ok && (got || ++empty < EMPTY_LIMIT))
                    return poll();
                stopRecv = retry(++recvFailures, poll, ok ? 'Receiver got nothing' : 'Receiver error') || noop;
            });
        }
        catch (e) {
            stopRecv = noop;
            later(function () { fail('Receiver error'); });
        }
    }
    function flush() {
        if (stopSend || closed)
            return;
        var b = link.batch(false);
        if (!b)
            return;
        var batch = b;
        stopSend = send(link.sendUrl(sendSuffix, batch), '[' + batch.quoted.join(',') + ']', function (err, code, text) {
            stopSend = null;
            if (code)
                return fail(text || '', code);
            // a session this URL no longer reaches: nothing to gain from trying again here
            if (err && (!link.resumable || / 404$/.test(err)))
                return fail('Sending error: ' + err);
            if (err) {
                stopSend = retry(++sendFailures, function () {
                    stopSend = null;
                    flush();
                }, 'Sending error: ' + err);
                return;
            }
            sendFailures = 0;
            link.sent(batch, !send.uncertain);
            var t = setTimeout(function () {
                stopSend = null;
                flush();
            }, SEND_PAUSE);
            stopSend = function () { clearTimeout(t); };
        });
    }
    function close() {
        closed = true;
        stopRecv();
        if (stopSend)
            stopSend();
    }
    poll();
    return {
        wake: flush,
        close: close
    };
}

/** eventsource: frames as `data:` lines of a text/event-stream; sends via `xhr_send`. @internal */
function receive$1(url, onFrame, done) {
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
    streaming: true,
    roundTrips: 2,
    enabled: function (info) {
        return !!g.EventSource && xhrEnabled(info);
    },
    open: function (link) {
        return pollingTransport(link, '/eventsource', receive$1, '/xhr_send', xhrSend);
    }
};

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
var send = function (url, payload, done) {
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
};
send.uncertain = true;
var jsonpPolling = {
    transportName: 'jsonp-polling',
    roundTrips: 1,
    needBody: true,
    enabled: function () {
        return !!g.document;
    },
    open: function (link) {
        return pollingTransport(link, '/jsonp', receive, '/jsonp_send', send);
    }
};

/** The websocket transport: `ws(s)://<base>/<server>/<session>/websocket`. @internal */
var websocket = {
    transportName: 'websocket',
    // One round trip in theory; over TLS a second connection setup is likely.
    roundTrips: 2,
    streaming: true,
    enabled: function () {
        return !!g.WebSocket;
    },
    open: function (link) {
        var ws = null;
        function end(code, reason) {
            if (ws) {
                ws.onopen = ws.onmessage = ws.onclose = ws.onerror = noop;
                ws = null;
                link.closed(code, reason);
            }
        }
        function broken() {
            end(1006, 'WebSocket connection broken');
        }
        function wake() {
            if (!ws || ws.readyState !== 1)
                return;
            for (var b = link.batch(true); b; b = link.batch(true)) {
                if (b.quoted.length)
                    ws.send('[' + b.quoted.join(',') + ']');
            }
            var c = link.control();
            if (c)
                ws.send(c);
        }
        try {
            ws = new g.WebSocket(link.receiveUrl('/websocket').replace(/^http/, 'ws'));
            ws.onopen = wake;
            ws.onmessage = function (e) { link.frame(e.data); };
            ws.onclose = function (e) { end(e.code, e.reason); };
            ws.onerror = broken;
        }
        catch (e) {
            // e.g. a blocked port: fail like a broken connection, but not synchronously
            ws = {};
            later(broken);
        }
        return {
            wake: wake,
            close: function () {
                var w = ws;
                ws = null;
                if (w && w.close) {
                    w.onopen = w.onmessage = w.onclose = w.onerror = noop;
                    w.close();
                }
            }
        };
    }
};

/** xhr-polling: one POST to `xhr` per frame; sends via `xhr_send`. @internal */
var xhrPolling = {
    transportName: 'xhr-polling',
    roundTrips: 2, // CORS preflight, request
    enabled: xhrEnabled,
    open: function (link) {
        return pollingTransport(link, '/xhr', xhrReceive, '/xhr_send', xhrSend);
    }
};

/** xhr-streaming: one long POST to `xhr_streaming` read as it arrives; sends via `xhr_send`. @internal */
var xhrStreaming = {
    transportName: 'xhr-streaming',
    streaming: true,
    roundTrips: 2, // CORS preflight, request
    // some browsers spin the loading indicator for a stream started before load
    needBody: true,
    enabled: xhrEnabled,
    open: function (link) {
        return pollingTransport(link, '/xhr_streaming', xhrReceive, '/xhr_send', xhrSend);
    }
};

/** @internal */
/** Every transport, in the order they are tried when the user names none: the fallback order. */
var TRANSPORTS = [websocket, xhrStreaming, eventSource, xhrPolling, jsonpPolling];

/**
 * The WebSocket-shaped facade: validation as sockjs-client does it, the
 * connection life cycle (info, transports in turn, open, close), events, and
 * what sockjs-client does not have: the resume extension (a dropped
 * connection comes back with nothing lost, docs/resume.md), client
 * heartbeats, reconnection after a session is lost for good, query parameters.
 */
var CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
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
        /** The URL, resolved and without trailing slashes. */
        this.url = '';
        /** The name of the transport in use while OPEN, else null. */
        this.transport = null;
        this.protocol = '';
        this.extensions = '';
        this.onopen = null;
        this.onmessage = null;
        this.onclose = null;
        this.onerror = null;
        this.onheartbeat = null;
        this.onreconnecting = null;
        this.onresumed = null;
        this._listeners = {};
        /** Bumped for every transport attempt: callbacks of an older one are ignored. */
        this._attempt = 0;
        this._rto = 0;
        /** Reconnections (after a session was lost) since the last open. */
        this._reconnects = 0;
        this._resumeTries = 0;
        this._lastSend = 0;
        /** Transports that failed to open, as `name.code`, told to the server with the next one (it counts why clients fall back). */
        this._fallbacks = [];
        if (arguments.length < 1) {
            throw new TypeError("Failed to construct 'SockJS: 1 argument required, but only 0 present");
        }
        var o = this._options = options || {}, sid = o.sessionId || 8, loc = g.location || {}, href = loc.href || '', u = url;
        if (typeof sid == 'number') {
            this._newSessionId = function () { return randomString(sid); };
        }
        else if (typeof sid == 'function') {
            this._newSessionId = sid;
        }
        else {
            throw new TypeError('If sessionId is used in the options, it needs to be a number or a function.');
        }
        this._server = o.server || ('00' + Math.floor(Math.random() * 1000)).slice(-3);
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
        this._sameOrigin = !!loc.host && origin(scheme, host) == origin(loc.protocol, loc.host);
        var self = this;
        // The page goes away: the session ends now, not after a resume window.
        if (g.addEventListener)
            g.addEventListener('pagehide', function () { if (self.readyState < CLOSING)
                self.close(); });
        this._start();
    }
    /** Sends a message (anything not a string is converted to one). Throws while CONNECTING, ignored once closing. */
    SockJS.prototype.send = function (data) {
        var s = typeof data == 'string' ? data : '' + data;
        if (this.readyState == CONNECTING) {
            throw new Error('InvalidStateError: The connection has not been established yet');
        }
        if (this.readyState != OPEN)
            return;
        this._journal.push(quote(s));
        if (this._transport && !this._droppedAt)
            this._transport.wake();
    };
    /** Closes; `code` must be 1000 or 3000-4999, `reason` at most 123 characters. */
    SockJS.prototype.close = function (code, reason) {
        if (code && !userCode(code))
            throw new Error('InvalidAccessError: Invalid code');
        if (reason && reason.length > 123)
            throw new SyntaxError('reason argument has an invalid length');
        // also while CLOSING: a reconnection that close event would start is off
        this._closedByUser = true;
        var J = this._journal, T = this._transportFactory;
        if (this.readyState == OPEN && J && J.token && T && T.transportName != 'websocket') {
            // Resumable over HTTP: tell the server it is for good (a socket's close frame says so itself).
            // A beacon, as it outlives the page (without one, the session waits out its window).
            try {
                g.navigator.sendBeacon(this._withQuery(addQuery(addPath(this._session, '/xhr_send'), J.sendQuery(J.nextSeq) + '&close=1')), '[]');
            }
            catch (e) {
                // no beacons
            }
        }
        if (this.readyState < CLOSING)
            this._close(code || 1000, reason || 'Normal closure', true);
    };
    SockJS.prototype.addEventListener = function (type, listener) {
        var ls = this._listeners[type] || (this._listeners[type] = []);
        if (ls.indexOf(listener) < 0)
            ls.push(listener);
    };
    SockJS.prototype.removeEventListener = function (type, listener) {
        var ls = this._listeners[type], i = ls ? ls.indexOf(listener) : -1;
        if (i >= 0)
            ls.splice(i, 1);
    };
    /**
     * Calls `on<type>` and then the listeners. A listener that throws does not
     * stop the others or the connection; its error is rethrown asynchronously.
     */
    SockJS.prototype.dispatchEvent = function (event) {
        var self = this, h = self['on' + event.type], ls = (self._listeners[event.type] || []).slice();
        if (h)
            ls.unshift(h);
        event.target = self;
        for (var i = 0; i < ls.length; i++) {
            try {
                ls[i].call(self, event);
            }
            catch (err) {
                later(function () { throw err; });
            }
        }
        return true;
    };
    SockJS.prototype._emit = function (type) {
        this.dispatchEvent({ type: type });
    };
    SockJS.prototype._set = function (state, transport) {
        this.readyState = state;
        if (transport !== undefined)
            this.transport = transport;
    };
    /** Appends the user's query parameters to a request URL. */
    SockJS.prototype._withQuery = function (url) {
        var q = this._options.query, s = [];
        if (typeof q == 'function')
            q = q();
        // (a plain object: inherited enumerable properties would be sent too)
        for (var k in q) {
            if (q[k] != null)
                s.push(encodeURIComponent(k) + '=' + encodeURIComponent('' + q[k]));
        }
        return addQuery(url, s.join('&'));
    };
    /** Asks /info, then goes through the transports. */
    SockJS.prototype._start = function () {
        var self = this, xhr = xhrUsable(self._sameOrigin), t;
        function done(info, rtt, code, text) {
            self._cancelInfo = null;
            if (!info)
                return code ? self._close(code, text || '') : self._close(1002, 'Cannot connect to server');
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
        }
        else {
            // No XHR can reach the server (a cross-origin page in a browser without
            // CORS XHR): go on with default timeouts and the transports that need
            // no XHR (jsonp-polling).
            t = setTimeout(function () { done({}); }, 0);
            self._cancelInfo = function () { clearTimeout(t); };
        }
    };
    /** Tries the next transport, or gives up (2000, or for a resume: another round). */
    SockJS.prototype._connect = function () {
        var self = this, T = self._candidates.shift();
        if (!T) {
            if (self._droppedAt)
                return self._comeBackLater();
            return self._close(2000, 'All transports failed', false);
        }
        var n = ++self._attempt;
        if (T.needBody && !bodyReady()) {
            self._candidates.unshift(T);
            g.addEventListener('load', function () {
                if (n == self._attempt)
                    self._connect();
            });
            return;
        }
        self._openTimer = setTimeout(function () {
            if (n == self._attempt && (self.readyState == CONNECTING || self._droppedAt)) {
                if (self._transport)
                    self._transport.close();
                self._transportClosed(2007, 'Transport timed out');
            }
        }, transportTimeout(self._rto, T.roundTrips, self._options.timeout || 0));
        var session = self._session = addPath(self._base, '/' + self._server + '/' + self._newSessionId()), J = self._journal, R = self._resume;
        var link = {
            resumable: !!R,
            receiveUrl: function (suffix) {
                var url = addPath(session, suffix), fb = self._fallbacks;
                if (R)
                    url = addQuery(url, J.receiveQuery());
                // (only while connecting: the list is emptied on open)
                if (fb.length)
                    url = addQuery(url, 'fallback=' + fb.join(','));
                return self._withQuery(url);
            },
            sendUrl: function (suffix, b) {
                var url = addPath(session, suffix);
                return self._withQuery(R ? addQuery(url, J.sendQuery(b.seq)) : url);
            },
            frame: function (f) {
                if (n == self._attempt)
                    self._frame(f);
            },
            closed: function (code, reason) {
                if (n == self._attempt)
                    self._transportClosed(code, reason);
            },
            batch: function (socket) {
                if (n != self._attempt || self.readyState != OPEN || self._droppedAt)
                    return null;
                self._lastSend = Date.now();
                var b = socket ? J.socketBatch() : J.httpBatch();
                // plain SockJS: what is sent is gone (at most once)
                if (!R) {
                    if (b)
                        J.acceptedUpTo(b.seq + b.quoted.length - 1);
                }
                else if (!b && !socket && self._ackDue(STREAM_ACK_SHARE)) {
                    // an empty send: an acknowledgement, and a heartbeat
                    b = { seq: J.nextSeq, quoted: [] };
                }
                if (b)
                    self._pingDue = false;
                return b;
            },
            sent: function (b, certain) {
                if (certain && b.quoted.length)
                    J.acceptedUpTo(b.seq + b.quoted.length - 1);
            },
            control: function () {
                if (!R || n != self._attempt || !self._ackDue(SOCKET_ACK_SHARE))
                    return null;
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
    };
    SockJS.prototype._frame = function (raw) {
        var self = this, f = parseFrame(raw), n = self._attempt, J = self._journal, ms = self._options.heartbeatTimeout || (self._resume ? RESUME_HEARTBEAT_TIMEOUT : 0);
        if (ms && (self.readyState == OPEN || f && f.type == 'o')) {
            clearTimeout(self._silenceTimer);
            self._silenceTimer = setTimeout(function () {
                if (n != self._attempt)
                    return;
                if (self._transport)
                    self._transport.close();
                self._transportClosed(1006, 'Heartbeat timeout');
            }, ms);
        }
        if (!f)
            return;
        if (f.type == 'x') {
            if (f.token)
                J.token = f.token;
            if (f.resumed)
                J.resumed(f.accepted || 0);
        }
        // Coming back: the session took this request (its first frame says how
        // much it accepted; should that answer have been lost, any frame still
        // says the session is there).
        if (self._droppedAt && f.type != 'c')
            self._resumed();
        switch (f.type) {
            case 'o':
                if (self.readyState == CONNECTING) {
                    J.opened = true;
                    self._reconnects = 0;
                    self._fallbacks = [];
                    self._lastSend = Date.now();
                    self._live('open');
                }
                else {
                    // the server was restarted and lost our session
                    self._close(1006, 'Server lost session');
                }
                break;
            case 'h':
                self._emit('heartbeat');
                break;
            case 'c':
                // 1012, the server restarts: a drop like any other (resumed where the session lives on)
                if (f.code != 1012)
                    return self._close(f.code, f.reason, true);
                if (self._transport)
                    self._transport.close();
                self._transportClosed(1012, f.reason);
                break;
            case 'a':
                if (f.accepted != null)
                    J.acceptedUpTo(f.accepted);
                J.received += f.messages.length;
                for (var i = 0; i < f.messages.length && self.readyState == OPEN; i++) {
                    // Messages are strings; what a server that breaks the protocol
                    // sends instead arrives as its JSON text.
                    var m = f.messages[i];
                    self.dispatchEvent({ type: 'message', data: typeof m == 'string' ? m : JSON.stringify(m) });
                }
                if (J.unacked())
                    self._schedulePing();
                break;
        }
    };
    /**
     * Resumable: a heartbeat or an acknowledgement is due: the timer says so,
     * or 1/`share` of the server's window waits (polls acknowledge by
     * themselves).
     */
    SockJS.prototype._ackDue = function (share) {
        var J = this._journal, R = this._resume;
        return !!this._pingDue || J.unacked() * share >= R.windowMessages;
    };
    /** Resumable: keeps heartbeats and acknowledgements going while open. */
    SockJS.prototype._schedulePing = function () {
        var self = this, R = self._resume, J = self._journal;
        if (!R || !J || self.readyState != OPEN)
            return;
        clearTimeout(self._pingTimer);
        var streaming = !!(self._transportFactory && self._transportFactory.streaming), ack = streaming && J.unacked(), wait = Math.max(0, Math.min(ack ? R.ackMs : 1 / 0, self._lastSend + R.heartbeatMs - Date.now()));
        self._pingTimer = setTimeout(function () {
            if (self.readyState != OPEN)
                return;
            if (ack || Date.now() - self._lastSend >= R.heartbeatMs)
                self._pingDue = true;
            if (self._transport && !self._droppedAt)
                self._transport.wake();
            self._schedulePing();
        }, wait);
    };
    /** Forgets the current transport attempt: its callbacks and timers. Returns the transport. */
    SockJS.prototype._dropTransport = function () {
        var tr = this._transport;
        this._attempt++;
        clearTimeout(this._openTimer);
        clearTimeout(this._silenceTimer);
        this._transport = null;
        return tr;
    };
    /** The transport ended by itself (or timed out). */
    SockJS.prototype._transportClosed = function (code, reason) {
        this._dropTransport();
        if (this.readyState == CONNECTING && !final(code)) {
            // (at most one per transport: a round ends when all have failed)
            this._fallbacks.push(this._transportFactory.transportName + '.' + code);
            return this._connect();
        }
        if (this._journal && this._journal.token && this.readyState == OPEN && !final(code)) {
            return this._dropped(code, reason);
        }
        this._close(code, reason);
    };
    /** Resumable: the connection dropped while open: come back to the session. */
    SockJS.prototype._dropped = function (code, reason) {
        var self = this;
        if (self._droppedAt) {
            // this try failed: the next transport now, else another round later
            return self._candidates.length ? self._connect() : self._comeBackLater();
        }
        self._droppedAt = Date.now();
        self._resumeTries = 0;
        self.transport = null;
        clearTimeout(self._pingTimer);
        self.dispatchEvent({ type: 'reconnecting', code: code, reason: reason });
        if (self.readyState == OPEN)
            self._comeBackLater();
    };
    /** Resumable: another try in a moment, the transport that dropped first; within the window. */
    SockJS.prototype._comeBackLater = function () {
        var self = this, R = self._resume, left = self._droppedAt + R.windowMs - Date.now(), wait = Math.min(RESUME_PAUSE_MAX, left, self._resumeTries ? RESUME_PAUSE * Math.pow(2, self._resumeTries - 1) : 0);
        if (left <= 0)
            return self._close(2011, 'Resume failed: window expired');
        self._resumeTries++;
        var all = self._allowed, i = Math.max(0, all.indexOf(self._transportFactory));
        // the transport that worked first, then the others in their order
        self._candidates = all.slice(i).concat(all.slice(0, i));
        clearTimeout(self._reconnectTimer);
        self._reconnectTimer = setTimeout(function () {
            if (self.readyState == OPEN && self._droppedAt)
                self._connect();
        }, wait);
    };
    /** Resumable: the session took this request back. */
    SockJS.prototype._resumed = function () {
        this._droppedAt = 0;
        this._live('resumed');
        if (this._transport)
            this._transport.wake();
    };
    /** The transport in use opened (`open`) or came back (`resumed`). */
    SockJS.prototype._live = function (event) {
        clearTimeout(this._openTimer);
        this._set(OPEN, this._transportFactory && this._transportFactory.transportName);
        this._emit(event);
        this._schedulePing();
    };
    SockJS.prototype._close = function (code, reason, wasClean) {
        // failed: closed before /info answered (that request is cancelled; `error` comes before `close`)
        var self = this, failed = self._cancelInfo, tr = self._dropTransport(), r = self._options.reconnect, ro = r === true ? {} : r || false;
        if (failed)
            failed();
        self._cancelInfo = null;
        clearTimeout(self._reconnectTimer);
        clearTimeout(self._pingTimer);
        self._droppedAt = 0;
        if (tr)
            tr.close();
        self._set(CLOSING, null);
        later(function () {
            var e = { type: 'close', code: code || 1000, reason: reason, wasClean: !!wasClean, willReconnect: false };
            self._set(CLOSED);
            if (failed)
                self._emit('error');
            if (ro && !self._closedByUser && self._reconnects < (ro.retries == null ? 1 / 0 : ro.retries) &&
                (ro.shouldReconnect ? ro.shouldReconnect(e) : !userCode(e.code) && (e.code | 1) != 1009)) {
                e.willReconnect = true;
                self._set(CONNECTING);
                self._reconnectTimer = setTimeout(function () { self._start(); }, Math.min(ro.maxDelay || 30000, (ro.minDelay || 1000) * Math.pow(ro.factor || 2, self._reconnects++)) *
                    (1 - (ro.jitter == null ? 0.5 : ro.jitter) * Math.random()));
            }
            self.dispatchEvent(e);
            if (self.readyState == CLOSED) {
                self.onmessage = self.onclose = self.onerror = self.onreconnecting = self.onresumed = null;
            }
        });
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
