//! WeCom (企业微信) group robot: `msgtype: markdown`, content at most 4096 bytes
//! (https://developer.work.weixin.qq.com/document/path/91770).

use serde_json::{Value, json};

use crate::outgoing::summary::Summary;

/// WeCom's limit on markdown content, in bytes.
pub const CONTENT_LIMIT_BYTES: usize = 4096;

/// Cuts `s` to at most `max` bytes on a character boundary.
pub fn truncate_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The robot body.
pub fn body(summary: &Summary) -> Value {
    json!({
        "msgtype": "markdown",
        "markdown": {"content": truncate_bytes(&summary.markdown(), CONTENT_LIMIT_BYTES)},
    })
}
