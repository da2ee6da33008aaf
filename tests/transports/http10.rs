//! HTTP/1.0 clients: no chunked encoding, so a streaming body ends when the
//! server closes the connection. Every request here, sends included, is
//! HTTP/1.0.

use crate::support::*;

async fn message_set_over_http10(receiver: Receiver) {
    let echo = Echo::start();
    let url = echo.session_url();
    let mut s = HttpSession::open_with(&url, receiver, receiver.sender(), true).await;
    echo_message_set(&mut s).await;
}

#[actix_web::test]
async fn xhr_streaming_carries_the_message_set_unchunked() {
    message_set_over_http10(Receiver::XhrStreaming).await;
}

#[actix_web::test]
async fn eventsource_carries_the_message_set_unchunked() {
    message_set_over_http10(Receiver::EventSource).await;
}

#[actix_web::test]
async fn htmlfile_carries_the_message_set_unchunked() {
    message_set_over_http10(Receiver::HtmlFile).await;
}

#[actix_web::test]
async fn polling_transports_carry_the_message_set() {
    message_set_over_http10(Receiver::XhrPolling).await;
    message_set_over_http10(Receiver::Jsonp).await;
}

#[actix_web::test]
async fn response_limit_ends_each_stream_by_closing_the_connection() {
    for receiver in Receiver::STREAMING {
        response_limit(receiver, true).await;
    }
}

#[actix_web::test]
async fn close_frame_ends_each_response_by_closing_the_connection() {
    for receiver in Receiver::ALL {
        close_frame(receiver, true).await;
    }
}

#[actix_web::test]
async fn aborted_streams_and_polls_interrupt_the_session() {
    for receiver in Receiver::ALL {
        abort(receiver, true).await;
    }
}
