//! Connections whose client stopped reading: dropped by the kernel.

use std::any::Any;
use std::time::Duration;

use actix_web::dev::Extensions;

/// A callback for actix-web's
/// [`HttpServer::on_connect`](actix_web::HttpServer::on_connect) that has
/// the kernel drop a connection once what the server wrote has waited
/// `after` for its client: a client that stopped reading (its receive
/// window stays shut) or is gone without a word (nothing is acknowledged).
/// It sets Linux's `TCP_USER_TIMEOUT` on each accepted TCP connection; on
/// other systems, and on TLS streams, it does nothing.
///
/// actix-web has no write timeout. Without one, a client that keeps its
/// connection open and never reads holds its session, and what was written
/// for it, for as long as it likes: within the session's bounds
/// ([`queue_limit`](crate::SockJs::queue_limit), a frame's piece,
/// actix-http's write buffer, and the kernel's), but for ever. Dropped, the
/// connection ends its receiver as any dropped connection does: the session
/// is interrupted, or, resumable, waits for its client to come back.
///
/// A connection with nothing to write is not affected. Heartbeats (every
/// 25 s by default) keep something to write, so a vanished client is found
/// within a heartbeat and `after`. Choose `after` well above what a slow
/// client on a bad network takes to read a heartbeat: 30 s is a start.
///
/// ```no_run
/// use std::time::Duration;
/// use actix_web::{App, HttpServer};
///
/// # async fn run() -> std::io::Result<()> {
/// let chat = actix_sockjs::SockJs::new(|_, _| async {});
/// HttpServer::new(move || App::new().service(chat.scope("/chat")))
///     .on_connect(actix_sockjs::drop_stalled_connections(Duration::from_secs(30)))
///     .bind(("127.0.0.1", 8080))?
///     .run()
///     .await
/// # }
/// ```
pub fn drop_stalled_connections(
    after: Duration,
) -> impl Fn(&dyn Any, &mut Extensions) + Send + Sync + Clone + 'static {
    move |connection, _| set(connection, after)
}

#[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
fn set(connection: &dyn Any, after: Duration) {
    if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
        if let Err(e) = socket2::SockRef::from(tcp).set_tcp_user_timeout(Some(after)) {
            tracing::debug!("drop_stalled_connections: TCP_USER_TIMEOUT not set: {e}");
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "fuchsia")))]
fn set(_: &dyn Any, _: Duration) {}
