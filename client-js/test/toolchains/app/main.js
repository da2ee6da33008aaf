// An application's own code, as it would import the package: by name, from
// node_modules (here the packed tarball, installed), bundled by Vite, webpack 5
// or esbuild. The browser test reaches the class through window.AppSockJS and
// runs the harness's echo with it.
import SockJS from 'actix-sockjs-client';

window.AppSockJS = SockJS;
document.getElementById('status').textContent = 'bundled: readyState constants ' + [SockJS.CONNECTING, SockJS.OPEN, SockJS.CLOSING, SockJS.CLOSED].join(',');
