//! The web app: its HTTP side (sessions, CSRF, setup link, headers, assets) and real headless
//! Chromium sessions against the real server (sign in, manage webhooks, live messages, hostile
//! content, notifications). With `WASMHOOK_SCREENSHOTS=1` the README's screenshots are saved
//! to `docs/screenshots/`.

use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{CONTENT_SECURITY_POLICY, COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use wasmhook_tests::browser::{Browser, xpath_literal};
use wasmhook_tests::{ADMIN_TOKEN, Reply, TestApp};

/// A fresh one-time setup link for `admin`, issued the way server start-up issues it.
async fn setup_link(app: &TestApp) -> String {
    let store = app.open_store().await;
    let links = wasmhook::bootstrap::setup_links(&store, &app.base)
        .await
        .expect("setup links");
    store.close().await;
    let (user, link) = links.into_iter().next().expect("admin awaits a password");
    assert_eq!(user, "admin");
    link
}

fn token_of(link: &str) -> &str {
    link.split_once('#').expect("token in the fragment").1
}

/// A browser-like session: cookie and CSRF token from `POST /api/auth/session`.
struct Session {
    cookie: String,
    csrf: String,
    set_cookie: String,
}

async fn sign_in(app: &TestApp, login: &str, password: &str) -> Session {
    let response = app
        .client
        .post(format!("{}/api/auth/session", app.base))
        .json(&json!({ "login": login, "password": password }))
        .send()
        .await
        .unwrap();
    session_from(response).await
}

async fn session_from(response: reqwest::Response) -> Session {
    let set_cookie = response
        .headers()
        .get(SET_COOKIE)
        .expect("Set-Cookie")
        .to_str()
        .unwrap()
        .to_owned();
    let reply = TestApp::reply(response).await;
    let body = reply.expect(200);
    Session {
        cookie: set_cookie.split(';').next().unwrap().to_owned(),
        csrf: body["csrf_token"].as_str().expect("csrf_token").to_owned(),
        set_cookie,
    }
}

async fn with_cookie(
    app: &TestApp,
    method: Method,
    path: &str,
    session: &Session,
    csrf: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.base))
        .header(COOKIE, &session.cookie);
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    TestApp::reply(request.send().await.unwrap()).await
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_token_for_every_change() {
    let app = TestApp::spawn().await;
    let (_alice, alice_token) = app.user("alice", "admin").await;
    let session = sign_in(&app, "alice@example.com", "password-123").await;
    let attributes = session.set_cookie.to_ascii_lowercase();
    for attribute in ["httponly", "samesite=strict", "path=/", "max-age="] {
        assert!(attributes.contains(attribute), "{}", session.set_cookie);
    }
    assert!(
        !attributes.contains("secure"),
        "plain http: {}",
        session.set_cookie
    );
    // The database keeps only a hash of the cookie value.
    let id = session.cookie.split_once('=').unwrap().1;
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM web_sessions").await,
        1,
        "one session"
    );
    let stored = app.sql_bytes("SELECT id_hash FROM web_sessions").await;
    assert_ne!(stored, id.as_bytes());
    assert_eq!(stored.len(), 32);

    // Reads work with the cookie alone.
    let me = with_cookie(&app, Method::GET, "/api/me", &session, None, None).await;
    assert_eq!(me.expect(200)["username"], "alice");
    let current = with_cookie(&app, Method::GET, "/api/auth/session", &session, None, None)
        .await
        .expect(200);
    assert_eq!(current["csrf_token"], session.csrf.as_str());

    // Changes without the token, or with another one, are refused and store nothing.
    let hooks = format!("/api/channels/{}/webhooks", app.channel_id);
    let body = json!({ "name": "CI" });
    with_cookie(
        &app,
        Method::POST,
        &hooks,
        &session,
        None,
        Some(body.clone()),
    )
    .await
    .expect_error(403, "forbidden", None);
    with_cookie(
        &app,
        Method::POST,
        &hooks,
        &session,
        Some("forged"),
        Some(body.clone()),
    )
    .await
    .expect_error(403, "forbidden", None);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM webhooks").await, 0);
    let created = with_cookie(
        &app,
        Method::POST,
        &hooks,
        &session,
        Some(&session.csrf),
        Some(body),
    )
    .await
    .expect(201);
    with_cookie(
        &app,
        Method::DELETE,
        &format!("/api/webhooks/{}", created["id"].as_str().unwrap()),
        &session,
        None,
        None,
    )
    .await
    .expect_error(403, "forbidden", None);

    // Bearer clients are unchanged: no CSRF token needed.
    app.post(&hooks, &alice_token, json!({ "name": "Bearer" }))
        .await
        .expect(201);

    // Signing out needs the token too, then the cookie is dead.
    with_cookie(
        &app,
        Method::DELETE,
        "/api/auth/session",
        &session,
        None,
        None,
    )
    .await
    .expect_error(403, "forbidden", None);
    with_cookie(
        &app,
        Method::DELETE,
        "/api/auth/session",
        &session,
        Some(&session.csrf),
        None,
    )
    .await
    .expect(204);
    with_cookie(&app, Method::GET, "/api/me", &session, None, None)
        .await
        .expect_error(401, "unauthorized", None);
    let anonymous = with_cookie(&app, Method::GET, "/api/auth/session", &session, None, None)
        .await
        .expect(200);
    assert_eq!(anonymous["user"], Value::Null);
}

#[tokio::test]
async fn wrong_passwords_start_no_session() {
    let app = TestApp::spawn().await;
    app.user("alice", "member").await;
    let response = app
        .client
        .post(format!("{}/api/auth/session", app.base))
        .json(&json!({ "login": "alice", "password": "wrong-password" }))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get(SET_COOKIE).is_none());
    TestApp::reply(response)
        .await
        .expect_error(401, "unauthorized", None);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM web_sessions").await, 0);
}

#[tokio::test]
async fn the_setup_link_sets_the_admin_password_once() {
    let app = TestApp::spawn().await;
    let link = setup_link(&app).await;
    assert!(link.starts_with(&format!("{}/setup#", app.base)), "{link}");
    let token = token_of(&link).to_owned();
    // Nobody knows the bootstrap admin's password yet.
    app.post_anon(
        "/api/auth/login",
        json!({ "login": "admin", "password": "" }),
    )
    .await
    .expect_error(401, "unauthorized", None);
    // A bad password is refused without using the link up.
    app.post_anon(
        "/api/auth/setup",
        json!({ "token": token, "password": "short" }),
    )
    .await
    .expect_error(422, "validation_failed", Some("password"));
    let response = app
        .client
        .post(format!("{}/api/auth/setup", app.base))
        .json(&json!({ "token": token, "password": "admin-password-1" }))
        .send()
        .await
        .unwrap();
    let session = session_from(response).await;
    let me = with_cookie(&app, Method::GET, "/api/me", &session, None, None)
        .await
        .expect(200);
    assert_eq!(me["username"], "admin");
    // Single use.
    app.post_anon(
        "/api/auth/setup",
        json!({ "token": token, "password": "admin-password-2" }),
    )
    .await
    .expect_error(404, "not_found", None);
    app.post_anon(
        "/api/auth/login",
        json!({ "login": "admin", "password": "admin-password-1" }),
    )
    .await
    .expect(200);
    // Once the password is set, start-up issues no more links; the bootstrap token still works.
    let store = app.open_store().await;
    assert!(
        wasmhook::bootstrap::setup_links(&store, &app.base)
            .await
            .unwrap()
            .is_empty()
    );
    store.close().await;
    app.get("/api/me", ADMIN_TOKEN).await.expect(200);
}

#[tokio::test]
async fn users_change_their_own_password() {
    let app = TestApp::spawn().await;
    app.user("alice", "member").await;
    let session = sign_in(&app, "alice", "password-123").await;
    let other = sign_in(&app, "alice", "password-123").await;
    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    with_cookie(
        &app,
        Method::POST,
        "/api/me/password",
        &session,
        Some(&session.csrf),
        Some(change("nope-nope", "new-password-1")),
    )
    .await
    .expect_error(422, "validation_failed", Some("current_password"));
    with_cookie(
        &app,
        Method::POST,
        "/api/me/password",
        &session,
        Some(&session.csrf),
        Some(change("password-123", "short")),
    )
    .await
    .expect_error(422, "validation_failed", Some("new_password"));
    with_cookie(
        &app,
        Method::POST,
        "/api/me/password",
        &session,
        None,
        Some(change("password-123", "new-password-1")),
    )
    .await
    .expect_error(403, "forbidden", None);
    with_cookie(
        &app,
        Method::POST,
        "/api/me/password",
        &session,
        Some(&session.csrf),
        Some(change("password-123", "new-password-1")),
    )
    .await
    .expect(204);
    // This browser stays signed in, the other one is signed out.
    with_cookie(&app, Method::GET, "/api/me", &session, None, None)
        .await
        .expect(200);
    with_cookie(&app, Method::GET, "/api/me", &other, None, None)
        .await
        .expect_error(401, "unauthorized", None);
    app.post_anon(
        "/api/auth/login",
        json!({ "login": "alice", "password": "password-123" }),
    )
    .await
    .expect_error(401, "unauthorized", None);
    app.post_anon(
        "/api/auth/login",
        json!({ "login": "alice", "password": "new-password-1" }),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn the_websocket_takes_the_cookie_only_from_this_servers_pages() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let app = TestApp::spawn().await;
    app.user("alice", "member").await;
    let session = sign_in(&app, "alice", "password-123").await;
    let url = format!("{}/api/ws", app.base.replacen("http", "ws", 1));
    let connect = |origin: String| {
        let mut request = url.as_str().into_client_request().unwrap();
        request
            .headers_mut()
            .insert("cookie", session.cookie.parse().unwrap());
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
        tokio_tungstenite::connect_async(request)
    };
    match connect("http://evil.example".into()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("a foreign origin must be refused: {other:?}"),
    }
    let (mut socket, _) = connect(app.base.clone())
        .await
        .expect("own origin accepted");
    use futures_util::StreamExt;
    let first = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("ready in time")
        .expect("a frame")
        .expect("no error");
    let ready: Value = serde_json::from_str(first.to_text().unwrap()).unwrap();
    assert_eq!(ready["type"], "ready");
}

#[tokio::test]
async fn the_app_is_served_with_strict_headers_and_versioned_assets() {
    let app = TestApp::spawn().await;
    for path in [
        "/",
        "/login",
        "/people",
        &format!("/channels/{}", app.channel_id),
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers().clone();
        let csp = headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(directive), "{csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(headers.contains_key("referrer-policy"));
        let html = response.text().await.unwrap();
        assert!(!html.contains("{{version}}"), "{html}");
        // No inline script: every script has a src on this server.
        assert!(
            html.contains("<script type=\"module\" src=\"/assets/"),
            "{html}"
        );
        assert_eq!(html.matches("<script").count(), 1, "{html}");
    }
    let html = app
        .client
        .get(&app.base)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let script = html
        .split("src=\"")
        .find_map(|s| {
            s.split_once("\"")
                .map(|(p, _)| p)
                .filter(|p| p.ends_with("app.js"))
        })
        .expect("the app script")
        .to_owned();
    let response = app
        .client
        .get(format!("{}{script}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let missing = app
        .client
        .get(format!("{}/assets/x/nope.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let sw = app
        .client
        .get(format!("{}/sw.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(sw.status(), 200);
    assert!(sw.text().await.unwrap().contains("showNotification"));
}

#[tokio::test]
async fn messages_carry_sanitized_html() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("CI").await;
    let path = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    app.post_anon(
        &path,
        json!({ "content": "**ok** <script>alert(1)</script> [x](javascript:alert(2)) @admin" }),
    )
    .await
    .expect(201);
    let message = app.messages().await.remove(0);
    let html = message["content_html"].as_str().unwrap();
    assert!(html.contains("<strong>ok</strong>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("javascript:"), "{html}");
    assert!(
        html.contains("<span class=\"mention\" data-username=\"admin\">@admin</span>"),
        "{html}"
    );
    assert_eq!(
        message["content"],
        "**ok** <script>alert(1)</script> [x](javascript:alert(2)) @admin"
    );
}

// ---- Browser tests ----------------------------------------------------------------------

/// The URL the page shows for a dialect, read from its labelled field.
async fn shown_url(browser: &Browser, dialect: &str) -> String {
    let url = browser.value(&format!("{dialect} URL")).await;
    assert!(url.starts_with("http://"), "{url}");
    url
}

async fn post_status(app: &TestApp, url: &str, body: Value) -> u16 {
    app.client
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn assert_no_console_errors(browser: &Browser) {
    assert_console_errors_only(browser, &[]).await;
}

/// No console errors but Chromium's notes of API answers the test provoked on purpose (a 422
/// the form then shows beside its field), given as (path ending, status).
async fn assert_console_errors_only(browser: &Browser, provoked: &[(&str, u16)]) {
    let errors: Vec<String> = browser
        .console_errors()
        .await
        .into_iter()
        .filter(|e| {
            !provoked.iter().any(|(path, status)| {
                e.contains(&format!(
                    "{path} - Failed to load resource: the server responded with a status of {status}"
                ))
            })
        })
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}

#[tokio::test]
async fn an_admin_sets_up_manages_a_webhook_and_sees_its_messages_live() {
    let app = TestApp::spawn().await;
    let browser = Browser::start(&app, 1280).await;

    // First start: the one-time link lets the newcomer choose the admin password.
    let link = setup_link(&app).await;
    browser.open(link.strip_prefix(&app.base).unwrap()).await;
    browser.fill("New password", "admin-password-1").await;
    browser
        .fill("Repeat the password", "admin-password-1")
        .await;
    browser.click("Save password and sign in").await;
    browser.find("//h1[normalize-space()='# general']").await;
    browser.see("Live").await;
    // The session survives a reload.
    browser.client.refresh().await.unwrap();
    browser.find("//h1[normalize-space()='# general']").await;
    browser.see("Live").await;

    // Create a webhook in the UI; the API's validation message shows beside its field.
    browser.click("Channel settings").await;
    browser.click("Webhooks").await;
    browser.click("Create webhook").await;
    browser.fill("Name", &"x".repeat(65)).await;
    browser.click("Create").await;
    let error = browser
        .find("//p[contains(@class,'field-error') and contains(., 'name must be 1-64 characters')]")
        .await;
    let name_field = browser.field("Name").await;
    assert_eq!(
        name_field.attr("aria-describedby").await.unwrap(),
        error.attr("id").await.unwrap()
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM webhooks").await, 0);
    browser.fill("Name", "CI").await;
    browser.fill("Description", "Build results").await;
    browser.fill("Default username", "CI Bot").await;
    browser.click("Create").await;
    browser.see("will not be shown again").await;
    let url = shown_url(&browser, "chatalot").await;
    let bitolink = shown_url(&browser, "bitolink").await;
    assert!(bitolink.contains("/api/v1/hooks/"), "{bitolink}");
    browser.click("Copy chatalot URL").await;
    browser.see("Copied").await;
    browser.click("Done").await;
    browser.click("Close").await;

    // A POST from outside shows up in the open channel within a second, with badge and name.
    let posted = Instant::now();
    assert_eq!(
        post_status(
            &app,
            &url,
            json!({ "content": "Build #142 **passed** on `main`.", "username": "Jenkins" })
        )
        .await,
        201
    );
    let message = browser
        .client
        .wait()
        .at_most(Duration::from_secs(1))
        .for_element(fantoccini::Locator::XPath(
            "//article[@aria-label='Message from Jenkins']",
        ))
        .await
        .expect("the message appears within a second");
    assert!(posted.elapsed() < Duration::from_secs(1));
    let text = message.text().await.unwrap();
    assert!(text.contains("Webhook · not E2EE"), "{text}");
    assert!(text.contains("Jenkins"), "{text}");
    assert_eq!(
        browser
            .js("return document.querySelector(\"article[aria-label='Message from Jenkins'] .content strong\").textContent")
            .await,
        "passed"
    );
    post_status(&app, &url, json!({ "content": "Deploy to staging finished.", "username": "CI Bot", "avatar_url": null })).await;
    browser
        .find("//article[@aria-label='Message from CI Bot']")
        .await;
    browser.screenshot("chat.png").await;

    // Toggle it off: the URL answers 404. On again: it works.
    browser.click("Channel settings").await;
    browser.click("Webhooks").await;
    browser.see("Messages posted").await;
    browser.field("Active").await.click().await.unwrap();
    browser.see("Webhook “CI” disabled.").await;
    assert_eq!(
        post_status(&app, &url, json!({ "content": "off" })).await,
        404
    );
    browser.field("Active").await.click().await.unwrap();
    browser.see("Webhook “CI” enabled.").await;
    assert_eq!(
        post_status(&app, &url, json!({ "content": "on" })).await,
        201
    );

    // Regenerate behind a confirmation: the old URL answers 404, the new one 201.
    browser.click("Regenerate token").await;
    browser
        .find("//dialog[@open][.//h2[normalize-space()='Regenerate token?']]")
        .await;
    browser.click("Regenerate").await;
    browser.see("regenerated").await;
    let fresh = shown_url(&browser, "chatalot").await;
    assert_ne!(fresh, url);
    assert_eq!(
        post_status(&app, &url, json!({ "content": "old" })).await,
        404
    );
    assert_eq!(
        post_status(&app, &fresh, json!({ "content": "new" })).await,
        201
    );
    browser.screenshot("webhooks.png").await;

    // Edit its settings.
    browser.click("Edit").await;
    browser
        .fill("Description", "Nightly and release builds")
        .await;
    browser.click("Save").await;
    browser.see("Webhook “CI” saved.").await;
    browser.see("Nightly and release builds").await;
    let saved = app
        .get(
            &format!("/api/channels/{}/webhooks", app.channel_id),
            ADMIN_TOKEN,
        )
        .await
        .expect(200);
    assert_eq!(
        saved["webhooks"][0]["description"],
        "Nightly and release builds"
    );

    // "Send test message" posts through the webhook.
    browser.click("Send test message").await;
    browser.see("Test message sent").await;

    // Delete behind its confirmation: cancelling keeps it, confirming removes it.
    browser.click("Delete").await;
    let confirm = "//dialog[@open][.//h2[normalize-space()='Delete webhook?']]";
    browser.find(confirm).await;
    browser
        .find(&format!("{confirm}//button[normalize-space()='Cancel']"))
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(browser.count(confirm).await, 0);
    assert_eq!(
        post_status(&app, &fresh, json!({ "content": "still here" })).await,
        201
    );
    browser.click("Delete").await;
    browser
        .find(&format!("{confirm}//button[normalize-space()='Delete']"))
        .await
        .click()
        .await
        .unwrap();
    browser.see("No webhooks yet.").await;
    assert_eq!(
        post_status(&app, &fresh, json!({ "content": "gone" })).await,
        404
    );
    let list = app
        .get(
            &format!("/api/channels/{}/webhooks", app.channel_id),
            ADMIN_TOKEN,
        )
        .await
        .expect(200);
    assert_eq!(list["webhooks"].as_array().unwrap().len(), 0);

    assert_console_errors_only(&browser, &[("/webhooks", 422)]).await;
    browser.close().await;
}

#[tokio::test]
async fn a_member_sees_no_webhooks_tab_and_the_api_refuses_them() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("CI").await;
    let hook_id = hook["id"].as_str().unwrap();
    let (bob, bob_token) = app.user("bob", "member").await;
    app.join_channel(&bob).await;
    // More messages than one page: the newest page shows, older ones load on scrolling up.
    let url = format!(
        "{}/api/webhooks/execute/{}",
        app.base,
        hook["token"].as_str().unwrap()
    );
    for i in 1..=55 {
        let status = post_status(&app, &url, json!({ "content": format!("message {i}") })).await;
        assert_eq!(status, 201);
    }
    let browser = Browser::start(&app, 1280).await;
    browser.sign_in("bob", "password-123").await;
    browser.see("message 55").await;
    assert_eq!(browser.count("//article").await, 50);
    assert_eq!(browser.count("//*[normalize-space()='message 5']").await, 0);
    browser
        .js("document.querySelector('[role=log]').scrollTop = 0; return null;")
        .await;
    browser
        .until(
            Duration::from_secs(5),
            "older messages load when scrolled to the top",
            "document.querySelectorAll('article').length === 55",
        )
        .await;
    let first = browser
        .js("return document.querySelector('article .content').textContent.trim()")
        .await;
    assert_eq!(first, "message 1");
    browser.click("Channel settings").await;
    browser
        .find("//*[@role='tab' and normalize-space()='About']")
        .await;
    assert_eq!(browser.count("//*[@role='tab']").await, 1);
    assert_eq!(browser.count("//*[normalize-space()='Webhooks']").await, 0);
    assert_eq!(
        browser
            .count("//button[normalize-space()='Create webhook']")
            .await,
        0
    );
    assert_no_console_errors(&browser).await;
    browser.close().await;

    let hooks = format!("/api/channels/{}/webhooks", app.channel_id);
    app.get(&hooks, &bob_token)
        .await
        .expect_error(403, "forbidden", None);
    app.post(&hooks, &bob_token, json!({ "name": "Mine" }))
        .await
        .expect_error(403, "forbidden", None);
    let one = format!("/api/webhooks/{hook_id}");
    app.patch(&one, &bob_token, json!({ "active": false }))
        .await
        .expect_error(403, "forbidden", None);
    app.post(&format!("{one}/regenerate"), &bob_token, json!({}))
        .await
        .expect_error(403, "forbidden", None);
    app.delete(&one, &bob_token)
        .await
        .expect_error(403, "forbidden", None);
    // The same with bob's browser session and its CSRF token.
    let session = sign_in(&app, "bob", "password-123").await;
    with_cookie(
        &app,
        Method::POST,
        &hooks,
        &session,
        Some(&session.csrf),
        Some(json!({ "name": "Mine" })),
    )
    .await
    .expect_error(403, "forbidden", None);
    with_cookie(
        &app,
        Method::DELETE,
        &one,
        &session,
        Some(&session.csrf),
        None,
    )
    .await
    .expect_error(403, "forbidden", None);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM webhooks").await, 1);
}

#[tokio::test]
async fn hostile_webhook_content_renders_as_text_and_runs_nothing() {
    let app = TestApp::spawn().await;
    let (alice, _) = app.user("alice", "admin").await;
    app.join_channel(&alice).await;
    let hook = app.webhook("Hostile").await;
    let url = format!(
        "{}/api/webhooks/execute/{}",
        app.base,
        hook["token"].as_str().unwrap()
    );
    let browser = Browser::start(&app, 1280).await;
    browser.sign_in("alice", "password-123").await;

    let payload = [
        "<script>window.__xss = 'script'</script>",
        "<img src=x onerror=\"window.__xss = 'img'\">",
        "<a href=\"javascript:window.__xss = 'a'\">raw link</a>",
        "[md link](javascript:window.__xss='md')",
        "![pic](https://example.com/p.png)",
        "&lt;b&gt;not bold&lt;/b&gt; &amp; &#x3C;i&#x3E;",
    ]
    .join("\n\n");
    assert_eq!(
        post_status(
            &app,
            &url,
            json!({ "content": payload, "username": "<b>Evil</b>" })
        )
        .await,
        201
    );
    let message = browser
        .find("//article[@aria-label='Message from <b>Evil</b>']")
        .await;
    let text = message.text().await.unwrap();
    for shown in [
        "<script>window.__xss = 'script'</script>",
        "<img src=x onerror=\"window.__xss = 'img'\">",
        "<a href=\"javascript:window.__xss = 'a'\">raw link</a>",
        "md link",
        "<b>not bold</b> & <i>",
        "<b>Evil</b>",
    ] {
        assert!(
            text.contains(shown),
            "{shown:?} not shown as text in {text:?}"
        );
    }
    // Nothing ran, and nothing dangerous is in the message's DOM.
    let content =
        "document.querySelector(\"article[aria-label='Message from <b>Evil</b>'] .content\")";
    let report = browser
        .js(&format!(
            "const c = {content};
             const links = [...c.querySelectorAll('a')];
             return {{
               xss: window.__xss === undefined ? null : String(window.__xss),
               dangerous: c.querySelectorAll('script, img, iframe, object, b, i, style').length,
               handlers: [...c.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
               hrefs: links.map(a => a.getAttribute('href')),
               rels: links.filter(a => a.hasAttribute('href')).map(a => a.getAttribute('rel')),
             }};"
        ))
        .await;
    assert_eq!(report["xss"], Value::Null, "{report}");
    assert_eq!(report["dangerous"], 0, "{report}");
    assert_eq!(report["handlers"], 0, "{report}");
    let hrefs: Vec<Value> = report["hrefs"].as_array().unwrap().clone();
    assert_eq!(
        hrefs,
        vec![Value::Null, json!("https://example.com/p.png")],
        "the javascript: link lost its href, the image became a link: {report}"
    );
    assert_eq!(report["rels"], json!(["noopener noreferrer nofollow"]));
    // Clicking the neutralised link runs nothing either.
    browser
        .find("//article//a[normalize-space()='md link']")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(browser.js("return window.__xss === undefined").await, true);

    // The page's CSP is the second line of defence.
    let page = app
        .client
        .get(format!("{}/channels/{}", app.base, app.channel_id))
        .send()
        .await
        .unwrap();
    let csp = page.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );

    // No horizontal scrolling at 1280 px or 375 px.
    for width in [1280, 375] {
        browser.client.set_window_size(width, 900).await.unwrap();
        browser
            .until(
                Duration::from_secs(5),
                &format!("no horizontal scrolling at {width} px"),
                &format!("window.innerWidth <= {width} && document.documentElement.scrollWidth <= window.innerWidth"),
            )
            .await;
    }
    assert_no_console_errors(&browser).await;
    browser.close().await;
}

#[tokio::test]
async fn a_mention_of_the_signed_in_user_shows_up_in_notifications_live() {
    let app = TestApp::spawn().await;
    let (alice, _) = app.user("alice", "member").await;
    app.join_channel(&alice).await;
    let hook = app.webhook("Deploys").await;
    let url = format!(
        "{}/api/webhooks/execute/{}",
        app.base,
        hook["token"].as_str().unwrap()
    );
    let browser = Browser::start(&app, 375).await;
    browser.sign_in("alice", "password-123").await;
    browser.click("Notifications, 0 unread").await;
    browser.see("No notifications yet.").await;

    assert_eq!(
        post_status(
            &app,
            &url,
            json!({ "content": "Deploy failed, please look @alice", "username": "Deploy Bot" })
        )
        .await,
        201
    );
    browser.see("Deploy Bot mentioned you").await;
    browser.see("Deploy failed, please look @alice").await;
    browser.button("Notifications, 1 unread").await;
    // In the channel, the viewer's own mention is emphasised.
    browser
        .find("//article[@aria-label='Message from Deploy Bot']//span[contains(@class,'mention-me') and normalize-space()='@alice']")
        .await;

    browser.click("Mark as read").await;
    browser.button("Notifications, 0 unread").await;
    let token = app
        .post_anon(
            "/api/auth/login",
            json!({ "login": "alice", "password": "password-123" }),
        )
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = app.get("/api/notifications", &token).await.expect(200);
    assert_eq!(list["notifications"][0]["read"], true, "{list}");
    assert_no_console_errors(&browser).await;
    browser.close().await;
}

#[tokio::test]
async fn owners_create_people_and_add_them_to_general() {
    let app = TestApp::spawn().await;
    let (alice, _) = app.user("alice", "owner").await;
    app.join_channel(&alice).await;
    let browser = Browser::start(&app, 1280).await;
    browser.sign_in("alice", "password-123").await;
    browser.click("People").await;
    browser.see("Create a user").await;
    browser.fill("Username", "carol").await;
    browser.fill("Email", "not-an-email").await;
    browser.fill("Initial password", "carol-password").await;
    browser.click("Create user").await;
    browser
        .find("//p[contains(@class,'field-error') and contains(., 'email must be a valid email address')]")
        .await;
    browser.fill("Email", "carol@example.com").await;
    browser.click("Create user").await;
    browser.see("User carol created.").await;
    let row = format!(
        "//tr[.//*[contains(normalize-space(), {})]]",
        xpath_literal("@carol")
    );
    let carol_row = browser.find(&row).await;
    assert!(carol_row.text().await.unwrap().contains("# general"));
    // Make carol an admin.
    let select = browser.field("Role of carol").await;
    select.select_by_value("admin").await.expect("choose admin");
    browser
        .find(&format!("{row}//button[normalize-space()='Save role']"))
        .await
        .click()
        .await
        .unwrap();
    browser.see("carol is now admin.").await;
    let members = app
        .get(
            &format!("/api/communities/{}/members", app.community_id),
            ADMIN_TOKEN,
        )
        .await
        .expect(200);
    let carol = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["username"] == "carol")
        .expect("carol is a member")
        .clone();
    assert_eq!(carol["role"], "admin");
    assert_eq!(carol["channel_ids"], json!([app.channel_id]));
    assert_console_errors_only(&browser, &[("/api/users", 422)]).await;
    browser.close().await;
}
