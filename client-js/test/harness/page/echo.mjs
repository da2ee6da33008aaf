// Page-side echo routine (also runs in Node). Opens a SockJS-compatible socket
// (sockjs-client's SockJS by default, or any constructor with the same API),
// sends every message once open, closes once as many messages came back as were
// sent (or, with no messages, waits for the server to close), and reports what
// happened. Bounded by timeoutMs; never throws.
//
// runEcho({ url, transports, messages, timeoutMs, ctor, options })
//   url         SockJS service URL
//   transports  array of transport names to allow, or null for the client's choice
//   messages    array of strings to send (default: none)
//   ctor        the constructor, or its name on globalThis (default 'SockJS');
//               in Node, pass sockjs-client's SockJS function itself
//   options     extra constructor options
// -> { opened, transport, received, close: {code, reason, wasClean} | null,
//      timedOut, error, events, elapsedMs }

export function runEcho({ url, transports = null, messages = [], timeoutMs = 20000, ctor = 'SockJS', options = {} }) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const events = [];
    const received = [];
    let opened = false;
    let transport = null;
    let finished = false;
    let sock;
    const log = (what) => events.push(`${Math.round(performance.now() - t0)}ms ${what}`);

    // An exception the client throws from an event handler (e.g. while decoding
    // a frame) would otherwise only show up as a timeout: stop and report it.
    const onPageError = (ev) => {
      const msg = ev && (ev.message || (ev.error && ev.error.message)) || String(ev);
      log(`uncaught exception: ${msg}`);
      try { if (sock) sock.close(); } catch (e) { /* reported below */ }
      finish({ error: `uncaught exception in the page while ${opened ? 'open' : 'connecting'}: ${msg} (${received.length}/${messages.length} messages back)` });
    };
    const canListen = typeof globalThis.addEventListener === 'function';
    if (canListen) globalThis.addEventListener('error', onPageError);

    const finish = (extra) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (canListen) globalThis.removeEventListener('error', onPageError);
      resolve({ opened, transport, received, close: null, timedOut: false, error: null, events, elapsedMs: Math.round(performance.now() - t0), ...extra });
    };
    const timer = setTimeout(() => {
      log('timeout');
      const state = sock ? sock.readyState : 'no socket';
      try { if (sock) sock.close(); } catch (e) { /* reported below */ }
      finish({ timedOut: true, error: `no close event within ${timeoutMs} ms (readyState ${state}, ${received.length}/${messages.length} messages back)` });
    }, timeoutMs);

    try {
      const Ctor = typeof ctor === 'function' ? ctor : globalThis[ctor];
      if (typeof Ctor !== 'function') throw new Error(`${ctor} is not a constructor`);
      const opts = { ...options };
      if (transports) opts.transports = transports;
      sock = new Ctor(url, null, opts);
    } catch (e) {
      log(`constructor threw: ${e}`);
      finish({ error: `constructor threw: ${e && e.message ? e.message : e}` });
      return;
    }

    sock.onopen = () => {
      opened = true;
      transport = sock.transport || null;
      log(`open (${transport})`);
      try {
        for (const m of messages) sock.send(m);
      } catch (e) {
        log(`send threw: ${e}`);
      }
    };
    sock.onmessage = (e) => {
      received.push(e.data);
      if (messages.length && received.length === messages.length) {
        log(`all ${messages.length} messages back, closing`);
        sock.close();
      }
    };
    sock.onerror = () => log('error event');
    sock.onclose = (e) => {
      log(`close ${e.code} ${JSON.stringify(e.reason)} wasClean=${e.wasClean}`);
      finish({ close: { code: e.code, reason: e.reason, wasClean: e.wasClean } });
    };
  });
}
