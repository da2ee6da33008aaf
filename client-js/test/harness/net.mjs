// Loopback networking helpers: free ports, bounded polling for a listening
// port, bounded waits. Everything here is on 127.0.0.1 only.
import net from 'node:net';

export const HOST = '127.0.0.1';

/** A port that was free a moment ago (the OS picks it; we release it at once). */
export function getFreePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves true when a TCP connect to HOST:port succeeds, false when refused. */
function tryConnect(port, host = HOST, timeoutMs = 500) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    const done = (ok) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

const tick = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls HOST:port until it accepts a TCP connection. Bounded by timeoutMs.
 * `abortCheck()` is called between attempts; if it returns a string (e.g. the
 * child process exited), waiting stops with that as the error.
 */
export async function waitForPort(port, { timeoutMs = 20000, host = HOST, what = `port ${port}`, abortCheck } = {}) {
  const deadline = Date.now() + timeoutMs;
  let attempt = 0;
  for (;;) {
    if (abortCheck) {
      const why = abortCheck();
      if (why) throw new Error(`${what}: ${why}`);
    }
    if (await tryConnect(port, host)) return;
    if (Date.now() > deadline) {
      throw new Error(`${what}: nothing accepted connections on ${host}:${port} within ${timeoutMs} ms`);
    }
    // Poll interval: grows from 10 ms to 200 ms (this is polling, not waiting for a guess).
    await tick(Math.min(200, 10 * 2 ** Math.min(attempt++, 5)));
  }
}

/** Rejects with a descriptive error if `promise` does not settle within ms. */
export function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}
