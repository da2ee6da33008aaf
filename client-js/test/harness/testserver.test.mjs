// The conformance test server's command line (examples/testserver.rs):
// `--port N` and a bare `N` are taken, anything else is refused with a usage
// line and exit code 2, and an empty SOCKJS_URL counts as unset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { getFreePort, startListeningProcess, REPO_DIR } from './index.mjs';

const BIN = process.env.SOCKJS_SERVER_BIN || path.join(REPO_DIR, 'target', 'debug', 'examples', 'testserver');

async function greet(args, env = {}) {
  const port = await getFreePort();
  const proc = await startListeningProcess({ name: `testserver ${args.join(' ')}`, command: BIN, args: args.map((a) => a.replace('PORT', port)), port, env });
  try {
    const r = await fetch(`http://127.0.0.1:${port}/echo`);
    const iframe = await (await fetch(`http://127.0.0.1:${port}/echo/iframe.html`)).text();
    return { greeting: await r.text(), iframe };
  } finally {
    await proc.stop();
  }
}

test('--port N and a bare N both bind N', async () => {
  for (const args of [['--port', 'PORT'], ['PORT'], ['--port=PORT']]) {
    assert.equal((await greet(args)).greeting, 'Welcome to SockJS!\n', args.join(' '));
  }
});

test('anything else is refused with a usage line', () => {
  for (const args of [['--bogus'], ['--port'], ['--port', 'x'], ['1', '2'], ['-p', '1'], ['99999']]) {
    const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: 10000 });
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status} ${r.stderr}`);
    assert.match(r.stderr, /usage: testserver \[--port N \| N\]/, args.join(' '));
  }
});

test('an empty SOCKJS_URL counts as unset', async () => {
  const { iframe } = await greet(['PORT'], { SOCKJS_URL: '' });
  assert.match(iframe, /<script src="https:\/\/cdn\.jsdelivr\.net\/npm\/sockjs-client@1\/dist\/sockjs\.min\.js"><\/script>/);
});
