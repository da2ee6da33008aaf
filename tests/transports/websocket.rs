//! SockJS-framed WebSocket (RFC 6455): `/<server>/<session>/websocket`.

use actix_sockjs::{CloseReason, Transport};
use tokio_tungstenite::tungstenite::{
    protocol::frame::{coding::OpCode, Frame as WsFrame},
    Message,
};

use crate::common::client::Ws;
use crate::support::*;

#[actix_web::test]
async fn opens_then_echoes_the_message_set_in_order() {
    let echo = Echo::start();
    let mut ws = Ws::connect(&echo.ws_url()).await;
    echo_message_set_framed(&mut ws).await;
    ws.close().await;
}

#[actix_web::test]
async fn bare_strings_and_multi_message_arrays_are_delivered_in_order() {
    let echo = Echo::start();
    let mut ws = Ws::connect(&echo.ws_url()).await;
    assert_eq!(ws.recv_text().await, "o");
    ws.send("\"bare \\u2028 string\"").await;
    ws.send(" [\"a\", \"\", \"안녕\"] ").await;
    // Nothing to deliver, and not an error.
    ws.send("").await;
    ws.send("[]").await;
    ws.send("[\"last\"]").await;
    let want: Vec<String> = ["bare \u{2028} string", "a", "", "안녕", "last"]
        .map(String::from)
        .into();
    let mut got = Vec::new();
    while got.len() < want.len() {
        match Frame::parse(&ws.recv_text().await) {
            Frame::Messages(m) => got.extend(m),
            other => panic!("expected messages, got {other:?}"),
        }
    }
    assert_messages(&got, &want);
    ws.close().await;
}

#[actix_web::test]
async fn server_close_sends_the_close_frame_then_closes_with_its_code() {
    let mut echo = Echo::start();
    let mut ws = Ws::connect(&echo.ws_url()).await;
    assert_eq!(ws.recv_text().await, "o");
    ws.send(&json_array(&["before", CLOSE_ME, "after"])).await;
    assert_eq!(ws.recv_text().await, "a[\"before\"]");
    assert_eq!(Frame::parse(&ws.recv_text().await), echo_close_frame());
    assert_eq!(
        ws.expect_closed().await,
        (Some(CLOSE_CODE), CLOSE_REASON.to_owned())
    );
    assert_eq!(
        echo.ended().await,
        (
            Transport::Websocket,
            CloseReason::Server {
                code: CLOSE_CODE,
                reason: CLOSE_REASON.into()
            }
        )
    );
}

#[actix_web::test]
async fn connection_dropped_between_or_inside_frames_is_an_interruption() {
    let mut echo = Echo::start();
    let mut ws = Ws::connect(&echo.ws_url()).await;
    assert_eq!(ws.recv_text().await, "o");
    ws.send("[\"x\"]").await;
    assert_eq!(ws.recv_text().await, "a[\"x\"]");
    drop(ws);
    assert_eq!(
        echo.ended().await,
        (Transport::Websocket, CloseReason::Interrupted)
    );

    let mut conn = ws_handshake_by_hand(&echo.ws_url()).await;
    let mut partial = text_frame_head(100);
    partial.extend_from_slice(b"[\"cut sho");
    conn.send(&partial).await;
    conn.abort();
    assert_eq!(
        echo.ended().await,
        (Transport::Websocket, CloseReason::Interrupted)
    );
}

#[actix_web::test]
async fn bad_payloads_close_the_socket_as_a_protocol_error() {
    let mut echo = Echo::start();
    let invalid_utf8 = WsFrame::message(
        vec![b'[', b'"', 0xff, 0xfe, b'"', b']'],
        OpCode::Data(tokio_tungstenite::tungstenite::protocol::frame::coding::Data::Text),
        true,
    );
    let bad: Vec<(&str, Message)> = vec![
        ("broken JSON", Message::text("[\"a")),
        ("a number in the array", Message::text("[\"a\", 1]")),
        ("an object", Message::text("{\"a\": \"b\"}")),
        ("a number", Message::text("1")),
        ("bare text", Message::text("nope")),
        ("a binary message", Message::binary(b"[\"a\"]".to_vec())),
        ("invalid UTF-8", Message::Frame(invalid_utf8)),
    ];
    for (what, msg) in bad {
        let mut ws = Ws::connect(&echo.ws_url()).await;
        assert_eq!(ws.recv_text().await, "o");
        ws.send("[\"fine\"]").await;
        assert_eq!(ws.recv_text().await, "a[\"fine\"]");
        ws.send_message(msg).await;
        let (code, _) = ws.expect_closed().await;
        assert!(
            matches!(code, Some(1002 | 1003 | 1007)),
            "{what}: closed with {code:?}"
        );
        assert_eq!(
            echo.ended().await,
            (Transport::Websocket, CloseReason::ProtocolError),
            "{what}"
        );
    }
}

#[actix_web::test]
async fn messages_up_to_max_message_size_pass_and_larger_close_with_1009() {
    let echo = Echo::with(|s| s.max_message_size(1024));
    let mut ws = Ws::connect(&echo.ws_url()).await;
    assert_eq!(ws.recv_text().await, "o");
    let fits = framed_of_size(1024);
    ws.send(&fits).await;
    assert_eq!(ws.recv_text().await, format!("a{fits}"));
    ws.send(&framed_of_size(1025)).await;
    assert_eq!(ws.expect_closed().await.0, Some(1009));
}
