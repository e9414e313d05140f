//! A real headless Chromium for browser tests, driven over WebDriver (`chromedriver`, started
//! on a free port for each browser, with a fresh profile), and helpers that find elements the
//! way a person does: by role, label and text.

use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::TestApp;

/// How long a lookup waits for the page to catch up.
pub const WAIT: Duration = Duration::from_secs(10);

/// A browser session; the driver process ends with it.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    base: String,
    _driver: tokio::process::Child,
    _profile: tempfile::TempDir,
}

/// An XPath string literal for `text` (which may contain either kind of quote).
pub fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a window of `width` x 900 pixels.
    pub async fn start(app: &TestApp, width: u32) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = tokio::process::Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver is installed (Debian package chromium-driver)");
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={width},900"),
                ],
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let caps = caps.as_object().expect("object").clone();
        let url = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) => {
                    assert!(
                        tokio::time::Instant::now() < deadline,
                        "chromedriver did not start: {e}"
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        };
        Browser {
            client,
            base: app.base.clone(),
            _driver: driver,
            _profile: profile,
        }
    }

    /// Opens a path of the app.
    pub async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("navigate");
    }

    /// Waits for the element an XPath expression names.
    pub async fn find(&self, xpath: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("no element {xpath}: {e}"))
    }

    /// How many elements an XPath expression names right now.
    pub async fn count(&self, xpath: &str) -> usize {
        self.client
            .find_all(Locator::XPath(xpath))
            .await
            .expect("find_all")
            .len()
    }

    /// The button (or link) with this visible text or accessible label.
    pub async fn button(&self, text: &str) -> Element {
        let t = xpath_literal(text);
        self.find(&format!(
            "//*[(self::button or self::a or @role='tab') and (normalize-space()={t} or @aria-label={t})]"
        ))
        .await
    }

    /// Clicks the button with this text or label.
    pub async fn click(&self, text: &str) {
        self.button(text).await.click().await.expect("click");
    }

    /// The form control labelled `label`.
    pub async fn field(&self, label: &str) -> Element {
        let l = xpath_literal(label);
        self.find(&format!("//*[@id=//label[normalize-space()={l}]/@for]"))
            .await
    }

    /// Types `text` into the (emptied) control labelled `label`.
    pub async fn fill(&self, label: &str, text: &str) {
        let field = self.field(label).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    /// The value of the control labelled `label`.
    pub async fn value(&self, label: &str) -> String {
        self.field(label)
            .await
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default()
    }

    /// Waits until the page shows `text` somewhere.
    pub async fn see(&self, text: &str) -> Element {
        let t = xpath_literal(text);
        self.find(&format!(
            "//body//*[contains(normalize-space(text()), {t})]"
        ))
        .await
    }

    /// Runs JavaScript in the page and returns its result.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Polls a JavaScript expression until it is `true`; fails with `what` after `within`.
    pub async fn until(&self, within: Duration, what: &str, expression: &str) {
        let deadline = tokio::time::Instant::now() + within;
        let script = format!("return Boolean({expression});");
        while self.js(&script).await != Value::Bool(true) {
            assert!(tokio::time::Instant::now() < deadline, "{what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Signs in through the sign-in form and waits for the chat view.
    pub async fn sign_in(&self, login: &str, password: &str) {
        self.open("/").await;
        self.fill("Username or email", login).await;
        self.fill("Password", password).await;
        self.click("Sign in").await;
        self.find("//h1[normalize-space()='# general']").await;
        self.see("Live").await;
    }

    /// The browser console's errors so far (Chromium's `browser` log, level SEVERE).
    pub async fn console_errors(&self) -> Vec<String> {
        let log = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .expect("reading the browser log");
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Takes a PNG screenshot of the window. With `WASMHOOK_SCREENSHOTS=1` it is saved as
    /// `docs/screenshots/<name>` (the README's pictures); otherwise it is only checked, so a
    /// test run leaves the work tree untouched.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG image");
        if std::env::var_os("WASMHOOK_SCREENSHOTS").is_some_and(|v| v == "1") {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
            std::fs::create_dir_all(&dir).expect("screenshot dir");
            std::fs::write(dir.join(name), png).expect("writing the screenshot");
        }
    }

    /// Ends the browser session.
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// chromedriver's log endpoint (`POST /session/{id}/se/log` {"type": "browser"}).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}
