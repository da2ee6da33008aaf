// The usual test stack in one call: page server, SockJS server under test
// (its iframe sockjs_url pointing at the page server's copy of the client),
// the page server proxying to it for same-origin runs, and optionally Chromium.
import { startPageServer } from './page-server.mjs';
import { startSockjsServer } from './sockjs-server.mjs';
import { launchChromium } from './browser.mjs';

/**
 * opts: { browser = true, sockjsUrlPath = '/vendor/sockjs-client/sockjs.js', kind }
 * Resolves to { pages, server, browser, crossOrigin(prefix), sameOrigin(prefix), stop() }:
 *   pages        the page server ({ origin, url(path), ... })
 *   server       the SockJS server under test ({ origin, url(prefix), label, ... })
 *   crossOrigin  URL of a service on the server's own origin
 *   sameOrigin   URL of a service through the page server's origin
 * On a failure part-way, whatever started is stopped before rethrowing.
 */
export async function startStack({ browser = true, sockjsUrlPath = '/vendor/sockjs-client/sockjs.js', kind } = {}) {
  const stops = [];
  const stop = async () => {
    const errors = [];
    while (stops.length) {
      try {
        await stops.pop()();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length) throw errors[0];
  };
  try {
    const pages = await startPageServer();
    stops.push(() => pages.stop());
    const server = await startSockjsServer({ sockjsUrl: pages.url(sockjsUrlPath), kind });
    stops.push(() => server.stop());
    pages.setProxyPort(server.port);
    let b = null;
    if (browser) {
      b = await launchChromium();
      stops.push(() => b.close());
    }
    return {
      pages,
      server,
      browser: b,
      crossOrigin: (prefix) => server.url(prefix),
      sameOrigin: (prefix) => pages.url(prefix),
      stop,
    };
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
}
