//! Hixie-76 WebSocket (`0x00 <UTF-8> 0xff` frames), SockJS-framed on
//! `/<server>/<session>/websocket` and raw on `/websocket`.

use actix_sockjs::{CloseReason, Transport};

use crate::common::client::Hixie76;
use crate::support::*;

/// The `http://` url of a hixie-76 socket (the client speaks HTTP first).
fn http(ws_url: &str) -> String {
    ws_url.replacen("ws://", "http://", 1)
}

#[actix_web::test]
async fn opens_then_echoes_the_message_set_in_order() {
    let echo = Echo::start();
    let (mut ws, _) = Hixie76::connect(&http(&echo.ws_url())).await;
    echo_message_set_framed(&mut ws).await;
    ws.close().await;
}

#[actix_web::test]
async fn raw_socket_echoes_the_message_set_verbatim_in_order() {
    let echo = Echo::start();
    let (mut ws, _) = Hixie76::connect(&http(&echo.raw_ws_url())).await;
    echo_message_set_raw(&mut ws).await;
    ws.close().await;
}

#[actix_web::test]
async fn server_close_sends_the_close_frame_then_the_closing_handshake() {
    let mut echo = Echo::start();
    let (mut ws, _) = Hixie76::connect(&http(&echo.ws_url())).await;
    assert_eq!(ws.recv_text().await, "o");
    ws.send(&json_array(&["before", CLOSE_ME])).await;
    assert_eq!(ws.recv_text().await, "a[\"before\"]");
    assert_eq!(Frame::parse(&ws.recv_text().await), echo_close_frame());
    ws.expect_closing_handshake().await;
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
async fn client_closing_handshake_is_answered_and_reaches_the_handler() {
    let mut echo = Echo::start();
    let (mut ws, _) = Hixie76::connect(&http(&echo.ws_url())).await;
    assert_eq!(ws.recv_text().await, "o");
    ws.send_bytes(&[0xff, 0x00]).await;
    ws.expect_closing_handshake().await;
    assert_eq!(
        echo.ended().await,
        (
            Transport::Websocket,
            CloseReason::Client {
                code: 1005,
                reason: String::new()
            }
        )
    );
}

#[actix_web::test]
async fn connection_dropped_between_or_inside_frames_is_an_interruption() {
    let mut echo = Echo::start();
    for cut in [&b""[..], b"\x00[\"cut sh"] {
        let (mut ws, _) = Hixie76::connect(&http(&echo.ws_url())).await;
        assert_eq!(ws.recv_text().await, "o");
        ws.send("[\"x\"]").await;
        assert_eq!(ws.recv_text().await, "a[\"x\"]");
        ws.send_bytes(cut).await;
        drop(ws);
        assert_eq!(
            echo.ended().await,
            (Transport::Websocket, CloseReason::Interrupted),
            "cut after {cut:?}"
        );
    }
}

#[actix_web::test]
async fn bad_frames_close_the_connection_as_a_protocol_error() {
    let mut echo = Echo::start();
    let bad: [(&str, &[u8]); 5] = [
        ("broken JSON", b"\x00[\"a\xff"),
        ("a number in the array", b"\x00[\"a\",1]\xff"),
        ("invalid UTF-8", b"\x00[\"\xc3\x28\"]\xff"),
        ("a length-prefixed frame", b"\x80\x05hello"),
        ("0xff without 0x00", b"\xff\x01"),
    ];
    for (what, bytes) in bad {
        let (mut ws, _) = Hixie76::connect(&http(&echo.ws_url())).await;
        assert_eq!(ws.recv_text().await, "o");
        ws.send("[\"fine\"]").await;
        assert_eq!(ws.recv_text().await, "a[\"fine\"]");
        ws.send_bytes(bytes).await;
        ws.expect_closed().await;
        assert_eq!(
            echo.ended().await,
            (Transport::Websocket, CloseReason::ProtocolError),
            "{what}"
        );
    }
}

#[actix_web::test]
async fn frames_up_to_max_message_size_pass_and_larger_close_the_connection() {
    let mut echo = Echo::with(|s| s.max_message_size(1024));
    let (mut ws, _) = Hixie76::connect(&http(&echo.ws_url())).await;
    assert_eq!(ws.recv_text().await, "o");
    let fits = framed_of_size(1024);
    ws.send(&fits).await;
    assert_eq!(ws.recv_text().await, format!("a{fits}"));
    ws.send(&framed_of_size(1025)).await;
    ws.expect_closed().await;
    assert_eq!(
        echo.ended().await,
        (Transport::Websocket, CloseReason::ProtocolError)
    );
}
