// The SockJS server under test, selected by SOCKJS_SERVER:
//   rust (default) - the Rust conformance server, target/debug/examples/testserver --port <port>
//                    (override the binary with SOCKJS_SERVER_BIN)
//   node           - sockjs-node 0.3.24, test/servers/sockjs-node.cjs (the reference)
// Both serve /echo, /close, /disabled_websocket_echo, /cookie_needed_echo,
// /amplify, /broadcast, /ticker on 127.0.0.1:<port>, allow any origin, and take
// the iframe page's sockjs_url from SOCKJS_URL.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getFreePort, HOST } from './net.mjs';
import { startListeningProcess } from './process.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CLIENT_JS_DIR = path.resolve(here, '..', '..');
export const REPO_DIR = path.resolve(CLIENT_JS_DIR, '..');

export function serverKind() {
  const kind = (process.env.SOCKJS_SERVER || 'rust').toLowerCase();
  if (kind !== 'rust' && kind !== 'node') {
    throw new Error(`SOCKJS_SERVER must be "rust" or "node", not ${JSON.stringify(kind)}`);
  }
  return kind;
}

export function serverLabel(kind = serverKind()) {
  return kind === 'rust' ? 'actix-sockjs' : 'sockjs-node 0.3.24';
}

/**
 * Starts the server under test. `sockjsUrl` is what its iframe page loads.
 * Resolves to { kind, label, port, origin, url(prefix), output(), stop() }.
 */
export async function startSockjsServer({ sockjsUrl, kind = serverKind(), env = {} }) {
  const port = await getFreePort();
  let command;
  let args;
  if (kind === 'rust') {
    command = process.env.SOCKJS_SERVER_BIN || path.join(REPO_DIR, 'target', 'debug', 'examples', 'testserver');
    if (!existsSync(command)) {
      throw new Error(
        `Rust test server not found at ${command}; build it first: ` +
          '(cd ' + REPO_DIR + ' && cargo build --example testserver)',
      );
    }
    args = ['--port', String(port)];
  } else {
    command = process.execPath;
    args = [path.join(CLIENT_JS_DIR, 'test', 'servers', 'sockjs-node.cjs'), String(port)];
  }
  const proc = await startListeningProcess({
    name: `${serverLabel(kind)} test server`,
    command,
    args,
    port,
    cwd: REPO_DIR,
    env: { SOCKJS_URL: sockjsUrl, RUST_LOG: process.env.RUST_LOG || 'warn', ...env },
  });
  const origin = `http://${HOST}:${port}`;
  return {
    kind,
    label: serverLabel(kind),
    port,
    origin,
    url: (prefix) => origin + prefix,
    output: proc.output,
    stop: proc.stop,
  };
}
