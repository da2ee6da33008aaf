//! The benchmark: actix-sockjs against the floor (what actix does with no
//! SockJS layer: a plain actix-ws echo for WebSocket, the same HTTP echo in
//! bare actix-web for the HTTP transports) and sockjs-node 0.3.24, side by
//! side, in one run.
//!
//! ```sh
//! cargo run --release --example bench            # the full run (about 30 minutes)
//! cargo run --release --example bench -- --quick # a short one while developing
//! cargo run --release --features redis --example bench -- --only cluster
//! ```
//!
//! It starts every server itself, each pinned to core 0 with one worker
//! (`taskset -c 0`), pins itself (the load generator) to core 1, warms up
//! before every measured phase, and reads CPU time from `/proc/<pid>/stat`
//! and memory from `/proc/<pid>/status`. Every echoed or broadcast payload
//! is checked; a wrong one counts as an error. The report goes to stdout and
//! to `target/bench-report.md`, and every row, the targets, the machine, the
//! commit and the date to `target/bench-report.json`. `bench compare
//! BASE.json NEW.json` compares two such reports row by row (copy the first
//! run's report aside before the second overwrites it).
//! Everything targets 127.0.0.1, is bounded in count and time, and every
//! process it starts is stopped when it ends.
//!
//! Built with `--features redis` and with `redis-server` on PATH, it also
//! measures clusters (`cluster` rows; otherwise the report says why they were
//! skipped): one `redis-server` and 1 or 3 nodes (this binary's
//! `__serve cluster`), all pinned to core 0 together. xhr-polling echo where
//! every poll and send of a 3-node session lands on a node that does not own
//! it (so it is relayed through Redis), against 1 node; the same for the
//! relayed-poll floor (`__serve floor-cluster`: the HTTP floor relaying
//! over Redis pub/sub from the worker's own thread, no SockJS layer); and
//! the broadcast row with its receivers spread over the nodes through a
//! named group. CPU is summed over every node and redis-server.
//!
//! Options: `--quick`, `--only ws,http,broadcast,memory,cluster`,
//! `--servers floor,sockjs,sockjs-default,sockjs-resume,node,cluster1,cluster3,floor-cluster1,floor-cluster3`,
//! `--sessions 100,1000` (echo rows, cluster echo rows too),
//! `--rounds N` (each echo and broadcast row is measured N times,
//! interleaved with the other servers, and the median kept; 3 by default,
//! 1 with `--quick`; a target comparing two rows also shows their ratio in
//! each round), `--warmup SECS`, `--measure SECS`, `--perf` (records
//! each server with `perf record` while measured, into `target/bench-perf/`;
//! the CPU numbers of such a run include perf's cost).
//!
//! Environment: `BENCH_PERF` replaces the `perf` arguments of `--perf`
//! (`BENCH_PERF="stat -e syscalls:sys_enter_sendto"`), `BENCH_WRAP` runs the
//! servers under a tool (`BENCH_WRAP="valgrind --tool=massif"`),
//! `BENCH_NODELAY=0` leaves the actix servers' TCP_NODELAY off,
//! `BENCH_KEEP_HEADERS=none` has actix-sockjs's echo sessions keep none of
//! their opening request's headers (`SockJs::keep_headers`).

mod client;
mod compare;
mod servers;
mod stats;

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

use client::{HttpSender, Receiver, Transport};
use servers::{Kind, Servers};
use stats::Histogram;

const SERVER_CORE: &str = "0";
const GENERATOR_CORE: &str = "1";
/// Connections being opened at once.
const OPENING: usize = 64;
/// Broadcast messages in flight (sent, not yet delivered to everyone).
const BROADCAST_WINDOW: u64 = 8;
/// One request/response or poll may take this long before it is an error.
const ROUND_TIMEOUT: Duration = Duration::from_secs(10);
/// A session's first echo (before the load starts) may take this long.
const SETUP_TIMEOUT: Duration = Duration::from_secs(30);
/// A measured phase is disturbed when other processes took more than this
/// share of a core; it is then measured again, at most `RETRIES` times.
const DISTURBED: f64 = 0.10;
const RETRIES: usize = 2;
/// The generator counts as saturated above this share of its core.
const SATURATED: f64 = 0.90;

// ------------------------------------------------------------------ options

struct Opts {
    quick: bool,
    perf: bool,
    rounds: usize,
    only: Vec<String>,
    servers: Vec<Kind>,
    warmup: Duration,
    measure: Duration,
    ws_sessions: Vec<usize>,
    http_sessions: Vec<usize>,
    broadcast_receivers: Vec<usize>,
    idle_sessions: usize,
}

impl Opts {
    fn parse(args: &[String]) -> Result<Opts, String> {
        let quick = args.iter().any(|a| a == "--quick");
        let mut o = Opts {
            quick,
            perf: false,
            rounds: if quick { 1 } else { 3 },
            only: vec![],
            servers: vec![
                Kind::Floor,
                Kind::SockJs,
                Kind::SockJsDefault,
                Kind::SockJsResume,
                Kind::Node,
                #[cfg(feature = "redis")]
                Kind::Cluster1,
                #[cfg(feature = "redis")]
                Kind::Cluster3,
                #[cfg(feature = "redis")]
                Kind::FloorCluster1,
                #[cfg(feature = "redis")]
                Kind::FloorCluster3,
            ],
            warmup: Duration::from_secs(if quick { 1 } else { 2 }),
            measure: Duration::from_secs(if quick { 3 } else { 8 }),
            ws_sessions: vec![100, 1000],
            http_sessions: if quick { vec![100] } else { vec![100, 1000] },
            broadcast_receivers: if quick {
                vec![1000]
            } else {
                vec![1000, 10_000]
            },
            idle_sessions: if quick { 2000 } else { 10_000 },
        };
        // args[0] is the program name.
        let mut it = args.get(1..).unwrap_or_default().iter();
        while let Some(a) = it.next() {
            let mut value = || it.next().cloned().ok_or(format!("{a} needs a value"));
            match a.as_str() {
                "--quick" => {}
                "--perf" => o.perf = true,
                "--only" => o.only = value()?.split(',').map(str::to_owned).collect(),
                "--servers" => {
                    o.servers = value()?
                        .split(',')
                        .map(|s| match s {
                            "floor" => Ok(Kind::Floor),
                            "sockjs" => Ok(Kind::SockJs),
                            "sockjs-default" => Ok(Kind::SockJsDefault),
                            "sockjs-resume" => Ok(Kind::SockJsResume),
                            "node" => Ok(Kind::Node),
                            "cluster1" => Ok(Kind::Cluster1),
                            "cluster3" => Ok(Kind::Cluster3),
                            "floor-cluster1" => Ok(Kind::FloorCluster1),
                            "floor-cluster3" => Ok(Kind::FloorCluster3),
                            other => Err(format!("unknown server {other:?}")),
                        })
                        .collect::<Result<_, _>>()?
                }
                "--sessions" => {
                    let list = value()?
                        .split(',')
                        .map(|n| n.parse().map_err(|_| format!("bad count {n:?}")))
                        .collect::<Result<Vec<usize>, _>>()?;
                    o.ws_sessions = list.clone();
                    o.http_sessions = list;
                }
                "--rounds" => {
                    o.rounds = value()?
                        .parse()
                        .ok()
                        .filter(|n| (1..=20).contains(n))
                        .ok_or("--rounds takes 1 to 20")?
                }
                "--warmup" => o.warmup = secs(&value()?)?,
                "--measure" => o.measure = secs(&value()?)?,
                "-h" | "--help" => {
                    return Err("usage: bench [--quick] [--only ws,http,broadcast,memory,cluster] \
                                [--servers floor,sockjs,sockjs-default,sockjs-resume,node,cluster1,cluster3,floor-cluster1,floor-cluster3] [--sessions 100,1000] [--rounds N] [--warmup SECS] [--measure SECS] [--perf]\n\
                                (cluster rows: build with --features redis, and have redis-server on PATH)"
                        .into())
                }
                other => return Err(format!("unknown option {other:?} (see --help)")),
            }
        }
        Ok(o)
    }

    fn runs(&self, part: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == part)
    }

    fn has(&self, kind: Kind) -> bool {
        self.servers.contains(&kind)
    }

    /// The cluster rows were asked for (by `--only cluster`, or by a cluster
    /// server among `--servers`, or by default in a `redis` build).
    fn wants_cluster(&self) -> bool {
        self.runs("cluster")
            && (self.only.iter().any(|o| o == "cluster")
                || self.servers.iter().any(|k| k.is_cluster()))
    }

    /// Open files the largest phase needs, with room for the servers'.
    fn files_needed(&self) -> u64 {
        let mut n = 0;
        if self.runs("memory") {
            n = n.max(self.idle_sessions);
        }
        if self.runs("broadcast") {
            n = n.max(self.broadcast_receivers.iter().copied().max().unwrap_or(0));
        }
        if self.runs("http") || self.wants_cluster() {
            n = n.max(2 * self.http_sessions.iter().copied().max().unwrap_or(0));
        }
        if self.wants_cluster() {
            n = n.max(self.broadcast_receivers.iter().copied().max().unwrap_or(0));
        }
        n as u64 + 1024
    }
}

fn secs(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| *v > 0.0 && *v < 600.0)
        .map(Duration::from_secs_f64)
        .ok_or(format!("bad duration {s:?}"))
}

// --------------------------------------------------------------------- main

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("__serve") {
        let port = args.get(3).and_then(|p| p.parse().ok()).unwrap_or(0);
        if let Err(e) = servers::serve(args.get(2).map_or("", String::as_str), port) {
            eprintln!("bench server: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("compare") {
        let (Some(base), Some(new)) = (args.get(2), args.get(3)) else {
            eprintln!("usage: bench compare BASE.json NEW.json");
            std::process::exit(2);
        };
        match compare::compare(base, new) {
            Ok(report) => print!("{report}"),
            Err(e) => {
                eprintln!("bench compare: {e}");
                std::process::exit(1);
            }
        }
        return;
    }
    let opts = match Opts::parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    ensure_open_files(&opts, &args);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 {
        eprintln!("warning: fewer than 2 cores: server and generator share one");
    } else {
        pin_self();
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let local = tokio::task::LocalSet::new();
    let started = Instant::now();
    let high_priority = raise_priority();
    let (report, mut json) = local.block_on(&rt, run(opts, args, high_priority));
    let elapsed = started.elapsed();
    let report = format!(
        "{report}\nRun time: {:.0} s.\n",
        elapsed.as_secs_f64().round()
    );
    println!("\n{report}");
    json["run_time_s"] = elapsed.as_secs_f64().round().into();
    let json = serde_json::to_string_pretty(&json).expect("a JSON value") + "\n";
    for (name, text) in [("bench-report.md", &report), ("bench-report.json", &json)] {
        let path = root().join("target").join(name);
        match std::fs::write(&path, text) {
            Ok(()) => eprintln!("report written to {}", path.display()),
            Err(e) => eprintln!("could not write {}: {e}", path.display()),
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// 10,000 sessions need more than the usual 1,024 open files. Raises the
/// soft limit through the shell (re-exec) when it is too low.
fn ensure_open_files(opts: &Opts, args: &[String]) {
    let need = opts.files_needed();
    let have = servers::open_files_limit().unwrap_or(0);
    if have >= need {
        return;
    }
    if std::env::var_os("BENCH_ULIMIT_TRIED").is_none() {
        use std::os::unix::process::CommandExt;
        let exe = std::env::current_exe().expect("own path");
        let err = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -n {} 2>/dev/null || ulimit -n \"$(ulimit -Hn)\" 2>/dev/null; exec \"$0\" \"$@\"",
                need.max(65536)
            ))
            .arg(exe)
            .args(&args[1..])
            .env("BENCH_ULIMIT_TRIED", "1")
            .exec();
        eprintln!("could not re-run under a higher open-files limit: {err}");
    }
    eprintln!(
        "the open-files limit is {have}, this run needs {need}: run `ulimit -n 65536` first \
         (as root, or after raising the hard limit), or use --quick"
    );
    std::process::exit(2);
}

/// Raises the generator (and so the servers it starts) above other work on
/// the machine, where allowed (root). True when it worked.
fn raise_priority() -> bool {
    std::process::Command::new("renice")
        .args(["-n", "-20", "-p"])
        .arg(std::process::id().to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The load generator runs on its own core.
fn pin_self() {
    let ok = std::process::Command::new("taskset")
        .args(["-a", "-p", "-c", GENERATOR_CORE])
        .arg(std::process::id().to_string())
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("warning: taskset failed: the generator is not pinned");
    }
}

// ------------------------------------------------------------- measurement

struct Sample {
    at: Instant,
    server: u64,
    /// Of `server`, system time.
    server_sys: u64,
    /// A cluster's redis-server (included in `server`).
    redis: u64,
    generator: u64,
    busy: Vec<u64>,
}

/// `server`: every process of the row (a cluster's nodes and Redis).
fn sample(server: &Servers) -> Sample {
    let (cpu, sys) = server.cpu_and_sys_ticks();
    Sample {
        at: Instant::now(),
        server: cpu,
        server_sys: sys,
        redis: server.redis_ticks(),
        generator: servers::cpu_ticks("/proc/self/stat").unwrap_or(0),
        busy: servers::cpu_busy(),
    }
}

/// CPU and time over a measured phase.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    secs: f64,
    server_s: f64,
    /// Of `server_s`, the time in the kernel (system time).
    server_sys_s: f64,
    /// Of `server_s`, a cluster's redis-server.
    redis_s: f64,
    generator_s: f64,
    /// CPU time used by other processes on the machine, in seconds.
    other_s: f64,
}

fn window(a: &Sample, b: &Sample, hz: u64) -> Window {
    let hz = hz as f64;
    let server_s = b.server.saturating_sub(a.server) as f64 / hz;
    let generator_s = b.generator.saturating_sub(a.generator) as f64 / hz;
    let busy: u64 = b
        .busy
        .iter()
        .zip(&a.busy)
        .map(|(b, a)| b.saturating_sub(*a))
        .sum();
    Window {
        secs: (b.at - a.at).as_secs_f64(),
        server_s,
        server_sys_s: b.server_sys.saturating_sub(a.server_sys) as f64 / hz,
        redis_s: b.redis.saturating_sub(a.redis) as f64 / hz,
        generator_s,
        other_s: (busy as f64 / hz - server_s - generator_s).max(0.0),
    }
}

impl Window {
    fn server_share(&self) -> f64 {
        self.server_s / self.secs
    }
    fn generator_share(&self) -> f64 {
        self.generator_s / self.secs
    }
    fn saturated(&self) -> bool {
        self.generator_share() >= SATURATED
    }
    /// Server CPU per event, in µs.
    fn per(&self, events: u64) -> Option<f64> {
        (events > 0).then(|| self.server_s * 1e6 / events as f64)
    }
    /// The kernel's part of `per` (the server's system time).
    fn kernel_per(&self, events: u64) -> Option<f64> {
        (events > 0).then(|| self.server_sys_s * 1e6 / events as f64)
    }
    /// The redis-server's part of `per`.
    fn redis_per(&self, events: u64) -> Option<f64> {
        (events > 0).then(|| self.redis_s * 1e6 / events as f64)
    }
}

const SETUP: u8 = 0;
const WARM: u8 = 1;
const MEASURE: u8 = 2;
const STOP: u8 = 3;

/// What the tasks of one phase share (one thread: `Cell`s and `RefCell`s).
struct Shared {
    epoch: Instant,
    phase: Cell<u8>,
    phase_changed: Notify,
    ready: Cell<usize>,
    failed: Cell<usize>,
    errors: Cell<u64>,
    first_error: RefCell<Option<String>>,
    gate: Semaphore,
}

impl Shared {
    fn new() -> Rc<Shared> {
        Rc::new(Shared {
            epoch: Instant::now(),
            phase: Cell::new(SETUP),
            phase_changed: Notify::new(),
            ready: Cell::new(0),
            failed: Cell::new(0),
            errors: Cell::new(0),
            first_error: RefCell::new(None),
            gate: Semaphore::new(OPENING),
        })
    }

    fn set_phase(&self, p: u8) {
        self.phase.set(p);
        self.phase_changed.notify_waiters();
    }

    async fn started(&self) {
        loop {
            let changed = self.phase_changed.notified();
            if self.phase.get() != SETUP {
                return;
            }
            changed.await;
        }
    }

    fn error(&self, e: impl std::fmt::Display) {
        self.errors.set(self.errors.get() + 1);
        let mut first = self.first_error.borrow_mut();
        if first.is_none() {
            *first = Some(e.to_string());
        }
    }

    fn fail(&self, e: impl std::fmt::Display) {
        self.failed.set(self.failed.get() + 1);
        self.error(e);
    }

    fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    /// Waits until `n` sessions are open (or failed), at most `limit`.
    async fn wait_ready(&self, n: usize, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.ready.get() + self.failed.get() < n && Instant::now() < deadline {
            sleep(Duration::from_millis(20)).await;
        }
    }

    fn error_note(&self) -> String {
        match &*self.first_error.borrow() {
            Some(e) => format!("first error: {e}"),
            None => String::new(),
        }
    }
}

async fn stop_all(set: &mut JoinSet<()>) {
    set.abort_all();
    while set.join_next().await.is_some() {}
}

// ------------------------------------------------------------------- echo

/// 64 bytes: session, sequence number, send time, padding.
fn echo_payload(session: usize, seq: u64, t_ns: u64) -> String {
    let mut s = format!("{session:08x}-{seq:016x}-{t_ns:016x}-");
    while s.len() < 64 {
        s.push('p');
    }
    s
}

struct EchoResult {
    server: Kind,
    transport: Transport,
    sessions: usize,
    open: usize,
    done: u64,
    hist: Histogram,
    w: Window,
    errors: u64,
    note: String,
    /// Runs of this row (rounds), and the range of CPU / message over them.
    runs: usize,
    cpu_range: (f64, f64),
    /// The round this run was measured in (1-based); after `medians`, CPU /
    /// message of every run of the row by round, for ratios paired by round.
    round: usize,
    per_round: Vec<(usize, f64)>,
    /// Resident memory of every server process at the end of the measured
    /// phase, summed.
    rss_kib: u64,
}

impl EchoResult {
    fn rate(&self) -> f64 {
        self.done as f64 / self.w.secs
    }
}

struct EchoState {
    shared: Rc<Shared>,
    hist: RefCell<Histogram>,
    done: Cell<u64>,
}

/// Session `n` opens on node `n` (of `ports`, round robin). With more than
/// one node its sends go to node `n + 2`, and on xhr-polling its later polls
/// to node `n + 1`, so none lands on its owner: each is relayed.
async fn echo_session(
    st: Rc<EchoState>,
    ports: Rc<[u16]>,
    transport: Transport,
    n: usize,
    resume: bool,
) {
    let sh = &st.shared;
    let sid = client::session_id(n);
    let raw = transport == Transport::RawWs;
    let node = |i: usize| ports[(n + i) % ports.len()];
    let mut tx = match transport {
        Transport::RawWs | Transport::Websocket => None,
        _ => Some(HttpSender::new(node(2), "/echo", &sid)),
    };
    let opened = {
        let _permit = sh.gate.acquire().await;
        let open = async {
            let mut rx = Receiver::open(transport, node(0), "/echo", &sid, resume).await?;
            if transport == Transport::XhrPolling {
                rx.move_to(node(1))?;
            }
            if let Some(tx) = &mut tx {
                tx.connect().await?;
            }
            Ok::<_, std::io::Error>(rx)
        };
        timeout(ROUND_TIMEOUT, open).await
    };
    let mut rx = match opened {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return sh.fail(format!("open: {e}")),
        Err(_) => return sh.fail("open timed out"),
    };
    let mut msgs = Vec::new();
    let mut seq = 0u64;
    loop {
        // A session is ready once its first echo came back: a server slow
        // to answer its first requests does not stall the measured phase.
        if seq == 1 {
            sh.ready.set(sh.ready.get() + 1);
            sh.started().await;
        }
        let phase = sh.phase.get();
        if phase == STOP {
            return;
        }
        let sent = Instant::now();
        let sent_ok = Cell::new(false);
        let payload = echo_payload(n, seq, sh.now_ns());
        let query = rx.send_query(seq + 1);
        let round = async {
            match &mut tx {
                None => {
                    rx.ws_send(raw, &payload).await?;
                    rx.next_messages(raw, &mut msgs).await
                }
                Some(tx) => {
                    let send = async {
                        let r = tx.send(&payload, &query).await;
                        sent_ok.set(r.is_ok());
                        r
                    };
                    let (a, b) = tokio::join!(send, rx.next_messages(raw, &mut msgs));
                    a.and(b)
                }
            }
        };
        let limit = if seq == 0 {
            SETUP_TIMEOUT
        } else {
            ROUND_TIMEOUT
        };
        let failed = |e: String| match seq {
            0 => sh.fail(e),
            _ => sh.error(e),
        };
        match timeout(limit, round).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return failed(format!("session {n}: {e}")),
            Err(_) => {
                return failed(format!(
                    "session {n}: no echo in {limit:?} (message {seq}{})",
                    match (&tx, sent_ok.get()) {
                        (None, _) => "",
                        (Some(_), true) => ", xhr_send answered",
                        (Some(_), false) => ", xhr_send not answered",
                    }
                ))
            }
        }
        if msgs.len() != 1 || msgs[0] != payload {
            return failed(format!(
                "session {n}: wrong echo {msgs:?}, expected {payload:?}"
            ));
        }
        if sh.phase.get() == MEASURE {
            st.done.set(st.done.get() + 1);
            if phase == MEASURE {
                st.hist
                    .borrow_mut()
                    .record(sent.elapsed().as_micros() as u64);
            }
        }
        seq += 1;
    }
}

async fn echo_run(
    ctx: &Ctx,
    kind: Kind,
    transport: Transport,
    sessions: usize,
) -> Result<EchoResult, String> {
    let mut server = ctx.start(kind)?;
    let ports: Rc<[u16]> = server.ports().into();
    let st = Rc::new(EchoState {
        shared: Shared::new(),
        hist: RefCell::new(Histogram::default()),
        done: Cell::new(0),
    });
    let sh = st.shared.clone();
    let mut set = JoinSet::new();
    for n in 0..sessions {
        set.spawn_local(echo_session(
            st.clone(),
            ports.clone(),
            transport,
            n,
            kind == Kind::SockJsResume,
        ));
    }
    sh.wait_ready(sessions, Duration::from_secs(60)).await;
    sh.set_phase(WARM);
    sleep(ctx.opts.warmup).await;
    let perf = ctx.perf(
        &server,
        &format!("{}-{}-{sessions}", kind.arg(), transport.name()),
    );
    let a = sample(&server);
    sh.set_phase(MEASURE);
    sleep(ctx.opts.measure).await;
    sh.set_phase(STOP);
    let b = sample(&server);
    let rss_kib = server.rss_kib();
    if let Some(p) = perf {
        p.stop();
    }
    stop_all(&mut set).await;
    if !server.alive() {
        sh.error("the server exited during the run");
    }
    let hist = st.hist.replace(Histogram::default());
    Ok(EchoResult {
        server: kind,
        transport,
        sessions,
        open: sh.ready.get(),
        done: st.done.get(),
        hist,
        w: window(&a, &b, ctx.hz),
        errors: sh.errors.get(),
        note: sh.error_note(),
        runs: 1,
        cpu_range: (0.0, 0.0),
        round: 0,
        per_round: Vec::new(),
        rss_kib,
    })
}

// -------------------------------------------------------------- broadcast

fn broadcast_payload(seq: u64, t_ns: u64) -> String {
    let mut s = format!("b{seq:015x}{t_ns:016x}");
    while s.len() < 64 {
        s.push('q');
    }
    s
}

/// One receiver's view of the measured sequence numbers.
#[derive(Default)]
struct Track {
    /// The next sequence number expected (`None` before the first measured one).
    next: Option<u64>,
    /// Skipped numbers not received (yet).
    missing: BTreeSet<u64>,
    duplicated: u64,
    reordered: u64,
    got_any: bool,
}

struct BroadcastState {
    shared: Rc<Shared>,
    receivers: usize,
    sent_at: RefCell<Vec<u64>>,
    delivered: RefCell<Vec<u32>>,
    /// First measured sequence number (`u64::MAX` during warm-up).
    first: Cell<u64>,
    progress: Notify,
    tracks: RefCell<Vec<Track>>,
    hist: RefCell<Histogram>,
    measured: Cell<u64>,
    last_delivery: Cell<Option<Instant>>,
}

impl BroadcastState {
    fn deliver(&self, r: usize, text: &str) -> Result<(), String> {
        let now = self.shared.now_ns();
        let bytes = text.as_bytes();
        let seq = (bytes.len() == 64 && bytes[0] == b'b')
            .then(|| u64::from_str_radix(&text[1..16], 16).ok())
            .flatten()
            .ok_or_else(|| format!("malformed broadcast {text:?}"))?;
        let sent = self
            .sent_at
            .borrow()
            .get(seq as usize)
            .copied()
            .ok_or_else(|| format!("broadcast {seq} was never sent"))?;
        if text != broadcast_payload(seq, sent) {
            return Err(format!("corrupt broadcast {text:?}"));
        }
        {
            let mut d = self.delivered.borrow_mut();
            d[seq as usize] += 1;
            if d[seq as usize] as usize == self.receivers {
                self.progress.notify_one();
            }
        }
        let mut tracks = self.tracks.borrow_mut();
        let t = &mut tracks[r];
        t.got_any = true;
        let first = self.first.get();
        if seq < first {
            return Ok(());
        }
        let next = t.next.get_or_insert(first);
        if seq == *next {
            *next += 1;
        } else if seq > *next {
            t.missing.extend(*next..seq);
            *next = seq + 1;
        } else if t.missing.remove(&seq) {
            t.reordered += 1;
        } else {
            t.duplicated += 1;
        }
        self.hist
            .borrow_mut()
            .record(now.saturating_sub(sent) / 1000);
        self.measured.set(self.measured.get() + 1);
        self.last_delivery.set(Some(Instant::now()));
        Ok(())
    }
}

/// The transport of receiver `r`: 40 % WebSocket, 20 % each of
/// xhr-streaming, eventsource and xhr-polling.
fn mix(r: usize) -> Transport {
    match r % 10 {
        0..=3 => Transport::Websocket,
        4 | 5 => Transport::XhrStreaming,
        6 | 7 => Transport::EventSource,
        _ => Transport::XhrPolling,
    }
}

/// Receiver `r` on `port` (in a cluster, node `r` round robin).
async fn broadcast_receiver(st: Rc<BroadcastState>, port: u16, r: usize) {
    let sh = &st.shared;
    let transport = mix(r);
    let opened = {
        let _permit = sh.gate.acquire().await;
        timeout(
            ROUND_TIMEOUT,
            Receiver::open(transport, port, "/broadcast", &client::session_id(r), false),
        )
        .await
    };
    let mut rx = match opened {
        Ok(Ok(rx)) => rx,
        Ok(Err(e)) => return sh.fail(format!("open {}: {e}", transport.name())),
        Err(_) => return sh.fail("open timed out"),
    };
    sh.ready.set(sh.ready.get() + 1);
    let mut msgs = Vec::new();
    loop {
        // Idle receivers are fine: no timeout here, the run aborts them.
        if let Err(e) = rx.next_messages(false, &mut msgs).await {
            return sh.error(format!("receiver {r} ({}): {e}", transport.name()));
        }
        for m in &msgs {
            if let Err(e) = st.deliver(r, m) {
                return sh.error(format!("receiver {r} ({}): {e}", transport.name()));
            }
        }
    }
}

struct BroadcastResult {
    server: Kind,
    receivers: usize,
    open: usize,
    sent: u64,
    deliveries: u64,
    hist: Histogram,
    w: Window,
    lost: u64,
    duplicated: u64,
    reordered: u64,
    errors: u64,
    note: String,
    /// Runs of this row (rounds), and the range of deliveries/s over them.
    runs: usize,
    rate_range: (f64, f64),
    /// Resident memory of every server process after the drain, summed.
    rss_kib: u64,
}

impl BroadcastResult {
    fn rate(&self) -> f64 {
        self.deliveries as f64 / self.w.secs
    }
}

async fn broadcast_run(ctx: &Ctx, kind: Kind, receivers: usize) -> Result<BroadcastResult, String> {
    let mut server = ctx.start(kind)?;
    let st = Rc::new(BroadcastState {
        shared: Shared::new(),
        receivers,
        sent_at: RefCell::new(Vec::new()),
        delivered: RefCell::new(Vec::new()),
        first: Cell::new(u64::MAX),
        progress: Notify::new(),
        tracks: RefCell::new((0..receivers).map(|_| Track::default()).collect()),
        hist: RefCell::new(Histogram::default()),
        measured: Cell::new(0),
        last_delivery: Cell::new(None),
    });
    let sh = st.shared.clone();
    let ports = server.ports();
    let mut set = JoinSet::new();
    for r in 0..receivers {
        set.spawn_local(broadcast_receiver(st.clone(), ports[r % ports.len()], r));
    }
    sh.wait_ready(receivers, Duration::from_secs(120)).await;
    let open = sh.ready.get();
    let mut sender = Receiver::open(
        Transport::Websocket,
        ports[0],
        "/broadcast",
        "sender",
        false,
    )
    .await
    .map_err(|e| format!("broadcast sender: {e}"))?;

    // Sends the next message once fewer than the window are in flight.
    let mut seq = 0u64;
    let mut oldest = 0u64;
    let expected = open;
    let mut send_next = async |seq: &mut u64| -> Result<(), String> {
        loop {
            {
                let d = st.delivered.borrow();
                let at = st.sent_at.borrow();
                let now = sh.now_ns();
                while oldest < *seq
                    && (d[oldest as usize] as usize >= expected
                        || now - at[oldest as usize] > 5_000_000_000)
                {
                    oldest += 1;
                }
            }
            if *seq - oldest < BROADCAST_WINDOW {
                break;
            }
            let _ = timeout(Duration::from_millis(50), st.progress.notified()).await;
        }
        let t = sh.now_ns();
        st.sent_at.borrow_mut().push(t);
        st.delivered.borrow_mut().push(0);
        let payload = broadcast_payload(*seq, t);
        *seq += 1;
        timeout(ROUND_TIMEOUT, sender.ws_send(false, &payload))
            .await
            .map_err(|_| "sender blocked".to_string())?
            .map_err(|e| format!("sender: {e}"))
    };

    // Warm up; also makes sure every receiver is in the group.
    let warm_until = Instant::now() + ctx.opts.warmup;
    let all_in_by = Instant::now() + ctx.opts.warmup + Duration::from_secs(20);
    loop {
        send_next(&mut seq).await?;
        let now = Instant::now();
        let all_in = st.tracks.borrow().iter().filter(|t| t.got_any).count() >= open;
        if now >= warm_until && (all_in || now >= all_in_by) {
            break;
        }
    }
    // Measure.
    st.first.set(seq);
    let first = seq;
    let perf = ctx.perf(&server, &format!("{}-broadcast-{receivers}", kind.arg()));
    let a = sample(&server);
    let until = Instant::now() + ctx.opts.measure;
    while Instant::now() < until {
        send_next(&mut seq).await?;
    }
    let end = seq;
    // Drain: every measured message delivered to everyone, or 10 s.
    let drain_by = Instant::now() + Duration::from_secs(10);
    loop {
        let done = st.delivered.borrow()[first as usize..end as usize]
            .iter()
            .all(|&c| c as usize >= expected);
        if done || Instant::now() > drain_by {
            break;
        }
        let _ = timeout(Duration::from_millis(20), st.progress.notified()).await;
    }
    let mut b = sample(&server);
    let rss_kib = server.rss_kib();
    if let Some(p) = perf {
        p.stop();
    }
    if let Some(last) = st.last_delivery.get() {
        b.at = b.at.min(last.max(a.at + Duration::from_millis(1)));
    }
    stop_all(&mut set).await;
    if !server.alive() {
        sh.error("the server exited during the run");
    }

    let tracks = st.tracks.borrow();
    let mut lost = 0;
    let (mut duplicated, mut reordered) = (0, 0);
    for t in tracks.iter() {
        let next = t.next.unwrap_or(first);
        lost += t.missing.len() as u64 + end.saturating_sub(next);
        duplicated += t.duplicated;
        reordered += t.reordered;
    }
    // Receivers that never opened are not counted as losing messages:
    // they show as errors.
    lost -= (receivers - open) as u64 * (end - first);
    let hist = st.hist.replace(Histogram::default());
    Ok(BroadcastResult {
        server: kind,
        receivers,
        open,
        sent: end - first,
        deliveries: st.measured.get(),
        hist,
        w: window(&a, &b, ctx.hz),
        lost,
        duplicated,
        reordered,
        errors: sh.errors.get(),
        note: sh.error_note(),
        runs: 1,
        rate_range: (0.0, 0.0),
        rss_kib,
    })
}

// ---------------------------------------------------------------- memory

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Idle {
    Websocket,
    XhrStreaming,
    Parked,
}

impl Idle {
    fn name(self) -> &'static str {
        match self {
            Idle::Websocket => "WebSocket",
            Idle::XhrStreaming => "xhr-streaming",
            Idle::Parked => "parked between polls",
        }
    }
}

struct MemoryResult {
    server: Kind,
    idle: Idle,
    open: usize,
    base_kib: u64,
    rss_kib: u64,
    errors: u64,
    note: String,
}

impl MemoryResult {
    fn per_session_kib(&self) -> Option<f64> {
        (self.open > 0)
            .then(|| self.rss_kib.saturating_sub(self.base_kib) as f64 / self.open as f64)
    }
}

async fn memory_run(ctx: &Ctx, kind: Kind, idle: Idle, n: usize) -> Result<MemoryResult, String> {
    let mut server = ctx.start(kind)?;
    let sh = Shared::new();
    let base_kib = server.rss_kib();
    // Sessions opened as a browser opens them: what the server keeps of
    // the opening request's headers counts.
    let _browser = client::BrowserHeaders::on();
    let port = server.ports()[0];
    let mut set = JoinSet::new();
    for i in 0..n {
        let sh = sh.clone();
        set.spawn_local(async move {
            let sid = client::session_id(i);
            let opened = {
                let _permit = sh.gate.acquire().await;
                let resume = kind == Kind::SockJsResume;
                let open = async {
                    match (idle, kind) {
                        (Idle::Parked, _) => client::park(port, "/echo", &sid, resume)
                            .await
                            .map(|_| None),
                        (Idle::Websocket, Kind::Floor) => {
                            Receiver::open(Transport::RawWs, port, "/echo", &sid, false)
                                .await
                                .map(Some)
                        }
                        (Idle::Websocket, _) => {
                            Receiver::open(Transport::Websocket, port, "/echo", &sid, resume)
                                .await
                                .map(Some)
                        }
                        (Idle::XhrStreaming, _) => {
                            Receiver::open(Transport::XhrStreaming, port, "/echo", &sid, resume)
                                .await
                                .map(Some)
                        }
                    }
                };
                timeout(ROUND_TIMEOUT, open).await
            };
            match opened {
                Ok(Ok(held)) => {
                    sh.ready.set(sh.ready.get() + 1);
                    // Hold the connection until the run ends.
                    sh.started().await;
                    drop(held);
                }
                Ok(Err(e)) => sh.fail(e),
                Err(_) => sh.fail("open timed out"),
            }
        });
    }
    sh.wait_ready(n, Duration::from_secs(180)).await;
    sleep(Duration::from_secs(1)).await;
    let rss_kib = server.rss_kib();
    sh.set_phase(STOP);
    stop_all(&mut set).await;
    if !server.alive() {
        sh.error("the server exited during the run");
    }
    Ok(MemoryResult {
        server: kind,
        idle,
        open: sh.ready.get(),
        base_kib,
        rss_kib,
        errors: sh.errors.get(),
        note: sh.error_note(),
    })
}

// ------------------------------------------------------------------- runs

struct Ctx {
    opts: Opts,
    high_priority: bool,
    hz: u64,
    node_modules: Option<PathBuf>,
    root: PathBuf,
    /// Clusters can be run (`Err`: why not).
    cluster: Result<(), String>,
}

impl Ctx {
    fn start(&self, kind: Kind) -> Result<Servers, String> {
        Servers::start(
            kind,
            self.node_modules.as_deref(),
            &self.root,
            SERVER_CORE,
            self.high_priority,
        )
    }

    fn perf(&self, server: &Servers, name: &str) -> Option<servers::Perf> {
        if !self.opts.perf {
            return None;
        }
        let dir = self.root.join("target/bench-perf");
        std::fs::create_dir_all(&dir).ok()?;
        let out = dir.join(format!("{}.data", name.replace(' ', "-")));
        servers::Perf::start(&server.pids(), &out, GENERATOR_CORE)
    }

    fn available(&self, kind: Kind) -> bool {
        self.opts.has(kind)
            && (kind != Kind::Node || self.node_modules.is_some())
            && (!kind.is_cluster() || self.cluster.is_ok())
    }
}

async fn pause() {
    // Let the previous server's sockets and the kernel settle.
    sleep(Duration::from_millis(500)).await;
}

/// Other processes may take CPU from a measured phase (this machine is
/// shared with builds): such a row is run again, up to `RETRIES` times,
/// and the least disturbed run is kept.
async fn retry<T>(
    mut run: impl AsyncFnMut() -> Result<T, String>,
    window: impl Fn(&T) -> Window,
) -> Result<T, String> {
    let mut best: Option<(f64, T)> = None;
    for attempt in 0..=RETRIES {
        pause().await;
        let r = run().await?;
        let w = window(&r);
        let other = w.other_s / w.secs;
        if best.as_ref().is_none_or(|(b, _)| other < *b) {
            best = Some((other, r));
        }
        if other <= DISTURBED {
            break;
        }
        if attempt < RETRIES {
            eprintln!(
                "  other processes took {:.0} % of a core: measuring again",
                other * 100.0
            );
        }
    }
    Ok(best.expect("at least one run").1)
}

/// `Ok` when the cluster rows can run here, else why not.
#[cfg(feature = "redis")]
fn cluster_possible() -> Result<(), String> {
    servers::redis_available()
}

#[cfg(not(feature = "redis"))]
fn cluster_possible() -> Result<(), String> {
    Err("the bench was built without `--features redis` (run \
         `cargo run --release --features redis --example bench -- --only cluster`)"
        .into())
}

async fn run(opts: Opts, args: Vec<String>, high_priority: bool) -> (String, serde_json::Value) {
    let root = root();
    let node_modules = if opts.has(Kind::Node) {
        match servers::find_sockjs_node(&root) {
            Ok(p) => Some(p),
            Err(e) => {
                eprintln!("sockjs-node left out: {e}");
                None
            }
        }
    } else {
        None
    };
    let cluster = cluster_possible();
    let mut skipped = Vec::new();
    if opts.wants_cluster() {
        if let Err(why) = &cluster {
            eprintln!("cluster rows skipped: {why}");
            skipped.push(format!("Cluster rows skipped: {why}."));
        }
    }
    let ctx = Ctx {
        hz: servers::clock_ticks_per_sec(),
        node_modules,
        root: root.clone(),
        opts,
        high_priority,
        cluster,
    };
    let mut echo = Vec::new();
    let mut broadcast = Vec::new();
    let mut memory = Vec::new();

    for round in 1..=ctx.opts.rounds {
        if ctx.opts.rounds > 1 {
            eprintln!("round {round} of {}", ctx.opts.rounds);
        }
        rounds(&ctx, round, &mut echo, &mut broadcast).await;
    }
    let echo = medians(
        echo,
        |a, b| (a.server, a.transport, a.sessions) == (b.server, b.transport, b.sessions),
        |r| r.w.per(r.done).unwrap_or(f64::INFINITY),
        |m, others| {
            let own = m.w.per(m.done).unwrap_or(f64::NAN);
            let cpu = others.iter().map(|r| r.w.per(r.done).unwrap_or(f64::NAN));
            m.cpu_range = (cpu.clone().fold(own, f64::min), cpu.fold(own, f64::max));
            m.runs = others.len() + 1;
            m.per_round = std::iter::once(&*m)
                .chain(others)
                .filter_map(|r| Some((r.round, r.w.per(r.done)?)))
                .collect();
            m.per_round.sort_by_key(|&(round, _)| round);
            m.errors += others.iter().map(|r| r.errors).sum::<u64>();
            if m.note.is_empty() {
                m.note = others
                    .iter()
                    .map(|r| r.note.clone())
                    .find(|n| !n.is_empty())
                    .unwrap_or_default();
            }
        },
    );
    let broadcast = medians(
        broadcast,
        |a, b| (a.server, a.receivers) == (b.server, b.receivers),
        |r| r.rate(),
        |m, others| {
            let own = m.rate();
            let rate = others.iter().map(|r| r.rate());
            m.rate_range = (rate.clone().fold(own, f64::min), rate.fold(own, f64::max));
            m.runs = others.len() + 1;
            // Any loss in any run counts.
            m.lost += others.iter().map(|r| r.lost).sum::<u64>();
            m.duplicated += others.iter().map(|r| r.duplicated).sum::<u64>();
            m.reordered += others.iter().map(|r| r.reordered).sum::<u64>();
            m.errors += others.iter().map(|r| r.errors).sum::<u64>();
            if m.note.is_empty() {
                m.note = others
                    .iter()
                    .map(|r| r.note.clone())
                    .find(|n| !n.is_empty())
                    .unwrap_or_default();
            }
        },
    );
    if ctx.opts.runs("memory") {
        for idle in [Idle::Websocket, Idle::XhrStreaming, Idle::Parked] {
            for kind in [Kind::Floor, Kind::SockJs, Kind::SockJsResume, Kind::Node] {
                if !ctx.available(kind) || (kind == Kind::Floor && idle != Idle::Websocket) {
                    continue;
                }
                pause().await;
                match memory_run(&ctx, kind, idle, ctx.opts.idle_sessions).await {
                    Ok(r) => {
                        eprintln!(
                            "memory {} {}: {} sessions, {:.2} KiB each {}",
                            kind.name(),
                            idle.name(),
                            r.open,
                            r.per_session_kib().unwrap_or(f64::NAN),
                            r.note
                        );
                        memory.push(r);
                    }
                    Err(e) => eprintln!("memory {} {}: {e}", kind.name(), idle.name()),
                }
            }
        }
    }
    let targets = targets(&echo, &broadcast, &memory);
    (
        render(&ctx, &args, &echo, &broadcast, &memory, &targets, &skipped),
        json_report(&ctx, &args, &echo, &broadcast, &memory, &targets, &skipped),
    )
}

/// One round of the echo and broadcast rows, every server in turn.
async fn rounds(
    ctx: &Ctx,
    round: usize,
    echo: &mut Vec<EchoResult>,
    broadcast: &mut Vec<BroadcastResult>,
) {
    if ctx.opts.runs("ws") {
        for &n in &ctx.opts.ws_sessions {
            for kind in [Kind::Floor, Kind::SockJs, Kind::SockJsResume, Kind::Node] {
                if !ctx.available(kind) {
                    continue;
                }
                let t = if kind == Kind::Floor {
                    Transport::RawWs
                } else {
                    Transport::Websocket
                };
                match retry(async || echo_run(ctx, kind, t, n).await, |r| r.w).await {
                    Ok(mut r) => {
                        eprintln!("{}", echo_line(&r));
                        r.round = round;
                        echo.push(r);
                    }
                    Err(e) => eprintln!("{} websocket {n}: {e}", kind.name()),
                }
            }
        }
    }
    if ctx.opts.runs("http") {
        for t in [
            Transport::XhrStreaming,
            Transport::EventSource,
            Transport::XhrPolling,
        ] {
            for &n in &ctx.opts.http_sessions {
                for kind in [
                    Kind::Floor,
                    Kind::SockJs,
                    Kind::SockJsDefault,
                    Kind::SockJsResume,
                    Kind::Node,
                ] {
                    if !ctx.available(kind) {
                        continue;
                    }
                    match retry(async || echo_run(ctx, kind, t, n).await, |r| r.w).await {
                        Ok(mut r) => {
                            eprintln!("{}", echo_line(&r));
                            r.round = round;
                            echo.push(r);
                        }
                        Err(e) => eprintln!("{} {} {n}: {e}", kind.name(), t.name()),
                    }
                }
            }
        }
    }
    if ctx.opts.runs("broadcast") {
        for &n in &ctx.opts.broadcast_receivers {
            for kind in [Kind::SockJs, Kind::Node] {
                if !ctx.available(kind) {
                    continue;
                }
                match retry(async || broadcast_run(ctx, kind, n).await, |r| r.w).await {
                    Ok(r) => {
                        eprintln!("{}", broadcast_line(&r));
                        broadcast.push(r);
                    }
                    Err(e) => eprintln!("broadcast {} {n}: {e}", kind.name()),
                }
            }
        }
    }
    // Many nodes on Redis: local against relayed polls, and a broadcast
    // reaching receivers on 1 or 3 nodes.
    if ctx.opts.runs("cluster") {
        let kinds = [Kind::Cluster1, Kind::Cluster3];
        // The relayed-poll floor runs the echo rows only.
        let echo_kinds = [
            Kind::Cluster1,
            Kind::Cluster3,
            Kind::FloorCluster1,
            Kind::FloorCluster3,
        ];
        for &n in &ctx.opts.http_sessions {
            for kind in echo_kinds {
                if !ctx.available(kind) {
                    continue;
                }
                let t = Transport::XhrPolling;
                match retry(async || echo_run(ctx, kind, t, n).await, |r| r.w).await {
                    Ok(mut r) => {
                        eprintln!("{}", echo_line(&r));
                        r.round = round;
                        echo.push(r);
                    }
                    Err(e) => eprintln!("{} {} {n}: {e}", kind.name(), t.name()),
                }
            }
        }
        for &n in &ctx.opts.broadcast_receivers {
            for kind in kinds {
                if !ctx.available(kind) {
                    continue;
                }
                match retry(async || broadcast_run(ctx, kind, n).await, |r| r.w).await {
                    Ok(r) => {
                        eprintln!("{}", broadcast_line(&r));
                        broadcast.push(r);
                    }
                    Err(e) => eprintln!("broadcast {} {n}: {e}", kind.name()),
                }
            }
        }
    }
}

/// Groups the runs of each row (`same`), keeps the median run by `metric`,
/// and lets `merge` add what the other runs said.
fn medians<T>(
    runs: Vec<T>,
    same: impl Fn(&T, &T) -> bool,
    metric: impl Fn(&T) -> f64,
    merge: impl Fn(&mut T, &[T]),
) -> Vec<T> {
    let mut groups: Vec<Vec<T>> = Vec::new();
    for r in runs {
        match groups.iter_mut().find(|g| same(&g[0], &r)) {
            Some(g) => g.push(r),
            None => groups.push(vec![r]),
        }
    }
    groups
        .into_iter()
        .map(|mut g| {
            g.sort_by(|a, b| metric(a).total_cmp(&metric(b)));
            let mut median = g.remove(g.len() / 2);
            merge(&mut median, &g);
            median
        })
        .collect()
}

// ----------------------------------------------------------------- report

fn echo_line(r: &EchoResult) -> String {
    format!(
        "{} {} {}: {:.0} msg/s, p50 {}, p99 {}, server {:.1} µs/msg ({:.1} kernel, {:.0} %), generator {:.0} %, errors {} {}",
        r.server.name(),
        r.transport.name(),
        r.sessions,
        r.rate(),
        stats::latency(r.hist.quantile(0.5)),
        stats::latency(r.hist.quantile(0.99)),
        r.w.per(r.done).unwrap_or(f64::NAN),
        r.w.kernel_per(r.done).unwrap_or(f64::NAN),
        r.w.server_share() * 100.0,
        r.w.generator_share() * 100.0,
        r.errors,
        r.note
    )
}

fn broadcast_line(r: &BroadcastResult) -> String {
    format!(
        "broadcast {} {}: {:.0} deliveries/s, p99 {}, {:.1} µs/delivery, lost {} dup {} reordered {} errors {} {}",
        r.server.name(),
        r.receivers,
        r.rate(),
        stats::latency(r.hist.quantile(0.99)),
        r.w.per(r.deliveries).unwrap_or(f64::NAN),
        r.lost,
        r.duplicated,
        r.reordered,
        r.errors,
        r.note
    )
}

/// `value (min–max)` when a row was measured more than once.
fn with_range(
    value: String,
    runs: usize,
    range: (f64, f64),
    fmt: impl Fn(f64) -> String,
) -> String {
    if runs > 1 {
        format!("{value} ({}–{})", fmt(range.0), fmt(range.1))
    } else {
        value
    }
}

fn pct(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

fn us(x: Option<f64>) -> String {
    match x {
        Some(v) if v < 10.0 => format!("{v:.2} µs"),
        Some(v) => format!("{v:.1} µs"),
        None => "–".into(),
    }
}

struct Machine {
    cpu: String,
    cores: usize,
    kernel: String,
}

impl Machine {
    fn get() -> Machine {
        let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = info
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
            .unwrap_or_else(|| "unknown CPU".into());
        let cores = info.lines().filter(|l| l.starts_with("processor")).count();
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        Machine {
            cpu,
            cores,
            kernel: kernel.trim().to_owned(),
        }
    }
}

impl std::fmt::Display for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} × {}, Linux {}", self.cores, self.cpu, self.kernel)
    }
}

/// `git rev-parse --short HEAD` ("unknown" without git or a repository), and
/// whether tracked files differ from it (`None`: not known).
fn git_commit(root: &std::path::Path) -> (String, Option<bool>) {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let commit = git(&["rev-parse", "--short", "HEAD"])
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "unknown".into());
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).map(|s| !s.is_empty());
    (commit, dirty)
}

/// Now, as `YYYY-MM-DDTHH:MM:SSZ`, and in seconds since 1970.
fn utc_now() -> (String, u64) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Days to a civil date (H. Hinnant's algorithm).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let t = secs % 86_400;
    (
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            t / 3600,
            t / 60 % 60,
            t % 60
        ),
        secs,
    )
}

fn node_version() -> String {
    std::process::Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "absent".into())
}

struct Target {
    what: String,
    goal: String,
    measured: String,
    met: Option<bool>,
    /// For a ratio of two rows: the ratio within each round (the two rows
    /// measured minutes apart at most), shown beside the ratio of the
    /// medians, which decides `met`. On a noisy machine the paired figures
    /// say how much of a miss (or a pass) is the machine's drift.
    paired: Option<Paired>,
}

/// A ratio of two rows' CPU / message taken round by round.
struct Paired {
    /// By round, in the target's form (`a / b`, or `1 / (b / a)` for the
    /// "1/5 of sockjs-node" goals).
    ratios: Vec<f64>,
    inverse: bool,
}

impl Paired {
    /// `a / b` in every round both rows have; `None` for fewer than 2.
    fn of(a: &EchoResult, b: &EchoResult, inverse: bool) -> Option<Paired> {
        let ratios: Vec<f64> = a
            .per_round
            .iter()
            .filter_map(|&(round, x)| {
                let &(_, y) = b.per_round.iter().find(|&&(r, _)| r == round)?;
                Some(x / y)
            })
            .collect();
        (ratios.len() >= 2).then_some(Paired { ratios, inverse })
    }

    fn median(&self) -> f64 {
        let mut v = self.ratios.clone();
        v.sort_by(f64::total_cmp);
        let mid = v.len() / 2;
        match v.len() % 2 {
            1 => v[mid],
            _ => (v[mid - 1] + v[mid]) / 2.0,
        }
    }

    fn show(&self, r: f64) -> String {
        match self.inverse {
            true => format!("1/{:.2}", 1.0 / r),
            false => format!("{r:.2}×"),
        }
    }

    /// `1.16×, 1.35×, 0.97× (median 1.16×)`.
    fn render(&self) -> String {
        let each: Vec<String> = self.ratios.iter().map(|&r| self.show(r)).collect();
        format!("{} (median {})", each.join(", "), self.show(self.median()))
    }
}

fn render(
    ctx: &Ctx,
    args: &[String],
    echo: &[EchoResult],
    broadcast: &[BroadcastResult],
    memory: &[MemoryResult],
    targets: &[Target],
    skipped: &[String],
) -> String {
    let mut out = String::new();
    let o = &ctx.opts;
    let _ = writeln!(out, "# actix-sockjs benchmark\n");
    let (commit, dirty) = git_commit(&ctx.root);
    let _ = writeln!(
        out,
        "Commit {commit}{}, {}.\n",
        if dirty == Some(true) {
            " (with changes not committed)"
        } else {
            ""
        },
        utc_now().0
    );
    let _ = writeln!(
        out,
        "`{}`{} on {}; Node {}. Servers pinned to core {SERVER_CORE} with one worker, the load \
         generator to core {GENERATOR_CORE}; {:.0} s warm-up, {:.0} s measured per row; 64-byte \
         messages; CPU from `/proc/<pid>/stat` (utime + stime, {} ticks/s).\n",
        args.join(" "),
        if o.quick { " (quick)" } else { "" },
        Machine::get(),
        node_version(),
        o.warmup.as_secs_f64(),
        o.measure.as_secs_f64(),
        ctx.hz,
    );
    let mut foreign = 0.0f64;

    // Echo tables.
    for (title, ws) in [
        ("WebSocket echo", true),
        ("HTTP transports echo (sending through `xhr_send`)", false),
    ] {
        let rows: Vec<&EchoResult> = echo
            .iter()
            .filter(|r| !r.server.is_cluster())
            .filter(|r| matches!(r.transport, Transport::RawWs | Transport::Websocket) == ws)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {title}\n");
        let _ = writeln!(
            out,
            "Each session sends a message, waits for its echo, checks it, and sends the next. \
             Median of {} runs by server CPU per message (its range in brackets); of which \
             kernel is the server's system time per message (on loopback it includes \
             delivering each packet to the client).\n",
            o.rounds
        );
        let _ = writeln!(
            out,
            "| server | transport | sessions | messages/s | p50 | p99 | server CPU / message | of which kernel | server CPU | generator CPU | errors |"
        );
        let _ = writeln!(out, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        for r in rows {
            foreign = foreign.max(r.w.other_s / r.w.secs);
            let _ = writeln!(
                out,
                "| {} | {} | {}{} | {} | {} | {} | {} | {} | {} | {}{} | {} |",
                r.server.name(),
                r.transport.name(),
                stats::count(r.sessions as u64),
                if r.open < r.sessions {
                    format!(" ({} open)", r.open)
                } else {
                    String::new()
                },
                stats::count(r.rate() as u64),
                stats::latency(r.hist.quantile(0.5)),
                stats::latency(r.hist.quantile(0.99)),
                with_range(us(r.w.per(r.done)), r.runs, r.cpu_range, |v| format!(
                    "{v:.1}"
                )),
                us(r.w.kernel_per(r.done)),
                pct(r.w.server_share()),
                pct(r.w.generator_share()),
                if r.w.saturated() { " (saturated)" } else { "" },
                r.errors,
            );
        }
        out.push('\n');
    }

    let (cluster_broadcast, broadcast): (Vec<&BroadcastResult>, Vec<&BroadcastResult>) =
        broadcast.iter().partition(|r| r.server.is_cluster());
    if !broadcast.is_empty() {
        let _ = writeln!(out, "## Broadcast\n");
        let _ = writeln!(
            out,
            "One WebSocket sender; receivers 40 % WebSocket, 20 % each xhr-streaming, \
             eventsource, xhr-polling. At most {BROADCAST_WINDOW} messages in flight (sent and \
             not yet delivered to every receiver). Latency is send to delivery. Median of {} \
             runs by deliveries/s (range in brackets); lost, duplicated, reordered and \
             errors are summed over all runs.\n",
            o.rounds
        );
        let _ = writeln!(
            out,
            "| server | receivers | messages | deliveries/s | p50 | p99 | lost | duplicated | reordered | server CPU / delivery | server CPU | generator CPU | errors |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        for r in &broadcast {
            foreign = foreign.max(r.w.other_s / r.w.secs);
            let _ = writeln!(
                out,
                "| {} | {}{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}{} | {} |",
                r.server.name(),
                stats::count(r.receivers as u64),
                if r.open < r.receivers {
                    format!(" ({} open)", r.open)
                } else {
                    String::new()
                },
                stats::count(r.sent),
                with_range(stats::count(r.rate() as u64), r.runs, r.rate_range, |v| {
                    format!("{:.0}k", v / 1000.0)
                }),
                stats::latency(r.hist.quantile(0.5)),
                stats::latency(r.hist.quantile(0.99)),
                r.lost,
                r.duplicated,
                r.reordered,
                us(r.w.per(r.deliveries)),
                pct(r.w.server_share()),
                pct(r.w.generator_share()),
                if r.w.saturated() { " (saturated)" } else { "" },
                r.errors,
            );
        }
        out.push('\n');
    }

    let cluster_echo: Vec<&EchoResult> = echo.iter().filter(|r| r.server.is_cluster()).collect();
    if !cluster_echo.is_empty() || !cluster_broadcast.is_empty() {
        foreign = foreign.max(render_cluster(
            &mut out,
            ctx,
            &cluster_echo,
            &cluster_broadcast,
        ));
    }
    for line in skipped {
        let _ = writeln!(out, "{line}\n");
    }

    if !memory.is_empty() {
        let _ = writeln!(out, "## Memory per idle session\n");
        let _ = writeln!(
            out,
            "Server resident memory (VmRSS) with {} idle sessions open, less its RSS before \
             they opened, per session. Each session is opened with the headers Chromium 156 \
             sends (recorded from it: user agent, client hints, origin, referer, a 32-character \
             cookie, ...). A parked session had one xhr poll answered (`o`) and its connection \
             closed.\n",
            stats::count(o.idle_sessions as u64)
        );
        let _ = writeln!(
            out,
            "| server | session | open | RSS before | RSS after | per session | errors |"
        );
        let _ = writeln!(out, "|---|---|--:|--:|--:|--:|--:|");
        for r in memory {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.1} MiB | {:.1} MiB | {} | {} |",
                r.server.name(),
                r.idle.name(),
                stats::count(r.open as u64),
                r.base_kib as f64 / 1024.0,
                r.rss_kib as f64 / 1024.0,
                r.per_session_kib()
                    .map_or("–".into(), |k| format!("{k:.2} KiB")),
                r.errors,
            );
        }
        out.push('\n');
    }

    let errors: Vec<String> = echo
        .iter()
        .filter(|r| r.errors > 0)
        .map(|r| {
            format!(
                "{} {} {}: {}",
                r.server.name(),
                r.transport.name(),
                r.sessions,
                r.note
            )
        })
        .chain(
            broadcast
                .iter()
                .chain(&cluster_broadcast)
                .filter(|r| r.errors > 0)
                .map(|r| format!("{} broadcast {}: {}", r.server.name(), r.receivers, r.note)),
        )
        .chain(
            memory
                .iter()
                .filter(|r| r.errors > 0)
                .map(|r| format!("{} memory {}: {}", r.server.name(), r.idle.name(), r.note)),
        )
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(out, "Errors:\n");
        for e in errors {
            let _ = writeln!(out, "- {e}");
        }
        out.push('\n');
    }

    if !targets.is_empty() {
        let _ = writeln!(out, "## Targets\n");
        let _ = writeln!(
            out,
            "A ratio's figure is that of the rows' medians, and decides *met*; *by round* is the \
             same ratio within each round, the two rows measured minutes apart at most.\n"
        );
        let _ = writeln!(out, "| target | goal | measured | by round | met |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for t in targets {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                t.what,
                t.goal,
                t.measured,
                t.paired.as_ref().map_or("–".into(), Paired::render),
                match t.met {
                    Some(true) => "yes",
                    Some(false) => "**no**",
                    None => "–",
                }
            );
        }
        out.push('\n');
        let met = targets.iter().filter(|t| t.met == Some(true)).count();
        let missed = targets.iter().filter(|t| t.met == Some(false)).count();
        let _ = writeln!(out, "{met} targets met, {missed} missed.");
    }
    if foreign > DISTURBED {
        let _ = writeln!(
            out,
            "\nWarning: other processes used up to {:.0} % of a core during a measured phase; \
             numbers may be disturbed.",
            foreign * 100.0
        );
    }
    out
}

/// The target "`a`'s CPU per message ≤ `goal` × `b`'s", met when it is and
/// `errors` is 0; `None` when either has no figure.
fn cpu_ratio(
    what: String,
    a: &EchoResult,
    b: &EchoResult,
    goal: f64,
    errors: u64,
) -> Option<Target> {
    let (x, y) = (a.w.per(a.done)?, b.w.per(b.done)?);
    Some(Target {
        what,
        goal: format!("≤ {goal} ×"),
        measured: format!("{} vs {} = {:.2}×", us(Some(x)), us(Some(y)), x / y),
        met: Some(x / y <= goal && errors == 0),
        paired: Paired::of(a, b, false),
    })
}

fn targets(
    echo: &[EchoResult],
    broadcast: &[BroadcastResult],
    memory: &[MemoryResult],
) -> Vec<Target> {
    let mut t = Vec::new();
    let find = |kind: Kind, transport: Transport, n: usize| {
        echo.iter()
            .find(|r| r.server == kind && r.transport == transport && r.sessions == n)
    };
    // actix-sockjs against its goal; then the HTTP floor against the same
    // goal: whether any server on actix-web can reach it in this shape.
    let subjects = [
        (Kind::SockJs, "server CPU / message"),
        (
            Kind::Floor,
            "the actix floor's CPU / message (no SockJS layer)",
        ),
    ];
    for (kind, label) in subjects {
        let mut sizes: Vec<(Transport, usize)> = echo
            .iter()
            .filter(|r| r.server == kind && r.transport != Transport::RawWs)
            .map(|r| (r.transport, r.sessions))
            .collect();
        sizes.dedup();
        for (transport, n) in sizes {
            let Some(ours) = find(kind, transport, n) else {
                continue;
            };
            let ws = transport == Transport::Websocket;
            let (other, goal) = if ws {
                (find(Kind::Floor, Transport::RawWs, n), 1.15)
            } else {
                (find(Kind::Node, transport, n), 0.2)
            };
            let (ratio, measured) =
                match (ours.w.per(ours.done), other.and_then(|o| o.w.per(o.done))) {
                    (Some(a), Some(b)) => (
                        Some(a / b),
                        if ws {
                            format!("{} vs {} = {:.2}×", us(Some(a)), us(Some(b)), a / b)
                        } else {
                            format!("{} vs {} = 1/{:.2}", us(Some(a)), us(Some(b)), b / a)
                        },
                    ),
                    _ => (None, "–".into()),
                };
            // The floor's rows say something only beside sockjs-node's.
            if kind == Kind::Floor && ratio.is_none() {
                continue;
            }
            t.push(Target {
                what: format!(
                    "{} echo, {} sessions: {label}",
                    transport.name(),
                    stats::count(n as u64)
                ),
                goal: if ws {
                    "≤ 1.15 × actix-ws floor".into()
                } else {
                    "≤ 1/5 of sockjs-node".into()
                },
                measured,
                met: ratio.map(|r| r <= goal && ours.errors == 0),
                paired: other.and_then(|o| Paired::of(ours, o, !ws)),
            });
        }
    }
    // The resume extension (every message numbered and kept until
    // acknowledged) against the same server with plain clients.
    for on in echo.iter().filter(|r| r.server == Kind::SockJsResume) {
        let Some(off) = find(Kind::SockJs, on.transport, on.sessions) else {
            continue;
        };
        let what = format!(
            "{} echo, {} sessions: CPU / message, resume on vs off",
            on.transport.name(),
            stats::count(on.sessions as u64)
        );
        t.extend(cpu_ratio(what, on, off, 1.15, on.errors));
    }
    // With actix-web's defaults (Nagle on), long-polling stays real-time:
    // a poll's answer leaves in one write, so no delayed ACK is waited for.
    let defaults = echo
        .iter()
        .filter(|r| r.server == Kind::SockJsDefault && r.transport == Transport::XhrPolling);
    for d in defaults {
        let n = d.sessions;
        let p50 = d.hist.quantile(0.5);
        t.push(Target {
            what: format!(
                "xhr-polling echo, {} sessions, actix-web defaults: p50",
                stats::count(n as u64)
            ),
            goal: "≤ 3 ms".into(),
            measured: stats::latency(p50),
            met: Some(p50.is_some_and(|us| us <= 3_000) && d.errors == 0),
            paired: None,
        });
        if let Some(node) = find(Kind::Node, Transport::XhrPolling, n) {
            let ratio = d.rate() / node.rate();
            t.push(Target {
                what: format!(
                    "xhr-polling echo, {} sessions, actix-web defaults: messages/s",
                    stats::count(n as u64)
                ),
                goal: "≥ 3 × sockjs-node".into(),
                measured: format!(
                    "{} vs {} /s = {ratio:.1}×",
                    stats::count(d.rate() as u64),
                    stats::count(node.rate() as u64)
                ),
                met: Some(ratio >= 3.0),
                paired: None,
            });
        }
        if let Some(fast) = find(Kind::SockJs, Transport::XhrPolling, n) {
            let what = format!(
                "xhr-polling echo, {} sessions: CPU / message, defaults vs TCP_NODELAY",
                stats::count(n as u64)
            );
            t.extend(cpu_ratio(what, d, fast, 1.1, 0));
        }
    }
    // A relayed poll in a cluster against a local one, every process's CPU;
    // then the relayed-poll floor against the same goal: whether any relay
    // through Redis on actix-web can reach it.
    let pairs = [
        (Kind::Cluster3, Kind::Cluster1, ""),
        (
            Kind::FloorCluster3,
            Kind::FloorCluster1,
            " (the floor, no SockJS layer)",
        ),
    ];
    for (many, one, label) in pairs {
        for relayed in echo.iter().filter(|r| r.server == many) {
            let Some(local) = find(one, relayed.transport, relayed.sessions) else {
                continue;
            };
            let what = format!(
                "{} echo, {} sessions, cluster: CPU / message (nodes + Redis), relayed on 3 nodes vs local on 1{label}",
                relayed.transport.name(),
                stats::count(relayed.sessions as u64)
            );
            t.extend(cpu_ratio(
                what,
                relayed,
                local,
                2.0,
                relayed.errors + local.errors,
            ));
        }
    }
    for ours in broadcast.iter().filter(|r| r.server.is_cluster()) {
        t.push(Target {
            what: format!(
                "broadcast to {}, {}: lost / duplicated / reordered",
                stats::count(ours.receivers as u64),
                ours.server.name()
            ),
            goal: "0 / 0 / 0".into(),
            measured: format!("{} / {} / {}", ours.lost, ours.duplicated, ours.reordered),
            met: Some(ours.lost + ours.duplicated + ours.reordered + ours.errors == 0),
            paired: None,
        });
    }
    for ours in broadcast.iter().filter(|r| r.server == Kind::SockJs) {
        t.push(Target {
            what: format!(
                "broadcast to {}: lost / duplicated / reordered",
                stats::count(ours.receivers as u64)
            ),
            goal: "0 / 0 / 0".into(),
            measured: format!("{} / {} / {}", ours.lost, ours.duplicated, ours.reordered),
            met: Some(ours.lost + ours.duplicated + ours.reordered + ours.errors == 0),
            paired: None,
        });
        let node = broadcast
            .iter()
            .find(|r| r.server == Kind::Node && r.receivers == ours.receivers);
        let (measured, met) = match node {
            Some(n) if n.rate() > 0.0 => {
                let rate = ours.rate() / n.rate();
                let cpu =
                    n.w.per(n.deliveries)
                        .zip(ours.w.per(ours.deliveries))
                        .map(|(a, b)| a / b);
                let mut m = format!(
                    "{} vs {} /s = {:.1}×",
                    stats::count(ours.rate() as u64),
                    stats::count(n.rate() as u64),
                    rate
                );
                // Where the generator saturates, rates understate the
                // faster server: CPU per delivery decides.
                let saturated = ours.w.saturated() || n.w.saturated();
                if let Some(c) = cpu {
                    let _ = write!(m, "; CPU / delivery {c:.1}× less");
                }
                let met = if saturated {
                    m.push_str(" (generator saturated: judged on CPU)");
                    cpu.map(|c| c >= 3.0)
                } else {
                    Some(rate >= 3.0)
                };
                (m, met)
            }
            _ => ("–".into(), None),
        };
        t.push(Target {
            what: format!(
                "broadcast to {}: deliveries/s",
                stats::count(ours.receivers as u64)
            ),
            goal: "≥ 3 × sockjs-node".into(),
            measured,
            met,
            paired: None,
        });
    }
    for (idle, goal) in [
        (Idle::Websocket, 8.0),
        (Idle::XhrStreaming, 8.0),
        (Idle::Parked, 2.0),
    ] {
        if let Some(r) = memory
            .iter()
            .find(|r| r.server == Kind::SockJs && r.idle == idle)
        {
            let per = r.per_session_kib();
            t.push(Target {
                what: match idle {
                    Idle::Parked => "memory per session parked between polls".to_owned(),
                    _ => format!("memory per idle {} session", idle.name()),
                },
                goal: format!("≤ {goal} KiB"),
                measured: per.map_or("–".into(), |k| format!("{k:.2} KiB")),
                met: per.map(|k| k <= goal && r.errors == 0),
                paired: None,
            });
        }
    }
    // An idle session within 1 KiB of a bare actix-ws one, resume off and
    // on (client-js asks for it by default).
    let floor = memory
        .iter()
        .find(|r| r.server == Kind::Floor && r.idle == Idle::Websocket);
    for kind in [Kind::SockJs, Kind::SockJsResume] {
        let ours = memory
            .iter()
            .find(|r| r.server == kind && r.idle == Idle::Websocket);
        if let (Some(floor), Some(ours)) = (floor, ours) {
            let (f, o) = (floor.per_session_kib(), ours.per_session_kib());
            t.push(Target {
                what: format!(
                    "memory per idle WebSocket session{}, against bare actix-ws",
                    if kind == Kind::SockJsResume {
                        ", resume on"
                    } else {
                        ""
                    }
                ),
                goal: "≤ floor + 1 KiB".into(),
                measured: match (o, f) {
                    (Some(o), Some(f)) => format!("{o:.2} KiB vs {f:.2} KiB = {:+.2} KiB", o - f),
                    _ => "–".into(),
                },
                met: o
                    .zip(f)
                    .map(|(o, f)| o <= f + 1.0 && ours.errors == 0 && floor.errors == 0),
                paired: None,
            });
        }
    }
    t
}

/// The cluster section: how it is measured, the xhr-polling echo rows and
/// the broadcast rows. Returns the largest share of a core that other
/// processes took during one of its rows.
fn render_cluster(
    out: &mut String,
    ctx: &Ctx,
    echo: &[&EchoResult],
    broadcast: &[&BroadcastResult],
) -> f64 {
    let mut foreign = 0.0f64;
    let cores = Machine::get().cores;
    let _ = writeln!(out, "## Many nodes on Redis\n");
    let _ = writeln!(
        out,
        "Every row starts a `redis-server` of its own (`--save '' --appendonly no`, loopback) and \
         1 or 3 nodes joined to it: this tool's actix-sockjs server (`__serve cluster`: the \
         services above, each joined with `SockJs::cluster`, one worker). The nodes and \
         redis-server are all pinned to core {SERVER_CORE} (`taskset -c {SERVER_CORE}` for each; \
         {cores} cores here, the generator has core {GENERATOR_CORE}), so the 3 nodes share one \
         core with Redis: 3 nodes show what relaying costs, not what more cores would give. \
         Server CPU is summed over every node and redis-server, and so is RSS (at the end of the \
         measured phase). Median of {} runs (range in brackets).\n",
        ctx.opts.rounds
    );
    if !echo.is_empty() {
        let _ = writeln!(
            out,
            "xhr-polling echo, local against relayed: session *n* opens (its first poll) on node \
             *n* mod *k*. On 3 nodes its later polls go to node *n* + 1 and its sends to node \
             *n* + 2, so every poll and send lands on a node that does not own the session and \
             is relayed to its owner through Redis; on 1 node every request is local (the node \
             still claims each new session in Redis). Each echo is checked as above. The \
             relayed-poll floor (`__serve floor-cluster`, \"actix + Redis (floor)\") is the HTTP \
             floor above with the least a relay through Redis needs: each node's Redis link \
             (the redis crate's multiplexed connection and pub/sub) runs on its actix worker's \
             own thread; a session's owner is claimed with `SET NX` when it opens and cached for \
             good once looked up; a relayed request is one `PUBLISH` of a line of text to the \
             owner's channel and its answer one `PUBLISH` back. No owner moves or dies there, and \
             nothing is retried, numbered or kept.\n"
        );
        let _ = writeln!(
            out,
            "| server | transport | sessions | messages/s | p50 | p99 | CPU / message (nodes + Redis) | of which Redis | server CPU | generator CPU | RSS | errors |"
        );
        let _ = writeln!(out, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        for r in echo {
            foreign = foreign.max(r.w.other_s / r.w.secs);
            let _ = writeln!(
                out,
                "| {} | {} | {}{} | {} | {} | {} | {} | {} | {} | {}{} | {:.1} MiB | {} |",
                r.server.name(),
                r.transport.name(),
                stats::count(r.sessions as u64),
                if r.open < r.sessions {
                    format!(" ({} open)", r.open)
                } else {
                    String::new()
                },
                stats::count(r.rate() as u64),
                stats::latency(r.hist.quantile(0.5)),
                stats::latency(r.hist.quantile(0.99)),
                with_range(us(r.w.per(r.done)), r.runs, r.cpu_range, |v| format!(
                    "{v:.1}"
                )),
                us(r.w.redis_per(r.done)),
                pct(r.w.server_share()),
                pct(r.w.generator_share()),
                if r.w.saturated() { " (saturated)" } else { "" },
                r.rss_kib as f64 / 1024.0,
                r.errors,
            );
        }
        out.push('\n');
    }
    if !broadcast.is_empty() {
        let _ = writeln!(
            out,
            "Broadcast over nodes: the broadcast row above (one WebSocket sender, on node 1; \
             receivers 40 % WebSocket, 20 % each xhr-streaming, eventsource, xhr-polling; at most \
             {BROADCAST_WINDOW} messages in flight), receiver *r* on node *r* mod *k*. The room \
             is the service's named group (`SockJs::group`): each message is published once to \
             Redis and every node delivers it to its own members. Every delivery is checked \
             (lost, duplicated, reordered, summed over all runs). Median by deliveries/s.\n"
        );
        let _ = writeln!(
            out,
            "| server | receivers | messages | deliveries/s | p50 | p99 | lost | duplicated | reordered | CPU / delivery (nodes + Redis) | of which Redis | server CPU | generator CPU | RSS | errors |"
        );
        let _ = writeln!(
            out,
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
        );
        for r in broadcast {
            foreign = foreign.max(r.w.other_s / r.w.secs);
            let _ = writeln!(
                out,
                "| {} | {}{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}{} | {:.1} MiB | {} |",
                r.server.name(),
                stats::count(r.receivers as u64),
                if r.open < r.receivers {
                    format!(" ({} open)", r.open)
                } else {
                    String::new()
                },
                stats::count(r.sent),
                with_range(stats::count(r.rate() as u64), r.runs, r.rate_range, |v| {
                    format!("{:.0}k", v / 1000.0)
                }),
                stats::latency(r.hist.quantile(0.5)),
                stats::latency(r.hist.quantile(0.99)),
                r.lost,
                r.duplicated,
                r.reordered,
                us(r.w.per(r.deliveries)),
                us(r.w.redis_per(r.deliveries)),
                pct(r.w.server_share()),
                pct(r.w.generator_share()),
                if r.w.saturated() { " (saturated)" } else { "" },
                r.rss_kib as f64 / 1024.0,
                r.errors,
            );
        }
        out.push('\n');
    }
    foreign
}

// ------------------------------------------------------------------- JSON

/// `[min, max]` over a row's runs (the value twice for one run).
fn range_json(value: Option<f64>, runs: usize, range: (f64, f64)) -> serde_json::Value {
    if runs > 1 {
        serde_json::json!([range.0, range.1])
    } else {
        serde_json::json!([value, value])
    }
}

/// The shares of a core of a measured phase.
fn window_json(w: &Window) -> serde_json::Value {
    serde_json::json!({
        "measured_s": w.secs,
        "server_cpu_share": w.server_share(),
        "server_kernel_cpu_share": w.server_sys_s / w.secs,
        "redis_cpu_share": w.redis_s / w.secs,
        "generator_cpu_share": w.generator_share(),
        "generator_saturated": w.saturated(),
        "other_processes_cpu_share": w.other_s / w.secs,
    })
}

fn with_window(mut row: serde_json::Value, w: &Window) -> serde_json::Value {
    if let (Some(row), serde_json::Value::Object(w)) = (row.as_object_mut(), window_json(w)) {
        row.extend(w);
    }
    row
}

/// Every row, the targets, the machine, the commit and the date, for
/// comparing runs (`target/bench-report.json`). Times in µs, memory in KiB;
/// `null` where there is no figure. `run_time_s` is added by `main`.
fn json_report(
    ctx: &Ctx,
    args: &[String],
    echo: &[EchoResult],
    broadcast: &[BroadcastResult],
    memory: &[MemoryResult],
    targets: &[Target],
    skipped: &[String],
) -> serde_json::Value {
    use serde_json::json;
    let o = &ctx.opts;
    let mut rows = Vec::new();
    for r in echo {
        let section = if r.server.is_cluster() {
            "cluster echo"
        } else if matches!(r.transport, Transport::RawWs | Transport::Websocket) {
            "websocket echo"
        } else {
            "http echo"
        };
        let cpu = r.w.per(r.done);
        rows.push(with_window(
            json!({
                "section": section,
                "server": r.server.arg(),
                "server_name": r.server.name(),
                "nodes": r.server.nodes(),
                "redis": r.server.is_cluster(),
                "transport": r.transport.name(),
                "sessions": r.sessions,
                "open": r.open,
                "messages": r.done,
                "messages_per_s": r.rate(),
                "cpu_us_per_message": cpu,
                "cpu_us_per_message_range": range_json(cpu, r.runs, r.cpu_range),
                "cpu_us_per_message_by_round": r.per_round.iter().map(|&(_, c)| c).collect::<Vec<_>>(),
                "kernel_cpu_us_per_message": r.w.kernel_per(r.done),
                "redis_cpu_us_per_message": r.w.redis_per(r.done),
                "p50_us": r.hist.quantile(0.5),
                "p99_us": r.hist.quantile(0.99),
                "rss_kib": r.rss_kib,
                "runs": r.runs,
                "errors": r.errors,
                "first_error": r.note,
            }),
            &r.w,
        ));
    }
    for r in broadcast {
        let rate = r.rate();
        rows.push(with_window(
            json!({
                "section": if r.server.is_cluster() { "cluster broadcast" } else { "broadcast" },
                "server": r.server.arg(),
                "server_name": r.server.name(),
                "nodes": r.server.nodes(),
                "redis": r.server.is_cluster(),
                "transport": "mixed",
                "receivers": r.receivers,
                "open": r.open,
                "messages": r.sent,
                "deliveries": r.deliveries,
                "deliveries_per_s": rate,
                "deliveries_per_s_range": range_json(Some(rate), r.runs, r.rate_range),
                "cpu_us_per_delivery": r.w.per(r.deliveries),
                "redis_cpu_us_per_delivery": r.w.redis_per(r.deliveries),
                "p50_us": r.hist.quantile(0.5),
                "p99_us": r.hist.quantile(0.99),
                "lost": r.lost,
                "duplicated": r.duplicated,
                "reordered": r.reordered,
                "rss_kib": r.rss_kib,
                "runs": r.runs,
                "errors": r.errors,
                "first_error": r.note,
            }),
            &r.w,
        ));
    }
    for r in memory {
        rows.push(json!({
            "section": "memory",
            "server": r.server.arg(),
            "server_name": r.server.name(),
            "session": r.idle.name(),
            "sessions": r.open,
            "rss_before_kib": r.base_kib,
            "rss_after_kib": r.rss_kib,
            "kib_per_session": r.per_session_kib(),
            "errors": r.errors,
            "first_error": r.note,
        }));
    }
    let machine = Machine::get();
    let (commit, dirty) = git_commit(&ctx.root);
    let (date, unix) = utc_now();
    json!({
        "bench": "actix-sockjs",
        "format": 1,
        "date": date,
        "unix_time": unix,
        "commit": commit,
        "uncommitted_changes": dirty,
        "command": args.join(" "),
        "quick": o.quick,
        "machine": {
            "cpu": machine.cpu,
            "cores": machine.cores,
            "kernel": machine.kernel,
        },
        "node": node_version(),
        "settings": {
            "rounds": o.rounds,
            "warmup_s": o.warmup.as_secs_f64(),
            "measure_s": o.measure.as_secs_f64(),
            "clock_ticks_per_s": ctx.hz,
            "server_core": SERVER_CORE,
            "generator_core": GENERATOR_CORE,
            "tcp_nodelay": std::env::var("BENCH_NODELAY").map_or(true, |v| v != "0"),
            "perf": o.perf,
            "high_priority": ctx.high_priority,
        },
        "rows": rows,
        "targets": targets
            .iter()
            .map(|t| json!({
                "what": t.what,
                "goal": t.goal,
                "measured": t.measured,
                "by_round": t.paired.as_ref().map(|p| json!({
                    "ratios": p.ratios,
                    "median": p.median(),
                    "inverse": p.inverse,
                })),
                "met": t.met,
            }))
            .collect::<Vec<_>>(),
        "targets_met": targets.iter().filter(|t| t.met == Some(true)).count(),
        "targets_missed": targets.iter().filter(|t| t.met == Some(false)).count(),
        "skipped": skipped,
    })
}
