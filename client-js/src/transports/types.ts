/** @internal */
import type { Info } from '../protocol.js';

/** One connection attempt over one transport, as the facade drives it. */
export interface Transport {
  /** Sends one quoted message (a JSON string literal). */
  send(quoted: string): void;
  /** Stops everything; no callback is called after this. */
  close(): void;
}

/** Builds the URL of a request: `<base>/<server>/<session><suffix>` plus the user's query. Called per request. */
export type UrlFn = (suffix: string) => string;

/**
 * A transport: static metadata (name, round trips needed to open, whether it
 * needs `document.body`, whether this browser and server can use it) and
 * `open`. `open` must not call its callbacks before it has returned.
 */
export interface TransportFactory {
  transportName: string;
  roundTrips: number;
  needBody?: boolean;
  enabled(info: Info): boolean;
  open(url: UrlFn, onFrame: (frame: string) => void, onClose: (code: number, reason: string) => void): Transport;
}
