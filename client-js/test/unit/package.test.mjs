// The published package: what `npm pack` puts in the tarball, and
// @arethetypeswrong/cli (attw) on that tarball: in every resolution mode
// (node10, node16 from CJS, node16 from ESM, bundler) the types TypeScript
// finds must describe the JavaScript the runtime loads. Any problem fails.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT } from './support/env.mjs';
import { packTarball } from './support/pack.mjs';

const ATTW = join(ROOT, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

let work;
let packed;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'sockjs-client-pack-'));
  packed = packTarball(work);
});
after(() => rmSync(work, { recursive: true, force: true }));

/** attw on a tarball, as JSON: { analysis, problems } and the exit status. */
function attw(tarball) {
  const r = spawnSync(process.execPath, [ATTW, tarball, '--format', 'json'], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.error, undefined, String(r.error));
  let json;
  try {
    json = JSON.parse(r.stdout);
  } catch (e) {
    assert.fail(`attw printed no JSON (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return { status: r.status, stderr: r.stderr, ...json };
}

const base = (f) => f && f.replace(/^\/node_modules\/actix-sockjs-client\//, '');

test('the tarball holds dist/ (all five files), src/, README.md and package.json, and every file package.json names', () => {
  const dist = packed.files.filter((f) => f.startsWith('dist/'));
  assert.deepEqual(dist, ['dist/index.d.mts', 'dist/index.d.ts', 'dist/index.mjs', 'dist/sockjs-iframe.min.js', 'dist/sockjs.min.js']);
  for (const f of ['README.md', 'package.json', 'src/index.ts', 'src/client.ts']) assert.ok(packed.files.includes(f), f);
  const named = [PKG.main, PKG.module, PKG.types];
  (function walk(v) {
    if (typeof v === 'string') named.push(v);
    else for (const x of Object.values(v)) walk(x);
  })(PKG.exports['.']);
  for (const f of named) assert.ok(packed.files.includes(f.replace(/^\.\//, '')), `${f} is in the tarball`);
});

test('attw --pack: no problems in any resolution mode, and each mode gets the files it should', (t) => {
  const r = attw(packed.tarball);
  const problems = r.analysis.problems;
  const modes = r.analysis.entrypoints['.'].resolutions;
  const summary = Object.entries(modes).map(([mode, m]) => `${mode}: ${base(m.resolution && m.resolution.fileName)} -> ${base(m.implementationResolution && m.implementationResolution.fileName)}`);
  t.diagnostic(`attw ${r.analysis.packageName}@${r.analysis.packageVersion}: ${problems.length} problems; ${summary.join('; ')}`);
  assert.deepEqual(problems, [], `attw found problems:\n${JSON.stringify(problems, null, 2)}`);
  assert.equal(r.status, 0, r.stderr);
  const want = {
    node10: ['dist/index.d.ts', 'dist/sockjs.min.js'],
    'node16-cjs': ['dist/index.d.ts', 'dist/sockjs.min.js'],
    'node16-esm': ['dist/index.d.mts', 'dist/index.mjs'],
    bundler: ['dist/index.d.mts', 'dist/index.mjs'],
  };
  assert.deepEqual(Object.keys(modes).sort(), Object.keys(want).sort());
  for (const [mode, [types, js]] of Object.entries(want)) {
    assert.equal(base(modes[mode].resolution.fileName), types, `${mode}: types`);
    assert.equal(base(modes[mode].implementationResolution.fileName), js, `${mode}: JavaScript`);
  }
});

test('attw fails on a problem (the check is live): one types file for both formats is "masquerading as CJS"', () => {
  const dir = join(work, 'broken');
  mkdirSync(dir);
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  const pkg = { ...PKG, exports: { '.': { types: './dist/index.d.ts', import: './dist/index.mjs', default: './dist/sockjs.min.js' } } };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  const r = spawnSync(process.execPath, [ATTW, '--pack', dir, '--format', 'json'], { encoding: 'utf8', timeout: 60000 });
  assert.notEqual(r.status, 0, 'attw exits non-zero');
  const kinds = JSON.parse(r.stdout).analysis.problems.map((p) => p.kind);
  assert.deepEqual(kinds, ['FalseCJS']);
});
