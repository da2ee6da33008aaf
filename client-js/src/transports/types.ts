/** @internal */
import type { Batch } from '../journal.js';
import type { Info } from '../protocol.js';

/**
 * What a transport asks of the connection it serves: the URLs of its
 * requests, what to send, and where frames and its end go. The connection
 * (the facade, or the iframe bootstrap) decides what is sent and when; a
 * transport only moves frames.
 */
export interface Link {
  /** The URL of a receiving request (`<session><suffix>`, with the resume and user queries). */
  receiveUrl(suffix: string): string;
  /** The URL of a send of `batch`. */
  sendUrl(suffix: string, batch: Batch): string;
  /** A frame arrived. */
  frame(frame: string): void;
  /** The transport ended by itself; no callback follows. */
  closed(code: number, reason: string): void;
  /**
   * The next batch to send, or null. `socket`: on a WebSocket, where each
   * message goes once per socket; over HTTP a batch goes again until a send
   * of it is answered. An empty batch is an acknowledgement and a heartbeat.
   */
  batch(socket: boolean): Batch | null;
  /** An HTTP send of `batch` was answered; `certain` is false when the answer cannot be read (JSONP). */
  sent(batch: Batch, certain: boolean): void;
  /** WebSocket: a control message due now (an acknowledgement, a heartbeat), or null. */
  control(): string | null;
  /** The resume extension is on: failed requests are tried again instead of ending the transport. */
  resumable: boolean;
}

/** One connection attempt over one transport, as the connection drives it. */
export interface Transport {
  /** There is something to send: the transport asks its link for it when it can. */
  wake(): void;
  /** Stops everything; no callback is called after this. */
  close(): void;
}

/**
 * A transport: static metadata (name, round trips needed to open, whether it
 * needs `document.body`, whether it keeps one receiving request open, whether
 * this browser and server can use it) and `open`. `open` must not call its
 * link before it has returned.
 */
export interface TransportFactory {
  transportName: string;
  roundTrips: number;
  needBody?: boolean;
  /** Receives over one long request or socket (acknowledgements go separately). */
  streaming?: boolean;
  enabled(info: Info): boolean;
  open(link: Link): Transport;
}
