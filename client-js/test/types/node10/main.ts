// The old moduleResolution "node" (node10), as older projects have it: the
// package.json "types" field, dist/index.d.ts (`export =`; a default import
// with esModuleInterop). Lines marked `@ts-expect-error TSnnnn` must fail with
// that error.
import SockJS from 'actix-sockjs-client';
import type { SockJSOptions } from 'actix-sockjs-client';

const options: SockJSOptions = { transports: ['websocket', 'jsonp-polling'], query: { token: 't' } };
const sock = new SockJS('/echo', null, options);
sock.onmessage = (e) => {
  const text: string = e.data;
  console.log(text);
};

// @ts-expect-error TS2820 a misspelled transport name
new SockJS('/echo', null, { transports: ['xhr_polling'] });
// @ts-expect-error TS2540 readyState is read-only
sock.readyState = 1;
