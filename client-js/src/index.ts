/**
 * actix-sockjs-client: a SockJS client, WebSocket-shaped, that speaks the
 * SockJS protocol to any SockJS server.
 *
 * ```ts
 * import SockJS from 'actix-sockjs-client';
 * const sock = new SockJS('https://example.com/echo');
 * sock.onopen = () => sock.send('hello');
 * sock.onmessage = (e) => console.log(e.data);
 * ```
 */
import SockJS from './client.js';

export default SockJS;
export type {
  IgnoredTransportName,
  QueryParams,
  ReconnectOptions,
  SockJSCloseEvent,
  SockJSEvent,
  SockJSEventMap,
  SockJSMessageEvent,
  SockJSOptions,
  SockJSReconnectingEvent,
  TransportName
} from './client.js';
