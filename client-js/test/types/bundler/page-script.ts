/// <reference types="actix-sockjs-client" resolution-mode="require" />
// A page's script (not a module) next to <script src="sockjs.min.js">, in a
// project that otherwise uses "bundler": the directive asks for the UMD
// bundle's types (dist/index.d.ts, `export as namespace SockJS`), which the
// "import" condition would not give. Lines marked `@ts-expect-error TSnnnn`
// must fail with that error.
var scriptSock = new SockJS('/echo', null, { transports: 'websocket' });
scriptSock.onclose = function (e) {
  var code: number = e.code;
  console.log(code, e.reason);
};

// @ts-expect-error TS2820 a misspelled transport name
new SockJS('/echo', null, { transports: 'websockets' });
// @ts-expect-error TS2540 readyState is read-only
scriptSock.readyState = 0;
