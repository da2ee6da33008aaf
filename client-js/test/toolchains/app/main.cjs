// The same with require(), as CommonJS code bundled by webpack has it: the
// package's "default" condition, the UMD bundle (module.exports = SockJS).
const SockJS = require('actix-sockjs-client');

window.AppSockJS = SockJS;
document.getElementById('status').textContent = 'bundled: readyState constants ' + [SockJS.CONNECTING, SockJS.OPEN, SockJS.CLOSING, SockJS.CLOSED].join(',');
