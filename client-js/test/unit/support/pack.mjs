// The package as npm would publish it, and consumer projects that install it
// the way an application does: `npm pack` of client-js (its committed dist/:
// the rebuild test checks that dist/ is what src/ builds), then `npm install`
// of that tarball into a project of its own. The package has no dependencies,
// so the install is `--offline`: no registry is asked at test time.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './env.mjs';

/** npm as [command, ...leading args]: the npm running `npm test` when there is one, else `npm` on PATH. */
function npm() {
  const cli = process.env.npm_execpath;
  return cli && /\.[cm]?js$/.test(cli) ? [process.execPath, cli] : ['npm'];
}

function runNpm(args, cwd) {
  const [cmd, ...pre] = npm();
  try {
    return execFileSync(cmd, [...pre, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 });
  } catch (e) {
    throw new Error(`npm ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n${e.stdout || ''}${e.stderr || ''}`);
  }
}

/**
 * Packs client-js into `dest`. Returns { tarball, files }: the tarball's path
 * and the paths packed (relative to the package root).
 */
export function packTarball(dest) {
  const [info] = JSON.parse(runNpm(['pack', '--json', '--ignore-scripts', '--pack-destination', dest], ROOT));
  return { tarball: join(dest, info.filename), files: info.files.map((f) => f.path).sort() };
}

/**
 * Makes `dir` a consumer project: a package.json (`fields` added to it), then
 * `npm install <tarball>`, which puts the package in `dir/node_modules`.
 */
export function installTarball(dir, tarball, fields = {}) {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '0.0.0', private: true, ...fields }, null, 2) + '\n');
  runNpm(['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', tarball], dir);
  return join(dir, 'node_modules', 'actix-sockjs-client');
}
