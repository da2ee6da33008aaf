// sockjs-node 0.3.24 with the same two services as the actix-sockjs bench
// server: /echo and /broadcast (a message goes to every other session).
// Started by `cargo run --release --example bench`: node server.js PORT DISCONNECT_DELAY_MS
'use strict';
const http = require('http');
const sockjs = require('sockjs');

const version = require('sockjs/package.json').version;
if (version !== '0.3.24') {
  console.error(`sockjs-node ${version} found, 0.3.24 expected`);
  process.exit(1);
}
const port = Number(process.argv[2]);
const options = {
  disconnect_delay: Number(process.argv[3] || 5000),
  log: () => {},
};

const echo = sockjs.createServer(options);
echo.on('connection', (conn) => {
  conn.on('data', (message) => conn.write(message));
});

const members = new Set();
const broadcast = sockjs.createServer(options);
broadcast.on('connection', (conn) => {
  members.add(conn);
  conn.on('data', (message) => {
    for (const other of members) {
      if (other !== conn) other.write(message);
    }
  });
  conn.on('close', () => members.delete(conn));
});

const server = http.createServer();
echo.installHandlers(server, { prefix: '/echo' });
broadcast.installHandlers(server, { prefix: '/broadcast' });
server.listen(port, '127.0.0.1', 4096);

// Exit with the bench tool: it holds our stdin open.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
