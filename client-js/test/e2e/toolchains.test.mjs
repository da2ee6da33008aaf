// actix-sockjs-client as applications get it: `npm pack`, `npm install` of the
// tarball into an application project of its own (test/toolchains/app/),
// built by the bundlers applications use, each built page loaded in Chromium
// and echoing the message set against the test server on every transport:
//   vite             Vite (index.html entry, `import SockJS from 'actix-sockjs-client'`)
//   webpack          webpack 5, production mode, the same ES module entry
//   webpack-require  webpack 5 on a CommonJS entry, `require('actix-sockjs-client')`
//   esbuild          esbuild, bundled and minified to an IIFE for the browser
// Each build must take the file its conditions pick (`import`: dist/index.mjs;
// `require`: the UMD bundle, dist/sockjs.min.js) from the installed tarball.
//
// The project lives in client-js/.build/, so the bundlers (client-js's
// devDependencies, installed by `npm ci`) resolve from client-js/node_modules
// while the package resolves from the project's own node_modules; nothing is
// fetched at test time. The server is the one `SOCKJS_SERVER` picks (default:
// the Rust test server, target/debug/examples/testserver).
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { build as viteBuild } from 'vite';
import webpack from 'webpack';
import {
  assertEchoed,
  buildMessages,
  CLIENT_JS_DIR,
  DEFAULT_MOUNTS,
  launchChromium,
  newPage,
  runEchoInPage,
  serverLabel,
  startPageServer,
  startSockjsServer,
  withTimeout,
  CLIENT_JS_TRANSPORTS as TRANSPORTS,
} from '../harness/index.mjs';
import { installTarball, packTarball } from '../unit/support/pack.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const APP = path.join(here, '..', 'toolchains', 'app');
const ECHO_TIMEOUT_MS = 20000;
const expected = buildMessages();

/** Runs webpack with `config`; resolves to its stats as JSON, or rejects with its errors. */
function runWebpack(config) {
  return new Promise((resolve, reject) => {
    webpack(config, (err, stats) => {
      if (err) return reject(err);
      const json = stats.toJson({ all: false, errors: true, modules: true, nestedModules: true });
      if (stats.hasErrors()) return reject(new Error(`webpack: ${json.errors.map((e) => e.message).join('\n')}`));
      resolve(json);
    });
  });
}

/** The files webpack bundled (also those it concatenated into one module). */
function webpackFiles(stats) {
  const files = [];
  (function walk(modules) {
    for (const m of modules || []) {
      if (m.modules) walk(m.modules);
      else if (m.nameForCondition) files.push(m.nameForCondition);
    }
  })(stats.modules);
  return files;
}

/** The builds: name -> async (project dir, out dir) => { modules: absolute paths bundled, scripts: files to weigh }. */
const BUILDS = {
  async vite(dir, out) {
    const result = await viteBuild({
      root: dir, configFile: false, base: './', logLevel: 'warn',
      build: { outDir: out, emptyOutDir: true },
    });
    const chunks = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output).filter((o) => o.type === 'chunk');
    return { modules: chunks.flatMap((c) => c.moduleIds), scripts: chunks.map((c) => c.fileName) };
  },
  async webpack(dir, out) {
    const stats = await runWebpack({ mode: 'production', context: dir, entry: './main.js', output: { path: out, filename: 'main.js' } });
    return { modules: webpackFiles(stats), scripts: ['main.js'] };
  },
  async 'webpack-require'(dir, out) {
    const stats = await runWebpack({ mode: 'production', context: dir, entry: './main.cjs', output: { path: out, filename: 'main.js' } });
    return { modules: webpackFiles(stats), scripts: ['main.js'] };
  },
  async esbuild(dir, out) {
    const r = await esbuild.build({
      absWorkingDir: dir, entryPoints: ['main.js'], outfile: path.join(out, 'main.js'),
      bundle: true, minify: true, format: 'iife', platform: 'browser', target: 'es2017', metafile: true, logLevel: 'warning',
    });
    return { modules: Object.keys(r.metafile.inputs).map((f) => path.resolve(dir, f)), scripts: ['main.js'] };
  },
};
const WANT = { vite: 'index.mjs', webpack: 'index.mjs', 'webpack-require': 'sockjs.min.js', esbuild: 'index.mjs' };

let work;
let project;
const built = {};
let pages;
let server;
let browser;

before(async () => {
  mkdirSync(path.join(CLIENT_JS_DIR, '.build'), { recursive: true });
  work = mkdtempSync(path.join(CLIENT_JS_DIR, '.build', 'toolchains-'));
  const { tarball } = packTarball(work);
  project = path.join(work, 'app');
  mkdirSync(project);
  cpSync(APP, project, { recursive: true });
  installTarball(project, tarball, { type: 'module' });
  const mounts = { ...DEFAULT_MOUNTS };
  for (const [name, run] of Object.entries(BUILDS)) {
    const out = path.join(work, `out-${name}`);
    const t0 = Date.now();
    built[name] = { ...(await withTimeout(run(project, out), 60000, `${name} build`)), out, ms: Date.now() - t0 };
    if (name !== 'vite') cpSync(path.join(APP, 'bundle.html'), path.join(out, 'index.html'));
    mounts[`/${name}/`] = out;
  }
  pages = await startPageServer({ mounts });
  server = await startSockjsServer({ sockjsUrl: pages.url('/vendor/sockjs-client/sockjs.js') });
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop().catch(() => {});
  if (pages) await pages.stop().catch(() => {});
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Opens the built app's page; waits for the bundle (window.AppSockJS), then adds the echo harness. */
async function openApp(name) {
  const p = await newPage(browser);
  await p.page.goto(pages.url(`/${name}/index.html`), { timeout: 15000, waitUntil: 'load' });
  await p.page.waitForFunction(() => typeof window.AppSockJS === 'function', null, { timeout: 15000 });
  await p.page.addScriptTag({
    type: 'module',
    content: "import { runEcho } from '/harness/echo.mjs'; import { buildMessages } from '/harness/messages.mjs'; window.harness = { runEcho, buildMessages };",
  });
  await p.page.waitForFunction(() => Boolean(window.harness), null, { timeout: 15000 });
  return p;
}

function consoleTail(p) {
  return p.consoleLines.length ? `  page console (last 20):\n    ${p.consoleLines.slice(-20).join('\n    ')}` : '';
}

for (const name of Object.keys(BUILDS)) {
  describe(`${name}: an application bundling the packed tarball, in Chromium → ${serverLabel()}`, { timeout: 300000 }, () => {
    test(`the build takes dist/${WANT[name]} from the installed tarball`, (t) => {
      const { modules, scripts, out, ms } = built[name];
      const ours = modules.filter((m) => m.includes(`${path.sep}actix-sockjs-client${path.sep}`));
      assert.deepEqual(ours, [path.join(project, 'node_modules', 'actix-sockjs-client', 'dist', WANT[name])]);
      const sizes = scripts.map((f) => {
        const code = readFileSync(path.join(out, f));
        if (WANT[name] === 'index.mjs') assert.doesNotMatch(code.toString(), /define\.amd/, 'the ES module, not the UMD bundle');
        return `${f} ${code.length} bytes, ${gzipSync(code).length} gzipped`;
      });
      t.diagnostic(`${name}: built in ${ms} ms: ${sizes.join(', ')}`);
    });

    test('the page loads the bundle; no global SockJS is defined', async () => {
      const p = await openApp(name);
      try {
        assert.equal(await p.page.textContent('#status'), 'bundled: readyState constants 0,1,2,3');
        assert.equal(await p.page.evaluate(() => typeof window.SockJS), 'undefined');
      } finally {
        await p.close();
      }
    });

    for (const transport of TRANSPORTS) {
      test(`${transport}: echo of the message set`, { timeout: 60000 }, async () => {
        const p = await openApp(name);
        try {
          const r = await runEchoInPage(p.page, { url: server.url('/echo'), transports: [transport], messages: 'set', ctor: 'AppSockJS', timeoutMs: ECHO_TIMEOUT_MS });
          assertEchoed(r, { expected, transport, extra: [consoleTail(p)] });
        } finally {
          await p.close();
        }
      });
    }
  });
}
