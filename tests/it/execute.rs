//! The three execute paths: the seed documents' examples, every error code on every path, and
//! token invalidation.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wasmhook_tests::TestApp;

/// The three dialects: a path builder and the name of their content field.
#[derive(Clone, Copy, Debug)]
enum Path {
    Chatalot,
    BitoLink,
    Chattr,
}

const ALL: [Path; 3] = [Path::Chatalot, Path::BitoLink, Path::Chattr];

impl Path {
    fn url(self, hook: &Value, token: &str) -> String {
        match self {
            Path::Chatalot => format!("/api/webhooks/execute/{token}"),
            Path::BitoLink => format!("/api/v1/hooks/{token}"),
            Path::Chattr => format!("/webhooks/{}/{token}", hook["id"].as_str().unwrap()),
        }
    }
    fn content_field(self) -> &'static str {
        match self {
            Path::BitoLink => "text",
            _ => "content",
        }
    }
    fn username_field(self) -> &'static str {
        match self {
            Path::Chattr => "name",
            _ => "username",
        }
    }
    fn avatar_field(self) -> &'static str {
        match self {
            Path::Chatalot => "avatar_url",
            Path::BitoLink => "icon_url",
            Path::Chattr => "avatarUrl",
        }
    }
    fn body(self, content: &str) -> Value {
        json!({ self.content_field(): content })
    }
}

fn token(hook: &Value) -> &str {
    hook["token"].as_str().unwrap()
}

#[tokio::test]
async fn seed_examples_are_stored_and_read_back_identically() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("CI").await;
    let t = token(&hook);
    // BitoLink's documented examples, byte for byte.
    let bitolink = [
        json!({"text": "Hello from webhook!"}),
        json!({"text": "Build Completed!\n\nProject: MyApp\nStatus: SUCCESS\nBuild Number: 142"}),
        json!({"text": "Hi <@developer@company.com>, <@manager@company.com>,\n\nProject: PayBito Admin\nBuild Status: SUCCESS\nBuild Number: 305\nCommit: 3a374b9e\n\nPlease check your email for details.", "username": "Jenkins CI Bot"}),
        json!({"text": "Deployment Complete!\n\nEnvironment: Production\nVersion: v2.1.0\nDeployed by: <@devops@company.com>\n\nAll services are healthy.", "username": "GitHub Actions", "icon_url": "https://github.githubassets.com/images/modules/logos_page/GitHub-Mark.png"}),
        json!({"text": "Build Status: SUCCESS\n\nProject: MyApp\nBranch: main\n\nCC: <@team@company.com>", "username": "Jenkins Bot"}),
        json!({"text": "🚀 Build Status: SUCCESS ✅ 📌 Branch: main 🌐 Deployed to production 👉 Please verify the deployment."}),
    ];
    for body in &bitolink {
        let reply = app
            .post_anon(&format!("/api/v1/hooks/{t}"), body.clone())
            .await
            .expect(201);
        assert_eq!(reply["status"], "ok");
        assert_eq!(reply["channel_id"], app.channel_id.as_str());
        let stored = &app.messages().await[0];
        assert_eq!(stored["id"], reply["message_id"]);
        assert_eq!(stored["created_at"], reply["created_at"]);
        assert_eq!(stored["content"], body["text"]);
        assert_eq!(
            stored["sender"]["display_name"],
            body.get("username").cloned().unwrap_or("Webhook".into())
        );
        assert_eq!(
            stored["sender"]["avatar_url"],
            body.get("icon_url").cloned().unwrap_or(Value::Null)
        );
        assert_eq!(stored["kind"], "webhook");
        assert_eq!(stored["e2ee"], false);
        assert_eq!(stored["webhook"], json!({"id": hook["id"], "name": "CI"}));
    }

    // Chatalot's documented payload and response shape.
    let chatalot = json!({"content": "Hello from a webhook!", "username": "CI Bot", "avatar_url": "https://example.com/bot-avatar.png"});
    let reply = app
        .post_anon(&format!("/api/webhooks/execute/{t}"), chatalot.clone())
        .await
        .expect(201);
    let keys: Vec<&String> = reply.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["channel_id", "created_at", "message_id", "status"]);
    assert!(
        reply["created_at"].as_str().unwrap().ends_with('Z'),
        "RFC 3339 UTC: {reply}"
    );
    let stored = &app.messages().await[0];
    assert_eq!(stored["id"], reply["message_id"]);
    assert_eq!(stored["content"], "Hello from a webhook!");
    assert_eq!(stored["sender"]["display_name"], "CI Bot");
    assert_eq!(
        stored["sender"]["avatar_url"],
        "https://example.com/bot-avatar.png"
    );

    // Chattr's documented payload (with avatarUrl: null) and `message.id` response.
    let chattr =
        json!({"content": "Deploy completed successfully.", "name": "CI Bot", "avatarUrl": null});
    let reply = app
        .post_anon(
            &format!("/webhooks/{}/{t}", hook["id"].as_str().unwrap()),
            chattr,
        )
        .await
        .expect(201);
    let stored = &app.messages().await[0];
    assert_eq!(reply["message"]["id"], stored["id"]);
    assert_eq!(
        reply["message"]["content"],
        "Deploy completed successfully."
    );
    assert_eq!(reply["message"]["channel_id"], app.channel_id.as_str());
    assert_eq!(stored["sender"]["display_name"], "CI Bot");
    assert_eq!(stored["sender"]["avatar_url"], Value::Null);

    let listed = app
        .get(
            &format!("/api/webhooks/{}", hook["id"].as_str().unwrap()),
            wasmhook_tests::ADMIN_TOKEN,
        )
        .await
        .expect(200);
    assert_eq!(listed["messages_posted"], bitolink.len() + 2);
    assert!(listed["last_used_at"].is_string());
}

#[tokio::test]
async fn webhook_defaults_apply_when_the_message_does_not_override_them() {
    let app = TestApp::spawn().await;
    let hook = app
        .post(
            &format!("/api/channels/{}/webhooks", app.channel_id),
            wasmhook_tests::ADMIN_TOKEN,
            json!({"name": "Deploys", "username": "Deploy Bot", "avatar_url": "https://cdn.example.com/d.png"}),
        )
        .await
        .expect(201);
    for path in ALL {
        app.post_anon(
            &path.url(&hook, token(&hook)),
            path.body("**bold** line\nsecond"),
        )
        .await
        .expect(201);
        let stored = &app.messages().await[0];
        assert_eq!(stored["content"], "**bold** line\nsecond");
        assert_eq!(stored["sender"]["display_name"], "Deploy Bot");
        assert_eq!(
            stored["sender"]["avatar_url"],
            "https://cdn.example.com/d.png"
        );
    }
}

#[tokio::test]
async fn every_error_code_on_every_path_stores_nothing() {
    let app = TestApp::spawn_with(|c| c.max_body_bytes = 8 * 1024).await;
    let hook = app.webhook("errors").await;
    let t = token(&hook).to_owned();
    for path in ALL {
        let url = path.url(&hook, &t);
        let (c, u, a) = (
            path.content_field(),
            path.username_field(),
            path.avatar_field(),
        );
        // 400
        app.post_raw(
            &url,
            &[("content-type", "application/json")],
            "{\"content\": ",
        )
        .await
        .expect_error(400, "malformed_json", None);
        let mut bad = format!("{{\"{c}\": \"ab\"}}").into_bytes();
        bad.insert(bad.len() - 3, 0xff);
        app.post_raw(&url, &[("content-type", "application/json")], bad)
            .await
            .expect_error(400, "invalid_utf8", None);
        // 415
        app.post_raw(
            &url,
            &[("content-type", "text/plain")],
            format!("{{\"{c}\":\"hi\"}}"),
        )
        .await
        .expect_error(415, "unsupported_media_type", None);
        app.post_raw(&url, &[], format!("{{\"{c}\":\"hi\"}}"))
            .await
            .expect_error(415, "unsupported_media_type", None);
        // 413, with and without a Content-Length
        let big = json!({ c: "x".repeat(9000) }).to_string();
        app.post_raw(&url, &[("content-type", "application/json")], big.clone())
            .await
            .expect_error(413, "payload_too_large", None);
        let stream = futures_body(big);
        app.post_raw(&url, &[("content-type", "application/json")], stream)
            .await
            .expect_error(413, "payload_too_large", None);
        // 422, naming the field in this dialect
        app.post_anon(&url, json!({}))
            .await
            .expect_error(422, "validation_failed", Some(c));
        app.post_anon(&url, json!({ c: "" }))
            .await
            .expect_error(422, "validation_failed", Some(c));
        app.post_anon(&url, json!({ c: "é".repeat(4001) }))
            .await
            .expect_error(422, "validation_failed", Some(c));
        app.post_anon(&url, json!({ c: 42 }))
            .await
            .expect_error(422, "validation_failed", Some(c));
        app.post_anon(&url, json!({ c: "ok", u: "n".repeat(65) }))
            .await
            .expect_error(422, "validation_failed", Some(u));
        app.post_anon(&url, json!({ c: "ok", a: "ftp://example.com/a.png" }))
            .await
            .expect_error(422, "validation_failed", Some(a));
        app.post_anon(&url, json!(["not", "an", "object"]))
            .await
            .expect_error(422, "validation_failed", Some("body"));
        // exactly at the limits is fine
        app.post_anon(&url, json!({ c: "é".repeat(4000), u: "n".repeat(64) }))
            .await
            .expect(201);
    }
    assert_eq!(
        app.messages().await.len(),
        3,
        "only the three valid posts are stored"
    );
    let stats = app
        .get(
            &format!("/api/webhooks/{}", hook["id"].as_str().unwrap()),
            wasmhook_tests::ADMIN_TOKEN,
        )
        .await
        .expect(200);
    assert_eq!(stats["messages_posted"], 3);
}

/// A body without a Content-Length (chunked), so the limit is enforced while reading.
fn futures_body(s: String) -> reqwest::Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = s
        .into_bytes()
        .chunks(1000)
        .map(|c| Ok(c.to_vec()))
        .collect();
    reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))
}

#[tokio::test]
async fn unknown_disabled_and_deleted_tokens_all_answer_the_same_404() {
    let app = TestApp::spawn().await;
    let admin = wasmhook_tests::ADMIN_TOKEN;
    let disabled = app.webhook("disabled").await;
    let deleted = app.webhook("deleted").await;
    for path in ALL {
        app.post_anon(
            &path.url(&disabled, token(&disabled)),
            path.body("warm the cache"),
        )
        .await
        .expect(201);
        app.post_anon(
            &path.url(&deleted, token(&deleted)),
            path.body("warm the cache"),
        )
        .await
        .expect(201);
    }
    app.patch(
        &format!("/api/webhooks/{}", disabled["id"].as_str().unwrap()),
        admin,
        json!({"active": false}),
    )
    .await
    .expect(200);
    app.delete(
        &format!("/api/webhooks/{}", deleted["id"].as_str().unwrap()),
        admin,
    )
    .await
    .expect(204);
    let unknown = json!({"id": deleted["id"], "token": "A".repeat(64)});
    let short = json!({"id": deleted["id"], "token": "short"});
    let mut bodies = Vec::new();
    for path in ALL {
        for hook in [&disabled, &deleted, &unknown, &short] {
            let body = app
                .post_anon(&path.url(hook, token(hook)), path.body("x"))
                .await
                .expect_error(404, "not_found", None);
            bodies.push(body);
        }
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "one body for all 404s: {bodies:?}"
    );
    // Chattr: a valid token with another webhook's id is unknown too.
    let live = app.webhook("live").await;
    let crossed = json!({"id": disabled["id"], "token": live["token"]});
    app.post_anon(
        &Path::Chattr.url(&crossed, token(&crossed)),
        json!({"content": "x"}),
    )
    .await
    .expect_error(404, "not_found", None);
    assert_eq!(app.messages().await.len(), 6);
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_per_webhook() {
    let app = TestApp::spawn_with(|c| {
        c.rate_limit_per_second = 1;
        c.rate_limit_burst = 2;
    })
    .await;
    let a = app.webhook("a").await;
    let b = app.webhook("b").await;
    app.post_anon(&Path::Chatalot.url(&a, token(&a)), json!({"content": "1"}))
        .await
        .expect(201);
    app.post_anon(&Path::BitoLink.url(&a, token(&a)), json!({"text": "2"}))
        .await
        .expect(201);
    for path in ALL {
        let reply = app
            .post_anon(&path.url(&a, token(&a)), path.body("3"))
            .await;
        let retry: u64 = reply.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=2).contains(&retry), "Retry-After {retry}");
        reply.expect_error(429, "rate_limited", None);
    }
    // Another webhook has its own bucket.
    app.post_anon(&Path::Chattr.url(&b, token(&b)), json!({"content": "b"}))
        .await
        .expect(201);
    assert_eq!(app.messages().await.len(), 3);
}

#[tokio::test]
async fn regenerate_disable_and_delete_take_effect_immediately() {
    let app = TestApp::spawn().await;
    let admin = wasmhook_tests::ADMIN_TOKEN;
    let hook = app.webhook("rotating").await;
    let id = hook["id"].as_str().unwrap().to_owned();
    let old = token(&hook).to_owned();
    for path in ALL {
        app.post_anon(&path.url(&hook, &old), path.body("before"))
            .await
            .expect(201);
    }
    let regenerated = app
        .post(&format!("/api/webhooks/{id}/regenerate"), admin, json!({}))
        .await
        .expect(200);
    let new = token(&regenerated).to_owned();
    assert_eq!(new.len(), 64);
    assert_ne!(new, old);
    assert_eq!(
        regenerated["urls"]["chatalot"].as_str().unwrap(),
        format!("{}/api/webhooks/execute/{new}", app.base)
    );
    for path in ALL {
        app.post_anon(&path.url(&hook, &old), path.body("old"))
            .await
            .expect(404);
        app.post_anon(&path.url(&hook, &new), path.body("new"))
            .await
            .expect(201);
    }
    app.patch(
        &format!("/api/webhooks/{id}"),
        admin,
        json!({"active": false}),
    )
    .await
    .expect(200);
    for path in ALL {
        app.post_anon(&path.url(&hook, &new), path.body("disabled"))
            .await
            .expect(404);
    }
    app.patch(
        &format!("/api/webhooks/{id}"),
        admin,
        json!({"active": true}),
    )
    .await
    .expect(200);
    for path in ALL {
        app.post_anon(&path.url(&hook, &new), path.body("enabled again"))
            .await
            .expect(201);
    }
    app.delete(&format!("/api/webhooks/{id}"), admin)
        .await
        .expect(204);
    for path in ALL {
        app.post_anon(&path.url(&hook, &new), path.body("deleted"))
            .await
            .expect(404);
    }
    let contents: Vec<String> = app
        .messages()
        .await
        .iter()
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(contents.iter().filter(|c| *c == "before").count(), 3);
    assert_eq!(contents.iter().filter(|c| *c == "new").count(), 3);
    assert_eq!(contents.iter().filter(|c| *c == "enabled again").count(), 3);
    assert_eq!(contents.len(), 9);
    // Messages of a deleted webhook keep naming it.
    assert_eq!(app.messages().await[0]["webhook"]["name"], "rotating");
}

#[tokio::test]
async fn the_database_holds_only_token_hashes() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("secret").await;
    let first = token(&hook).to_owned();
    let regenerated = app
        .post(
            &format!("/api/webhooks/{}/regenerate", hook["id"].as_str().unwrap()),
            wasmhook_tests::ADMIN_TOKEN,
            json!({}),
        )
        .await
        .expect(200);
    let second = token(&regenerated).to_owned();
    app.post_anon(
        &format!("/api/webhooks/execute/{second}"),
        json!({"content": "hi"}),
    )
    .await
    .expect(201);
    // The token is never shown again.
    let listed = app
        .get(
            &format!("/api/channels/{}/webhooks", app.channel_id),
            wasmhook_tests::ADMIN_TOKEN,
        )
        .await
        .expect(200);
    assert!(!listed.to_string().contains(&second));
    assert!(listed["webhooks"][0].get("token").is_none());

    let hash = app.sql_bytes("SELECT token_hash FROM webhooks").await;
    assert_eq!(hash, Sha256::digest(second.as_bytes()).to_vec());
    let tokens = [first.as_str(), second.as_str(), wasmhook_tests::ADMIN_TOKEN];
    if app.is_postgres() {
        // No row of any table holds a token, as text or as bytes.
        for table in [
            "users",
            "api_tokens",
            "webhooks",
            "messages",
            "deliveries",
            "settings",
            "notifications",
        ] {
            for t in tokens {
                let hex = hex::encode(t.as_bytes());
                let sql = format!(
                    "SELECT COUNT(*) FROM {table} r WHERE r::text LIKE '%{t}%' OR r::text LIKE '%{hex}%'"
                );
                assert_eq!(app.sql_i64(&sql).await, 0, "plaintext token in {table}");
            }
        }
    } else {
        let db = app.database.clone();
        let _stopped = app.stop().await;
        for suffix in ["", "-wal", "-shm"] {
            let path = format!("{db}{suffix}");
            if let Ok(bytes) = std::fs::read(&path) {
                for t in tokens {
                    assert!(
                        !bytes.windows(t.len()).any(|w| w == t.as_bytes()),
                        "plaintext token in {path}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn test_button_posts_through_the_pipeline() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("Jenkins CI").await;
    let id = hook["id"].as_str().unwrap();
    let reply = app
        .post(
            &format!("/api/webhooks/{id}/test"),
            wasmhook_tests::ADMIN_TOKEN,
            json!({}),
        )
        .await
        .expect(201);
    let stored = &app.messages().await[0];
    assert_eq!(reply["message"]["id"], stored["id"]);
    assert_eq!(stored["content"], "Test message from webhook Jenkins CI");
    assert_eq!(stored["webhook"]["name"], "Jenkins CI");
    app.patch(
        &format!("/api/webhooks/{id}"),
        wasmhook_tests::ADMIN_TOKEN,
        json!({"active": false}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/webhooks/{id}/test"),
        wasmhook_tests::ADMIN_TOKEN,
        json!({}),
    )
    .await
    .expect_error(409, "conflict", Some("active"));
}
