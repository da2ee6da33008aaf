// Builds dist/ from src/:
//   dist/sockjs.min.js  UMD, ES5 syntax, minified: <script> tags (global `SockJS`), require(), AMD
//   dist/sockjs-iframe.min.js  the iframe page's client: SockJS.bootstrap_iframe, UMD, ES5
//   dist/index.mjs      ES module (ES5 syntax but for import/export), for bundlers
//   dist/index.d.mts    its types (`export default`): package.json's "import" condition
//   dist/index.d.ts     the UMD bundle's types (`export =`, and the global `SockJS`): "types",
//                       and the "default" condition (require())
// The two declaration files have the same declarations; only their exports
// differ, as the two module formats do (see cjsTypes below).
// Deterministic: the same sources and node_modules give the same bytes (a
// unit test rebuilds into a temporary directory and compares with dist/).
//
// Usage: node scripts/build.mjs [--out DIR]   (default: dist)
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';
import { minify } from 'terser';
import ts from 'typescript';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Files `build` writes into its output directory. */
export const OUTPUTS = ['index.d.mts', 'index.d.ts', 'index.mjs', 'sockjs.min.js', 'sockjs-iframe.min.js'];

/** Terser settings for the UMD bundle. Exported for the size test's report. */
export const TERSER = {
  ecma: 5,
  // (unsafe: the built-ins are the standard ones; unsafe_comps: every
  // comparison is of numbers or strings that are never NaN)
  compress: { passes: 3, pure_getters: true, unsafe: true, unsafe_comps: true },
  mangle: {
    // Private members are named _x in src/ and never reached from outside;
    // so are these internal names (never DOM or JSON property names: JSON
    // fields are read quoted, d['token'], which keep_quoted leaves alone).
    // `builtins`: some of these are also DOM property names (token, frame,
    // closed, control, messages, opened), which terser otherwise keeps.
    properties: {
      regex: /^_|^(receiveUrl|sendUrl|resumable|httpBatch|socketBatch|acceptedUpTo|nextSeq|unacked|receiveQuery|sendQuery|roundTrips|needBody|streaming|quoted|windowMs|heartbeatMs|ackMs|windowMessages|wake|transportName|messages|accepted|received|acked|token|resumed|opened|seq|control|batch|sent|frame|closed|uncertain|enabled)$/,
      builtins: true,
      keep_quoted: 'strict'
    }
  },
  format: { ascii_only: true, comments: /^!/ }
};

function compileTs(outDir) {
  const configPath = join(ROOT, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, { outDir }, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); }
  });
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const emit = program.emit();
  const diags = ts.getPreEmitDiagnostics(program).concat(emit.diagnostics);
  if (diags.length) {
    throw new Error(ts.formatDiagnostics(diags, {
      getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n'
    }));
  }
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]);
}

/** TypeScript's down-levelling helpers would need tslib or inline copies: the sources must not need any. */
function checkNoHelpers(dir) {
  for (const f of walk(dir).filter((f) => f.endsWith('.js'))) {
    const m = /\b__(extends|assign|rest|spreadArray|spread|read|values|awaiter|generator|decorate|makeTemplateObject|classPrivateField\w*)\b/.exec(readFileSync(f, 'utf8'));
    if (m) throw new Error(`${f} needs the TypeScript helper ${m[0]}: rewrite that construct in ES5 terms`);
  }
}

/**
 * The CommonJS (UMD) declarations from the ES module ones: the UMD bundle sets
 * `module.exports = SockJS` (and `window.SockJS`), so its types say
 * `export =` (and `export as namespace`), with the other types in a namespace
 * merged with the class (`SockJS.SockJSOptions`, or `import type { SockJSOptions }`).
 * An `export default` there would have TypeScript under node16/nodenext think
 * `require()` gives `{ default: SockJS }`.
 */
export function cjsTypes(esm) {
  const m = /\nexport \{ SockJS as default \};\nexport type \{ ([\w, ]+) \};\n$/.exec(esm);
  if (!m) throw new Error('the rolled-up declarations do not end in the expected exports: update cjsTypes() in scripts/build.mjs');
  return esm.slice(0, m.index) + `
declare namespace SockJS {
    export { ${m[1]} };
}
export = SockJS;
export as namespace SockJS;
`;
}

export async function build(outDir = join(ROOT, 'dist')) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const banner = `/*! ${pkg.name} ${pkg.version} | ${pkg.license} */`;
  const work = mkdtempSync(join(tmpdir(), 'sockjs-client-build-'));
  try {
    const tsOut = join(work, 'tsc');
    compileTs(tsOut);
    checkNoHelpers(tsOut);

    const bundle = await rollup({ input: join(tsOut, 'index.js'), onwarn: (w) => { throw new Error(String(w.message)); } });
    const esm = (await bundle.generate({ format: 'es', banner })).output[0].code;
    const umd = (await bundle.generate({ format: 'umd', name: 'SockJS', exports: 'default' })).output[0].code;
    await bundle.close();

    const min = await minify(umd, { ...TERSER, format: { ...TERSER.format, preamble: banner } });

    // The iframe page's client (SockJS.bootstrap_iframe), a bundle of its own.
    const iframe = await rollup({ input: join(tsOut, 'iframe-entry.js'), onwarn: (w) => { throw new Error(String(w.message)); } });
    const iframeUmd = (await iframe.generate({ format: 'umd', name: 'SockJS', exports: 'default' })).output[0].code;
    await iframe.close();
    const iframeMin = await minify(iframeUmd, { ...TERSER, format: { ...TERSER.format, preamble: banner } });

    const types = await rollup({ input: join(tsOut, 'index.d.ts'), plugins: [dts()], onwarn: (w) => { throw new Error(String(w.message)); } });
    const dtsCode = (await types.generate({ format: 'es', banner })).output[0].code;
    await types.close();

    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'index.mjs'), esm);
    writeFileSync(join(outDir, 'sockjs.min.js'), min.code + '\n');
    writeFileSync(join(outDir, 'sockjs-iframe.min.js'), iframeMin.code + '\n');
    writeFileSync(join(outDir, 'index.d.mts'), dtsCode);
    writeFileSync(join(outDir, 'index.d.ts'), cjsTypes(dtsCode));
    return outDir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const out = resolve(i > 0 ? process.argv[i + 1] : join(ROOT, 'dist'));
  await build(out);
  console.log(`built ${OUTPUTS.map((f) => join(out, f)).join(', ')}`);
}
