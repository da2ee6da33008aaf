//! htmlfile: `htmlfile?c=<callback>` to receive (a page of
//! `<script>\np("<frame>");\n</script>\r\n` blocks), `xhr_send` to send.

use crate::support::*;

#[actix_web::test]
async fn opens_then_echoes_the_message_set_in_order() {
    let echo = Echo::start();
    let mut s = HttpSession::open(&echo.session_url(), Receiver::HtmlFile).await;
    echo_message_set(&mut s).await;
}

#[actix_web::test]
async fn markup_and_line_breaks_in_messages_stay_inside_one_script_block() {
    breakouts_stay_inside_their_frame(Receiver::HtmlFile).await;
}

#[actix_web::test]
async fn callbacks_outside_the_safe_set_or_over_64_chars_are_refused() {
    callbacks(Receiver::HtmlFile).await;
}

#[actix_web::test]
async fn response_ends_after_the_frame_reaching_the_limit() {
    response_limit(Receiver::HtmlFile, false).await;
}

#[actix_web::test]
async fn close_frame_ends_the_page_and_answers_every_later_request() {
    close_frame(Receiver::HtmlFile, false).await;
}

#[actix_web::test]
async fn aborted_page_interrupts_the_session() {
    abort(Receiver::HtmlFile, false).await;
}

#[actix_web::test]
async fn second_page_gets_2010_as_a_script_and_the_first_carries_on() {
    second_receiver(Receiver::HtmlFile).await;
}
