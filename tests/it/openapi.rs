//! The OpenAPI document at `/api/openapi.json`: OpenAPI 3.1, every route the HTTP layer
//! registers documented (and nothing else), every reference resolved, every error in the one
//! error shape; and the page at `/api/docs` that renders it. Conformance of the live server to
//! the document is schemathesis's job (`tests/schemathesis/run.sh`, run by `.ci/test`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use wasmhook_tests::TestApp;

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

async fn document(app: &TestApp) -> Value {
    let resp = app
        .client
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let text = resp.text().await.expect("body");
    serde_json::from_str(&text).expect("the document is JSON")
}

/// `(method, path)` of every operation of the document.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                ops.insert((method.to_owned(), path.clone()));
            }
        }
    }
    ops
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text between the parenthesis at `open` and its match.
fn balanced(text: &str, open: usize) -> &str {
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parentheses after {}", &text[open..open + 40]);
}

/// Methods a method-router expression registers: `get(..)`, `.post(..)`, ... The execute
/// routes' `execute_with(dialect)` builds a `post(..)` (host/src/http/execute.rs).
fn methods_of(expr: &str) -> Vec<String> {
    let mut found = Vec::new();
    for method in METHODS.iter().copied().chain(["execute_with"]) {
        let needle = format!("{method}(");
        let mut from = 0;
        while let Some(at) = expr[from..].find(&needle) {
            let start = from + at;
            let before = expr[..start].chars().next_back();
            if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                found.push(
                    if method == "execute_with" {
                        "post"
                    } else {
                        method
                    }
                    .to_owned(),
                );
            }
            from = start + needle.len();
        }
    }
    found
}

/// `(method, path)` of every `.route("...", ...)` in the HTTP layer's source (the web app's
/// pages live in host/src/web and are not API routes).
fn registered() -> BTreeSet<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../host/src/http");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let mut routes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        let mut from = 0;
        while let Some(at) = text[from..].find(".route(") {
            let open = from + at + ".route".len();
            let args = balanced(&text, open);
            from = open + args.len();
            let Some(rest) = args.trim_start().strip_prefix('"') else {
                panic!(
                    "{}: a route whose path is no literal: {args}",
                    file.display()
                );
            };
            let (path, expr) = rest.split_once('"').expect("closing quote");
            let path = path.replace("{*", "{");
            let methods = methods_of(expr);
            assert!(
                !methods.is_empty(),
                "{}: no method in {expr}",
                file.display()
            );
            for method in methods {
                routes.insert((method, path.clone()));
            }
        }
    }
    routes
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_documents_every_route() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3.1"), "{version}");
    assert_eq!(doc["info"]["title"], "wasmhook");

    let registered = registered();
    // The parse found the API, not a handful of stray matches.
    assert!(registered.len() > 70, "{registered:?}");
    assert!(registered.contains(&(
        "post".into(),
        "/api/webhooks/execute/{token}/{suffix}".into()
    )));
    let documented = documented(&doc);
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&registered).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    assert!(
        stale.is_empty(),
        "documented operations with no route: {stale:?}"
    );
}

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_operation_documents_its_errors_in_the_one_error_shape() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;

    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {r}"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{r} does not resolve"
        );
    }
    let error = &doc["components"]["schemas"]["ErrorBody"];
    assert_eq!(error["required"], serde_json::json!(["error"]));

    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "wasmhook_session");
    assert_eq!(schemes["access_token"]["in"], "query");

    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let foreign = op["tags"][0] == "foreign formats";
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2') || s == "101"),
                "{method} {path}: no success response"
            );
            for status in ["500", "503"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path}: no {status}"
                );
            }
            let secured = op.get("security").is_none_or(|s| {
                s.as_array()
                    .unwrap()
                    .iter()
                    .any(|r| !r.as_object().unwrap().is_empty())
            });
            if secured {
                assert!(responses.contains_key("401"), "{method} {path}: no 401");
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path}: no 404");
            }
            if foreign {
                continue;
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    // Those that need a credential say so, those that do not say that too.
    assert_eq!(
        doc["paths"]["/healthz"]["get"]["security"],
        serde_json::json!([{}])
    );
    assert!(doc["paths"]["/api/me"]["get"].get("security").is_none());
    assert_eq!(
        doc["security"],
        serde_json::json!([{ "bearer": [] }, { "session": [] }])
    );
}

#[tokio::test]
async fn the_docs_page_renders_the_served_document_without_outside_resources() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(format!("{}/api/docs", app.base))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    let headers = resp.headers().clone();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    let page = resp.text().await.expect("body");
    assert!(page.contains("fetch(\"/api/openapi.json\")"));
    // Nothing is loaded from elsewhere, and document strings never become HTML.
    assert!(!page.contains("src=\"http"), "an outside resource");
    assert!(!page.contains("<link"), "an outside stylesheet");
    assert!(!page.contains("innerHTML"));
}
