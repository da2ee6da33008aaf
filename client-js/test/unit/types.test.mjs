// The published types, as applications see them: the consumer projects in
// test/types/ (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess)
// are copied into a temporary directory that has the packed tarball installed
// (npm pack, npm install), and type-checked there with their own tsconfig.json:
//   bundler       moduleResolution "bundler" (Vite, webpack, esbuild), main.ts,
//                 and a page script using the global SockJS
//   nodenext-esm  "nodenext", an ES module (main.mts)
//   nodenext-cjs  "nodenext", a CommonJS module (main.cts, import = require)
//   node10        the old "node" resolution, and a page script using the global SockJS
// Each must compile as it is, resolve the declaration file its mode should,
// and every line marked `// @ts-expect-error TSnnnn ...` (a misspelled
// transport name, an assignment to readyState, ...) must fail with exactly
// that error once the directive is taken away.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ts from 'typescript';
import { ROOT } from './support/env.mjs';
import { installTarball, packTarball } from './support/pack.mjs';

/** The projects, and the declaration files each must get. */
const PROJECTS = {
  bundler: ['dist/index.d.mts', 'dist/index.d.ts'], // the second for its page script's global
  'nodenext-esm': ['dist/index.d.mts'],
  'nodenext-cjs': ['dist/index.d.ts'],
  node10: ['dist/index.d.ts'],
};
const EXPECT = /\/\/ @ts-expect-error (TS(\d+))\b/;

let work;
let installed;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'sockjs-client-types-'));
  const { tarball } = packTarball(work);
  installed = installTarball(work, tarball);
  cpSync(join(ROOT, 'test', 'types'), work, { recursive: true });
});
after(() => rmSync(work, { recursive: true, force: true }));

function format(diags) {
  return ts.formatDiagnostics(diags, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => work, getNewLine: () => '\n' });
}

/** Type-checks a project from its tsconfig.json; `edit(fileName, text)` may change its own sources first. */
// TypeScript's own lib files, parsed once for all the programs (they are not
// checked either: skipDefaultLibCheck; the package's declarations are).
const libs = new Map();

function check(dir, edit = (f, s) => s) {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(dir, 'tsconfig.json'), { skipDefaultLibCheck: true }, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(format([d])); }
  });
  assert.deepEqual(parsed.errors, [], format(parsed.errors));
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (fileName, lang, ...rest) => {
    if (fileName.startsWith(dir + sep) && !fileName.includes(`${sep}node_modules${sep}`)) {
      return ts.createSourceFile(fileName, edit(fileName, readFileSync(fileName, 'utf8')), lang);
    }
    const key = `${fileName} ${JSON.stringify(lang)}`;
    if (!libs.has(key)) libs.set(key, getSourceFile(fileName, lang, ...rest));
    return libs.get(key);
  };
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host });
  return { program, parsed, diagnostics: ts.getPreEmitDiagnostics(program) };
}

describe('consumer type checks against the packed tarball', () => {
  for (const [name, typesFiles] of Object.entries(PROJECTS)) {
    test(`${name}: compiles, with ${typesFiles.join(' and ')}`, () => {
      const dir = join(work, name);
      const { program, parsed, diagnostics } = check(dir);
      assert.equal(parsed.options.strict, true);
      assert.equal(parsed.options.exactOptionalPropertyTypes, true);
      assert.equal(parsed.options.noUncheckedIndexedAccess, true);
      assert.equal(format(diagnostics), '');
      const ours = program.getSourceFiles().map((f) => f.fileName).filter((f) => f.includes('/actix-sockjs-client/'));
      assert.deepEqual(ours.map((f) => relative(installed, f)).sort(), [...typesFiles].sort(), 'the declaration files TypeScript used');
      for (const f of ours) assert.ok(f.startsWith(installed + sep), `${f} is from the installed tarball`);
    });

    test(`${name}: each line marked @ts-expect-error fails with its error`, () => {
      const dir = join(work, name);
      const want = [];
      const { diagnostics } = check(dir, (file, text) => {
        text.split('\n').forEach((line, i) => {
          const m = EXPECT.exec(line);
          if (m) want.push(`${relative(dir, file)}:${i + 2} TS${m[2]}`);
        });
        return text.replaceAll('@ts-expect-error', 'expected error');
      });
      assert.ok(want.length >= 2, `${name} has misuse lines (a misspelled transport, readyState)`);
      const got = diagnostics.map((d) => {
        const line = d.file ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
        return `${d.file ? relative(dir, d.file.fileName) : '?'}:${line} TS${d.code}`;
      });
      assert.deepEqual(got.sort(), want.sort(), format(diagnostics));
    });
  }
});
