'use strict';
// Reference SockJS server for the interop suites: sockjs-node 0.3.24 with the
// same services as the Rust conformance server (examples/testserver), so the
// harness and the expectations can be proven against the original
// implementation first.
//
//   node test/servers/sockjs-node.cjs <port>
//
// Listens on 127.0.0.1:<port>. The iframe page's sockjs_url comes from the
// SOCKJS_URL environment variable (it must point at the same sockjs-client the
// test page loads). Any origin is allowed (sockjs-node echoes Origin back).

const http = require('http');
const sockjs = require('sockjs');

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: node sockjs-node.cjs <port>');
  process.exit(2);
}
const sockjsUrl = process.env.SOCKJS_URL;
if (!sockjsUrl) {
  console.error('SOCKJS_URL must be set (the sockjs-client URL the iframe page loads)');
  process.exit(2);
}

const quiet = () => {};

function service(prefix, extra, onConnection) {
  const srv = sockjs.createServer(Object.assign({
    sockjs_url: sockjsUrl,
    log: quiet,
    // Keep the default 128 KiB response_limit: a 100 KiB echo then makes the
    // streaming transports reopen their request, which is worth exercising.
  }, extra));
  srv.on('connection', onConnection);
  return { prefix, srv };
}

function echo(conn) {
  conn.on('data', (m) => conn.write(m));
}

const broadcastConns = new Map();

const services = [
  service('/echo', {}, echo),
  service('/disabled_websocket_echo', { websocket: false }, echo),
  service('/cookie_needed_echo', { jsessionid: true }, echo),
  service('/close', {}, (conn) => conn.close(3000, 'Go away!')),
  service('/amplify', {}, (conn) => {
    conn.on('data', (m) => {
      let n = Math.floor(Number(m));
      n = n > 0 && n < 19 ? n : 1;
      conn.write('x'.repeat(2 ** n));
    });
  }),
  service('/broadcast', {}, (conn) => {
    broadcastConns.set(conn.id, conn);
    conn.on('close', () => broadcastConns.delete(conn.id));
    conn.on('data', (m) => {
      for (const c of broadcastConns.values()) c.write(m);
    });
  }),
  service('/ticker', {}, (conn) => {
    const t = setInterval(() => conn.write('tick!'), 1000);
    conn.on('close', () => clearInterval(t));
  }),
];

const server = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found\n');
});
for (const { prefix, srv } of services) {
  srv.installHandlers(server, { prefix });
}

server.listen(port, '127.0.0.1', () => {
  console.log(`sockjs-node 0.3.24 test server on http://127.0.0.1:${port}`);
});

function shutdown() {
  server.close();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
