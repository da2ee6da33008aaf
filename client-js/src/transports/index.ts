/** @internal */
import { eventSource } from './eventsource.js';
import { jsonpPolling } from './jsonp-polling.js';
import type { TransportFactory } from './types.js';
import { websocket } from './websocket.js';
import { xhrPolling } from './xhr-polling.js';
import { xhrStreaming } from './xhr-streaming.js';

/** Every transport, in the order they are tried when the user names none: the fallback order. */
export var TRANSPORTS: TransportFactory[] = [websocket, xhrStreaming, eventSource, xhrPolling, jsonpPolling];
