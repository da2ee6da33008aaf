// Many nodes on Redis, for the browser tests: a real redis-server on a free
// loopback port, test-server nodes joined to it (target/debug/examples/
// testserver built with `--features redis`, or CLUSTER_SERVER_BIN), and nginx
// in front of them with a plain round-robin upstream (no ip_hash, no hash, no
// sticky cookie) that also serves the test pages, so that page and SockJS
// share one origin. Every wait polls; nothing sleeps for a server.
//
//   const redis = await startRedis();
//   const node = await startClusterNode({ redis, sockjsUrl });  // joined once it resolves
//   const lb = await startRoundRobin({ port, upstreams: [node.port, ...], mounts: { '/harness/': dir } });
//   lb.requests()   // the access log, parsed: { ms, status, method, uri, upstreams, session }
//   await node.kill()   // SIGKILL
//   await node.terminate()   // SIGTERM: a graceful stop
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HOST, getFreePort, withTimeout } from './net.mjs';
import { startListeningProcess } from './process.mjs';
import { REPO_DIR } from './sockjs-server.mjs';
import { startNginx, tempPaths } from './nginx.mjs';

export const REDIS_SERVER = process.env.REDIS_SERVER || 'redis-server';
export const REDIS_CLI = process.env.REDIS_CLI || 'redis-cli';
export const CLUSTER_SERVER_BIN =
  process.env.CLUSTER_SERVER_BIN || path.join(REPO_DIR, 'target', 'debug', 'examples', 'testserver');
/** The key prefix of the nodes (actix_sockjs::Cluster's default). */
export const PREFIX = 'sockjs';

const tick = (ms) => new Promise((r) => setTimeout(r, ms));

/** Thrown by an `eventually` check: stop polling, this will not change. */
export class GiveUp extends Error {}

/**
 * Polls `check` (async, truthy = done) every 20 ms, bounded; resolves to its
 * value. A check that throws is tried again (a GiveUp ends the wait).
 */
export async function eventually(what, check, { timeoutMs = 15000, every = 20 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      if (e instanceof GiveUp) throw e;
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`never within ${timeoutMs} ms: ${what}${last ? ` (last error: ${last.message})` : ''}`);
    }
    await tick(every);
  }
}

/** `redis-server` on a free loopback port, in memory only. */
export async function startRedis() {
  const port = await getFreePort();
  const proc = await startListeningProcess({
    name: 'redis-server',
    command: REDIS_SERVER,
    args: ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'],
    port,
  }).catch((e) => {
    e.message += "\n(the cluster tests need Debian's redis-server and redis-cli: apt-get install redis-server)";
    throw e;
  });
  const cli = (...args) =>
    new Promise((resolve, reject) => {
      execFile(REDIS_CLI, ['-h', HOST, '-p', String(port), '--raw', ...args], { timeout: 5000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`redis-cli ${args.join(' ')}: ${err.message} ${stderr}`));
        else resolve(stdout);
      });
    });
  return {
    port,
    url: `redis://${HOST}:${port}`,
    cli,
    /**
     * Which node owns which session of service `svc`: a Map from session id
     * to node id, from the resumable sessions' hashes (`r:<token>`: sid; owner
     * in `t:<token>`) and the HTTP sessions' owner keys (`s:<id>`).
     */
    async owners(svc) {
      const script = `
        local p = ARGV[1] local out = {}
        for _, k in ipairs(redis.call('KEYS', p .. ':r:*')) do
          local sid = redis.call('HGET', k, 'sid')
          local owner = redis.call('GET', p .. ':t:' .. string.sub(k, #p + 4))
          if sid and owner then table.insert(out, sid) table.insert(out, owner) end
        end
        for _, k in ipairs(redis.call('KEYS', p .. ':s:*')) do
          local owner = redis.call('GET', k)
          if owner then table.insert(out, string.sub(k, #p + 4)) table.insert(out, owner) end
        end
        return out`;
      const lines = (await cli('EVAL', script, '0', `${PREFIX}:${svc}`)).split('\n').filter((l) => l !== '');
      const m = new Map();
      // Resumable sessions first: their hash names the session's first id.
      for (let i = 0; i + 1 < lines.length; i += 2) if (!m.has(lines[i])) m.set(lines[i], lines[i + 1]);
      return m;
    },
    stop: () => proc.stop(),
  };
}

const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * A test-server node joined to `redis` (REDIS_URL), on `port` (or a free
 * one). Resolves once it listens and its /metrics says its Redis links are
 * up. Returns { port, id, base, output(), kill(), terminate(), stop(), alive() }.
 */
export async function startClusterNode({ redis, port, sockjsUrl, nodeTimeoutMs = 900, env = {} }) {
  if (!fs.existsSync(CLUSTER_SERVER_BIN)) {
    throw new Error(`no test server at ${CLUSTER_SERVER_BIN}: cargo build --example testserver --features redis (or set CLUSTER_SERVER_BIN)`);
  }
  port = port || (await getFreePort());
  const proc = await startListeningProcess({
    name: `testserver node :${port}`,
    command: CLUSTER_SERVER_BIN,
    args: ['--port', String(port)],
    port,
    env: {
      REDIS_URL: redis.url,
      NODE_TIMEOUT_MS: String(nodeTimeoutMs),
      SOCKJS_URL: sockjsUrl || '',
      // The node's id is in its "link up" line; take-overs are logged too.
      RUST_LOG: process.env.NODE_LOG || 'warn,actix_sockjs=info',
      NO_COLOR: '1',
      ...env,
    },
  });
  const base = `http://${HOST}:${port}`;
  let exited = null;
  const exit = new Promise((resolve) => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      exited = { code: proc.child.exitCode, signal: proc.child.signalCode };
      resolve(exited);
    }
    proc.child.once('exit', (code, signal) => resolve((exited = { code, signal })));
  });
  try {
    await eventually(`node :${port} joined the cluster (sockjs_cluster_up 1 on /metrics)`, async () => {
      if (exited) throw new GiveUp(`node :${port} exited ${JSON.stringify(exited)}:\n${proc.output()}`);
      const text = await (await fetch(`${base}/metrics`)).text();
      if (!text.includes('sockjs_cluster_up')) {
        throw new GiveUp(`${CLUSTER_SERVER_BIN} has no cluster: built without --features redis? (cargo build --example testserver --features redis, or set CLUSTER_SERVER_BIN)`);
      }
      return /^sockjs_cluster_up\{service="echo"\} 1$/m.test(text);
    });
  } catch (e) {
    await proc.stop().catch(() => {});
    throw e;
  }
  const output = () => proc.output().replace(ANSI, '');
  const m = /cluster: node ([0-9a-f]+): Redis commands link up/.exec(output());
  if (!m) {
    await proc.stop().catch(() => {});
    throw new Error(`node :${port}: no "link up" line with its id in its output (RUST_LOG=${process.env.NODE_LOG}):\n${output()}`);
  }
  return {
    port,
    id: m[1],
    base,
    output,
    alive: () => !exited,
    /** SIGKILL, and wait (bounded) until it is gone. */
    async kill() {
      if (!exited) proc.child.kill('SIGKILL');
      return withTimeout(exit, 5000, `node :${port} SIGKILL`);
    },
    /** SIGTERM (a graceful stop), and wait (bounded) until it is gone. */
    async terminate() {
      if (!exited) proc.child.kill('SIGTERM');
      return withTimeout(exit, 10000, `node :${port} SIGTERM`);
    },
    stop: () => proc.stop(),
  };
}

/**
 * nginx on `port` in front of `upstreams` (ports), plain round robin (no
 * ip_hash, no affinity of any kind), proxying as docs/nginx.conf does
 * (HTTP/1.1, Upgrade and Connection passed for WebSocket, no buffering,
 * keepalive to the nodes), failing over to the next node on a connection
 * error or timeout with a short connect timeout. `mounts` (URL prefix ->
 * directory) are served by nginx itself. Its access log records, for each
 * request, the node(s) it went to ($upstream_addr).
 */
export function roundRobinConfig({ dir, port, upstreams, mounts = {} }) {
  const p = (name) => path.join(dir, name);
  const statics = Object.entries(mounts)
    .map(([prefix, d]) => `        location ${prefix} { alias ${path.resolve(d)}/; add_header Cache-Control no-store; }`)
    .join('\n');
  return `# generated by client-js/test/harness/cluster.mjs: round robin over the cluster's nodes
worker_processes 1;
daemon off;
master_process on;
pid ${p('nginx.pid')};
error_log ${p('error.log')} warn;
events { worker_connections 2048; }
http {
    log_format cluster '$msec|$status|$request_method|$request_uri|$upstream_addr|$upstream_status|$request_time';
    access_log ${p('access.log')} cluster;
${tempPaths(dir)}
    types {
        text/html html;
        text/javascript js mjs;
        application/json json map;
    }
    default_type application/octet-stream;

    # Plain round robin: each request to the next node, whatever session it
    # belongs to. A node that refuses a connection is skipped for 2 s.
    upstream sockjs_cluster {
${upstreams.map((u) => `        server ${HOST}:${u} max_fails=1 fail_timeout=2s;`).join('\n')}
        keepalive 64;
    }

    map $http_upgrade $sockjs_connection {
        default upgrade;
        ''      '';
    }

    server {
        listen ${HOST}:${port};
${statics}
        location / {
            proxy_pass http://sockjs_cluster;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $sockjs_connection;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_buffering off;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
            client_max_body_size 1m;
            # A dead node: the next one (a request not yet sent, or idempotent).
            proxy_next_upstream error timeout;
            proxy_connect_timeout 1s;
        }
    }
}
`;
}

const SESSION_PATH = /^\/([^/?]+)\/([^/?]+)\/([^/?]+)\/([a-z_]+)(?:\?|$)/;

/** One access log line: { ms, status, method, uri, upstreams: [port...], upstreamStatus, session: {svc, id, type} | null }. */
export function parseAccessLine(line) {
  const [msec, status, method, uri, upstream, upstreamStatus, requestTime] = line.split('|');
  const m = SESSION_PATH.exec(uri || '');
  return {
    ms: Math.round(Number(msec) * 1000),
    status: Number(status),
    method,
    uri,
    upstreams: upstream === '-' ? [] : upstream.split(/,\s*/).map((a) => Number(a.split(':').pop())),
    upstreamStatus,
    requestTime: Number(requestTime),
    session: m ? { svc: m[1], id: m[3], type: m[4] } : null,
  };
}

export async function startRoundRobin({ port, upstreams, mounts }) {
  const lb = await startNginx({
    name: 'nginx round robin',
    port,
    tmpPrefix: 'sockjs-cluster-nginx-',
    config: ({ dir, port }) => roundRobinConfig({ dir, port, upstreams, mounts }),
  });
  /** The access log so far, parsed (lines are written when a request ends). */
  lb.requests = () => lb.accessLog().split('\n').filter(Boolean).map(parseAccessLine);
  return lb;
}
