//! Graceful shutdown: waiting for the signal that asks for it.

/// Resolves when the process is asked to stop: SIGTERM (what systemd,
/// Docker and Kubernetes send) or SIGINT (Ctrl-C).
///
/// The whole graceful sequence: take the signals from actix-web, then on
/// one of them shut the SockJS services down (every client is told
/// `c[1012,"Server restarting"]` and answered), then stop the server.
///
/// ```no_run
/// use std::time::Duration;
/// use actix_web::{App, HttpServer};
/// use actix_sockjs::SockJs;
///
/// #[actix_web::main]
/// async fn main() -> std::io::Result<()> {
///     let echo = SockJs::new(|_session, _messages| async {});
///     let app_echo = echo.clone();
///     let server = HttpServer::new(move || App::new().service(app_echo.scope("/echo")))
///         .disable_signals() // this sequence handles them
///         .shutdown_timeout(1)
///         .bind(("127.0.0.1", 8080))?
///         .run();
///     let handle = server.handle();
///     actix_web::rt::spawn(async move {
///         actix_sockjs::shutdown_signal().await;
///         echo.shutdown(Duration::from_secs(5)).await;
///         handle.stop(true).await;
///     });
///     server.await
/// }
/// ```
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use actix_rt::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => {
                // No signal handlers could be installed: Ctrl-C only.
                let _ = actix_rt::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = actix_rt::signal::ctrl_c().await;
    }
}
