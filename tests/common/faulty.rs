//! A fault-injecting TCP proxy on loopback: each connection through it is
//! passed through cleanly, or gets a fault on its way back to the client
//! (the server → client direction): cut after some bytes (mid-answer or
//! mid-stream), its answer dropped (read from the server, never delivered,
//! then the connection closed), or stalled for a while. Faults are chosen by
//! a plan the test gives (deterministic: by connection number and a seed).

use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What happens to one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Passed through.
    None,
    /// The connection is cut after this many bytes from the server.
    CutAfter(usize),
    /// The server's answer is read and thrown away, then the connection closed.
    DropAnswer,
    /// Bytes from the server are held this long once they start coming.
    Stall(Duration),
    /// A stall, then a cut.
    StallThenCut(Duration, usize),
}

/// How many of each fault were applied.
#[derive(Debug, Default)]
pub struct Stats {
    pub connections: AtomicU64,
    pub cut: AtomicU64,
    pub dropped: AtomicU64,
    pub stalled: AtomicU64,
}

impl Stats {
    pub fn summary(&self) -> String {
        format!(
            "{} connections: {} cut, {} answers dropped, {} stalled",
            self.connections.load(Ordering::Relaxed),
            self.cut.load(Ordering::Relaxed),
            self.dropped.load(Ordering::Relaxed),
            self.stalled.load(Ordering::Relaxed)
        )
    }

    /// Faults actually applied (a cut after more bytes than came is none).
    pub fn faults(&self) -> u64 {
        self.cut.load(Ordering::Relaxed)
            + self.dropped.load(Ordering::Relaxed)
            + self.stalled.load(Ordering::Relaxed)
    }
}

pub struct FaultyProxy {
    addr: SocketAddr,
    pub stats: Arc<Stats>,
}

impl FaultyProxy {
    /// A proxy to `upstream`; connection `n` (from 0) gets `plan(n)`.
    pub fn start(
        upstream: SocketAddr,
        plan: impl Fn(u64) -> Fault + Send + Sync + 'static,
    ) -> FaultyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let stats = Arc::new(Stats::default());
        let st = stats.clone();
        let plan = Arc::new(plan);
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                loop {
                    let Ok((client, _)) = listener.accept().await else {
                        continue;
                    };
                    let n = st.connections.fetch_add(1, Ordering::Relaxed);
                    let fault = plan(n);
                    let st = st.clone();
                    tokio::spawn(async move {
                        if let Ok(server) = TcpStream::connect(upstream).await {
                            pipe(client, server, fault, &st).await;
                        }
                    });
                }
            });
        });
        FaultyProxy { addr, stats }
    }

    /// `http://127.0.0.1:PORT`
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:PORT`
    pub fn ws_base(&self) -> String {
        format!("ws://{}", self.addr)
    }
}

async fn pipe(client: TcpStream, server: TcpStream, fault: Fault, stats: &Stats) {
    client.set_nodelay(true).ok();
    server.set_nodelay(true).ok();
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = async move {
        let mut buf = vec![0u8; 16384];
        loop {
            match cr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if sw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = sw.shutdown().await;
    };
    let down = async move {
        let mut buf = vec![0u8; 16384];
        let mut passed = 0usize;
        let mut stalled = false;
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            match fault {
                Fault::None => {}
                Fault::CutAfter(limit) => {
                    if passed + n >= limit {
                        let _ = cw.write_all(&buf[..limit - passed]).await;
                        stats.cut.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                }
                Fault::DropAnswer => {
                    stats.dropped.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Fault::Stall(d) | Fault::StallThenCut(d, _) => {
                    if !stalled {
                        stalled = true;
                        stats.stalled.fetch_add(1, Ordering::Relaxed);
                        // The fault itself: bytes held back for a while.
                        tokio::time::sleep(d).await;
                    }
                    if let Fault::StallThenCut(_, limit) = fault {
                        if passed + n >= limit {
                            let _ = cw.write_all(&buf[..limit - passed]).await;
                            stats.cut.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                    }
                }
            }
            if cw.write_all(&buf[..n]).await.is_err() {
                break;
            }
            passed += n;
        }
        let _ = cw.shutdown().await;
    };
    // A fault that ends the way back ends the connection: both halves go.
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}
