// A page's script (not a module) next to <script src="sockjs.min.js">: the
// global SockJS, from `"types": ["actix-sockjs-client"]` in tsconfig.json
// (dist/index.d.ts says `export as namespace SockJS`). Lines marked
// `@ts-expect-error TSnnnn` must fail with that error.
var pageSock = new SockJS('/echo', null, { transports: ['xhr-streaming', 'xhr-polling'] });
pageSock.onopen = function () {
  pageSock.send('hello');
};
pageSock.onmessage = function (e: SockJS.SockJSMessageEvent) {
  var text: string = e.data;
  console.log(text);
};

// @ts-expect-error TS2820 a misspelled transport name
new SockJS('/echo', null, { transports: ['xhr-stream'] });
// @ts-expect-error TS2540 readyState is read-only
pageSock.readyState = SockJS.CLOSED;
