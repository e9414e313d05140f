//! The plugin studio in real headless Chromium against the real server (issue 20): plugins
//! (upload, the API's refusal shown), a webhook's plugin and JSON configuration, the live
//! delivery log with replay, the playground, outgoing webhooks with their log, what a plain
//! member reaches, and hostile delivery content. With `WASMHOOK_SCREENSHOTS=1` the README's
//! screenshots of the deliveries list and the playground are saved to `docs/screenshots/`.
//! Its length is earned: end-to-end browser flows, one per acceptance line of the issue,
//! each of which only reads well in one piece.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use wasmhook_test_artifacts as artifacts;
use wasmhook_tests::browser::{Browser, xpath_literal};
use wasmhook_tests::receiver::Receiver;
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

/// A GitHub fixture: its headers and body.
fn github_fixture(name: &str) -> (Vec<(String, String)>, String) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/github")
        .join(name);
    let headers = std::fs::read_to_string(dir.join("headers.txt"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    (
        headers,
        std::fs::read_to_string(dir.join("request.json")).unwrap(),
    )
}

/// Posts raw bytes with headers to a webhook URL path; returns the status.
async fn post_to(app: &TestApp, path: &str, headers: &[(String, String)], body: &str) -> u16 {
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_raw(path, &pairs, body.to_owned())
        .await
        .status
        .as_u16()
}

/// The number of bytes a size as the studio's pages show it ("1.1 MiB", "64.0 KiB", "12 B")
/// stands for, and half its last digit (how far rounding may have moved it).
fn shown_size(text: &str) -> (f64, f64) {
    let (number, unit) = text
        .split_once(' ')
        .unwrap_or_else(|| panic!("a size: {text:?}"));
    let number: f64 = number
        .parse()
        .unwrap_or_else(|_| panic!("a size: {text:?}"));
    let unit = match unit {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        _ => panic!("a size: {text:?}"),
    };
    (number * unit, 0.05 * unit)
}

/// A signed-in admin's browser on a fresh server.
pub(crate) async fn admin_browser(app: &TestApp) -> Browser {
    let (alice, _) = app.user("alice", "admin").await;
    app.join_channel(&alice).await;
    let browser = Browser::start(app, 1280).await;
    browser.sign_in("alice", "password-123").await;
    browser
}

pub(crate) async fn assert_console_errors_only(browser: &Browser, provoked: &[(&str, u16)]) {
    let errors: Vec<String> = browser
        .console_errors()
        .await
        .into_iter()
        .filter(|e| {
            !provoked.iter().any(|(path, status)| {
                e.contains(path)
                    && e.contains(&format!("the server responded with a status of {status}"))
            })
        })
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}

#[tokio::test]
async fn plugins_are_uploaded_through_the_page_and_a_core_module_is_refused_verbatim() {
    let app = TestApp::spawn().await;
    let browser = admin_browser(&app).await;
    browser.click("Plugins").await;
    browser
        .find(
            "//td[normalize-space()='github']/following-sibling::td[normalize-space()='built-in']",
        )
        .await;

    // A core module: the API's refusal appears beside the file field, word for word.
    let dir = tempfile::tempdir().unwrap();
    let core = dir.path().join("core.wasm");
    let core_bytes = b"\0asm\x01\0\0\0".to_vec();
    std::fs::write(&core, &core_bytes).unwrap();
    let refusal = app.upload_bytes(core_bytes, "core", "0.1.0").await;
    let message = refusal.expect_error(422, "validation_failed", Some("body"))["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    browser.fill("Plugin name", "core").await;
    browser
        .field("Component (.wasm)")
        .await
        .send_keys(core.to_str().unwrap())
        .await
        .unwrap();
    browser.click("Upload plugin").await;
    browser
        .find(&format!(
            "//p[contains(@class,'field-error') and normalize-space()={}]",
            xpath_literal(
                message
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .as_str()
            )
        ))
        .await;
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM plugins WHERE name = 'core'")
            .await,
        0
    );

    // A real component is stored and listed with its size, digest and language.
    browser.fill("Plugin name", "flaky").await;
    browser
        .field("Component (.wasm)")
        .await
        .send_keys(artifacts::FLAKY)
        .await
        .unwrap();
    browser.click("Upload plugin").await;
    browser.see("Plugin flaky 0.1.0 uploaded.").await;
    let listed = app
        .get(
            &format!("/api/communities/{}/plugins", app.community_id),
            ADMIN_TOKEN,
        )
        .await
        .expect(200);
    let flaky = listed["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "flaky")
        .expect("flaky is stored")
        .clone();
    browser
        .find(&format!(
            "//tr[td[normalize-space()='flaky']]//code[normalize-space()='{}']",
            flaky["sha256"].as_str().unwrap()
        ))
        .await;
    assert_eq!(flaky["language"], "Rust", "{flaky}");
    browser
        .find("//tr[td[normalize-space()='flaky']]/td[4][normalize-space()='Rust']")
        .await;
    browser
        .find("//tr[td[normalize-space()='github']]/td[4][normalize-space()='Rust']")
        .await;

    // Deleting is refused while a webhook uses it, naming the webhook.
    let hook = app.webhook("Uses flaky").await;
    app.patch(
        &format!("/api/webhooks/{}", hook["id"].as_str().unwrap()),
        ADMIN_TOKEN,
        json!({ "plugin_id": flaky["id"] }),
    )
    .await
    .expect(200);
    browser.client.refresh().await.unwrap();
    browser
        .find("//tr[td[normalize-space()='flaky']]//a[normalize-space()='Uses flaky']")
        .await;
    browser.click("Delete flaky 0.1.0").await;
    browser
        .find("//dialog[@open]//button[normalize-space()='Delete']")
        .await
        .click()
        .await
        .unwrap();
    browser.see("detach it first (used by: Uses flaky)").await;
    assert_console_errors_only(&browser, &[("/plugins", 422), ("/api/plugins/", 409)]).await;
    browser.close().await;
}

#[tokio::test]
async fn a_failure_appears_live_and_is_fixed_and_replayed_from_the_page() {
    let app = TestApp::spawn().await;
    let browser = admin_browser(&app).await;

    // Attach the built-in GitHub plugin with a secret on the webhook's page; the editor
    // shows a JSON syntax error before anything is saved.
    let github = app.webhook("GitHub").await;
    let github_id = github["id"].as_str().unwrap();
    browser.open(&format!("/webhooks/{github_id}")).await;
    browser
        .field("Plugin")
        .await
        .select_by_value(&wasmhook::builtins::builtin_id("github").to_string())
        .await
        .unwrap();
    browser
        .fill("Configuration (JSON)", r#"{"secret": "It's a Secret"#)
        .await;
    browser.see("JSON syntax error").await;
    assert_eq!(
        browser
            .button("Save plugin settings")
            .await
            .prop("disabled")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    // A key the plugin does not know is refused by the server, named beside the field.
    browser
        .fill(
            "Configuration (JSON)",
            r#"{"secret": "s", "colour": "red"}"#,
        )
        .await;
    browser.click("Save plugin settings").await;
    browser
        .see("plugin_config.colour: unknown field `colour`")
        .await;
    assert_eq!(
        browser
            .field("Configuration (JSON)")
            .await
            .attr("aria-invalid")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    browser
        .fill(
            "Configuration (JSON)",
            r#"{"secret": "It's a Secret to Everybody"}"#,
        )
        .await;
    browser.click("Save plugin settings").await;
    browser.see("Plugin settings saved.").await;
    browser.see("/api/webhooks/execute/<token>/<suffix>").await;
    let saved = app
        .get(&format!("/api/webhooks/{github_id}"), ADMIN_TOKEN)
        .await
        .expect(200);
    assert_eq!(
        saved["plugin_config"]["secret"],
        "It's a Secret to Everybody"
    );

    // A signed fixture posts its message in the channel.
    let (headers, body) = github_fixture("push-signed-valid");
    let token = github["token"].as_str().unwrap();
    let path = format!("/api/webhooks/execute/{token}/github");
    assert_eq!(post_to(&app, &path, &headers, &body).await, 201);
    browser.open(&format!("/channels/{}", app.channel_id)).await;
    browser
        .find("//article[@aria-label='Message from GitHub']//a[normalize-space()='Codertocat/Hello-World']")
        .await;

    // A payload that makes the flaky plugin fail appears in the open list, without a reload.
    let flaky = app
        .plugin_webhook(artifacts::FLAKY, "flaky", json!({ "fail": true }))
        .await;
    let flaky_id = flaky["id"].as_str().unwrap();
    browser
        .open(&format!("/webhooks/{flaky_id}/deliveries"))
        .await;
    browser.see("No deliveries yet.").await;
    browser
        .js("window.__sameDocument = true; return null;")
        .await;
    let flaky_path = format!("/api/webhooks/execute/{}", flaky["token"].as_str().unwrap());
    let sent = vec![
        ("content-type".to_owned(), "text/plain".to_owned()),
        (
            "authorization".to_owned(),
            "Bearer sender-secret-91c2".to_owned(),
        ),
    ];
    assert_eq!(post_to(&app, &flaky_path, &sent, "hello studio").await, 500);
    let row = browser
        .find("//tr[contains(@class,'failed')][.//*[contains(., 'configured to fail')]]")
        .await;
    assert!(row.text().await.unwrap().contains("failed"));
    assert_eq!(
        browser.js("return window.__sameDocument === true").await,
        true
    );
    browser.screenshot("deliveries.png").await;

    // The status filter.
    browser
        .field("Status")
        .await
        .select_by_value("succeeded")
        .await
        .unwrap();
    browser.see("No deliveries yet.").await;
    browser
        .field("Status")
        .await
        .select_by_value("failed")
        .await
        .unwrap();
    let failed = app.deliveries(flaky_id, Some("failed")).await;
    let delivery_id = failed[0]["id"].as_str().unwrap().to_owned();
    browser.click(&format!("Open delivery {delivery_id}")).await;

    // The delivery's page: redacted headers, body, error.
    browser.see("hello studio").await;
    browser
        .find("//table[contains(@class,'headers')]//tr[th[normalize-space()='authorization']]/td[normalize-space()='[redacted]']")
        .await;
    assert_eq!(
        browser
            .js("return document.body.textContent.includes('sender-secret-91c2')")
            .await,
        false
    );
    // The plugin run's peak memory is recorded with the delivery and shown beside its duration.
    let peak = failed[0]["peak_memory_bytes"]
        .as_f64()
        .expect("peak memory recorded");
    assert!(peak >= 65536.0, "at least one Wasm page: {peak}");
    let shown = browser
        .find("//dt[normalize-space()='Peak memory']/following-sibling::dd[1]")
        .await
        .text()
        .await
        .unwrap();
    let (bytes, rounding) = shown_size(&shown);
    assert!(
        (bytes - peak).abs() <= rounding + 1.0,
        "the page shows the recorded peak: {shown} for {peak}"
    );
    let code = failed[0]["error_code"].as_str().unwrap();
    browser
        .see(&format!(
            "{code}: {}",
            failed[0]["error_message"].as_str().unwrap()
        ))
        .await;

    // Fix the configuration on the webhook's page, come back and replay.
    browser.click("Webhook settings").await;
    browser
        .fill("Configuration (JSON)", r#"{"fail": false}"#)
        .await;
    browser.click("Save plugin settings").await;
    browser.see("Plugin settings saved.").await;
    browser.client.back().await.unwrap();
    browser.click("Replay").await;
    browser.see("Replay succeeded: 1 message(s) posted.").await;
    browser
        .find("//dd/span[contains(@class,'status-replayed')]")
        .await;
    let replayed = app
        .get(&format!("/api/deliveries/{delivery_id}"), ADMIN_TOKEN)
        .await
        .expect(200);
    assert_eq!(replayed["status"], "replayed", "{replayed}");
    let message_id = replayed["message_ids"][0].as_str().unwrap();
    browser
        .find(&format!("//a[normalize-space()='Message {message_id}']"))
        .await;
    let messages = app.messages().await;
    assert!(
        messages.iter().any(|m| m["content"] == "ok: hello studio"),
        "{messages:?}"
    );
    // The provoked failures: the failed delivery, and the refused configuration.
    assert_console_errors_only(
        &browser,
        &[
            ("/execute/", 500),
            (&format!("/api/webhooks/{github_id}"), 422),
        ],
    )
    .await;
    browser.close().await;
}

#[tokio::test]
async fn the_playground_renders_a_fixture_as_the_chat_does_with_the_log() {
    let app = TestApp::spawn().await;
    let echo = app.upload_plugin(artifacts::ECHO, "echo", "0.1.0").await;
    assert!(echo.status.is_success(), "{}", echo.body);
    let hook = app.webhook("GitHub").await;
    let hook_id = hook["id"].as_str().unwrap();
    app.patch(
        &format!("/api/webhooks/{hook_id}"),
        ADMIN_TOKEN,
        json!({ "plugin_id": wasmhook::builtins::builtin_id("github") }),
    )
    .await
    .expect(200);
    let browser = admin_browser(&app).await;
    browser.click("Playground").await;
    // The example the GitHub plugin ships: a push creating a branch, with its headers.
    browser
        .find("//option[normalize-space()='GitHub: push creating a branch']")
        .await;
    browser.click("Load example").await;
    let (_, body) = github_fixture("push-new-branch");
    let expected: Value = serde_json::from_str(&body).unwrap();
    let loaded: Value = serde_json::from_str(&browser.value("Payload").await).unwrap();
    assert_eq!(loaded, expected);
    assert!(
        browser
            .value("Headers (one “Name: value” per line)")
            .await
            .contains("X-GitHub-Event: push")
    );
    browser.click("Run dry run").await;
    let message = browser
        .find("//section[@aria-label='Result']//article[@aria-label='Message from GitHub']")
        .await;
    // Rendered by the server's Markdown renderer: a real link, as in the chat.
    message
        .find(fantoccini::Locator::XPath(
            ".//a[normalize-space()='Codertocat/Hello-World']",
        ))
        .await
        .unwrap();
    browser.see("messages").await;

    // Another plugin with a configuration: the echo plugin logs a line.
    browser
        .field("Plugin")
        .await
        .select_by_value(echo.body["id"].as_str().unwrap())
        .await
        .unwrap();
    browser
        .fill(
            "Configuration (JSON)",
            r#"{"template": "{{sender.login}} pushed to {{repository.full_name}}", "username": "Echo"}"#,
        )
        .await;
    browser.click("Run dry run").await;
    browser
        .find("//article[@aria-label='Message from Echo']//*[normalize-space()='Codertocat pushed to Codertocat/Hello-World']")
        .await;
    browser
        .find("//pre[contains(@class,'log') and contains(., 'template mode')]")
        .await;
    browser
        .js("document.querySelector('main').scrollTop = 0; return null;")
        .await;
    browser.screenshot("playground.png").await;
    // Nothing was posted.
    assert_eq!(app.messages().await.len(), 0);
    assert_console_errors_only(&browser, &[]).await;
    browser.close().await;
}

#[tokio::test]
async fn the_playground_sends_for_real_and_the_message_appears_in_the_channel() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("GitHub").await;
    let hook_id = hook["id"].as_str().unwrap();
    app.patch(
        &format!("/api/webhooks/{hook_id}"),
        ADMIN_TOKEN,
        json!({ "plugin_id": wasmhook::builtins::builtin_id("github") }),
    )
    .await
    .expect(200);
    let browser = admin_browser(&app).await;
    browser
        .open(&format!("/playground?webhook={hook_id}"))
        .await;
    browser
        .find("//option[normalize-space()='GitHub: push creating a branch']")
        .await;
    browser.click("Load example").await;
    // No URL or token to paste: the server posts it through the webhook itself.
    browser.click("Send for real").await;
    browser.see("The webhook answered 201.").await;
    let delivered = app.deliveries(hook_id, Some("succeeded")).await;
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    let delivery_id = delivered[0]["id"].as_str().unwrap();
    browser
        .find(&format!(
            "//a[normalize-space()='Open the delivery' and @href='/deliveries/{delivery_id}']"
        ))
        .await;
    browser.click("Open # general").await;
    browser
        .find("//article[@aria-label='Message from GitHub']//a[normalize-space()='Codertocat/Hello-World']")
        .await;
    assert_eq!(app.messages().await.len(), 1);
    assert_console_errors_only(&browser, &[]).await;
    browser.close().await;
}

#[tokio::test]
async fn an_outgoing_webhook_is_created_tested_and_its_log_shows_deliveries() {
    let app = TestApp::spawn_with(|cfg| {
        cfg.network.allow_loopback = true;
        cfg.outgoing.poll_ms = 20;
        cfg.outgoing.retry_base_ms = 100;
    })
    .await;
    let receiver = Receiver::start().await;
    let browser = admin_browser(&app).await;
    browser.click("Outgoing").await;
    browser.click("New outgoing webhook").await;
    browser
        .field("Target")
        .await
        .select_by_value("generic")
        .await
        .unwrap();
    browser.fill("Outgoing webhook name", "Audit").await;
    browser.fill("Receiver URL", &receiver.url("/hook")).await;
    browser.click("Create outgoing webhook").await;
    browser.see("Outgoing webhook “Audit” saved.").await;
    browser.click("Send test to Audit").await;
    browser.see("Test delivered to Audit: HTTP 200").await;
    assert_eq!(receiver.wait_for(1, Duration::from_secs(10)).await.len(), 1);

    // A message sends an event; the open log shows its delivery.
    browser.click("Delivery log of Audit").await;
    browser.see("No deliveries yet.").await;
    let hook = app.webhook("CI").await;
    let url = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    let headers = [("content-type".to_owned(), "application/json".to_owned())];
    assert_eq!(
        post_to(&app, &url, &headers, r#"{"content": "build green"}"#).await,
        201
    );
    browser
        .find("//table[caption[normalize-space()='Delivery log of Audit']]//tr[td[normalize-space()='message.created']][.//span[normalize-space()='succeeded']]")
        .await;
    assert_eq!(receiver.wait_for(2, Duration::from_secs(10)).await.len(), 2);
    browser.click("Retry").await;
    browser.see("Delivery queued again.").await;
    assert_eq!(receiver.wait_for(3, Duration::from_secs(10)).await.len(), 3);
    assert_console_errors_only(&browser, &[("/im-integration", 404)]).await;
    browser.close().await;
}

#[tokio::test]
async fn a_plain_member_reaches_no_studio_page_and_the_api_refuses_them() {
    let app = TestApp::spawn().await;
    let hook = app
        .plugin_webhook(artifacts::FLAKY, "flaky", json!({ "fail": true }))
        .await;
    let hook_id = hook["id"].as_str().unwrap();
    let path = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    let headers = [("content-type".to_owned(), "text/plain".to_owned())];
    assert_eq!(post_to(&app, &path, &headers, "x").await, 500);
    let delivery_id = app.deliveries(hook_id, None).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (bob, bob_token) = app.user("bob", "member").await;
    app.join_channel(&bob).await;
    let browser = Browser::start(&app, 1280).await;
    browser.sign_in("bob", "password-123").await;
    for link in ["Plugins", "Playground", "Outgoing", "Notices"] {
        assert_eq!(
            browser
                .count(&format!("//nav//a[normalize-space()='{link}']"))
                .await,
            0,
            "{link}"
        );
    }
    for page in [
        "/plugins".to_owned(),
        "/playground".to_owned(),
        "/outgoing".to_owned(),
        "/notices".to_owned(),
        format!("/webhooks/{hook_id}"),
        format!("/webhooks/{hook_id}/deliveries"),
        format!("/deliveries/{delivery_id}"),
    ] {
        browser.open(&page).await;
        browser.find("//h1[normalize-space()='Not allowed']").await;
        assert_eq!(
            browser.count("//table | //form").await,
            0,
            "{page} shows nothing of the studio"
        );
    }
    browser.close().await;

    let community = app.community_id.clone();
    let refused: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("/api/communities/{community}/plugins"), None),
        ("GET", format!("/api/webhooks/{hook_id}/deliveries"), None),
        ("GET", format!("/api/deliveries/{delivery_id}"), None),
        (
            "POST",
            format!("/api/deliveries/{delivery_id}/replay"),
            Some(json!({})),
        ),
        (
            "POST",
            format!("/api/webhooks/{hook_id}/dry-run"),
            Some(json!({ "body": "x" })),
        ),
        (
            "PATCH",
            format!("/api/webhooks/{hook_id}"),
            Some(json!({ "plugin_id": null })),
        ),
        (
            "GET",
            format!("/api/communities/{community}/outgoing-webhooks"),
            None,
        ),
        (
            "POST",
            format!("/api/communities/{community}/outgoing-webhooks"),
            Some(
                json!({ "name": "x", "target": "generic", "url": "https://example.com/", "events": ["message.created"] }),
            ),
        ),
    ];
    for (method, path, body) in refused {
        let reply = match (method, body) {
            ("GET", _) => app.get(&path, &bob_token).await,
            ("POST", Some(b)) => app.post(&path, &bob_token, b).await,
            (_, Some(b)) => app.patch(&path, &bob_token, b).await,
            _ => unreachable!(),
        };
        assert_eq!(
            reply.status.as_u16(),
            403,
            "{method} {path}: {}",
            reply.body
        );
    }
    let upload = app
        .post_raw(
            &format!("/api/communities/{community}/plugins?name=mine&version=1.0.0"),
            &[
                ("content-type", "application/wasm"),
                ("authorization", &format!("Bearer {bob_token}")),
            ],
            std::fs::read(artifacts::NOOP).unwrap(),
        )
        .await;
    assert_eq!(upload.status.as_u16(), 403, "{}", upload.body);
    // Nothing changed.
    assert_eq!(
        app.deliveries(hook_id, Some("failed")).await.len(),
        1,
        "the delivery was not replayed"
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM outgoing_webhooks").await,
        0
    );
}

#[tokio::test]
async fn hostile_delivery_content_renders_as_text_and_runs_nothing() {
    let app = TestApp::spawn().await;
    let hook = app
        .plugin_webhook(artifacts::FLAKY, "flaky", json!({ "fail": true }))
        .await;
    let hook_id = hook["id"].as_str().unwrap();
    let browser = admin_browser(&app).await;
    let payload =
        "<script>window.__xss = 'script'</script><img src=x onerror=\"window.__xss = 'img'\">";
    let path = format!(
        "/api/webhooks/execute/{}/<img src=y onerror=window.__xss=2>",
        hook["token"].as_str().unwrap()
    );
    let headers = [
        ("content-type".to_owned(), "text/html".to_owned()),
        (
            "x-evil".to_owned(),
            "<img src=z onerror=\"window.__xss = 'header'\">".to_owned(),
        ),
    ];
    assert_eq!(
        post_to(
            &app,
            &path
                .replace(' ', "%20")
                .replace('<', "%3C")
                .replace('>', "%3E"),
            &headers,
            payload
        )
        .await,
        500
    );
    let id = app.deliveries(hook_id, None).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    browser.open(&format!("/deliveries/{id}")).await;
    browser
        .see("<script>window.__xss = 'script'</script>")
        .await;
    browser.see("onerror=\"window.__xss = 'header'\"").await;
    browser.open(&format!("/playground?delivery={id}")).await;
    browser.click("Run dry run").await;
    browser.see("configured to fail").await;
    let report = browser
        .js("const m = document.querySelector('main');
             return {
               xss: window.__xss === undefined ? null : String(window.__xss),
               dangerous: m.querySelectorAll('script, img, iframe, object').length,
               handlers: [...m.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
             };")
        .await;
    assert_eq!(report["xss"], Value::Null, "{report}");
    assert_eq!(report["dangerous"], 0, "{report}");
    assert_eq!(report["handlers"], 0, "{report}");
    assert_console_errors_only(&browser, &[]).await;
    browser.close().await;
}

#[tokio::test]
async fn a_quarantine_notice_appears_live_on_the_notices_page() {
    let app = TestApp::spawn_with(|cfg| {
        cfg.fair_share.breaker_failures = 2;
        cfg.fair_share.breaker_backoff_ms = 60_000;
    })
    .await;
    let hook = app
        .plugin_webhook(artifacts::FLAKY, "flaky", json!({ "trap": true }))
        .await;
    let browser = admin_browser(&app).await;
    browser.click("Notices").await;
    browser.see("No notices.").await;
    browser
        .js("window.__sameDocument = true; return null;")
        .await;
    let path = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    let headers = [("content-type".to_owned(), "text/plain".to_owned())];
    for _ in 0..2 {
        assert_eq!(post_to(&app, &path, &headers, "x").await, 500);
    }
    browser
        .find("//ul[@aria-label='Notices']/li[contains(., 'is quarantined') and contains(., 'flaky')]")
        .await;
    assert_eq!(
        browser.js("return window.__sameDocument === true").await,
        true
    );
    assert_console_errors_only(&browser, &[]).await;
    browser.close().await;
}
