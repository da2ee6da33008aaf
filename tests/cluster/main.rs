//! Many nodes on a real Redis (`redis-server` on a free loopback port), each
//! node a test-server process joined to it (`cargo test --features redis`):
//! any request of a session on any node, broadcasts that reach every node
//! once and in order, a node killed, Redis restarted.
#![cfg(feature = "redis")]

#[path = "../common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::client::*;
use common::redis::{Node, Redis};

/// Node timeout of the test nodes (how soon a killed node counts as lost).
const NODE_TIMEOUT_MS: u64 = 900;

/// Polls every 20 ms until `check` passes, bounded.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut every = tokio::time::interval(Duration::from_millis(20));
    loop {
        if check().await {
            return;
        }
        assert!(Instant::now() < deadline, "never: {what}");
        every.tick().await;
    }
}

/// Waits until every node's cluster link is up (its /metrics says so).
async fn joined(nodes: &[&Node]) {
    for n in nodes {
        let url = format!("{}/metrics", n.base());
        eventually("the node joined the cluster", || {
            let url = url.clone();
            async move {
                get(&url, &[])
                    .await
                    .text()
                    .lines()
                    .any(|l| l.starts_with("sockjs_cluster_up{service=\"echo\"} 1"))
            }
        })
        .await;
    }
}

async fn three(redis: &Redis) -> Vec<Node> {
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(Node::start(redis, NODE_TIMEOUT_MS).await);
    }
    joined(&nodes.iter().collect::<Vec<_>>()).await;
    nodes
}

/// The session path `/echo/000/<id>` on `node`.
fn at(node: &Node, id: &str) -> String {
    format!("{}/echo/000/{id}", node.base())
}

#[actix_web::test]
async fn every_request_of_a_session_may_land_on_any_node() {
    let redis = Redis::start().await;
    let nodes = three(&redis).await;
    // xhr-polling: opened on node 0, sends through 1 and 2, polls on all three.
    let id = uuid();
    post(&format!("{}/xhr", at(&nodes[0], &id)), &[], "")
        .await
        .assert_body("o\n");
    for i in 0..6 {
        let send = post(
            &format!("{}/xhr_send", at(&nodes[1 + i % 2], &id)),
            &[],
            &format!("[\"m{i}\"]"),
        )
        .await;
        send.assert_status(204);
        let poll = post(&format!("{}/xhr", at(&nodes[i % 3], &id)), &[], "").await;
        poll.assert_body(&format!("a[\"m{i}\"]\n"));
    }
    // A send to a session nobody has: 404, as on one node.
    post(
        &format!("{}/xhr_send", at(&nodes[2], &uuid())),
        &[],
        "[\"x\"]",
    )
    .await
    .assert_status(404);

    // Streaming receivers relayed from another node: xhr-streaming,
    // eventsource, htmlfile; JSONP polls and sends.
    let id = uuid();
    post(&format!("{}/xhr", at(&nodes[0], &id)), &[], "")
        .await
        .assert_body("o\n");
    let mut stream = post_async(&format!("{}/xhr_streaming", at(&nodes[1], &id)), &[]).await;
    assert_eq!(
        stream.read().await.len(),
        2049,
        "the prelude, from the node it landed on"
    );
    for i in 0..3 {
        post(
            &format!("{}/xhr_send", at(&nodes[2], &id)),
            &[],
            &format!("[\"s{i}\"]"),
        )
        .await
        .assert_status(204);
        stream.expect(&format!("a[\"s{i}\"]\n")).await;
    }
    drop(stream);

    let id = uuid();
    post(&format!("{}/xhr", at(&nodes[0], &id)), &[], "")
        .await
        .assert_body("o\n");
    let mut es = get_async(&format!("{}/eventsource", at(&nodes[2], &id)), &[]).await;
    es.expect("\r\n").await;
    post(&format!("{}/xhr_send", at(&nodes[1], &id)), &[], "[\"e\"]")
        .await
        .assert_status(204);
    es.expect("data: a[\"e\"]\r\n\r\n").await;
    drop(es);

    let id = uuid();
    let r = get(&format!("{}/jsonp?c=cb", at(&nodes[1], &id)), &[]).await;
    r.assert_body("/**/cb(\"o\");\r\n");
    let r = post(
        &format!("{}/jsonp_send", at(&nodes[2], &id)),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "d=%5B%22j%22%5D",
    )
    .await;
    r.assert_status(200);
    r.assert_body("ok");
    get(&format!("{}/jsonp?c=cb", at(&nodes[0], &id)), &[])
        .await
        .assert_body("/**/cb(\"a[\\\"j\\\"]\");\r\n");
}

/// A relayed poll's answer goes with its frame (one message from its owner
/// instead of two); one that waits for its message is answered by its owner
/// after a while, so the relaying node's timeout for an answer (5 s) does
/// not end it: it waits as long as a local poll does.
#[actix_web::test]
async fn a_relayed_poll_waits_for_its_message_past_the_relay_timeout() {
    let redis = Redis::start().await;
    let nodes = three(&redis).await;
    let id = uuid();
    post(&format!("{}/xhr", at(&nodes[0], &id)), &[], "")
        .await
        .assert_body("o\n");
    // Relayed from node 1 to the owner, node 0, with no message yet.
    let url = format!("{}/xhr", at(&nodes[1], &id));
    let mut poll = Box::pin(post_within(&url, "", Duration::from_secs(20)));
    let past_the_relay_timeout = Duration::from_secs(6);
    assert!(
        tokio::time::timeout(past_the_relay_timeout, &mut poll)
            .await
            .is_err(),
        "the relayed poll was answered with no message to answer"
    );
    post(
        &format!("{}/xhr_send", at(&nodes[2], &id)),
        &[],
        "[\"late\"]",
    )
    .await
    .assert_status(204);
    poll.await.assert_body("a[\"late\"]\n");
    // Its message there first: answered with it at once, as before.
    post(
        &format!("{}/xhr_send", at(&nodes[2], &id)),
        &[],
        "[\"early\"]",
    )
    .await
    .assert_status(204);
    post(&format!("{}/xhr", at(&nodes[2], &id)), &[], "")
        .await
        .assert_body("a[\"early\"]\n");
}

#[actix_web::test]
async fn a_second_receiver_anywhere_gets_2010_and_a_relayed_abort_interrupts() {
    let redis = Redis::start().await;
    let nodes = three(&redis).await;
    let id = uuid();
    post(&format!("{}/xhr", at(&nodes[0], &id)), &[], "")
        .await
        .assert_body("o\n");
    let first = post_async(&format!("{}/xhr_streaming", at(&nodes[1], &id)), &[]).await;
    let mut second = post_async(&format!("{}/xhr_streaming", at(&nodes[2], &id)), &[]).await;
    second.read().await; // prelude
    second
        .expect("c[2010,\"Another connection still open\"]\n")
        .await;
    // The first receiver's client goes away: the owner sees an abort.
    drop(first);
    eventually("the session is interrupted", || {
        let url = format!("{}/xhr", at(&nodes[0], &id));
        async move { post(&url, &[], "").await.text() == "c[1002,\"Connection interrupted\"]\n" }
    })
    .await;
}

#[actix_web::test]
async fn broadcasts_reach_every_member_on_every_node_once_and_in_order() {
    let redis = Redis::start().await;
    let nodes = three(&redis).await;
    const RECEIVERS: usize = 1000;
    const MESSAGES: usize = 50;
    let mut sockets = Vec::with_capacity(RECEIVERS);
    for i in 0..RECEIVERS {
        let n = &nodes[i % 3];
        let mut ws = Ws::connect(&format!(
            "{}/broadcast/000/{}/websocket",
            n.ws_base(),
            uuid()
        ))
        .await;
        assert_eq!(ws.recv_text().await, "o");
        sockets.push(ws);
    }
    // Every member is in (each node's group counts its own).
    for n in &nodes {
        let url = format!("{}/metrics", n.base());
        eventually("every member joined", || {
            let url = url.clone();
            async move {
                let text = get(&url, &[]).await.text();
                text.lines()
                    .filter(|l| l.starts_with("sockjs_sessions_open{service=\"broadcast\""))
                    .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
                    .sum::<f64>()
                    >= (RECEIVERS / 3) as f64
            }
        })
        .await;
    }
    // One member on node 0 publishes; everyone gets each message once, in order.
    for i in 0..MESSAGES {
        sockets[0].send(&format!("[\"b{i}\"]")).await;
    }
    let started = Instant::now();
    for (r, ws) in sockets.iter_mut().enumerate() {
        let mut got = Vec::new();
        while got.len() < MESSAGES {
            let frame = ws.recv_text().await;
            if frame == "h" {
                continue;
            }
            let batch: Vec<String> =
                serde_json::from_str(frame.strip_prefix('a').expect("a frame")).expect("JSON");
            got.extend(batch);
        }
        let want: Vec<String> = (0..MESSAGES).map(|i| format!("b{i}")).collect();
        assert_eq!(got, want, "receiver {r} on node {}", r % 3);
    }
    eprintln!(
        "{} deliveries to {RECEIVERS} receivers on 3 nodes read in {:?}",
        RECEIVERS * MESSAGES,
        started.elapsed()
    );
}

#[actix_web::test]
async fn a_killed_node_ends_its_plain_sessions_and_spares_the_others() {
    let redis = Redis::start().await;
    let mut nodes = three(&redis).await;
    let lost = uuid();
    post(&format!("{}/xhr", at(&nodes[0], &lost)), &[], "")
        .await
        .assert_body("o\n");
    let kept = uuid();
    post(&format!("{}/xhr", at(&nodes[1], &kept)), &[], "")
        .await
        .assert_body("o\n");
    // Relayed through node 2 while node 0 lives.
    post(
        &format!("{}/xhr_send", at(&nodes[2], &lost)),
        &[],
        "[\"before\"]",
    )
    .await
    .assert_status(204);
    post(&format!("{}/xhr", at(&nodes[2], &lost)), &[], "")
        .await
        .assert_body("a[\"before\"]\n");

    nodes[0].proc.kill();
    let killed = Instant::now();
    // Once node 0 counts as lost, its session's requests say so.
    eventually("the lost node's session is closed", || {
        let url = format!("{}/xhr", at(&nodes[1], &lost));
        async move {
            let r = post(&url, &[], "").await;
            r.text() == "c[1012,\"Session lost with its node\"]\n"
        }
    })
    .await;
    assert!(
        killed.elapsed() < Duration::from_millis(NODE_TIMEOUT_MS) * 3,
        "took {:?}",
        killed.elapsed()
    );
    post(
        &format!("{}/xhr_send", at(&nodes[2], &lost)),
        &[],
        "[\"x\"]",
    )
    .await
    .assert_status(404);
    // The survivors' sessions are untouched, across nodes.
    post(
        &format!("{}/xhr_send", at(&nodes[2], &kept)),
        &[],
        "[\"still\"]",
    )
    .await
    .assert_status(204);
    post(&format!("{}/xhr", at(&nodes[1], &kept)), &[], "")
        .await
        .assert_body("a[\"still\"]\n");
}

#[actix_web::test]
async fn without_redis_local_sessions_go_on_and_cross_node_work_is_refused_clearly() {
    let mut redis = Redis::start().await;
    let nodes = three(&redis).await;
    let id = uuid();
    post(&format!("{}/xhr", at(&nodes[0], &id)), &[], "")
        .await
        .assert_body("o\n");
    // A stream on the owner keeps the session attached through the outage.
    let mut stream = post_async(&format!("{}/xhr_streaming", at(&nodes[0], &id)), &[]).await;
    stream.read().await; // prelude

    redis.kill();
    // The owner node goes on serving its session.
    post(
        &format!("{}/xhr_send", at(&nodes[0], &id)),
        &[],
        "[\"local\"]",
    )
    .await
    .assert_status(204);
    stream.expect("a[\"local\"]\n").await;
    // Another node cannot reach it, and says why.
    eventually("node 1 knows Redis is away", || {
        let url = format!("{}/xhr_send", at(&nodes[1], &id));
        async move {
            let r = post(&url, &[], "[\"x\"]").await;
            r.status == 503 && r.text().starts_with("Cluster unavailable")
        }
    })
    .await;

    // Redis comes back empty: the nodes claim their sessions again.
    redis.restart().await;
    eventually("cross-node work again", || {
        let send = format!("{}/xhr_send", at(&nodes[1], &id));
        async move { post(&send, &[], "[\"back\"]").await.status == 204 }
    })
    .await;
    stream.expect("a[\"back\"]\n").await;
    // A new session: every node relays again once its links are back.
    joined(&nodes.iter().collect::<Vec<_>>()).await;
    let id = uuid();
    post(&format!("{}/xhr", at(&nodes[0], &id)), &[], "")
        .await
        .assert_body("o\n");
    post(
        &format!("{}/xhr_send", at(&nodes[1], &id)),
        &[],
        "[\"anew\"]",
    )
    .await
    .assert_status(204);
    post(&format!("{}/xhr", at(&nodes[2], &id)), &[], "")
        .await
        .assert_body("a[\"anew\"]\n");
}

/// A resumable session through a round robin over three nodes, its node
/// killed after `kill_at` echoes: it comes back on a survivor, which takes
/// it over from Redis; every message, each way, exactly once and in order.
async fn survives_its_node(kind: common::resume::Kind) {
    moves_off_its_node(kind, false).await;
}

/// [`survives_its_node`] with the node stopped gracefully (SIGTERM: the
/// service shuts down, `c[1012]` to its clients) instead of killed: the
/// session is handed over through Redis.
async fn moves_off_its_node(kind: common::resume::Kind, graceful: bool) {
    use std::cell::RefCell;
    const N: u64 = 1000;
    let redis = Redis::start().await;
    let nodes = three(&redis).await;
    let bases: Vec<String> = nodes.iter().map(|n| format!("{}/echo", n.base())).collect();
    let procs: Vec<RefCell<Option<common::redis::Proc>>> = nodes
        .into_iter()
        .map(|n| RefCell::new(Some(n.proc)))
        .collect();
    let killed_at = RefCell::new(None);
    let state = common::resume::run_on(&bases, kind, N, N, |s| {
        if s.got.len() >= 300 && killed_at.borrow().is_none() {
            // The session was made on the first node: kill it (SIGKILL).
            if graceful {
                if let Some(p) = procs[0].borrow_mut().as_mut() {
                    p.terminate();
                }
            } else if let Some(mut p) = procs[0].borrow_mut().take() {
                p.kill();
            }
            *killed_at.borrow_mut() = Some(Instant::now());
        }
    })
    .await;
    assert!(killed_at.borrow().is_some(), "the node was killed mid-run");
    let want = common::resume::numbered("c", N);
    assert_eq!(
        state.got.len(),
        want.len(),
        "{kind:?}: {}",
        common::resume::first_difference(&state.got, &want)
    );
    assert_eq!(
        state.got,
        want,
        "{kind:?}: {}",
        common::resume::first_difference(&state.got, &want)
    );
    assert_eq!(state.accepted, N);
    assert!(state.resumes >= 1, "{kind:?}: it came back at least once");
    let how = if graceful { "stopped" } else { "killed" };
    eprintln!(
        "{kind:?}: {N} each way, node {how} at 300; {} resumes, {} retries",
        state.resumes, state.retries
    );
}

#[actix_web::test]
async fn a_resumable_websocket_session_survives_its_node() {
    survives_its_node(common::resume::Kind::Websocket).await;
}

#[actix_web::test]
async fn a_resumable_xhr_streaming_session_survives_its_node() {
    survives_its_node(common::resume::Kind::XhrStreaming).await;
}

#[actix_web::test]
async fn a_resumable_eventsource_session_survives_its_node() {
    survives_its_node(common::resume::Kind::EventSource).await;
}

#[actix_web::test]
async fn a_resumable_xhr_polling_session_survives_its_node() {
    survives_its_node(common::resume::Kind::XhrPolling).await;
}

#[actix_web::test]
async fn a_resumable_jsonp_polling_session_survives_its_node() {
    survives_its_node(common::resume::Kind::JsonpPolling).await;
}

#[actix_web::test]
async fn a_resumable_websocket_session_moves_when_its_node_shuts_down() {
    moves_off_its_node(common::resume::Kind::Websocket, true).await;
}

#[actix_web::test]
async fn a_resumable_xhr_polling_session_moves_when_its_node_shuts_down() {
    moves_off_its_node(common::resume::Kind::XhrPolling, true).await;
}

/// A node that is stopping hands each resumable session over through Redis
/// (the token left to no node) as soon as its client was told, so that
/// another node takes it over at the client's next request, and lets it go:
/// never two nodes serving it. A resume that reaches the stopping node
/// then, on any transport and on any URL, is told to come back (504), never
/// that the session expired (`c[2011]`, final) nor 503 (final to
/// client-js); also when the token still names the node (the hand-over did
/// not reach Redis).
#[actix_web::test]
async fn a_resume_that_reaches_a_stopping_node_is_told_to_come_back() {
    let redis = Redis::start().await;
    let cluster = actix_sockjs::Cluster::builder(&redis.url())
        .node_timeout(Duration::from_millis(NODE_TIMEOUT_MS))
        .build()
        .expect("a Redis URL");
    let options = common::conformance::Options {
        cluster: Some(cluster.clone()),
        ..Default::default()
    };
    let services = common::conformance::services(&options);
    let echo = services
        .iter()
        .find(|(path, _)| *path == "/echo")
        .map(|(_, s)| s.clone())
        .expect("the echo service");
    let stopping = common::serve_services(2, services);
    eventually("the in-process node joins", || {
        let up = cluster.is_up();
        async move { up }
    })
    .await;
    let other = Node::start(&redis, NODE_TIMEOUT_MS).await;
    joined(&[&other]).await;
    let base = format!("{}/echo", stopping.base());

    // A resumable xhr-polling session on the stopping node.
    let url = format!("{base}/000/{}", uuid());
    let token = open_resumable(&url).await;
    post(&format!("{url}/xhr_send?seq=1&ack=0"), &[], "[\"kept\"]")
        .await
        .assert_status(204);
    let key = format!("sockjs:echo:t:{token}");
    let db = redis::Client::open(redis.url()).expect("a Redis URL");
    let db = db
        .get_multiplexed_async_connection()
        .await
        .expect("the test reaches Redis");
    let owner_of = |db: &redis::aio::MultiplexedConnection| {
        let (mut db, key) = (db.clone(), key.clone());
        async move {
            redis::cmd("GET")
                .arg(&key)
                .query_async::<Option<String>>(&mut db)
                .await
                .expect("GET")
        }
    };
    let set_owner = |owner: &str| {
        let (mut db, key, owner) = (db.clone(), key.clone(), owner.to_owned());
        async move {
            redis::cmd("SET")
                .arg(&key)
                .arg(&owner)
                .query_async::<()>(&mut db)
                .await
                .expect("SET")
        }
    };
    eventually("the token's owner is in Redis", || {
        let f = owner_of(&db);
        async move { f.await.is_some() }
    })
    .await;
    let node_id = owner_of(&db).await.expect("the owner");

    // It stops: the session is closed with 1012 (its poll hears it), then
    // handed over.
    let (untold, polled) =
        futures_util::future::join(echo.shutdown(Duration::from_secs(5)), async {
            // What the poll had not acknowledged, then the close.
            post(&format!("{url}/xhr?resume={token}&ack=0"), &[], "")
                .await
                .assert_body("q[1,\"kept\"]\n");
            post(&format!("{url}/xhr?resume={token}&ack=1"), &[], "").await
        })
        .await;
    polled.assert_body_contains("c[1012,\"Server restarting\"]");
    assert_eq!(untold, 0, "every session was told");
    // Handed over at once, not at the end of the session's window.
    assert_eq!(
        owner_of(&db).await.as_deref(),
        Some("-"),
        "handed over as soon as its client was told"
    );
    // And it no longer answers here: never two nodes serving it.
    assert_eq!(echo.session_count(), 0, "the stopping node let it go");
    let again = |what: &str, got: &Response| {
        got.assert_status(504);
        assert_eq!(
            got.text(),
            "The session is moving to another node: try again.",
            "{what}"
        );
    };
    let fresh = format!("{base}/000/{}", uuid());
    let polled = post(&format!("{fresh}/xhr?resume={token}&ack=1"), &[], "").await;
    again("xhr-polling, handed over", &polled);
    let polled = post(&format!("{url}/xhr?resume={token}&ack=1"), &[], "").await;
    again("xhr-polling on its own URL, handed over", &polled);
    // As if the hand-over had not reached Redis: the token names the node.
    set_owner(&node_id).await;
    let polled = post(&format!("{fresh}/xhr?resume={token}&ack=1"), &[], "").await;
    again("xhr-polling, token naming the stopping node", &polled);
    let ws = format!(
        "{}/echo/000/{}/websocket?resume={token}&ack=1",
        stopping.ws_base(),
        uuid()
    );
    match tokio_tungstenite::connect_async(ws.as_str()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            assert_eq!(r.status().as_u16(), 504, "websocket: {r:?}")
        }
        other => panic!("websocket, token naming the stopping node: {other:?}"),
    }
    // Landing on another node, which relays it to the stopping node (the
    // token names it): told the same, never that the session expired.
    let relayed = format!("{}/echo/000/{}", other.base(), uuid());
    let polled = post(&format!("{relayed}/xhr?resume={token}&ack=1"), &[], "").await;
    again("xhr-polling relayed to the stopping node", &polled);
    set_owner("-").await;

    // Another node takes it over, and the session goes on there.
    let moved = format!("{}/echo/000/{}", other.base(), uuid());
    post(&format!("{moved}/xhr?resume={token}&ack=1"), &[], "")
        .await
        .assert_body("x{\"resumed\":true,\"in\":1}\n");
    post(&format!("{moved}/xhr_send?seq=2&ack=1"), &[], "[\"anew\"]")
        .await
        .assert_status(204);
    post(&format!("{moved}/xhr?resume={token}&ack=1"), &[], "")
        .await
        .assert_body("q[2,\"anew\"]\n");
}
