/**
 * The iframe bundle (`dist/sockjs-iframe.min.js`): what the server's iframe
 * page loads as its `sockjs_url` so that sockjs-client's iframe transports
 * (`iframe-eventsource`, `iframe-htmlfile`, `iframe-xhr-polling`) run against
 * it with no CDN. It defines `window.SockJS.bootstrap_iframe`, which the page
 * calls. Kept apart from the client bundle, which pages load and which has no
 * use for it.
 * @internal
 */
import { bootstrapIframe } from './iframe.js';

export default { bootstrap_iframe: bootstrapIframe };
