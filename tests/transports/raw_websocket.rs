//! Raw WebSocket: `/websocket`, plain text messages without SockJS framing.

use actix_sockjs::{CloseReason, Transport};
use tokio_tungstenite::tungstenite::{
    protocol::frame::{
        coding::{Data, OpCode},
        Frame as WsFrame,
    },
    Message,
};

use crate::common::client::{Ws, WsEvent};
use crate::support::*;

#[actix_web::test]
async fn echoes_the_message_set_verbatim_in_order() {
    let echo = Echo::start();
    let mut ws = Ws::connect(&echo.raw_ws_url()).await;
    echo_message_set_raw(&mut ws).await;
    // What looks like SockJS framing is just text here.
    for m in ["o", "a[\"x\"]", "[\"x\"]", "c[3000,\"Go away!\"]"] {
        ws.send(m).await;
        assert_eq!(ws.recv_text().await, m);
    }
    ws.close().await;
}

#[actix_web::test]
async fn server_close_ends_with_its_code_and_reason_and_no_frame() {
    let mut echo = Echo::start();
    let mut ws = Ws::connect(&echo.raw_ws_url()).await;
    ws.send("before").await;
    ws.send(CLOSE_ME).await;
    assert_eq!(ws.recv_text().await, "before");
    // No `c[…]` text: the WebSocket close frame carries code and reason.
    assert_eq!(
        ws.recv().await,
        WsEvent::Closed(Some(CLOSE_CODE), CLOSE_REASON.to_owned())
    );
    assert_eq!(
        echo.ended().await,
        (
            Transport::RawWebsocket,
            CloseReason::Server {
                code: CLOSE_CODE,
                reason: CLOSE_REASON.into()
            }
        )
    );
}

#[actix_web::test]
async fn client_close_handshake_is_answered_and_reaches_the_handler() {
    let mut echo = Echo::start();
    let mut ws = Ws::connect(&echo.raw_ws_url()).await;
    ws.send("x").await;
    assert_eq!(ws.recv_text().await, "x");
    assert_eq!(
        ws.close_handshake(4000, "bye 안녕").await,
        (Some(4000), String::new())
    );
    assert_eq!(
        echo.ended().await,
        (
            Transport::RawWebsocket,
            CloseReason::Client {
                code: 4000,
                reason: "bye 안녕".into()
            }
        )
    );
}

#[actix_web::test]
async fn connection_dropped_inside_a_frame_is_an_interruption() {
    let mut echo = Echo::start();
    let mut conn = ws_handshake_by_hand(&echo.raw_ws_url()).await;
    let mut partial = text_frame_head(1000);
    partial.extend_from_slice("안녕하".as_bytes());
    conn.send(&partial).await;
    conn.abort();
    assert_eq!(
        echo.ended().await,
        (Transport::RawWebsocket, CloseReason::Interrupted)
    );
}

#[actix_web::test]
async fn binary_and_invalid_utf8_messages_close_the_socket_as_a_protocol_error() {
    let mut echo = Echo::start();
    let invalid_utf8 = WsFrame::message(vec![b'a', 0xc3, 0x28], OpCode::Data(Data::Text), true);
    let bad: Vec<(&str, Message)> = vec![
        (
            "a binary message",
            Message::binary(b"text as binary".to_vec()),
        ),
        ("invalid UTF-8", Message::Frame(invalid_utf8)),
    ];
    for (what, msg) in bad {
        let mut ws = Ws::connect(&echo.raw_ws_url()).await;
        ws.send("fine").await;
        assert_eq!(ws.recv_text().await, "fine");
        ws.send_message(msg).await;
        let (code, _) = ws.expect_closed().await;
        assert!(
            matches!(code, Some(1002 | 1003 | 1007)),
            "{what}: closed with {code:?}"
        );
        assert_eq!(
            echo.ended().await,
            (Transport::RawWebsocket, CloseReason::ProtocolError),
            "{what}"
        );
    }
}

#[actix_web::test]
async fn messages_up_to_max_message_size_pass_and_larger_close_with_1009() {
    let echo = Echo::with(|s| s.max_message_size(1024));
    let mut ws = Ws::connect(&echo.raw_ws_url()).await;
    let fits = "é".repeat(512);
    ws.send(&fits).await;
    assert_eq!(ws.recv_text().await, fits);
    ws.send(&format!("{fits}x")).await;
    assert_eq!(ws.expect_closed().await.0, Some(1009));
}
