// Reusable browser/interop test harness (see README.md in this folder).
export { HOST, getFreePort, waitForPort, withTimeout } from './net.mjs';
export { startListeningProcess } from './process.mjs';
export { startSockjsServer, serverKind, serverLabel, CLIENT_JS_DIR, REPO_DIR } from './sockjs-server.mjs';
export { startPageServer, DEFAULT_MOUNTS } from './page-server.mjs';
export { launchChromium, newPage, CHROMIUM_PATH, CHROMIUM_FLAGS } from './browser.mjs';
export { startHostileProxy, hostileProxyConfig, NGINX_PATH } from './nginx.mjs';
export {
  buildMessages,
  runEcho,
  openHarnessPage,
  runEchoInPage,
  describeStringDiff,
  describeEchoDiff,
  assertEchoed,
  assertServerClose,
} from './echo.mjs';
export { startStack } from './stack.mjs';
export { startFaultyProxy, faultPlan } from './faulty.mjs';
export { SOCKJS_CLIENT_TRANSPORTS, CLIENT_JS_TRANSPORTS } from './transports.mjs';
