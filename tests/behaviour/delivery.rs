use actix_sockjs::{MessageStream, Session, SockJs};

use crate::common::client::{self, post, session_url, Ws};
use crate::{frame_messages, serve_one};

#[actix_web::test]
async fn ten_thousand_messages_reach_a_polling_client_in_order() {
    const N: usize = 10_000;
    // A small queue so the sender really waits for the polls.
    let service = SockJs::new(|session: Session, _messages: MessageStream| async move {
        for i in 0..N {
            if session.send(i.to_string()).await.is_err() {
                return;
            }
        }
    })
    .queue_limit(256, 64 * 1024);
    let server = serve_one(service);
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("o\n");

    let mut received = Vec::with_capacity(N);
    let mut polls = 0;
    while received.len() < N {
        let r = post(&format!("{url}/xhr"), &[], "").await;
        r.assert_status(200);
        polls += 1;
        let body = r.text();
        if body == "h\n" {
            continue;
        }
        received.extend(frame_messages(&body).into_iter().map(|m| {
            m.parse::<usize>()
                .unwrap_or_else(|_| panic!("not a number: {m:?}"))
        }));
    }
    let expected: Vec<usize> = (0..N).collect();
    assert_eq!(received.len(), N, "no duplicates, nothing extra");
    assert!(received == expected, "all messages, in order");
    assert!(
        polls > N / 256,
        "the queue bound was in force: {polls} polls"
    );
    // The handler returned after the last send: the session then closes.
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("c[3000,\"Go away!\"]\n");
}

#[actix_web::test]
async fn streaming_client_gets_every_message_across_response_limits() {
    const N: usize = 2_000;
    let service = SockJs::new(|session: Session, _messages: MessageStream| async move {
        for i in 0..N {
            if session.send(format!("{i:06}")).await.is_err() {
                return;
            }
        }
    })
    .response_limit(4096);
    let server = serve_one(service);
    let url = session_url(&format!("{}/s", server.base()));
    let mut received = Vec::new();
    let mut streams = 0;
    let mut opened = false;
    let mut closed = false;
    while !closed {
        let mut r = client::post_async(&format!("{url}/xhr_streaming"), &[]).await;
        streams += 1;
        assert_eq!(r.read().await.len(), 2049, "prelude");
        loop {
            let chunk = r.read_str().await;
            match chunk.as_str() {
                "" => break,
                "o\n" => opened = true,
                "h\n" => {}
                // The handler returned after queueing the last message.
                "c[3000,\"Go away!\"]\n" => closed = true,
                frame => received.extend(frame_messages(frame)),
            }
        }
    }
    assert!(opened);
    let expected: Vec<String> = (0..N).map(|i| format!("{i:06}")).collect();
    assert_eq!(received, expected);
    assert!(streams > 1, "the response limit ended streams");
}

#[actix_web::test]
async fn one_broken_websocket_leaves_other_sessions_alone() {
    let service = SockJs::new(|session: Session, mut messages: MessageStream| async move {
        while let Some(m) = messages.recv().await {
            let _ = session.send(m).await;
        }
    });
    let server = serve_one(service);
    let base = format!("{}/s", server.ws_base());
    let mut good = Ws::connect(&format!("{base}/000/a/websocket")).await;
    let mut bad = Ws::connect(&format!("{base}/000/b/websocket")).await;
    let http_url = session_url(&format!("{}/s", server.base()));
    post(&format!("{http_url}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    assert_eq!(good.recv_text().await, "o");
    assert_eq!(bad.recv_text().await, "o");

    bad.send("[\"broken").await;
    bad.expect_closed().await;

    good.send("[\"still here\"]").await;
    assert_eq!(good.recv_text().await, "a[\"still here\"]");
    post(&format!("{http_url}/xhr_send"), &[], "[\"x\"]")
        .await
        .assert_status(204);
    post(&format!("{http_url}/xhr"), &[], "")
        .await
        .assert_body("a[\"x\"]\n");
    good.close().await;
}

/// A socket's writer reuses one buffer for its frames, and gives it up
/// after a frame larger than it keeps (16 KiB): every size of WebSocket
/// frame header (7-bit, 16-bit, 64-bit lengths), small frames after large
/// ones, and a batch of several messages still arrive whole and in order,
/// on the framed socket and the raw one.
#[actix_web::test]
async fn websocket_frames_of_every_size_arrive_whole_after_one_another() {
    let service = SockJs::new(|session: Session, mut messages: MessageStream| async move {
        while let Some(m) = messages.recv().await {
            let _ = session.send(m).await;
        }
    });
    let server = serve_one(service);
    let sizes = [
        1, 120, 126, 200, 65_535, 65_536, 70_000, 3, 20_000, 2, 16_385, 5,
    ];
    let text = |i: usize, n: usize| {
        let c = char::from(b'a' + (i % 26) as u8);
        std::iter::repeat_n(c, n).collect::<String>()
    };

    let mut ws = Ws::connect(&format!("{}/s/000/f/websocket", server.ws_base())).await;
    assert_eq!(ws.recv_text().await, "o");
    for (i, &n) in sizes.iter().enumerate() {
        ws.send(&serde_json::json!([text(i, n)]).to_string()).await;
        let got = ws.recv_text().await;
        assert_eq!(frame_messages(&got), [text(i, n)], "message {i}, {n} bytes");
    }
    // Three in one frame come back as one frame of three.
    ws.send(r#"["x","y","z"]"#).await;
    assert_eq!(ws.recv_text().await, r#"a["x","y","z"]"#);
    ws.close().await;

    let mut raw = Ws::connect(&format!("{}/s/websocket", server.ws_base())).await;
    for (i, &n) in sizes.iter().enumerate() {
        raw.send(&text(i, n)).await;
        assert_eq!(
            raw.recv_text().await,
            text(i, n),
            "raw message {i}, {n} bytes"
        );
    }
    raw.close().await;
}
