//! `JSONEncoding`: the server escapes what browsers mangle, and decodes what clients escape.

use crate::{common::client::*, suite};

/// Characters the server must send `\uXXXX`-escaped (the suite checks those from U+00FF up).
const SERVER_ESCAPED: &[(u32, u32)] = &[
    (0x0000, 0x001f),
    (0x200c, 0x200f),
    (0x2028, 0x202f),
    (0x2060, 0x206f),
    (0xfff0, 0xffff),
];

/// Characters a client escapes before sending (the suite's `escapable_by_client`).
const CLIENT_ESCAPED: &[(u32, u32)] = &[
    (0x0022, 0x0022),
    (0x005c, 0x005c),
    (0x0000, 0x001f),
    (0x007f, 0x009f),
    (0x00ad, 0x00ad),
    (0x0600, 0x0604),
    (0x070f, 0x070f),
    (0x17b4, 0x17b5),
    (0x2000, 0x20ff),
    (0xfeff, 0xfeff),
    (0xfff0, 0xffff),
    (0x0300, 0x0333),
    (0x033d, 0x0346),
    (0x034a, 0x034c),
    (0x0350, 0x0352),
    (0x0357, 0x0358),
    (0x035c, 0x0362),
    (0x0374, 0x0374),
    (0x037e, 0x037e),
    (0x0387, 0x0387),
    (0x0591, 0x05af),
    (0x05c4, 0x05c4),
    (0x0610, 0x0617),
    (0x0653, 0x0654),
    (0x0657, 0x065b),
    (0x065d, 0x065e),
    (0x06df, 0x06e2),
    (0x06eb, 0x06ec),
    (0x0730, 0x0730),
    (0x0732, 0x0733),
    (0x0735, 0x0736),
    (0x073a, 0x073a),
    (0x073d, 0x073d),
    (0x073f, 0x0741),
    (0x0743, 0x0743),
    (0x0745, 0x0745),
    (0x0747, 0x0747),
    (0x07eb, 0x07f1),
    (0x0951, 0x0951),
    (0x0958, 0x095f),
    (0x09dc, 0x09dd),
    (0x09df, 0x09df),
    (0x0a33, 0x0a33),
    (0x0a36, 0x0a36),
    (0x0a59, 0x0a5b),
    (0x0a5e, 0x0a5e),
    (0x0b5c, 0x0b5d),
    (0x0e38, 0x0e39),
    (0x0f43, 0x0f43),
    (0x0f4d, 0x0f4d),
    (0x0f52, 0x0f52),
    (0x0f57, 0x0f57),
    (0x0f5c, 0x0f5c),
    (0x0f69, 0x0f69),
    (0x0f72, 0x0f76),
    (0x0f78, 0x0f78),
    (0x0f80, 0x0f83),
    (0x0f93, 0x0f93),
    (0x0f9d, 0x0f9d),
    (0x0fa2, 0x0fa2),
    (0x0fa7, 0x0fa7),
    (0x0fac, 0x0fac),
    (0x0fb9, 0x0fb9),
    (0x1939, 0x193a),
    (0x1a17, 0x1a17),
    (0x1b6b, 0x1b6b),
    (0x1cda, 0x1cdb),
    (0x1dc0, 0x1dcf),
    (0x1dfc, 0x1dfc),
    (0x1dfe, 0x1dfe),
    (0x1f71, 0x1f71),
    (0x1f73, 0x1f73),
    (0x1f75, 0x1f75),
    (0x1f77, 0x1f77),
    (0x1f79, 0x1f79),
    (0x1f7b, 0x1f7b),
    (0x1f7d, 0x1f7d),
    (0x1fbb, 0x1fbb),
    (0x1fbe, 0x1fbe),
    (0x1fc9, 0x1fc9),
    (0x1fcb, 0x1fcb),
    (0x1fd3, 0x1fd3),
    (0x1fdb, 0x1fdb),
    (0x1fe3, 0x1fe3),
    (0x1feb, 0x1feb),
    (0x1fee, 0x1fef),
    (0x1ff9, 0x1ff9),
    (0x1ffb, 0x1ffb),
    (0x1ffd, 0x1ffd),
    (0x20d0, 0x20d1),
    (0x20d4, 0x20d7),
    (0x20e7, 0x20e9),
    (0x2126, 0x2126),
    (0x212a, 0x212b),
    (0x2329, 0x232a),
    (0x2adc, 0x2adc),
    (0x302b, 0x302c),
    (0xaab2, 0xaab3),
    (0xf900, 0xfa0d),
    (0xfa10, 0xfa10),
    (0xfa12, 0xfa12),
    (0xfa15, 0xfa1e),
    (0xfa20, 0xfa20),
    (0xfa22, 0xfa22),
    (0xfa25, 0xfa26),
    (0xfa2a, 0xfa2d),
    (0xfa30, 0xfa6d),
    (0xfa70, 0xfad9),
    (0xfb1d, 0xfb1d),
    (0xfb1f, 0xfb1f),
    (0xfb2a, 0xfb36),
    (0xfb38, 0xfb3c),
    (0xfb3e, 0xfb3e),
    (0xfb40, 0xfb41),
    (0xfb43, 0xfb44),
    (0xfb46, 0xfb4e),
];

/// The characters from `from` up in `ranges`, in code point order, each once.
fn chars_in(ranges: &[(u32, u32)], from: u32) -> Vec<char> {
    (from..=0xffff)
        .filter(|c| ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(c)))
        .filter_map(char::from_u32)
        .collect()
}

/// A JSON string literal with every character as a lowercase `\uXXXX` escape.
fn escaped_literal(chars: &[char]) -> String {
    let body: String = chars
        .iter()
        .map(|&c| format!("\\u{:04x}", c as u32))
        .collect();
    format!("\"{body}\"")
}

/// `r.body.strip()[2:-1]`: the string inside `a[…]`.
fn inner(r: &Response) -> String {
    let body = py_strip(&r.body);
    assert!(body.len() >= 3, "unexpected frame {:?}", r.text());
    String::from_utf8_lossy(&body[2..body.len() - 1]).into_owned()
}

#[actix_web::test]
async fn test_xhr_server_encodes() {
    let s = suite().await;
    let trans_url = session_url(&s.base);
    let r = post(&format!("{trans_url}/xhr"), &[], "").await;
    r.assert_body("o\n");
    r.assert_status(200);

    let chars = chars_in(SERVER_ESCAPED, 255);
    let raw: String = chars.iter().collect();
    let r = post(
        &format!("{trans_url}/xhr_send"),
        &[],
        &format!("[\"{raw}\"]"),
    )
    .await;
    r.assert_status(204);

    let r = post(&format!("{trans_url}/xhr"), &[], "").await;
    r.assert_status(200);
    // Exactly the escaped form: every one of these characters as `\uXXXX`.
    assert_eq!(inner(&r), escaped_literal(&chars));
}

#[actix_web::test]
async fn test_xhr_server_decodes() {
    let s = suite().await;
    let trans_url = session_url(&s.base);
    let r = post(&format!("{trans_url}/xhr"), &[], "").await;
    r.assert_body("o\n");
    r.assert_status(200);

    let sent = escaped_literal(&chars_in(CLIENT_ESCAPED, 0));
    let r = post(&format!("{trans_url}/xhr_send"), &[], &format!("[{sent}]")).await;
    r.assert_status(204);

    let r = post(&format!("{trans_url}/xhr"), &[], "").await;
    r.assert_status(200);
    // The same string comes back, however the server chose to escape it.
    let received: String = serde_json::from_str(&inner(&r)).expect("a JSON string");
    let expected: String = serde_json::from_str(&sent).expect("a JSON string");
    assert_eq!(received, expected);
}
