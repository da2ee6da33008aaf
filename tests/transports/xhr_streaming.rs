//! XHR streaming: `xhr_streaming` to receive, `xhr_send` to send.

use crate::support::*;

#[actix_web::test]
async fn opens_then_echoes_the_message_set_in_order() {
    let echo = Echo::start();
    let mut s = HttpSession::open(&echo.session_url(), Receiver::XhrStreaming).await;
    echo_message_set(&mut s).await;
}

#[actix_web::test]
async fn response_ends_after_the_frame_reaching_the_limit() {
    response_limit(Receiver::XhrStreaming, false).await;
}

#[actix_web::test]
async fn close_frame_ends_the_stream_and_answers_every_later_request() {
    close_frame(Receiver::XhrStreaming, false).await;
}

#[actix_web::test]
async fn aborted_stream_interrupts_the_session() {
    abort(Receiver::XhrStreaming, false).await;
}

#[actix_web::test]
async fn second_stream_gets_2010_and_the_first_carries_on() {
    second_receiver(Receiver::XhrStreaming).await;
}
