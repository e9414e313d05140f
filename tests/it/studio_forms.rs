//! More of the plugin studio in real headless Chromium (issue 20): editing an outgoing
//! webhook's events and channel filter, the IM integration form for direct messages, detaching
//! a plugin on the webhook's page, and the notices page receiving, without a reload, the notice
//! of an outgoing webhook the outbox disabled.

use serde_json::json;
use wasmhook_test_artifacts as artifacts;
use wasmhook_tests::receiver::{Canned, Receiver};
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

use super::studio::{admin_browser, assert_console_errors_only};

#[tokio::test]
async fn an_outgoing_webhook_is_edited_and_the_im_integration_saved_from_the_page() {
    let app = TestApp::spawn_with(|cfg| cfg.network.allow_loopback = true).await;
    let receiver = Receiver::start().await;
    let base = format!("/api/communities/{}/outgoing-webhooks", app.community_id);
    let created = app
        .post(
            &base,
            ADMIN_TOKEN,
            json!({ "name": "Audit", "target": "generic", "url": receiver.url("/hook"), "events": ["message.created"] }),
        )
        .await
        .expect(201);
    let hook_id = created["id"].as_str().unwrap();
    let browser = admin_browser(&app).await;
    browser.click("Outgoing").await;
    browser.click("Edit Audit").await;
    // Another event, and only the `general` channel.
    browser
        .find("//form[@aria-label='Edit Audit']//label[normalize-space()='webhook.created']/input")
        .await
        .click()
        .await
        .unwrap();
    browser
        .field("Channel filter")
        .await
        .select_by_value(&app.channel_id)
        .await
        .unwrap();
    browser.click("Save outgoing webhook").await;
    browser.see("Outgoing webhook “Audit” saved.").await;
    let saved = app
        .get(&format!("{base}/{hook_id}"), ADMIN_TOKEN)
        .await
        .expect(200);
    assert_eq!(
        saved["events"],
        json!(["message.created", "webhook.created"]),
        "{saved}"
    );
    assert_eq!(saved["channel_id"], app.channel_id.as_str(), "{saved}");
    browser
        .find("//li[@aria-label='Outgoing webhook Audit']//dd[normalize-space()='message.created, webhook.created']")
        .await;
    browser
        .find("//li[@aria-label='Outgoing webhook Audit']//dd[normalize-space()='# general']")
        .await;

    // The IM integration that sends direct messages to mentioned users: saved, and its
    // secret never shown again.
    browser
        .find("//p[normalize-space()='Not configured.']")
        .await;
    browser
        .field("IM provider")
        .await
        .select_by_value("slack")
        .await
        .unwrap();
    browser
        .fill("bot_token", "xoxb-secret-bot-token-4711")
        .await;
    browser.click("Save IM integration").await;
    browser.see("IM integration saved.").await;
    browser
        .find("//p[normalize-space()='Configured: slack.']")
        .await;
    let integration = app
        .get(
            &format!("/api/communities/{}/im-integration", app.community_id),
            ADMIN_TOKEN,
        )
        .await
        .expect(200);
    assert_eq!(integration["provider"], "slack", "{integration}");
    assert!(
        !integration
            .to_string()
            .contains("xoxb-secret-bot-token-4711")
    );
    assert_eq!(browser.value("bot_token").await, "");
    assert_eq!(
        browser
            .js("return document.body.innerHTML.includes('xoxb-secret-bot-token-4711')")
            .await,
        false
    );
    assert_console_errors_only(&browser, &[("/im-integration", 404)]).await;
    browser.close().await;
}

#[tokio::test]
async fn a_plugin_is_detached_on_the_webhook_page() {
    let app = TestApp::spawn().await;
    let hook = app
        .plugin_webhook(artifacts::FLAKY, "flaky", json!({ "fail": true }))
        .await;
    let hook_id = hook["id"].as_str().unwrap();
    let attached = app
        .get(&format!("/api/webhooks/{hook_id}"), ADMIN_TOKEN)
        .await
        .expect(200)["plugin_id"]
        .clone();
    let browser = admin_browser(&app).await;
    browser.open(&format!("/webhooks/{hook_id}")).await;
    assert_eq!(browser.value("Plugin").await, attached.as_str().unwrap());
    browser.click("Detach plugin").await;
    browser.see("Plugin detached.").await;
    assert_eq!(browser.value("Plugin").await, "");
    let saved = app
        .get(&format!("/api/webhooks/{hook_id}"), ADMIN_TOKEN)
        .await
        .expect(200);
    assert_eq!(saved["plugin_id"], serde_json::Value::Null, "{saved}");
    // Detached, the webhook takes native messages again.
    let url = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    app.post_anon(&url, json!({ "content": "native again" }))
        .await
        .expect(201);
    assert_eq!(app.messages().await[0]["content"], "native again");
    assert_console_errors_only(&browser, &[]).await;
    browser.close().await;
}

#[tokio::test]
async fn the_notices_page_shows_an_outgoing_webhook_disabled_by_the_outbox_without_a_reload() {
    let app = TestApp::spawn_with(|cfg| {
        cfg.network.allow_loopback = true;
        cfg.outgoing.poll_ms = 20;
        cfg.outgoing.max_attempts = 1;
        cfg.outgoing.disable_after = 1;
    })
    .await;
    let receiver = Receiver::with_responder(|_| Canned::new(500, "broken")).await;
    app.post(
        &format!("/api/communities/{}/outgoing-webhooks", app.community_id),
        ADMIN_TOKEN,
        json!({ "name": "Audit", "target": "generic", "url": receiver.url("/x"), "events": ["message.created"] }),
    )
    .await
    .expect(201);
    let browser = admin_browser(&app).await;
    browser.click("Notices").await;
    browser.see("No notices.").await;
    browser
        .js("window.__sameDocument = true; return null;")
        .await;
    let hook = app.webhook("CI").await;
    app.post_anon(
        &format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap()),
        json!({ "content": "build red" }),
    )
    .await
    .expect(201);
    browser
        .find(
            "//ul[@aria-label='Notices']/li[contains(., '\"Audit\"') and contains(., 'disabled')]",
        )
        .await;
    assert_eq!(
        browser.js("return window.__sameDocument === true").await,
        true
    );
    assert_console_errors_only(&browser, &[]).await;
    browser.close().await;
}
