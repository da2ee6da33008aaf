//! JSONP polling: `jsonp?c=<callback>` to receive (`/**/cb("<frame>");\r\n`),
//! `jsonp_send` to send (a form with `d=<JSON>`, or a raw JSON body).

use std::time::Duration;

use crate::common::client::{get, Response};
use crate::support::*;

#[actix_web::test]
async fn opens_then_echoes_the_message_set_sent_as_form_data() {
    let echo = Echo::start();
    let url = echo.session_url();
    let mut s = HttpSession::open_with(&url, Receiver::Jsonp, Sender::JsonpForm, false).await;
    echo_message_set(&mut s).await;
}

#[actix_web::test]
async fn opens_then_echoes_the_message_set_sent_as_raw_json() {
    let echo = Echo::start();
    let url = echo.session_url();
    let mut s = HttpSession::open_with(&url, Receiver::Jsonp, Sender::JsonpRaw, false).await;
    echo_message_set(&mut s).await;
}

#[actix_web::test]
async fn markup_and_line_breaks_in_messages_stay_inside_the_callback() {
    breakouts_stay_inside_their_frame(Receiver::Jsonp).await;
}

#[actix_web::test]
async fn callbacks_outside_the_safe_set_or_over_64_chars_are_refused() {
    callbacks(Receiver::Jsonp).await;
}

/// A script answer: `/**/` first, `nosniff`, JavaScript.
fn assert_script_answer(r: &Response, what: &str) {
    r.assert_status(200);
    assert!(
        r.text().starts_with("/**/cb("),
        "{what}: {:?} does not start with /**/",
        r.text()
    );
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    r.verify_content_type("application/javascript;charset=UTF-8");
}

#[actix_web::test]
async fn every_answer_starts_with_a_comment_and_forbids_sniffing() {
    let echo = Echo::with(|s| s.heartbeat(Duration::from_millis(500)));
    let url = echo.session_url();
    let poll = format!("{url}/jsonp?c=cb");
    let r = get(&poll, &[]).await;
    assert_script_answer(&r, "open");
    r.assert_body("/**/cb(\"o\");\r\n");

    let mut pending = FrameStream::open(&url, Receiver::Jsonp, false).await;
    echo.attached(&url).await;
    let r = get(&poll, &[]).await;
    assert_script_answer(&r, "2010");
    r.assert_body("/**/cb(\"c[2010,\\\"Another connection still open\\\"]\");\r\n");

    let sent = Sender::JsonpForm
        .post(&url, false, b"d=%5B%22x%22%5D")
        .await;
    sent.assert_body("ok");
    assert_eq!(
        sent.header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "jsonp_send"
    );
    assert_eq!(pending.frame().await, Frame::Messages(vec!["x".into()]));
    pending.expect_end().await;

    let r = get(&poll, &[]).await;
    assert_script_answer(&r, "heartbeat");
    r.assert_body("/**/cb(\"h\");\r\n");

    Sender::JsonpForm.send(&url, false, &["y"]).await;
    let r = get(&poll, &[]).await;
    assert_script_answer(&r, "message");
    r.assert_body("/**/cb(\"a[\\\"y\\\"]\");\r\n");

    Sender::JsonpForm.send(&url, false, &[CLOSE_ME]).await;
    let r = get(&poll, &[]).await;
    assert_script_answer(&r, "close");
    assert!(r.text().starts_with("/**/cb(\"c[4321,"), "{:?}", r.text());
}

#[actix_web::test]
async fn close_frame_ends_the_poll_and_answers_every_later_poll() {
    close_frame(Receiver::Jsonp, false).await;
}

#[actix_web::test]
async fn aborted_poll_interrupts_the_session() {
    abort(Receiver::Jsonp, false).await;
}

#[actix_web::test]
async fn second_poll_gets_2010_and_the_first_carries_on() {
    second_receiver(Receiver::Jsonp).await;
}

#[actix_web::test]
async fn malformed_bodies_are_refused_and_deliver_nothing() {
    let echo = Echo::start();
    let mut s = HttpSession::open(&echo.session_url(), Receiver::Jsonp).await;
    let cases: [(Sender, &[u8], &str); 9] = [
        (Sender::JsonpForm, b"", "Payload expected."),
        (Sender::JsonpForm, b"x=%5B%22a%22%5D", "Payload expected."),
        (Sender::JsonpForm, b"d=", "Payload expected."),
        (Sender::JsonpForm, b"d=%5B%22a", "Broken JSON encoding."),
        (
            Sender::JsonpForm,
            b"d=%5B%22a%22%2C1%5D",
            "Broken JSON encoding.",
        ),
        (Sender::JsonpForm, b"d=%ZZ", "Broken JSON encoding."),
        (Sender::JsonpRaw, b"", "Payload expected."),
        (Sender::JsonpRaw, b"[\"a\", 1]", "Broken JSON encoding."),
        (
            Sender::JsonpRaw,
            b"d=%5B%22a%22%5D",
            "Broken JSON encoding.",
        ),
    ];
    for (sender, body, answer) in cases {
        let r = sender.post(&s.url, false, body).await;
        assert_eq!(
            r.status,
            500,
            "{sender:?} {:?}: {r:?}",
            String::from_utf8_lossy(body)
        );
        r.assert_body(answer);
    }
    s.send(&["fine"]).await;
    assert_eq!(s.messages().await, ["fine"]);
}

#[actix_web::test]
async fn bodies_have_the_limits_of_xhr_send() {
    let echo = Echo::with(|s| s.max_message_size(1024));
    let mut s = HttpSession::open(&echo.session_url(), Receiver::Jsonp).await;
    // `d=%5B%22` + n x's + `%22%5D` is n + 14 bytes.
    let form = |n: usize| format!("d=%5B%22{}%22%5D", "x".repeat(n)).into_bytes();
    let cases = [
        (Sender::JsonpForm, form(1010), form(1011)),
        (
            Sender::JsonpRaw,
            framed_of_size(1024).into_bytes(),
            framed_of_size(1025).into_bytes(),
        ),
    ];
    for (sender, fits, over) in &cases {
        assert_eq!((fits.len(), over.len()), (1024, 1025));
        let r = sender.post(&s.url, false, over).await;
        r.assert_status(413);
        r.assert_body_contains("1024 bytes");
        let r = sender.post_chunked(&s.url, over, 100).await;
        r.assert_status(413);
        r.assert_body_contains("1024 bytes");
        sender.assert_accepted(&sender.post(&s.url, false, fits).await);
    }
    assert_messages(&s.collect(2).await, &["x".repeat(1010), "x".repeat(1020)]);
}
