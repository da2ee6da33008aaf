//! A real Redis (Debian's `redis-server`) on a free loopback port, for the
//! cluster tests, and test-server nodes joined to it.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Waits until `port` takes connections, bounded.
pub async fn port_open(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut every = tokio::time::interval(Duration::from_millis(20));
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        assert!(Instant::now() < deadline, "{what} never listened on {port}");
        every.tick().await;
    }
}

/// A child process killed (SIGKILL) when dropped.
pub struct Proc(pub Child);

impl Proc {
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// SIGTERM: asks the process to stop gracefully (it is not waited for).
    #[allow(dead_code)]
    pub fn terminate(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `redis-server` on `port`, in memory only.
pub struct Redis {
    pub port: u16,
    proc: Option<Proc>,
}

impl Redis {
    pub async fn start() -> Redis {
        let mut r = Redis {
            port: free_port(),
            proc: None,
        };
        r.restart().await;
        r
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL): everything it held is gone.
    pub fn kill(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
    }

    /// Starts it again on the same port, empty.
    pub async fn restart(&mut self) {
        self.kill();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (scripts/test installs Debian's redis-server)");
        self.proc = Some(Proc(child));
        port_open(self.port, "redis-server").await;
    }
}

/// The test server example, built by `cargo test --features redis`.
pub fn testserver_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    dir.join("examples")
        .join(format!("testserver{}", std::env::consts::EXE_SUFFIX))
}

/// A test-server node on its own port, joined to `redis`.
pub struct Node {
    pub port: u16,
    pub proc: Proc,
}

impl Node {
    pub async fn start(redis: &Redis, node_timeout_ms: u64) -> Node {
        let port = free_port();
        let child = Command::new(testserver_binary())
            .args(["--port", &port.to_string()])
            .env("REDIS_URL", redis.url())
            .env("NODE_TIMEOUT_MS", node_timeout_ms.to_string())
            .env(
                "RUST_LOG",
                std::env::var("NODE_LOG").unwrap_or_else(|_| "warn".into()),
            )
            // The nodes log to stdout: shown when NODE_LOG asks for it.
            .stdout(if std::env::var_os("NODE_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("the testserver example (cargo test --features redis builds it)");
        let node = Node {
            port,
            proc: Proc(child),
        };
        port_open(port, "testserver").await;
        node
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn ws_base(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }
}
