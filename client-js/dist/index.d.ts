/*! actix-sockjs-client 0.1.0 | MIT OR Apache-2.0 */
/** Query parameters: values are URI-encoded, `null`/`undefined` ones left out. */
interface QueryParams {
    [name: string]: string | number | boolean | null | undefined;
}
/** Automatic reconnection. Delays grow `minDelay * factor^n` up to `maxDelay`, each shortened by up to `jitter` of itself at random. */
interface ReconnectOptions {
    /** First delay in ms (default 1000). */
    minDelay?: number;
    /** Largest delay in ms (default 30000). */
    maxDelay?: number;
    /** Growth per failed attempt (default 2). */
    factor?: number;
    /** Fraction 0..1 of each delay taken off at random (default 0.5). */
    jitter?: number;
    /** Attempts after a loss before giving up (default: no limit). A successful open starts the count again. */
    retries?: number;
    /**
     * Decides whether a close is worth reconnecting after. Default: every close
     * except those with a code an application chooses (1000, 3000-4999). A
     * `close()` by the page never reconnects.
     */
    shouldReconnect?(event: SockJSCloseEvent): boolean;
}
interface SockJSOptions {
    /**
     * Transports allowed, in the order to try them (unknown names are ignored).
     * Default: websocket, xhr-streaming, eventsource, xhr-polling, jsonp-polling.
     */
    transports?: string | string[];
    /** Least time in ms given to each transport to open; by default it comes from the /info round trip. */
    timeout?: number;
    /** The server part of the URLs (default: 3 random digits). */
    server?: string;
    /** Length of the random session id (default 8), or a function that makes one. */
    sessionId?: number | (() => string);
    /**
     * Not in sockjs-client. Query parameters added to every request (info,
     * WebSocket, polls, sends), e.g. an access token, since browsers cannot set
     * headers on a WebSocket. A function is called for each request, so it can
     * hand out a fresh token.
     */
    query?: QueryParams | (() => QueryParams);
    /** Not in sockjs-client. Reconnect after the connection is lost (default: off). `true` for the default settings. */
    reconnect?: boolean | ReconnectOptions;
    /**
     * Not in sockjs-client. While open, if no frame (not even a heartbeat) comes
     * for this many ms, the connection is taken for dead: closed with 1006
     * "Heartbeat timeout" (and reconnected, with `reconnect`). Set it well above
     * the server's heartbeat interval (25 s by default for SockJS servers).
     * Default: off.
     */
    heartbeatTimeout?: number;
}
interface SockJSEvent {
    type: string;
    target?: SockJS;
}
interface SockJSMessageEvent extends SockJSEvent {
    data: any;
}
interface SockJSCloseEvent extends SockJSEvent {
    code: number;
    reason: string;
    wasClean: boolean;
    /** Not in sockjs-client: a reconnection is scheduled (`readyState` is CONNECTING again). */
    willReconnect: boolean;
}
interface SockJSEventMap {
    open: SockJSEvent;
    message: SockJSMessageEvent;
    close: SockJSCloseEvent;
    error: SockJSEvent;
    heartbeat: SockJSEvent;
}
declare class SockJS {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    /**
     * Runs the iframe side of sockjs-client's iframe transports; the server's
     * `iframe.html` page calls it. With it, this client can be the
     * `sockjs_url` the server's iframe page loads.
     */
    static bootstrap_iframe(): void;
    readonly CONNECTING: 0;
    readonly OPEN: 1;
    readonly CLOSING: 2;
    readonly CLOSED: 3;
    /** CONNECTING, OPEN, CLOSING or CLOSED. */
    readyState: number;
    /** The URL, resolved and without trailing slashes. */
    url: string;
    /** The name of the transport in use while OPEN, else null. */
    transport: string | null;
    protocol: string;
    extensions: string;
    onopen: ((this: SockJS, ev: SockJSEvent) => any) | null;
    onmessage: ((this: SockJS, ev: SockJSMessageEvent) => any) | null;
    onclose: ((this: SockJS, ev: SockJSCloseEvent) => any) | null;
    onerror: ((this: SockJS, ev: SockJSEvent) => any) | null;
    private _o;
    private _l;
    private _id;
    private _srv;
    private _same;
    /** Current attempt; a callback from an older one is ignored. */
    private _n;
    private _tr;
    private _tn;
    private _ts;
    private _ir;
    private _tt;
    private _ht;
    private _rt;
    private _rto;
    private _base;
    /** Reconnection attempts since the last open. */
    private _a;
    /** close() was called. */
    private _user;
    /**
     * @param url `http(s)://host/prefix`, or relative to the page.
     * @param protocols Checked as sockjs-client does, then unused (as there).
     */
    constructor(url: string, protocols?: string | string[] | null, options?: SockJSOptions);
    /** Sends a message (anything not a string is converted to one). Throws while CONNECTING, ignored once closing. */
    send(data: any): void;
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
    /** Appends the user's query parameters to a request URL. */
    private _q;
    /** Asks /info, then goes through the transports. */
    private _start;
    /** Tries the next transport, or gives up with 2000. */
    private _connect;
    private _frame;
    /** Forgets the current transport attempt: its callbacks and timer. Returns the transport. */
    private _drop;
    /** The transport closed by itself (or timed out): try the next one while connecting, else close. */
    private _tclose;
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

export { SockJS as default };
export type { QueryParams, ReconnectOptions, SockJSCloseEvent, SockJSEvent, SockJSEventMap, SockJSMessageEvent, SockJSOptions };
