//! A small STOMP 1.2 broker over SockJS, for STOMP clients such as
//! @stomp/stompjs (with client-js or sockjs-client as its socket) and
//! Spring's: `cargo run --example stomp`, then open http://127.0.0.1:8080.
//!
//! It speaks CONNECT/STOMP → CONNECTED, SUBSCRIBE/UNSUBSCRIBE, SEND →
//! MESSAGE to every subscription of the destination (each with its own
//! `subscription` header, through `Group::broadcast_with`), receipts on any
//! frame, DISCONNECT, and ERROR (then close) for a frame it cannot parse.
//! Heart-beats are not negotiated (`heart-beat:0,0`): SockJS has its own.
//! A session holds at most 1,000 subscriptions (ERROR past them), and a
//! destination nobody subscribes to is forgotten.
//! `PORT` changes the port.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use actix_sockjs::{Group, Message, MessageStream, Session, SessionKey, SockJs};
use actix_web::{web, App, HttpResponse, HttpServer};

/// One STOMP frame.
#[derive(Debug, Clone, PartialEq)]
struct Frame {
    command: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Frame {
    fn new(command: &str) -> Frame {
        Frame {
            command: command.to_owned(),
            headers: Vec::new(),
            body: String::new(),
        }
    }

    fn header(mut self, name: &str, value: &str) -> Frame {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The first value of a header (STOMP 1.2: the first one wins).
    fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The frame on the wire: command, escaped headers, blank line, body, NUL.
    fn encode(&self) -> String {
        let mut out = String::with_capacity(64 + self.body.len());
        out.push_str(&self.command);
        out.push('\n');
        for (n, v) in &self.headers {
            out.push_str(&escape(n));
            out.push(':');
            out.push_str(&escape(v));
            out.push('\n');
        }
        if !self.body.is_empty() {
            out.push_str(&format!("content-length:{}\n", self.body.len()));
        }
        out.push('\n');
        out.push_str(&self.body);
        out.push('\0');
        out
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            ':' => out.push_str("\\c"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('c') => out.push(':'),
            other => {
                return Err(format!(
                    "bad escape \\{}",
                    other.map_or(String::new(), String::from)
                ))
            }
        }
    }
    Ok(out)
}

/// Takes the complete frames out of `buf` (what the client sent so far);
/// leading end-of-lines are heart-beats and are skipped.
fn parse(buf: &mut String) -> Result<Vec<Frame>, String> {
    let mut frames = Vec::new();
    loop {
        let start = buf.len() - buf.trim_start_matches(['\n', '\r']).len();
        buf.drain(..start);
        let Some(head_end) = buf.find("\n\n").or_else(|| buf.find("\r\n\r\n")) else {
            return Ok(frames);
        };
        let sep = if buf[head_end..].starts_with("\r\n\r\n") {
            4
        } else {
            2
        };
        let head = buf[..head_end].replace("\r\n", "\n");
        let mut lines = head.split('\n');
        let command = lines.next().unwrap_or_default().to_owned();
        let mut headers = Vec::new();
        for line in lines {
            let (n, v) = line
                .split_once(':')
                .ok_or_else(|| format!("header without a colon: {line:?}"))?;
            headers.push((unescape(n)?, unescape(v)?));
        }
        let body_start = head_end + sep;
        let length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map(|(_, v)| {
                v.trim()
                    .parse::<usize>()
                    .map_err(|_| "bad content-length".to_owned())
            })
            .transpose()?;
        let body_end = match length {
            Some(n) if buf.len() > body_start + n => body_start + n,
            Some(_) => return Ok(frames),
            None => match buf[body_start..].find('\0') {
                Some(i) => body_start + i,
                None => return Ok(frames),
            },
        };
        if buf.as_bytes().get(body_end) != Some(&0) {
            return Err("frame not terminated by NUL".into());
        }
        let body = buf
            .get(body_start..body_end)
            .ok_or("body is not text")?
            .to_owned();
        buf.drain(..=body_end);
        frames.push(Frame {
            command,
            headers,
            body,
        });
    }
}

/// The most subscriptions one session may hold: each costs the server a
/// little memory for as long as it lasts.
const MAX_SUBSCRIPTIONS: usize = 1000;

/// A destination's subscribers: a group, and each member's subscription ids.
type Subscribers = (Group, HashMap<SessionKey, Vec<String>>);

/// Destinations and who subscribed to them.
#[derive(Default)]
struct Broker {
    destinations: Mutex<HashMap<String, Subscribers>>,
    next_id: AtomicU64,
}

impl Broker {
    fn subscribe(&self, session: &Session, destination: &str, id: &str) {
        let mut d = self.destinations.lock().unwrap_or_else(|e| e.into_inner());
        let (group, ids) = d.entry(destination.to_owned()).or_default();
        group.join(session);
        ids.entry(session.key()).or_default().push(id.to_owned());
    }

    /// Ends the subscription `id`; the number of subscriptions it ended.
    fn unsubscribe(&self, session: &Session, id: &str) -> usize {
        let mut d = self.destinations.lock().unwrap_or_else(|e| e.into_inner());
        let mut ended = 0;
        for (group, ids) in d.values_mut() {
            if let Some(list) = ids.get_mut(&session.key()) {
                let before = list.len();
                list.retain(|s| s != id);
                ended += before - list.len();
                if list.is_empty() {
                    ids.remove(&session.key());
                    group.leave(session);
                }
            }
        }
        // A destination nobody subscribes to is forgotten: clients name
        // them, and would otherwise grow the map for the server's life.
        d.retain(|_, (_, ids)| !ids.is_empty());
        ended
    }

    fn gone(&self, session: &Session) {
        let mut d = self.destinations.lock().unwrap_or_else(|e| e.into_inner());
        for (_, ids) in d.values_mut() {
            ids.remove(&session.key());
        }
        d.retain(|_, (_, ids)| !ids.is_empty());
    }

    /// A MESSAGE to every subscription of `destination`: the body is the
    /// same, the `subscription` header each member's own.
    fn publish(&self, destination: &str, frame: &Frame) {
        let d = self.destinations.lock().unwrap_or_else(|e| e.into_inner());
        let Some((group, ids)) = d.get(destination) else {
            return;
        };
        let message_id = self.next_id.fetch_add(1, Ordering::Relaxed);
        group.broadcast_with(|member| {
            let subs = ids.get(&member.key())?;
            // One SockJS message may carry several STOMP frames.
            let frames: String = subs
                .iter()
                .map(|sub| {
                    let mut m = Frame::new("MESSAGE")
                        .header("destination", destination)
                        .header("message-id", &message_id.to_string())
                        .header("subscription", sub);
                    if let Some(t) = frame.get("content-type") {
                        m = m.header("content-type", t);
                    }
                    m.body = frame.body.clone();
                    m.encode()
                })
                .collect();
            Some(Message::new(frames))
        });
    }
}

async fn client(broker: Arc<Broker>, session: Session, mut messages: MessageStream) {
    let mut buf = String::new();
    let mut connected = false;
    // Subscriptions of this session, within MAX_SUBSCRIPTIONS.
    let mut subscriptions = 0usize;
    'session: while let Some(text) = messages.recv().await {
        buf.push_str(&text);
        if buf.len() > 1 << 20 {
            let _ = session
                .send(
                    Frame::new("ERROR")
                        .header("message", "frame too large")
                        .encode(),
                )
                .await;
            session.close(1009, "Frame too large");
            break;
        }
        let frames = match parse(&mut buf) {
            Ok(f) => f,
            Err(why) => {
                let _ = session
                    .send(Frame::new("ERROR").header("message", &why).encode())
                    .await;
                session.close(3000, "Protocol error");
                break;
            }
        };
        for frame in frames {
            let reply = match frame.command.as_str() {
                "CONNECT" | "STOMP" => {
                    connected = true;
                    Some(
                        Frame::new("CONNECTED")
                            .header("version", "1.2")
                            .header("heart-beat", "0,0")
                            .header("server", "actix-sockjs-stomp"),
                    )
                }
                _ if !connected => Some(Frame::new("ERROR").header("message", "CONNECT first")),
                "SUBSCRIBE" => match (frame.get("destination"), frame.get("id")) {
                    _ if subscriptions >= MAX_SUBSCRIPTIONS => {
                        Some(Frame::new("ERROR").header("message", "too many subscriptions"))
                    }
                    (Some(d), Some(id)) => {
                        broker.subscribe(&session, d, id);
                        subscriptions += 1;
                        None
                    }
                    _ => Some(
                        Frame::new("ERROR").header("message", "SUBSCRIBE needs destination and id"),
                    ),
                },
                "UNSUBSCRIBE" => {
                    if let Some(id) = frame.get("id") {
                        subscriptions -= broker.unsubscribe(&session, id).min(subscriptions);
                    }
                    None
                }
                "SEND" => match frame.get("destination") {
                    Some(d) => {
                        broker.publish(d, &frame);
                        None
                    }
                    None => Some(Frame::new("ERROR").header("message", "SEND needs a destination")),
                },
                "DISCONNECT" => {
                    if let Some(r) = frame.get("receipt") {
                        let _ = session
                            .send(Frame::new("RECEIPT").header("receipt-id", r).encode())
                            .await;
                    }
                    session.close(1000, "Bye");
                    break 'session;
                }
                other => {
                    Some(Frame::new("ERROR").header("message", &format!("unknown command {other}")))
                }
            };
            let error = reply.as_ref().is_some_and(|r| r.command == "ERROR");
            if let Some(reply) = reply {
                let _ = session.send(reply.encode()).await;
            }
            if let (Some(r), false) = (frame.get("receipt"), error) {
                let _ = session
                    .send(Frame::new("RECEIPT").header("receipt-id", r).encode())
                    .await;
            }
            if error {
                session.close(3000, "Protocol error");
                break 'session;
            }
        }
    }
    broker.gone(&session);
}

const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>STOMP over SockJS</title>
<script src="/sockjs.min.js"></script>
<script src="https://cdn.jsdelivr.net/npm/@stomp/stompjs@7/bundles/stomp.umd.min.js"></script>
<p>Messages to <code>/topic/chat</code>:</p>
<ul id="log"></ul>
<input id="text" placeholder="say something"> <button id="send">send</button>
<script>
  var client = new StompJs.Client({
    webSocketFactory: function () { return new SockJS("/stomp"); },
    onConnect: function () {
      client.subscribe("/topic/chat", function (m) {
        var li = document.createElement("li");
        li.textContent = m.body;
        document.getElementById("log").appendChild(li);
      });
    }
  });
  client.activate();
  document.getElementById("send").onclick = function () {
    client.publish({ destination: "/topic/chat", body: document.getElementById("text").value });
  };
</script>
"#;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let broker = Arc::new(Broker::default());
    let stomp =
        SockJs::new(move |s, m| client(broker.clone(), s, m)).sockjs_url("/sockjs-iframe.min.js");
    let server = HttpServer::new(move || {
        App::new()
            .route(
                "/",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=UTF-8")
                        .body(PAGE)
                }),
            )
            .service(actix_sockjs::client_js::script("/sockjs.min.js"))
            .service(actix_sockjs::client_js::iframe_script(
                "/sockjs-iframe.min.js",
            ))
            .service(stomp.scope("/stomp"))
    })
    .h1_allow_half_closed(false)
    // A client that stops reading is dropped 30 s later (actix-web has no
    // write timeout of its own).
    .on_connect(actix_sockjs::drop_stalled_connections(
        std::time::Duration::from_secs(30),
    ))
    .bind(("127.0.0.1", port))?;
    println!("STOMP over SockJS on http://127.0.0.1:{port}/ (endpoint /stomp)");
    server.run().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_with_escapes_nul_and_korean() {
        let f = Frame::new("SEND")
            .header("destination", "/topic/a:b")
            .header("note", "line\nbreak\\");
        let mut f = f;
        f.body = "안녕하세요".into();
        let mut wire = format!("\n\n{}", f.encode());
        let mut got = parse(&mut wire).unwrap();
        assert!(wire.is_empty());
        assert_eq!(got.len(), 1);
        let g = got.remove(0);
        assert_eq!(g.get("destination"), Some("/topic/a:b"));
        assert_eq!(g.get("note"), Some("line\nbreak\\"));
        assert_eq!(g.body, "안녕하세요");
    }

    #[test]
    fn a_body_with_nul_inside_needs_content_length() {
        let mut wire = "SEND\ndestination:/q\ncontent-length:3\n\na\0b\0".to_owned();
        let got = parse(&mut wire).unwrap();
        assert_eq!(got[0].body, "a\0b");
    }

    #[test]
    fn partial_frames_wait_and_bad_ones_are_errors() {
        let mut wire = "SEND\ndestination:/q\n\nhal".to_owned();
        assert!(parse(&mut wire).unwrap().is_empty());
        wire.push_str("f\0SEND\n");
        assert_eq!(parse(&mut wire).unwrap()[0].body, "half");
        assert_eq!(wire, "SEND\n");
        let mut bad = "SEND\nno colon\n\n\0".to_owned();
        assert!(parse(&mut bad).is_err());
    }
}
