//! The servers under test (run by this same binary as `bench __serve KIND PORT`,
//! or by Node for sockjs-node; with the `redis` feature, cluster nodes as
//! `bench __serve cluster PORT` with `REDIS_URL`, joined to a `redis-server`
//! this module starts), how they are started and stopped, and what `/proc`
//! says about them.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_sockjs::{Group, Message, MessageStream, Session, SockJs};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

/// Sessions between polls must outlive the longest phase that parks them.
const DISCONNECT_DELAY: Duration = Duration::from_secs(120);

/// The servers compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The floor, no SockJS layer: a plain actix-ws echo for WebSocket, the
    /// same HTTP echo shape in bare actix-web for the HTTP transports.
    Floor,
    /// actix-sockjs, the actix servers' TCP_NODELAY on as Node's is.
    SockJs,
    /// actix-sockjs with actix-web's default settings (Nagle on), as a user
    /// who sets nothing runs it.
    SockJsDefault,
    /// actix-sockjs (as `SockJs`) with clients that use the resume
    /// extension: every message numbered, kept until acknowledged.
    SockJsResume,
    /// sockjs-node 0.3.24.
    Node,
    /// One actix-sockjs node joined to a `redis-server` (feature `redis`):
    /// every request lands on its session's owner.
    Cluster1,
    /// Three actix-sockjs nodes joined to one `redis-server`.
    Cluster3,
    /// The relayed-poll floor ([`floor::relay`]) on one node: every request
    /// lands on its session's owner.
    FloorCluster1,
    /// The relayed-poll floor on three nodes joined to one `redis-server`.
    FloorCluster3,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Floor => "actix (floor)",
            Kind::SockJs => "actix-sockjs",
            Kind::SockJsDefault => "actix-sockjs (actix-web defaults)",
            Kind::SockJsResume => "actix-sockjs (resume on)",
            Kind::Node => "sockjs-node 0.3.24",
            Kind::Cluster1 => "actix-sockjs, 1 node + Redis",
            Kind::Cluster3 => "actix-sockjs, 3 nodes + Redis",
            Kind::FloorCluster1 => "actix + Redis (floor), 1 node",
            Kind::FloorCluster3 => "actix + Redis (floor), 3 nodes",
        }
    }

    pub fn arg(self) -> &'static str {
        match self {
            Kind::Floor => "floor",
            Kind::SockJs => "sockjs",
            Kind::SockJsDefault => "sockjs-default",
            Kind::SockJsResume => "sockjs-resume",
            Kind::Node => "node",
            Kind::Cluster1 => "cluster1",
            Kind::Cluster3 => "cluster3",
            Kind::FloorCluster1 => "floor-cluster1",
            Kind::FloorCluster3 => "floor-cluster3",
        }
    }

    /// Server processes of its own (a cluster's nodes; Redis not counted).
    pub fn nodes(self) -> usize {
        match self {
            Kind::Cluster3 | Kind::FloorCluster3 => 3,
            _ => 1,
        }
    }

    pub fn is_cluster(self) -> bool {
        matches!(
            self,
            Kind::Cluster1 | Kind::Cluster3 | Kind::FloorCluster1 | Kind::FloorCluster3
        )
    }

    /// What `__serve` runs for each node of a cluster.
    #[cfg(feature = "redis")]
    pub fn node_arg(self) -> &'static str {
        match self {
            Kind::FloorCluster1 | Kind::FloorCluster3 => "floor-cluster",
            _ => "cluster",
        }
    }
}

// ---------------------------------------------------------------- serving

/// `bench __serve floor|sockjs|sockjs-default|sockjs-resume|cluster PORT`:
/// one actix worker on 127.0.0.1. Exits when its standard input closes (the
/// bench tool went away).
pub fn serve(kind: &str, port: u16) -> std::io::Result<()> {
    std::thread::spawn(|| {
        let mut sink = [0u8; 64];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        std::process::exit(0);
    });
    // Node's http server sets TCP_NODELAY; actix-web keeps the OS default
    // (Nagle on) unless told. `sockjs-default` (and BENCH_NODELAY=0 for every
    // actix server) shows the difference.
    let nodelay =
        kind != "sockjs-default" && std::env::var("BENCH_NODELAY").map_or(true, |v| v != "0");
    // The resume rows run the same server: only the clients differ.
    let kind = match kind {
        "sockjs-default" | "sockjs-resume" => "sockjs",
        other => other,
    }
    .to_owned();
    actix_web::rt::System::new().block_on(async move {
        let server = match kind.as_str() {
            "floor" => floor_server(port, nodelay, None)?,
            "sockjs" => {
                let mut echo = SockJs::new(sockjs_echo)
                    .disconnect_delay(DISCONNECT_DELAY)
                    .max_sessions(200_000);
                // BENCH_KEEP_HEADERS=none: the sessions keep none of their
                // opening request's headers (`SockJs::keep_headers`), to see
                // what the headers cost a session (`--only memory`).
                if std::env::var("BENCH_KEEP_HEADERS").is_ok_and(|v| v == "none") {
                    echo = echo.keep_headers([] as [&str; 0]);
                }
                let room = Group::new();
                let broadcast = SockJs::new(move |s, m| sockjs_broadcast(room.clone(), s, m))
                    .disconnect_delay(DISCONNECT_DELAY)
                    .max_sessions(200_000);
                sockjs_server(echo, broadcast, port, nodelay)?
            }
            // The same services as `sockjs`, joined to the cluster on
            // REDIS_URL; the broadcast room is the service's named group, so
            // its broadcasts reach every node.
            #[cfg(feature = "redis")]
            "cluster" => {
                let url = std::env::var("REDIS_URL")
                    .map_err(|_| std::io::Error::other("REDIS_URL is not set"))?;
                let cluster = actix_sockjs::Cluster::new(&url).map_err(std::io::Error::other)?;
                // Listening means joined: a session opened here must be
                // claimed in Redis for the other nodes to find it.
                let deadline = Instant::now() + Duration::from_secs(10);
                while !cluster.is_up() {
                    if Instant::now() > deadline {
                        return Err(std::io::Error::other(format!("Redis at {url} not reached")));
                    }
                    actix_web::rt::time::sleep(Duration::from_millis(10)).await;
                }
                let echo = SockJs::new(sockjs_echo)
                    .disconnect_delay(DISCONNECT_DELAY)
                    .max_sessions(200_000)
                    .cluster(&cluster, "echo");
                let room = std::sync::Arc::new(std::sync::OnceLock::<Group>::new());
                let in_handler = room.clone();
                let broadcast = SockJs::new(move |s, m| {
                    sockjs_broadcast(in_handler.get().cloned().unwrap_or_default(), s, m)
                })
                .disconnect_delay(DISCONNECT_DELAY)
                .max_sessions(200_000)
                .cluster(&cluster, "broadcast");
                let _ = room.set(broadcast.group("room"));
                sockjs_server(echo, broadcast, port, nodelay)?
            }
            // The relayed-poll floor: the HTTP floor, its nodes joined by
            // the Redis on REDIS_URL (each node named by its port).
            #[cfg(feature = "redis")]
            "floor-cluster" => {
                let url = std::env::var("REDIS_URL")
                    .map_err(|_| std::io::Error::other("REDIS_URL is not set"))?;
                let client = redis::Client::open(url).map_err(std::io::Error::other)?;
                floor_server(port, nodelay, Some(client))?
            }
            other => {
                return Err(std::io::Error::other(format!("unknown server {other:?}")));
            }
        };
        server.await
    })
}

/// What joins the floor's nodes: a Redis client (none without the `redis`
/// feature).
#[cfg(feature = "redis")]
type FloorLink = redis::Client;
#[cfg(not(feature = "redis"))]
type FloorLink = std::convert::Infallible;

/// The floor server, one worker: the WebSocket floor on `/echo`, the HTTP
/// floor under it; with `relay`, its node relays through that Redis
/// (named by its port).
fn floor_server(
    port: u16,
    nodelay: bool,
    relay: Option<FloorLink>,
) -> std::io::Result<actix_web::dev::Server> {
    Ok(HttpServer::new(move || {
        let sessions = floor::Sessions::default();
        let app = App::new();
        #[cfg(feature = "redis")]
        let app = match &relay {
            Some(client) => app.app_data(floor::relay::Relay::new(
                client.clone(),
                port.to_string(),
                sessions.clone(),
            )),
            None => app,
        };
        #[cfg(not(feature = "redis"))]
        let _ = &relay;
        app.app_data(sessions)
            .route("/echo", web::get().to(floor_echo))
            // Its own path split, not a `{session}` pattern: actix-router
            // matches those with a regex, which cost the floor 10 % of its
            // CPU (our route table has none).
            .default_service(web::to(floor::http))
    })
    .workers(1)
    .tcp_nodelay(nodelay)
    .backlog(4096)
    .max_connections(200_000)
    .bind(("127.0.0.1", port))?
    .run())
}

/// The actix-sockjs bench server: `echo` on `/echo`, `broadcast` on
/// `/broadcast`, one worker.
fn sockjs_server(
    echo: SockJs,
    broadcast: SockJs,
    port: u16,
    nodelay: bool,
) -> std::io::Result<actix_web::dev::Server> {
    Ok(HttpServer::new(move || {
        App::new()
            .service(echo.scope("/echo"))
            .service(broadcast.scope("/broadcast"))
    })
    .workers(1)
    .tcp_nodelay(nodelay)
    .backlog(4096)
    .max_connections(200_000)
    .h1_allow_half_closed(false)
    .bind(("127.0.0.1", port))?
    .run())
}

/// The WebSocket floor: what actix-web + actix-ws do with no SockJS layer.
async fn floor_echo(
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let (response, mut session, mut stream) = actix_ws::handle(&req, body)?;
    actix_web::rt::spawn(async move {
        while let Some(Ok(msg)) = stream.recv().await {
            let ok = match msg {
                actix_ws::Message::Text(text) => session.text(text).await.is_ok(),
                actix_ws::Message::Ping(p) => session.pong(&p).await.is_ok(),
                actix_ws::Message::Close(reason) => {
                    let _ = session.close(reason).await;
                    return;
                }
                _ => true,
            };
            if !ok {
                return;
            }
        }
        let _ = session.close(None).await;
    });
    Ok(response)
}

/// The HTTP floor: the bench's HTTP echo shape (a receiver per session,
/// its sends through `xhr_send`) in bare actix-web, with nothing of SockJS
/// but the frames the client reads: no JSON is parsed or quoted (a send's
/// body, `["…"]`, becomes the frame `a["…"]` as it is), no CORS, cookie or
/// cache headers, no heartbeat, timeout, limit, queue bound or session
/// life. What actix-web itself costs per message in this shape, below
/// which no server on it can go.
mod floor {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::rc::Rc;

    use actix_web::{web, HttpRequest, HttpResponse};
    use bytes::Bytes;
    use futures_util::stream::{self, StreamExt};
    use tokio::sync::mpsc;

    /// One worker's sessions (the floor runs one worker).
    #[derive(Clone, Default)]
    pub struct Sessions(Rc<RefCell<HashMap<Box<str>, Rc<Floor>>>>);

    struct Floor {
        eventsource: bool,
        tx: mpsc::UnboundedSender<Bytes>,
        /// Taken by the receiver attached (a stream keeps it).
        rx: RefCell<Option<mpsc::UnboundedReceiver<Bytes>>>,
    }

    fn wrap(eventsource: bool, frame: &[u8]) -> Bytes {
        let mut out = Vec::with_capacity(frame.len() + 10);
        if eventsource {
            out.extend_from_slice(b"data: ");
            out.extend_from_slice(frame);
            out.extend_from_slice(b"\r\n\r\n");
        } else {
            out.extend_from_slice(frame);
            out.push(b'\n');
        }
        out.into()
    }

    /// `/echo/<server>/<session>/<transport>`: the session and transport.
    fn route(req: &HttpRequest) -> Option<(&str, &str)> {
        let mut parts = req.path().split('/').skip(3);
        Some((parts.next()?, parts.next()?))
    }

    pub async fn http(req: HttpRequest, body: web::Bytes) -> HttpResponse {
        let Some(sessions) = req.app_data::<Sessions>().cloned() else {
            return HttpResponse::InternalServerError().finish();
        };
        let Some((sid, transport)) = route(&req) else {
            return HttpResponse::NotFound().finish();
        };
        #[cfg(feature = "redis")]
        if let Some(relay) = req.app_data::<Rc<relay::Relay>>() {
            if let Some(answer) = relay.serve(sid, transport, &body).await {
                return answer;
            }
        }
        local(&sessions, sid, transport, body).await
    }

    /// A request for a session this node serves (or opens).
    async fn local(sessions: &Sessions, sid: &str, transport: &str, body: Bytes) -> HttpResponse {
        if transport == "xhr_send" {
            return match sessions.send(sid, &body) {
                true => HttpResponse::NoContent()
                    .content_type("text/plain")
                    .finish(),
                false => HttpResponse::NotFound().finish(),
            };
        }
        let (eventsource, streaming) = match transport {
            "xhr_streaming" => (false, true),
            "eventsource" => (true, true),
            "xhr" => (false, false),
            _ => return HttpResponse::NotFound().finish(),
        };
        let existing = sessions.0.borrow().get(sid).cloned();
        let Some(s) = existing else {
            let (tx, rx) = mpsc::unbounded_channel();
            let s = Rc::new(Floor {
                eventsource,
                tx,
                rx: RefCell::new(Some(rx)),
            });
            sessions.0.borrow_mut().insert(sid.into(), s.clone());
            let open = wrap(eventsource, b"o");
            if !streaming {
                return HttpResponse::Ok()
                    .content_type("application/javascript")
                    .body(open);
            }
            let Some(rx) = s.rx.borrow_mut().take() else {
                return HttpResponse::Conflict().finish();
            };
            let prelude = match eventsource {
                true => Bytes::from_static(b"\r\n"),
                false => {
                    let mut p = vec![b'h'; 2049];
                    p[2048] = b'\n';
                    p.into()
                }
            };
            let frames =
                stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|f| (f, rx)) });
            let body = stream::iter([prelude, open])
                .chain(frames)
                .map(Ok::<_, std::convert::Infallible>);
            let content_type = match eventsource {
                true => "text/event-stream",
                false => "application/javascript",
            };
            return HttpResponse::Ok()
                .content_type(content_type)
                .streaming(body);
        };
        // A poll: one frame, head and body in one write.
        match s.poll().await {
            Ok(Some(f)) => HttpResponse::Ok()
                .content_type("application/javascript")
                .body(f),
            Ok(None) => HttpResponse::Gone().finish(),
            Err(()) => HttpResponse::Conflict().finish(),
        }
    }

    impl Sessions {
        /// A send's body `["…"]` becomes the frame `a["…"]` of session
        /// `sid`; false when there is no such session.
        fn send(&self, sid: &str, body: &[u8]) -> bool {
            let Some(s) = self.0.borrow().get(sid).cloned() else {
                return false;
            };
            let mut frame = Vec::with_capacity(body.len() + 1);
            frame.push(b'a');
            frame.extend_from_slice(body);
            let _ = s.tx.send(wrap(s.eventsource, &frame));
            true
        }
    }

    impl Floor {
        /// The next frame for a poll (`Err` when another poll has the
        /// receiver, `None` when the session is gone).
        async fn poll(&self) -> Result<Option<Bytes>, ()> {
            let Some(mut rx) = self.rx.borrow_mut().take() else {
                return Err(());
            };
            let frame = rx.recv().await;
            *self.rx.borrow_mut() = Some(rx);
            Ok(frame)
        }
    }

    /// The relayed-poll floor (`__serve floor-cluster`): the HTTP floor
    /// above on several nodes joined by a `redis-server`, a request for a
    /// session another node owns relayed to that node over pub/sub and
    /// answered from there. The least a relay through Redis can do, with
    /// what our cluster has that this leaves out said where it is left out:
    ///
    /// - the Redis link is the worker's own (the redis crate's multiplexed
    ///   connection and pub/sub, driven on the actix worker's thread), so
    ///   no request crosses a thread;
    /// - a session's owner is claimed in Redis (`SET NX`) when it opens and
    ///   looked up once per node, then cached for good: no owner moves, dies
    ///   or expires here, so no liveness key is read or kept either;
    /// - a relayed request is one `PUBLISH` to the owner's channel and its
    ///   answer one `PUBLISH` back, in a line of text, not JSON;
    /// - a relay that gets no answer in time fails; nothing is retried,
    ///   numbered, kept or resynchronised.
    #[cfg(feature = "redis")]
    pub mod relay {
        use std::cell::{Cell, RefCell};
        use std::collections::HashMap;
        use std::rc::Rc;
        use std::time::Duration;

        use actix_web::HttpResponse;
        use bytes::Bytes;
        use futures_util::StreamExt;
        use redis::aio::MultiplexedConnection;
        use tokio::sync::{oneshot, OnceCell};

        use super::Sessions;

        /// How long a relayed request waits for its answer.
        const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

        /// One node's side of the relay (one worker, so one per node).
        pub struct Relay {
            /// The node's name (its port), and the channel it listens on.
            id: String,
            client: redis::Client,
            link: OnceCell<MultiplexedConnection>,
            sessions: Sessions,
            owners: RefCell<HashMap<Box<str>, Rc<str>>>,
            /// Relayed requests waiting for their answer: (status, body).
            waiting: RefCell<HashMap<u64, oneshot::Sender<(u16, Bytes)>>>,
            next: Cell<u64>,
        }

        fn inbox(node: &str) -> String {
            format!("floor:n:{node}")
        }

        impl Relay {
            pub fn new(client: redis::Client, id: String, sessions: Sessions) -> Rc<Relay> {
                Rc::new(Relay {
                    id,
                    client,
                    link: OnceCell::new(),
                    sessions,
                    owners: RefCell::default(),
                    waiting: RefCell::default(),
                    next: Cell::new(0),
                })
            }

            /// The node's commands link, made on first use, once its inbox
            /// is subscribed (so nothing owned here or asked from here
            /// misses its messages).
            async fn link(self: &Rc<Self>) -> Option<MultiplexedConnection> {
                let link = self
                    .link
                    .get_or_try_init(|| async {
                        let mut ps = self.client.get_async_pubsub().await?;
                        ps.subscribe(inbox(&self.id)).await?;
                        let me = self.clone();
                        actix_web::rt::spawn(async move {
                            let mut stream = ps.into_on_message();
                            while let Some(msg) = stream.next().await {
                                me.on_message(msg.get_payload_bytes());
                            }
                        });
                        self.client.get_multiplexed_async_connection().await
                    })
                    .await;
                match link {
                    Ok(c) => Some(c.clone()),
                    Err(e) => {
                        eprintln!("floor relay: Redis: {e}");
                        None
                    }
                }
            }

            /// `None` to serve the request here (the session is here, or
            /// opens here), else the owner's answer.
            pub async fn serve(
                self: &Rc<Self>,
                sid: &str,
                transport: &str,
                body: &[u8],
            ) -> Option<HttpResponse> {
                if self.sessions.0.borrow().contains_key(sid) {
                    return None;
                }
                let Some(conn) = self.link().await else {
                    return Some(HttpResponse::ServiceUnavailable().finish());
                };
                let owner = match self.owner(conn.clone(), sid, transport != "xhr_send").await {
                    Ok(Some(o)) if *o != *self.id => o,
                    Ok(_) => return None,
                    Err(e) => {
                        eprintln!("floor relay: Redis: {e}");
                        return Some(HttpResponse::ServiceUnavailable().finish());
                    }
                };
                let id = self.next.get();
                self.next.set(id + 1);
                let mut msg = match transport {
                    "xhr_send" => format!("s {id} {} {sid}\n", self.id).into_bytes(),
                    "xhr" => format!("p {id} {} {sid}", self.id).into_bytes(),
                    // The bench relays polls and sends only.
                    _ => return Some(HttpResponse::NotImplemented().finish()),
                };
                msg.extend_from_slice(body);
                let (tx, rx) = oneshot::channel();
                self.waiting.borrow_mut().insert(id, tx);
                publish(conn, &owner, msg);
                let answer = tokio::time::timeout(ANSWER_TIMEOUT, rx).await;
                self.waiting.borrow_mut().remove(&id);
                Some(match answer {
                    Ok(Ok((200, frame))) => HttpResponse::Ok()
                        .content_type("application/javascript")
                        .body(frame),
                    Ok(Ok((204, _))) => HttpResponse::NoContent()
                        .content_type("text/plain")
                        .finish(),
                    Ok(Ok(_)) => HttpResponse::NotFound().finish(),
                    _ => HttpResponse::GatewayTimeout().finish(),
                })
            }

            /// Session `sid`'s owner: cached, or read from Redis, or (with
            /// `claim`, a receiving request for a new id) this node.
            async fn owner(
                &self,
                mut conn: MultiplexedConnection,
                sid: &str,
                claim: bool,
            ) -> redis::RedisResult<Option<Rc<str>>> {
                if let Some(o) = self.owners.borrow().get(sid) {
                    return Ok(Some(o.clone()));
                }
                let key = format!("floor:s:{sid}");
                let mut owner: Option<String> =
                    redis::cmd("GET").arg(&key).query_async(&mut conn).await?;
                if owner.is_none() && claim {
                    let (_, o): (Option<String>, Option<String>) = redis::pipe()
                        .cmd("SET")
                        .arg(&key)
                        .arg(&self.id)
                        .arg("NX")
                        .cmd("GET")
                        .arg(&key)
                        .query_async(&mut conn)
                        .await?;
                    owner = o;
                }
                let Some(owner) = owner else { return Ok(None) };
                let owner: Rc<str> = owner.into();
                self.owners.borrow_mut().insert(sid.into(), owner.clone());
                Ok(Some(owner))
            }

            /// A message on this node's inbox: an answer (`r ID STATUS`),
            /// or a request from `FROM` for a session here (`s ID FROM SID`
            /// with the send's body after a newline, `p ID FROM SID`).
            fn on_message(self: &Rc<Self>, msg: &[u8]) {
                let (head, body) = match msg.iter().position(|&b| b == b'\n') {
                    Some(i) => (&msg[..i], &msg[i + 1..]),
                    None => (msg, &[][..]),
                };
                let Ok(head) = std::str::from_utf8(head) else {
                    return;
                };
                let mut words = head.split(' ');
                let (Some(kind), Some(Ok(id))) =
                    (words.next(), words.next().map(str::parse::<u64>))
                else {
                    return;
                };
                if kind == "r" {
                    let status = words.next().and_then(|s| s.parse().ok()).unwrap_or(502);
                    if let Some(tx) = self.waiting.borrow_mut().remove(&id) {
                        let _ = tx.send((status, Bytes::copy_from_slice(body)));
                    }
                    return;
                }
                let (Some(from), Some(sid)) = (words.next(), words.next()) else {
                    return;
                };
                let Some(conn) = self.link.get().cloned() else {
                    return;
                };
                let from = from.to_owned();
                match kind {
                    "s" => {
                        let status = match self.sessions.send(sid, body) {
                            true => 204,
                            false => 404,
                        };
                        publish(conn, &from, format!("r {id} {status}").into_bytes());
                    }
                    "p" => {
                        let session = self.sessions.0.borrow().get(sid).cloned();
                        actix_web::rt::spawn(async move {
                            let frame = match &session {
                                Some(s) => s.poll().await.ok().flatten(),
                                None => None,
                            };
                            let mut answer = match &frame {
                                Some(_) => format!("r {id} 200\n").into_bytes(),
                                None => format!("r {id} 404").into_bytes(),
                            };
                            answer.extend_from_slice(frame.as_deref().unwrap_or_default());
                            publish(conn, &from, answer);
                        });
                    }
                    _ => {}
                }
            }
        }

        /// `PUBLISH` to `node`'s inbox, not waited for.
        fn publish(mut conn: MultiplexedConnection, node: &str, msg: Vec<u8>) {
            let channel = inbox(node);
            actix_web::rt::spawn(async move {
                let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
                    .arg(channel)
                    .arg(msg)
                    .query_async(&mut conn)
                    .await;
                if let Err(e) = sent {
                    eprintln!("floor relay: PUBLISH: {e}");
                }
            });
        }
    }
}

/// The README's echo handler.
async fn sockjs_echo(session: Session, mut messages: MessageStream) {
    while let Some(text) = messages.recv().await {
        if session.send(text).await.is_err() {
            break;
        }
    }
}

/// Every session joins one room; what a session sends goes to every other
/// member, encoded once.
async fn sockjs_broadcast(room: Group, session: Session, mut messages: MessageStream) {
    room.join(&session);
    while let Some(text) = messages.recv().await {
        room.broadcast_except(&session, Message::prepared(text));
    }
}

// ------------------------------------------------------------ sockjs-node

const NODE_SERVER: &str = include_str!("sockjs-node-server.js");

/// Where Node can `require('sockjs')` 0.3.24 from: `client-js/node_modules`
/// when `npm ci` ran there, else `target/bench-node/node_modules` (installed
/// on first use with `npm install sockjs@0.3.24`). `Err` says why not.
pub fn find_sockjs_node(root: &Path) -> Result<PathBuf, String> {
    if Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| !s.success())
        .unwrap_or(true)
    {
        return Err("node not found".into());
    }
    let version_at = |modules: &Path| -> Option<String> {
        let text = std::fs::read_to_string(modules.join("sockjs/package.json")).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        json.get("version")?.as_str().map(str::to_owned)
    };
    let client_js = root.join("client-js/node_modules");
    if version_at(&client_js).as_deref() == Some("0.3.24") {
        return Ok(client_js);
    }
    let own = root.join("target/bench-node");
    let modules = own.join("node_modules");
    if version_at(&modules).as_deref() != Some("0.3.24") {
        eprintln!("installing sockjs@0.3.24 into {}", own.display());
        std::fs::create_dir_all(&own).map_err(|e| e.to_string())?;
        let status = Command::new("npm")
            .args([
                "install",
                "--no-save",
                "--no-package-lock",
                "--no-audit",
                "--no-fund",
                "--prefix",
            ])
            .arg(&own)
            .arg("sockjs@0.3.24")
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("npm: {e}"))?;
        if !status.success() || version_at(&modules).as_deref() != Some("0.3.24") {
            return Err("`npm install sockjs@0.3.24` failed".into());
        }
    }
    Ok(modules)
}

// ---------------------------------------------------------- process control

/// The processes of one row: one server, or a cluster's nodes and its
/// `redis-server`. All are stopped when dropped (the nodes first).
pub struct Servers {
    pub nodes: Vec<Server>,
    pub redis: Option<Server>,
}

impl Servers {
    pub fn start(
        kind: Kind,
        node_modules: Option<&Path>,
        root: &Path,
        core: &str,
        high_priority: bool,
    ) -> Result<Servers, String> {
        if !kind.is_cluster() {
            let server = Server::start(kind, node_modules, root, core, high_priority)?;
            return Ok(Servers {
                nodes: vec![server],
                redis: None,
            });
        }
        #[cfg(feature = "redis")]
        {
            let redis = Server::start_redis(core, high_priority)?;
            let url = format!("redis://127.0.0.1:{}", redis.port);
            let mut servers = Servers {
                nodes: Vec::new(),
                redis: Some(redis),
            };
            for _ in 0..kind.nodes() {
                servers
                    .nodes
                    .push(Server::start_node(kind, &url, core, high_priority)?);
            }
            Ok(servers)
        }
        #[cfg(not(feature = "redis"))]
        Err(format!(
            "{}: the bench was built without `--features redis`",
            kind.name()
        ))
    }

    /// The nodes' ports, in order.
    pub fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(|s| s.port).collect()
    }

    fn all(&self) -> impl Iterator<Item = &Server> {
        self.nodes.iter().chain(&self.redis)
    }

    /// Every process's pid, comma-separated (as `perf -p` takes them).
    pub fn pids(&self) -> String {
        self.all()
            .map(|s| s.pid().to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// CPU of every process (nodes and Redis), summed, and of it the time
    /// spent in the kernel (system time), from one read of each process's
    /// stat.
    pub fn cpu_and_sys_ticks(&self) -> (u64, u64) {
        self.all()
            .map(Server::cpu_split)
            .fold((0, 0), |(cpu, sys), (u, s)| (cpu + u + s, sys + s))
    }

    /// CPU of the cluster's redis-server (0 without one).
    pub fn redis_ticks(&self) -> u64 {
        self.redis.as_ref().map_or(0, Server::cpu_ticks)
    }

    /// Resident memory of every process, summed.
    pub fn rss_kib(&self) -> u64 {
        self.all().map(Server::rss_kib).sum()
    }

    pub fn alive(&mut self) -> bool {
        self.nodes
            .iter_mut()
            .chain(&mut self.redis)
            .all(Server::alive)
    }
}

/// `redis-server` is there to be started.
#[cfg(feature = "redis")]
pub fn redis_available() -> Result<(), String> {
    match Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => Ok(()),
        _ => Err("`redis-server` is not on PATH".into()),
    }
}

/// `taskset -c CORE` (and `nice -n -20` when allowed), and with `wrap`
/// whatever `BENCH_WRAP` puts in front of a server.
fn pinned(core: &str, high_priority: bool, wrap: bool) -> Command {
    let mut cmd = Command::new("taskset");
    cmd.args(["-c", core]);
    if high_priority {
        // Ahead of whatever else runs on the machine (builds).
        cmd.args(["nice", "-n", "-20"]);
    }
    // BENCH_WRAP puts a tool in front of the server, for profiling:
    // BENCH_WRAP="valgrind --tool=massif --massif-out-file=target/massif.%p"
    if wrap {
        if let Ok(wrap) = std::env::var("BENCH_WRAP") {
            cmd.args(wrap.split_whitespace());
        }
    }
    cmd
}

/// A running server, pinned to core 0. Killed when dropped.
pub struct Server {
    pub port: u16,
    child: Child,
    /// It exits by itself when its standard input closes (ours do;
    /// `redis-server` is killed at once).
    stdin_stops: bool,
}

impl Server {
    pub fn start(
        kind: Kind,
        node_modules: Option<&Path>,
        root: &Path,
        core: &str,
        high_priority: bool,
    ) -> Result<Server, String> {
        let port = free_port()?;
        let mut cmd = pinned(core, high_priority, true);
        match kind {
            Kind::Node => {
                let modules = node_modules.ok_or("sockjs-node is not available")?;
                let dir = root.join("target/bench-node");
                std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
                let script = dir.join("server.js");
                std::fs::write(&script, NODE_SERVER).map_err(|e| e.to_string())?;
                cmd.arg("node")
                    .arg(&script)
                    .arg(port.to_string())
                    .arg(DISCONNECT_DELAY.as_millis().to_string())
                    .env("NODE_PATH", modules);
            }
            _ => {
                let exe = std::env::current_exe().map_err(|e| e.to_string())?;
                cmd.arg(exe)
                    .args(["__serve", kind.arg()])
                    .arg(port.to_string());
            }
        }
        Server::spawn(cmd, port, kind.name(), true)
    }

    /// A cluster node: this binary's `cluster` (or `floor-cluster`) server,
    /// joined to `redis_url`.
    #[cfg(feature = "redis")]
    fn start_node(
        kind: Kind,
        redis_url: &str,
        core: &str,
        high_priority: bool,
    ) -> Result<Server, String> {
        let port = free_port()?;
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut cmd = pinned(core, high_priority, true);
        cmd.arg(exe)
            .args(["__serve", kind.node_arg()])
            .arg(port.to_string())
            .env("REDIS_URL", redis_url);
        Server::spawn(cmd, port, "cluster node", true)
    }

    /// `redis-server` in memory only, on a free loopback port.
    #[cfg(feature = "redis")]
    fn start_redis(core: &str, high_priority: bool) -> Result<Server, String> {
        let port = free_port()?;
        let mut cmd = pinned(core, high_priority, false);
        cmd.arg("redis-server")
            .args(["--port", &port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        Server::spawn(cmd, port, "redis-server", false)
    }

    /// Starts `cmd` and waits until it listens on `port`.
    fn spawn(mut cmd: Command, port: u16, name: &str, stdin_stops: bool) -> Result<Server, String> {
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting {name}: {e}"))?;
        let mut server = Server {
            port,
            child,
            stdin_stops,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("{name} exited at start: {status}"));
            }
            if Instant::now() > deadline {
                return Err(format!("{name} did not listen on {port}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Let start-up work (JIT, lazy statics) finish before any baseline.
        std::thread::sleep(Duration::from_millis(300));
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn cpu_ticks(&self) -> u64 {
        let (user, sys) = self.cpu_split();
        user + sys
    }

    /// User and system time, in clock ticks.
    pub fn cpu_split(&self) -> (u64, u64) {
        cpu_split(&format!("/proc/{}/stat", self.pid())).unwrap_or((0, 0))
    }

    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.pid()).unwrap_or(0)
    }

    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing its stdin makes the server exit by itself (so a profiler
        // in front of it writes its output); a server still there after a
        // while is killed.
        drop(self.child.stdin.take());
        let patience = if !self.stdin_stops {
            Duration::ZERO
        } else if std::env::var_os("BENCH_WRAP").is_some() {
            Duration::from_secs(60)
        } else {
            Duration::from_secs(2)
        };
        let deadline = Instant::now() + patience;
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `perf record` on a server while a phase is measured (`--perf`), on the
/// generator's core so the server's is left alone.
pub struct Perf {
    child: Child,
}

impl Perf {
    /// `pids`: one pid, or several comma-separated.
    pub fn start(pids: &str, out: &Path, core: &str) -> Option<Perf> {
        // BENCH_PERF replaces the perf arguments, e.g.
        // BENCH_PERF="stat -e syscalls:sys_enter_sendto" (-p and -o follow).
        let args: Vec<String> = match std::env::var("BENCH_PERF") {
            Ok(a) => a.split_whitespace().map(str::to_owned).collect(),
            Err(_) => "record -q -e cpu-clock -F 499 --call-graph dwarf,8192"
                .split(' ')
                .map(str::to_owned)
                .collect(),
        };
        let child = Command::new("taskset")
            .args(["-c", core, "perf"])
            .args(args)
            .arg("-p")
            .arg(pids)
            .arg("-o")
            .arg(out)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| eprintln!("perf: {e}"))
            .ok()?;
        std::thread::sleep(Duration::from_millis(200));
        Some(Perf { child })
    }

    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Perf {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

// ------------------------------------------------------------------ /proc

/// utime + stime (all threads) of a process, in clock ticks.
pub fn cpu_ticks(stat_path: &str) -> Option<u64> {
    cpu_split(stat_path).map(|(user, sys)| user + sys)
}

/// A process's user and system time, in clock ticks.
pub fn cpu_split(stat_path: &str) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(stat_path).ok()?;
    let after = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the command: state is field 3, utime field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime, stime))
}

pub fn rss_kib(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// Busy ticks of each CPU in task context: user, nice, system and steal
/// (interrupt time is the network stack's, not another process's).
pub fn cpu_busy() -> Vec<u64> {
    let Ok(text) = std::fs::read_to_string("/proc/stat") else {
        return Vec::new();
    };
    text.lines()
        .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .map(|l| {
            // The first field is the `cpuN` label.
            let v: Vec<u64> = l
                .split_whitespace()
                .filter_map(|f| f.parse().ok())
                .collect();
            // user nice system idle iowait irq softirq steal
            [0, 1, 2, 7].iter().filter_map(|&i| v.get(i)).sum()
        })
        .collect()
}

pub fn clock_ticks_per_sec() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// The soft limit on open files.
pub fn open_files_limit() -> Option<u64> {
    let f = std::fs::File::open("/proc/self/limits").ok()?;
    std::io::BufReader::new(f)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3)?.parse().ok())
}
