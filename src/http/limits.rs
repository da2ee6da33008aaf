//! Refusals at a limit, logged where an operator sees them (warn), with
//! what to change; at most once per [`Limits::EVERY`] per kind, with how
//! many were refused since, so a hostile client cannot flood the log.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::HttpRequest;

use super::RequestError;
use crate::config::Config;

#[derive(Debug, Default)]
pub(crate) struct LimitLog {
    /// Per kind: when it was last logged at warn, and refusals since.
    last: Mutex<[(Option<Instant>, u64); 4]>,
}

impl LimitLog {
    const EVERY: Duration = Duration::from_secs(10);

    pub(crate) fn log(&self, req: &HttpRequest, e: &RequestError, config: &Config) {
        let kind = match e {
            RequestError::TooManySessions => 0,
            RequestError::TooLarge(_) => 1,
            RequestError::BodyTimeout => 2,
            _ => 3,
        };
        let since = {
            let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
            let (at, count) = &mut last[kind];
            *count += 1;
            match at {
                Some(t) if t.elapsed() < Self::EVERY => None,
                _ => {
                    *at = Some(Instant::now());
                    Some(std::mem::take(count))
                }
            }
        };
        let Some(n) = since else {
            tracing::debug!(
                "{} {}: {} {e}",
                req.method(),
                req.path(),
                e.status_code_u16()
            );
            return;
        };
        let advice = match e {
            RequestError::TooManySessions => format!(
                "the service is at max_sessions ({}); raise `.max_sessions(..)` or add nodes",
                config.max_sessions
            ),
            RequestError::TooLarge(limit) => format!(
                "a send over max_message_size ({limit} bytes); raise `.max_message_size(..)` \
                 if clients legitimately send more"
            ),
            RequestError::BodyTimeout => format!(
                "a send's body did not arrive within body_timeout ({:?}): slow clients or a \
                 stalled proxy; raise `.body_timeout(..)` if they are legitimate",
                config.body_timeout
            ),
            RequestError::ClusterUnavailable => {
                "Redis cannot be reached: requests for sessions on other nodes are refused"
                    .to_owned()
            }
            _ => "the service is shutting down".to_owned(),
        };
        tracing::warn!(
            "refused {} {}: {e} ({advice}; {n} such refusals in the last {}s or since start)",
            req.method(),
            req.path(),
            Self::EVERY.as_secs()
        );
    }
}
