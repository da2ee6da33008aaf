//! XHR polling: `xhr` to receive, `xhr_send` to send.

use crate::support::*;

#[actix_web::test]
async fn opens_then_echoes_the_message_set_in_order() {
    let echo = Echo::start();
    let mut s = HttpSession::open(&echo.session_url(), Receiver::XhrPolling).await;
    echo_message_set(&mut s).await;
}

#[actix_web::test]
async fn close_frame_ends_the_poll_and_answers_every_later_poll() {
    close_frame(Receiver::XhrPolling, false).await;
}

#[actix_web::test]
async fn aborted_poll_interrupts_the_session() {
    abort(Receiver::XhrPolling, false).await;
}

#[actix_web::test]
async fn second_poll_gets_2010_and_the_first_carries_on() {
    second_receiver(Receiver::XhrPolling).await;
}

#[actix_web::test]
async fn malformed_bodies_are_refused_and_deliver_nothing() {
    let echo = Echo::start();
    let mut s = HttpSession::open(&echo.session_url(), Receiver::XhrPolling).await;
    let cases: [(&[u8], &str); 9] = [
        (b"", "Payload expected."),
        (b" \r\n\t", "Payload expected."),
        (b"[\"a\"", "Broken JSON encoding."),
        (b"[\"a\", 1]", "Broken JSON encoding."),
        (b"[\"a\", null]", "Broken JSON encoding."),
        (b"{\"d\": [\"a\"]}", "Broken JSON encoding."),
        (b"\"a\"", "Broken JSON encoding."),
        (b"[\"a\"] [\"b\"]", "Broken JSON encoding."),
        (b"[\"\xff\xfe\"]", "Broken JSON encoding."),
    ];
    for (body, answer) in cases {
        let r = Sender::Xhr.post(&s.url, false, body).await;
        assert_eq!(r.status, 500, "{:?}: {r:?}", String::from_utf8_lossy(body));
        r.assert_body(answer);
    }
    // None of the refused bodies delivered anything; the session lives on.
    s.send(&["fine"]).await;
    assert_eq!(s.messages().await, ["fine"]);
}

#[actix_web::test]
async fn bodies_up_to_max_message_size_pass_and_larger_get_413() {
    let echo = Echo::with(|s| s.max_message_size(1024));
    let mut s = HttpSession::open(&echo.session_url(), Receiver::XhrPolling).await;
    let fits = framed_of_size(1024);
    Sender::Xhr.assert_accepted(&Sender::Xhr.post(&s.url, false, fits.as_bytes()).await);
    let over = framed_of_size(1025);
    let r = Sender::Xhr.post(&s.url, false, over.as_bytes()).await;
    r.assert_status(413);
    r.assert_body_contains("1024 bytes");
    // Without a length up front the limit holds as the body arrives.
    let r = Sender::Xhr.post_chunked(&s.url, over.as_bytes(), 100).await;
    r.assert_status(413);
    r.assert_body_contains("1024 bytes");
    let r = Sender::Xhr.post_chunked(&s.url, fits.as_bytes(), 100).await;
    Sender::Xhr.assert_accepted(&r);
    // Only the bodies within the limit were delivered.
    let x = "x".repeat(1020);
    assert_messages(&s.collect(2).await, &[x.clone(), x]);
}
