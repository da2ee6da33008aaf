//! Test fixtures: real servers on loopback ports.
#![allow(dead_code)]

pub mod client;
#[path = "../../examples/common/conformance.rs"]
pub mod conformance;
pub mod faulty;
pub mod redis;
pub mod resume;

use std::net::{SocketAddr, TcpListener};

use actix_web::{web, App, HttpServer};

/// A real actix-web server on a free 127.0.0.1 port, in a thread of its own.
pub struct Server {
    addr: SocketAddr,
    handle: actix_web::dev::ServerHandle,
}

impl Server {
    /// `http://127.0.0.1:PORT`
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:PORT`
    pub fn ws_base(&self) -> String {
        format!("ws://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Stops accepting and closes connections; the thread then ends.
        drop(self.handle.stop(false));
    }
}

/// The conformance server with every service of the protocol suite.
pub async fn start() -> Server {
    start_with_options(conformance::Options::default())
}

/// The conformance server with the given options.
///
/// One worker: the protocol suite was written against single-threaded
/// servers and assumes that once a send is answered the echo is queued
/// (e.g. two sends, then one poll expecting both). With several workers the
/// handler may run on another thread and the poll can come first; that is
/// correct behaviour, but not what the suite asserts.
pub fn start_with_options(options: conformance::Options) -> Server {
    serve_services(1, conformance::services(&options))
}

/// Serves the given conformance services with `workers` workers.
pub fn serve_services(
    workers: usize,
    services: Vec<(&'static str, actix_sockjs::SockJs)>,
) -> Server {
    serve_with_workers(workers, move |cfg| conformance::configure(&services, cfg))
}

/// Serves whatever `configure` mounts, with two workers (so polls and sends
/// of one session land on different threads, as in production) and
/// half-closed connections treated as gone (prompt abort detection).
pub fn serve<F>(configure: F) -> Server
where
    F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    serve_with_workers(2, configure)
}

/// [`serve`] with a given number of workers.
pub fn serve_with_workers<F>(workers: usize, configure: F) -> Server
where
    F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    serve_on(workers, None, configure)
}

/// [`serve`], its connections dropped by the kernel once what the server
/// wrote has waited `after` for the client
/// ([`actix_sockjs::drop_stalled_connections`]).
pub fn serve_dropping_stalled<F>(after: std::time::Duration, configure: F) -> Server
where
    F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    serve_on(2, Some(after), configure)
}

fn serve_on<F>(workers: usize, stalled: Option<std::time::Duration>, configure: F) -> Server
where
    F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    // Bound before the server runs: connections queue in the backlog, so
    // the port is usable as soon as this returns.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("local addr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let sys = actix_rt::System::new();
        sys.block_on(async move {
            let mut server = HttpServer::new(move || App::new().configure(configure.clone()));
            if let Some(after) = stalled {
                server = server.on_connect(actix_sockjs::drop_stalled_connections(after));
            }
            let server = server
                .h1_allow_half_closed(false)
                .workers(workers)
                .disable_signals()
                .listen(listener)
                .expect("listen")
                .run();
            let _ = tx.send(server.handle());
            let _ = server.await;
        });
    });
    let handle = rx.recv().expect("server thread started");
    Server { addr, handle }
}
