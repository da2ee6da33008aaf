// The built artifacts: size budget, ES5 syntax, bundler safety, packaging, types, reproducibility.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import * as acorn from 'acorn';
import ts from 'typescript';
import { build, cjsTypes, OUTPUTS } from '../../scripts/build.mjs';
import { BUILD, ROOT } from './support/env.mjs';

const DIST = join(ROOT, 'dist');
const BUDGET = 6 * 1024;

test(`the minified UMD bundle is at most ${BUDGET} bytes gzipped`, (t) => {
  for (const dir of [BUILD, DIST]) {
    const raw = readFileSync(join(dir, 'sockjs.min.js'));
    const gz = gzipSync(raw).length; // zlib's default level, as most servers use
    const gz9 = gzipSync(raw, { level: 9 }).length;
    const line = `${dir}/sockjs.min.js: ${raw.length} bytes, ${gz} gzipped (${gz9} at -9), budget ${BUDGET}`;
    t.diagnostic(line);
    console.log(line);
    assert.ok(gz <= BUDGET, line);
  }
});

test('es-check es5 accepts the UMD bundle', () => {
  const bin = join(ROOT, 'node_modules', 'es-check', 'lib', 'cli', 'index.js');
  for (const dir of [BUILD, DIST]) {
    const r = spawnSync(process.execPath, [bin, 'es5', join(dir, 'sockjs.min.js')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  }
});

test('es-check es5 --module accepts the ES module (ES5 but for import/export)', () => {
  const bin = join(ROOT, 'node_modules', 'es-check', 'lib', 'cli', 'index.js');
  for (const dir of [BUILD, DIST]) {
    const r = spawnSync(process.execPath, [bin, 'es5', '--module', join(dir, 'index.mjs')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  }
});

test('es-check rejects ES2015 syntax (the check is live)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'es-check-'));
  try {
    const f = join(dir, 'es6.js');
    writeFileSync(f, 'const a = () => 1;\n');
    const bin = join(ROOT, 'node_modules', 'es-check', 'lib', 'cli', 'index.js');
    const r = spawnSync(process.execPath, [bin, 'es5', f], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Identifiers used as variables (not property names) in a program. */
function freeNames(code, sourceType) {
  const names = new Set();
  (function walk(node, parent, key) {
    if (!node || typeof node.type !== 'string') return;
    if (node.type === 'Identifier') {
      const isProp = (parent.type === 'MemberExpression' && key === 'property' && !parent.computed) ||
        (parent.type === 'Property' && key === 'key' && !parent.computed);
      if (!isProp) names.add(node.name);
    }
    for (const [k, v] of Object.entries(node)) {
      if (Array.isArray(v)) v.forEach((c) => walk(c, node, k));
      else if (v && typeof v.type === 'string') walk(v, node, k);
    }
  })(acorn.parse(code, { ecmaVersion: 2020, sourceType }), {}, '');
  return names;
}

test('the ES module uses no node globals (global, process, require, Buffer...)', () => {
  for (const dir of [BUILD, DIST]) {
    const names = freeNames(readFileSync(join(dir, 'index.mjs'), 'utf8'), 'module');
    for (const bad of ['global', 'process', 'require', 'module', 'exports', 'Buffer', '__dirname', 'setImmediate']) {
      assert.ok(!names.has(bad), `${dir}/index.mjs uses ${bad}`);
    }
    assert.ok(names.has('globalThis'), 'sanity: the walk sees identifiers');
  }
});

test('the UMD bundle itself only touches `global` as its wrapper parameter name', () => {
  const code = readFileSync(join(BUILD, 'sockjs.min.js'), 'utf8');
  const names = freeNames(code, 'script');
  for (const bad of ['process', 'Buffer', '__dirname', 'setImmediate']) assert.ok(!names.has(bad), bad);
  assert.match(code, /^\/\*! actix-sockjs-client \d+\.\d+\.\d+ \| MIT OR Apache-2\.0 \*\/\n/);
  assert.match(code, /^[\x09\x0a\x20-\x7e]*$/, 'ASCII only, whatever charset the page declares');
});

test('package.json exports: import gets the ES module, require the UMD bundle, each with its own types', async () => {
  // self-reference by package name resolves through "exports"
  const esm = await import('actix-sockjs-client');
  assert.equal(typeof esm.default, 'function');
  assert.equal(esm.default.CLOSED, 3);
  const require = createRequire(join(ROOT, 'package.json'));
  const cjs = require('actix-sockjs-client');
  assert.equal(typeof cjs, 'function');
  assert.equal(cjs.OPEN, 1);
  assert.equal(require.resolve('actix-sockjs-client'), join(DIST, 'sockjs.min.js'));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(pkg.name, 'actix-sockjs-client');
  assert.equal(pkg.private, false);
  assert.equal(pkg.license, 'MIT OR Apache-2.0');
  assert.equal(pkg.types, './dist/index.d.ts');
  assert.equal(pkg.main, './dist/sockjs.min.js');
  assert.deepEqual(pkg.exports['.'], {
    import: { types: './dist/index.d.mts', default: './dist/index.mjs' },
    default: { types: './dist/index.d.ts', default: './dist/sockjs.min.js' }
  });
  for (const [name, version] of Object.entries(pkg.devDependencies)) {
    assert.match(version, /^(npm:@?[\w./-]+@)?\d+\.\d+\.\d+$/, `${name} is pinned to an exact version`);
  }
});

test('the types: a strict TypeScript consumer compiles against dist/index.d.ts, and misuse fails', () => {
  const dir = mkdtempSync(join(ROOT, '.build', 'types-'));
  try {
    const good = join(dir, 'good.ts');
    const bad = join(dir, 'bad.ts');
    writeFileSync(good, `
import SockJS from 'actix-sockjs-client';
import type { SockJSCloseEvent, SockJSOptions } from 'actix-sockjs-client';
const options: SockJSOptions = {
  transports: ['websocket', 'xhr-streaming'], timeout: 1000, server: '123', sessionId: () => 'abc',
  query: () => ({ token: 'secret' }), reconnect: { minDelay: 500, maxDelay: 10000, jitter: 0.3, retries: 5 }
};
const sock = new SockJS('http://localhost/echo', undefined, options);
sock.onmessage = (e) => { const d: unknown = e.data; void d; };
sock.onclose = (e: SockJSCloseEvent) => { const n: number = e.code; const r: boolean = e.willReconnect; void n; void r; };
sock.addEventListener('close', (e) => { const s: string = e.reason; void s; });
sock.addEventListener('heartbeat', () => {});
if (sock.readyState === SockJS.OPEN && sock.readyState === sock.OPEN) sock.send('hi');
const t: string | null = sock.transport;
void t;
sock.close(1000, 'bye');
`);
    writeFileSync(bad, `
import SockJS from 'actix-sockjs-client';
const sock = new SockJS('http://localhost/echo', null, { transports: 1 });
sock.onclose = (e) => { const s: string = e.code; void s; };
`);
    const options = { strict: true, noEmit: true, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2020, lib: ['lib.es2020.d.ts', 'lib.dom.d.ts'], types: [] };
    const diag = (file) => ts.getPreEmitDiagnostics(ts.createProgram([file], options))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(diag(good), []);
    const errs = diag(bad);
    assert.equal(errs.length, 2, errs.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the two declaration files: index.d.ts is index.d.mts with CommonJS exports; both have the precise types', () => {
  for (const dir of [BUILD, DIST]) {
    const esm = readFileSync(join(dir, 'index.d.mts'), 'utf8');
    const cjs = readFileSync(join(dir, 'index.d.ts'), 'utf8');
    assert.equal(cjs, cjsTypes(esm));
    assert.match(esm, /\nexport \{ SockJS as default \};\n/);
    assert.doesNotMatch(cjs, /export default|as default/);
    assert.match(cjs, /\nexport = SockJS;\nexport as namespace SockJS;\n$/);
    for (const d of [esm, cjs]) {
      for (const decl of [
        'readonly readyState: 0 | 1 | 2 | 3;',
        'readonly transport: TransportName | null;',
        "type TransportName = 'websocket' | 'xhr-streaming' | 'eventsource' | 'xhr-polling' | 'jsonp-polling';",
        'transports?: TransportName | IgnoredTransportName | ReadonlyArray<TransportName | IgnoredTransportName> | undefined;',
        'interface SockJSMessageEvent extends SockJSEvent {\n    data: string;\n}',
        'onheartbeat: ((this: SockJS, ev: SockJSEvent) => any) | null;',
        'onreconnecting: ((this: SockJS, ev: SockJSReconnectingEvent) => any) | null;',
        'onresumed: ((this: SockJS, ev: SockJSEvent) => any) | null;',
        'addEventListener<K extends keyof SockJSEventMap>(type: K, listener: (this: SockJS, ev: SockJSEventMap[K]) => any): void;'
      ]) {
        assert.ok(d.includes(decl), `${decl} in ${dir}`);
      }
      for (const event of ['open', 'message', 'close', 'error', 'heartbeat', 'reconnecting', 'resumed']) {
        assert.match(d, new RegExp(`interface SockJSEventMap \\{[^}]*\\n    ${event}: `), `${event} in the event map`);
        assert.match(d, new RegExp(`\\n    on${event}: \\(\\(this: SockJS`), `on${event}`);
      }
    }
  }
});

test('rebuilding from src/ gives dist/ byte for byte', async () => {
  const out = mkdtempSync(join(tmpdir(), 'sockjs-client-rebuild-'));
  try {
    await build(out);
    assert.deepEqual(readdirSync(out).sort(), [...OUTPUTS].sort());
    for (const f of OUTPUTS) {
      const fresh = readFileSync(join(out, f));
      const committed = readFileSync(join(DIST, f));
      assert.ok(fresh.equals(committed), `dist/${f} differs from a fresh build: run \`npm run build\` and commit dist/`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
