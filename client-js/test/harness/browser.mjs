// Debian's Chromium, driven by playwright-core.
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { withTimeout } from './net.mjs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// The flags every run uses. Playwright manages the profile directory itself:
// each launch() gets a fresh, empty --user-data-dir in the temp dir (deleted on
// close), and rejects a --user-data-dir in args, so it is not listed here.
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches headless Chromium. Returns the playwright Browser; close() it. */
export async function launchChromium({ timeoutMs = 30000 } = {}) {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium (scripts/browser-deps.sh)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    timeout: timeoutMs,
  });
}

/**
 * A fresh browser context and page (no shared cookies or storage with other
 * tests). The page's console output is collected for failure messages.
 * Returns { context, page, consoleLines, close() }.
 */
export async function newPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => {
    consoleLines.push(`[${m.type()}] ${m.text()}`);
    if (consoleLines.length > 400) consoleLines.splice(0, consoleLines.length - 400);
  });
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  return {
    context,
    page,
    consoleLines,
    close: () => withTimeout(context.close(), 10000, 'browser context close').catch(() => {}),
  };
}
