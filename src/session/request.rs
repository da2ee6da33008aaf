use std::net::SocketAddr;

use actix_web::{cookie::Cookie, http::header::HeaderMap, HttpRequest};

/// What the request that opened a session carried, kept for the session's
/// life: headers, peer address, path, query string and cookies.
///
/// ```no_run
/// use actix_sockjs::{Session, MessageStream};
///
/// async fn handler(session: Session, _messages: MessageStream) {
///     let req = session.request();
///     let token = req.query_param("token");
///     let user_agent = req.headers().get("user-agent");
///     let sid = req.cookie("sid");
///     println!("{:?} {token:?} {user_agent:?} {sid:?}", req.peer_addr());
/// }
/// ```
#[derive(Debug, Clone)]
pub struct RequestInfo {
    headers: HeaderMap,
    peer_addr: Option<SocketAddr>,
    path: Box<str>,
    query: Box<str>,
}

impl RequestInfo {
    pub(crate) fn from_request(req: &HttpRequest) -> Self {
        RequestInfo {
            headers: req.headers().clone(),
            peer_addr: req.peer_addr(),
            path: req.path().into(),
            query: req.query_string().into(),
        }
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The TCP peer (a proxy's address when behind one).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer_addr
    }

    /// The request path, for example `/echo/000/abc/xhr_streaming`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The raw query string, without `?`.
    pub fn query_string(&self) -> &str {
        &self.query
    }

    /// The first value of a query parameter, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&self.query)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The value of a cookie sent with the request.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(actix_web::http::header::COOKIE)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| Cookie::parse(pair.trim()).ok())
            .find(|c| c.name() == name)
            .map(|c| c.value().to_owned())
    }
}
