//! Request bodies (`xhr_send`, `jsonp_send`): bounded in size.

use actix_web::http::header;
use actix_web::HttpRequest;
use std::future::Future;
use std::task::Poll;
use std::time::Duration;

use futures_util::StreamExt;

use super::RequestError;

/// Reads a request body of at most `limit` bytes within `deadline`; a
/// larger one, declared or sent, is refused as soon as that is known, and
/// one that does not end in time (a stalled chunked body, a Content-Length
/// larger than what comes) is given up.
pub(crate) async fn read(
    req: &HttpRequest,
    payload: actix_web::dev::Payload,
    limit: usize,
    deadline: Duration,
) -> Result<bytes::Bytes, RequestError> {
    let mut body = std::pin::pin!(read_all(req, payload, limit));
    // actix polls a request's future once before it hands over the body it
    // read with the head, and again at once: that second poll usually finds
    // the body whole. The deadline gets a timer only for a body still
    // coming then (a timer for every send is an insert into tokio's wheel
    // and a removal). The first poll wakes the task itself, so the second
    // comes even when no body does.
    let mut first = true;
    let early = std::future::poll_fn(|cx| match body.as_mut().poll(cx) {
        Poll::Ready(read) => Poll::Ready(Some(read)),
        Poll::Pending if first => {
            first = false;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Poll::Pending => Poll::Ready(None),
    })
    .await;
    match early {
        Some(read) => read,
        None => match tokio::time::timeout(deadline, body).await {
            Ok(read) => read,
            Err(_) => Err(RequestError::BodyTimeout),
        },
    }
}

async fn read_all(
    req: &HttpRequest,
    mut payload: actix_web::dev::Payload,
    limit: usize,
) -> Result<bytes::Bytes, RequestError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(RequestError::TooLarge(limit));
    }
    let mut body = bytes::BytesMut::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::debug!("{}: body read failed: {e}", req.path());
            RequestError::IncompleteBody
        })?;
        if body.len() + chunk.len() > limit {
            return Err(RequestError::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// True for a form post (`application/x-www-form-urlencoded`).
pub(crate) fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}
