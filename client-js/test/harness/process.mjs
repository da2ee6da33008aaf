// Child processes that listen on a port: spawn, wait for the port by polling,
// keep the tail of their output for error messages, stop them (bounded).
import { spawn } from 'node:child_process';
import { waitForPort, withTimeout } from './net.mjs';

const live = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test file crashes without running its cleanup.
  process.on('exit', () => {
    for (const child of live) {
      try { child.kill('SIGKILL'); } catch { /* already gone */ }
    }
  });
}

/**
 * Spawns `command args` and resolves once it listens on `port`.
 * Returns { name, port, child, output(), stop() }.
 */
export async function startListeningProcess({ name, command, args = [], port, env = {}, cwd, timeoutMs = 20000 }) {
  installExitHook();
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  const keep = (chunk) => {
    out += chunk.toString();
    if (out.length > 20000) out = out.slice(-20000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  let spawnError = null;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(child);
      resolve(exited);
    });
  });
  child.once('error', (e) => { spawnError = e; });

  const handle = {
    name,
    port,
    child,
    output: () => out,
    async stop() {
      if (exited) return exited;
      child.kill('SIGTERM');
      try {
        return await withTimeout(exitPromise, 5000, `${name} stop`);
      } catch {
        child.kill('SIGKILL');
        return withTimeout(exitPromise, 5000, `${name} kill`);
      }
    },
  };

  try {
    await waitForPort(port, {
      timeoutMs,
      what: name,
      abortCheck: () => {
        if (spawnError) return `could not start ${command}: ${spawnError.message}`;
        if (exited) return `exited (code ${exited.code}, signal ${exited.signal}) before listening; output:\n${out}`;
        return null;
      },
    });
  } catch (e) {
    await handle.stop().catch(() => {});
    e.message += out && !e.message.includes(out) ? `\n--- ${name} output ---\n${out}` : '';
    throw e;
  }
  return handle;
}
