/*! actix-sockjs-client 0.1.0 | MIT OR Apache-2.0 */
/** The transports this client has, in the order tried when `transports` names none. */
type TransportName = 'websocket' | 'xhr-streaming' | 'eventsource' | 'xhr-polling' | 'jsonp-polling';
/**
 * sockjs-client's other transport names: accepted in `transports` so that a
 * list written for sockjs-client compiles unchanged, and ignored (this client
 * does not have them).
 */
type IgnoredTransportName = 'xdr-streaming' | 'iframe-eventsource' | 'htmlfile' | 'iframe-htmlfile' | 'xdr-polling' | 'iframe-xhr-polling';
/** Query parameters: values are URI-encoded, `null`/`undefined` ones left out. */
interface QueryParams {
    [name: string]: string | number | boolean | null | undefined;
}
/** Reconnection after a session is lost for good. Delays grow `minDelay * factor^n` up to `maxDelay`, each shortened by up to `jitter` of itself at random. */
interface ReconnectOptions {
    /** First delay in ms (default 1000). */
    minDelay?: number | undefined;
    /** Largest delay in ms (default 30000). */
    maxDelay?: number | undefined;
    /** Growth per failed attempt (default 2). */
    factor?: number | undefined;
    /** Fraction 0..1 of each delay taken off at random (default 0.5). */
    jitter?: number | undefined;
    /** Attempts after a loss before giving up (default: no limit). A successful open starts the count again. */
    retries?: number | undefined;
    /**
     * Decides whether a close is worth reconnecting after. Default: every close
     * except those with a code an application chooses (1000, 3000-4999),
     * 1008 (the server refused this client) and 1009 (too big: the same
     * request would be refused again). A `close()` by the page never
     * reconnects.
     */
    shouldReconnect?: ((event: SockJSCloseEvent) => boolean) | undefined;
}
interface SockJSOptions {
    /**
     * Transports allowed, in the order to try them (sockjs-client's other
     * names are ignored). Default: websocket, xhr-streaming, eventsource,
     * xhr-polling, jsonp-polling.
     */
    transports?: TransportName | IgnoredTransportName | ReadonlyArray<TransportName | IgnoredTransportName> | undefined;
    /** Least time in ms given to each transport to open; by default it comes from the /info round trip. */
    timeout?: number | undefined;
    /** The server part of the URLs (default: 3 random digits). */
    server?: string | undefined;
    /** Length of the random session id (default 8), or a function that makes one. */
    sessionId?: number | (() => string) | undefined;
    /**
     * Not in sockjs-client. Query parameters added to every request (info,
     * WebSocket, polls, sends), e.g. an access token, since browsers cannot set
     * headers on a WebSocket. A function is called for each request, so it can
     * hand out a fresh token.
     */
    query?: QueryParams | (() => QueryParams) | undefined;
    /**
     * Not in sockjs-client. Use the resume extension when the server offers it
     * (default `true`): a dropped connection, lost poll answer or failed send is
     * invisible to the page but for `reconnecting` and `resumed` events; nothing
     * is lost, duplicated or reordered. When it cannot be resumed, `close` says
     * why (code 2011).
     */
    resume?: boolean | undefined;
    /**
     * Not in sockjs-client. After a session is lost for good (the server does
     * not offer resume, or a resume failed), open a new session on the same
     * object instead of staying closed (default: off). Libraries that treat
     * `close` as final and reconnect themselves (@stomp/stompjs) must leave it off.
     */
    reconnect?: boolean | ReconnectOptions | undefined;
    /**
     * Not in sockjs-client. While open, if no frame (not even a heartbeat) comes
     * for this many ms, the connection is taken for dead: closed with 1006
     * "Heartbeat timeout" (or, resumable, resumed). Set it well above the
     * server's heartbeat interval (25 s by default for SockJS servers).
     * Default: off, or 35 s for a resumable session.
     */
    heartbeatTimeout?: number | undefined;
}
interface SockJSEvent {
    type: string;
    target?: SockJS;
}
interface SockJSMessageEvent extends SockJSEvent {
    data: string;
}
interface SockJSCloseEvent extends SockJSEvent {
    code: number;
    reason: string;
    wasClean: boolean;
    /** Not in sockjs-client: a reconnection is scheduled (`readyState` is CONNECTING again). */
    willReconnect: boolean;
}
/** Not in sockjs-client: the connection dropped; the session is being resumed (`readyState` stays OPEN). */
interface SockJSReconnectingEvent extends SockJSEvent {
    code: number;
    reason: string;
}
interface SockJSEventMap {
    open: SockJSEvent;
    message: SockJSMessageEvent;
    close: SockJSCloseEvent;
    error: SockJSEvent;
    heartbeat: SockJSEvent;
    reconnecting: SockJSReconnectingEvent;
    resumed: SockJSEvent;
}
declare class SockJS {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readonly CONNECTING: 0;
    readonly OPEN: 1;
    readonly CLOSING: 2;
    readonly CLOSED: 3;
    /** CONNECTING, OPEN, CLOSING or CLOSED. */
    readonly readyState: 0 | 1 | 2 | 3;
    /** The URL, resolved and without trailing slashes. */
    readonly url: string;
    /** The name of the transport in use while OPEN, else null. */
    readonly transport: TransportName | null;
    readonly protocol: string;
    readonly extensions: string;
    onopen: ((this: SockJS, ev: SockJSEvent) => any) | null;
    onmessage: ((this: SockJS, ev: SockJSMessageEvent) => any) | null;
    onclose: ((this: SockJS, ev: SockJSCloseEvent) => any) | null;
    onerror: ((this: SockJS, ev: SockJSEvent) => any) | null;
    onheartbeat: ((this: SockJS, ev: SockJSEvent) => any) | null;
    onreconnecting: ((this: SockJS, ev: SockJSReconnectingEvent) => any) | null;
    onresumed: ((this: SockJS, ev: SockJSEvent) => any) | null;
    private _options;
    private _listeners;
    private _newSessionId;
    private _server;
    private _sameOrigin;
    /** Where sessions live (the info's `base_url`, else `url`). */
    private _base;
    /** Bumped for every transport attempt: callbacks of an older one are ignored. */
    private _attempt;
    private _transport?;
    private _transportFactory?;
    /** The transports still to try in this round. */
    private _candidates;
    /** All transports the negotiation allowed, in order. */
    private _allowed;
    private _cancelInfo?;
    private _openTimer;
    private _silenceTimer;
    private _reconnectTimer;
    private _pingTimer;
    private _rto;
    /** Reconnections (after a session was lost) since the last open. */
    private _reconnects;
    /** close() was called. */
    private _closedByUser?;
    /**
     * Messages waiting for the transport, and with the resume extension what
     * it keeps of the session (plain SockJS: a message leaves it when sent).
     */
    private _journal?;
    /** The resume extension's settings, when the session uses it. */
    private _resume?;
    /** Resumable: the connection dropped and is coming back; since when. */
    private _droppedAt?;
    private _resumeTries;
    /** Resumable: a heartbeat (an empty send, or a WebSocket ack) is due. */
    private _pingDue?;
    private _lastSend;
    /** The current session URL (`<base>/<server>/<id>`). */
    private _session?;
    /** Transports that failed to open, as `name.code`, told to the server with the next one (it counts why clients fall back). */
    private _fallbacks;
    /**
     * @param url `http(s)://host/prefix`, or relative to the page.
     * @param protocols Checked as sockjs-client does, then unused (as there).
     */
    constructor(url: string, protocols?: string | string[] | null, options?: SockJSOptions);
    /** Sends a message (anything not a string is converted to one). Throws while CONNECTING, ignored once closing. */
    send(data: unknown): void;
    /** Closes; `code` must be 1000 or 3000-4999, `reason` at most 123 characters. */
    close(code?: number, reason?: string): void;
    addEventListener<K extends keyof SockJSEventMap>(type: K, listener: (this: SockJS, ev: SockJSEventMap[K]) => any): void;
    addEventListener(type: string, listener: (this: SockJS, ev: SockJSEvent) => any): void;
    removeEventListener<K extends keyof SockJSEventMap>(type: K, listener: (this: SockJS, ev: SockJSEventMap[K]) => any): void;
    removeEventListener(type: string, listener: (this: SockJS, ev: SockJSEvent) => any): void;
    /**
     * Calls `on<type>` and then the listeners. A listener that throws does not
     * stop the others or the connection; its error is rethrown asynchronously.
     */
    dispatchEvent(event: SockJSEvent): boolean;
    private _emit;
    private _set;
    /** Appends the user's query parameters to a request URL. */
    private _withQuery;
    /** Asks /info, then goes through the transports. */
    private _start;
    /** Tries the next transport, or gives up (2000, or for a resume: another round). */
    private _connect;
    private _frame;
    /**
     * Resumable: a heartbeat or an acknowledgement is due: the timer says so,
     * or 1/`share` of the server's window waits (polls acknowledge by
     * themselves).
     */
    private _ackDue;
    /** Resumable: keeps heartbeats and acknowledgements going while open. */
    private _schedulePing;
    /** Forgets the current transport attempt: its callbacks and timers. Returns the transport. */
    private _dropTransport;
    /** The transport ended by itself (or timed out). */
    private _transportClosed;
    /** Resumable: the connection dropped while open: come back to the session. */
    private _dropped;
    /** Resumable: another try in a moment, the transport that dropped first; within the window. */
    private _comeBackLater;
    /** Resumable: the session took this request back. */
    private _resumed;
    /** The transport in use opened (`open`) or came back (`resumed`). */
    private _live;
    private _close;
}

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

declare namespace SockJS {
    export { IgnoredTransportName, QueryParams, ReconnectOptions, SockJSCloseEvent, SockJSEvent, SockJSEventMap, SockJSMessageEvent, SockJSOptions, SockJSReconnectingEvent, TransportName };
}
export = SockJS;
export as namespace SockJS;
