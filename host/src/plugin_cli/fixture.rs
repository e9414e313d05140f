//! `plugin run --fixture DIR`: one fixture case, as the scaffolds' `fixtures/` and the
//! repository's `tests/fixtures` lay it out:
//!
//! | file | content |
//! |---|---|
//! | `request.*` | the HTTP body, byte for byte (`request.json`, `request.txt`, ...; exactly one) |
//! | `headers.txt` | optional: one `Name: value` per line |
//! | `config.json` | optional: the webhook's plugin configuration (`{}` when absent) |
//!
//! Other files (`expected.json`, `source.txt`) are ignored.

use std::path::Path;

use anyhow::{Context, bail};
use serde_json::Value;

/// One case: the body, the headers (names lower-cased) and the configuration.
#[derive(Debug)]
pub struct Fixture {
    /// The request body.
    pub body: Vec<u8>,
    /// The request headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The plugin configuration (a JSON object).
    pub config: Value,
}

/// Reads the case in `dir`.
pub fn read(dir: &Path) -> anyhow::Result<Fixture> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    let mut bodies = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.is_file() && path.file_stem().is_some_and(|s| s == "request") {
            bodies.push(path);
        }
    }
    bodies.sort();
    let body_file = match bodies.as_slice() {
        [one] => one,
        [] => bail!(
            "{}: no request body (a file named request.json, request.txt, ...)",
            dir.display()
        ),
        many => bail!(
            "{}: more than one request body ({})",
            dir.display(),
            many.iter()
                .filter_map(|p| p.file_name())
                .map(|n| n.to_string_lossy())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let body =
        std::fs::read(body_file).with_context(|| format!("reading {}", body_file.display()))?;
    let headers = match optional(&dir.join("headers.txt"))? {
        Some(text) => parse_headers(&text).with_context(|| format!("{}", dir.display()))?,
        None => Vec::new(),
    };
    let config = match optional(&dir.join("config.json"))? {
        Some(text) => {
            let config: Value = serde_json::from_str(&text)
                .with_context(|| format!("{}/config.json is not JSON", dir.display()))?;
            if !config.is_object() {
                bail!("{}/config.json must be a JSON object", dir.display());
            }
            config
        }
        None => Value::Object(Default::default()),
    };
    Ok(Fixture {
        body,
        headers,
        config,
    })
}

/// The text of `path`, or `None` if there is no such file.
fn optional(path: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// `Name: value` lines (blank lines skipped), names lower-cased.
pub fn parse_headers(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (name, value) = line
                .split_once(':')
                .with_context(|| format!("header {line:?} must look like 'Name: value'"))?;
            Ok((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_case_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("request.txt"), b"payload=%7B%7D").unwrap();
        std::fs::write(
            dir.path().join("headers.txt"),
            "X-GitHub-Event: push\n\nContent-Type: application/x-www-form-urlencoded\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("expected.json"), "{}").unwrap();
        let case = read(dir.path()).unwrap();
        assert_eq!(case.body, b"payload=%7B%7D");
        assert_eq!(
            case.headers,
            [
                ("x-github-event".to_owned(), "push".to_owned()),
                (
                    "content-type".to_owned(),
                    "application/x-www-form-urlencoded".to_owned()
                )
            ]
        );
        assert_eq!(case.config, serde_json::json!({}));
        std::fs::write(dir.path().join("config.json"), "[1]").unwrap();
        let err = read(dir.path()).unwrap_err().to_string();
        assert!(err.ends_with("config.json must be a JSON object"), "{err}");
        std::fs::write(dir.path().join("request.json"), b"{}").unwrap();
        let err = read(dir.path()).unwrap_err().to_string();
        assert!(
            err.ends_with("more than one request body (request.json, request.txt)"),
            "{err}"
        );
    }

    #[test]
    fn a_case_needs_a_body() {
        let dir = tempfile::tempdir().unwrap();
        let err = read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("no request body"), "{err}");
    }
}
