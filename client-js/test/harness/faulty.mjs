// A fault-injecting TCP proxy on loopback, for the browser tests (the Rust
// tests have their own, tests/common/faulty.rs): each connection through it is
// passed through, or gets a fault on its way back to the browser: cut after
// some bytes (mid-answer, mid-stream), its answer dropped (read from the
// server, never delivered, then the connection closed), or stalled. The plan
// is a function of the connection number, so a run is repeatable.
import net from 'node:net';
import { HOST, getFreePort } from './net.mjs';

/** A fault: { kind: 'none' | 'cut' | 'drop' | 'stall', bytes, ms }. */
export async function startFaultyProxy({ upstreamPort, plan }) {
  const stats = { connections: 0, cut: 0, dropped: 0, stalled: 0 };
  const sockets = new Set();
  const server = net.createServer((client) => {
    const n = stats.connections++;
    const fault = plan(n);
    const upstream = net.connect(upstreamPort, HOST);
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    client.pipe(upstream);
    let passed = 0;
    let stalled = false;
    upstream.on('data', (chunk) => {
      if (fault.kind === 'drop') {
        stats.dropped++;
        return end();
      }
      const limit = fault.kind === 'cut' ? fault.bytes : fault.then;
      if (limit != null && passed + chunk.length >= limit) {
        client.write(chunk.subarray(0, limit - passed));
        stats.cut++;
        return end();
      }
      passed += chunk.length;
      if (fault.kind === 'stall' && !stalled) {
        stalled = true;
        stats.stalled++;
        upstream.pause();
        // the fault itself: bytes held back for a while
        setTimeout(() => {
          client.write(chunk);
          upstream.resume();
        }, fault.ms);
        return;
      }
      client.write(chunk);
    });
  });
  const port = await getFreePort();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, resolve);
  });
  return {
    port,
    stats,
    url: (prefix) => `http://${HOST}:${port}${prefix}`,
    summary: () => `${stats.connections} connections: ${stats.cut} cut, ${stats.dropped} answers dropped, ${stats.stalled} stalled`,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A repeatable plan: one in `every` connections (after the first) faulty. */
export function faultPlan({ seed, every, cut, late = 4 * cut, socket = false }) {
  return (n) => {
    let x = (seed * 2654435761 + n * 40503) >>> 0;
    const rand = (k) => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x % k;
    };
    if (socket) {
      // sockets: cut past the open and token frames, every third after a stall
      if (n >= 12) return { kind: 'none' };
      const bytes = 300 + rand(cut - 300);
      return n % 3 === 2 ? { kind: 'stall', ms: 20 + rand(150), then: bytes } : { kind: 'cut', bytes };
    }
    // Browsers keep HTTP connections alive, so faults are per connection and
    // the early connections all end in one: the first (which carries /info)
    // is cut after a while; later ones are cut, have their answers dropped,
    // or stall and then are cut. `every` spaces the short faults out; the
    // others are cut after `late` to 3 × `late` bytes (for polling, late
    // enough for a poll's answer, which holds everything not yet
    // acknowledged, to fit), and from the 40th connection on none is, so
    // that a run always ends.
    if (n === 0) return { kind: 'cut', bytes: 2000 + rand(cut) };
    if (n >= 40) return { kind: 'none' };
    if (rand(every) !== 0) return { kind: 'cut', bytes: late + rand(2 * late) };
    switch (rand(3)) {
      case 0: return { kind: 'cut', bytes: 1 + rand(cut) };
      case 1: return { kind: 'drop' };
      default: return { kind: 'stall', ms: 20 + rand(180), then: 1 + rand(4 * cut) };
    }
  };
}
