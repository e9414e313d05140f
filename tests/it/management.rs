//! The management API's success paths and input validation.

use reqwest::Method;
use serde_json::json;
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

#[tokio::test]
async fn login_me_and_push_setting() {
    let app = TestApp::spawn().await;
    let (id, token) = app.user("hanna", "member").await;
    let me = app.get("/api/me", &token).await.expect(200);
    assert_eq!(me["id"], id.as_str());
    assert_eq!(me["username"], "hanna");
    assert_eq!(me["push_enabled"], false);
    assert!(me.get("password_hash").is_none());
    let me = app
        .patch("/api/me", &token, json!({"push_enabled": true}))
        .await
        .expect(200);
    assert_eq!(me["push_enabled"], true);
    // Login by email, case-insensitively; wrong password and unknown login are the same 401.
    let login = app
        .post_anon(
            "/api/auth/login",
            json!({"login": "HANNA@example.com", "password": "password-123"}),
        )
        .await
        .expect(200);
    assert_eq!(login["user"]["id"], id.as_str());
    assert_ne!(
        login["token"],
        token.as_str(),
        "every login issues a new token"
    );
    let wrong = app
        .post_anon(
            "/api/auth/login",
            json!({"login": "hanna", "password": "nope-nope"}),
        )
        .await
        .expect_error(401, "unauthorized", None);
    let unknown = app
        .post_anon(
            "/api/auth/login",
            json!({"login": "ghost", "password": "nope-nope"}),
        )
        .await
        .expect_error(401, "unauthorized", None);
    assert_eq!(wrong, unknown);
    app.post_anon("/api/auth/login", json!({"login": "hanna"}))
        .await
        .expect_error(422, "validation_failed", Some("password"));
    let me = app.get("/api/me", ADMIN_TOKEN).await.expect(200);
    assert_eq!(me["username"], "admin");
}

#[tokio::test]
async fn user_creation_validates_and_rejects_duplicates() {
    let app = TestApp::spawn().await;
    let base = json!({"username": "ivy", "email": "ivy@example.com", "password": "password-123"});
    let with = |k: &str, v: serde_json::Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    app.post(
        "/api/users",
        ADMIN_TOKEN,
        with("username", "ivy-dash".into()),
    )
    .await
    .expect_error(422, "validation_failed", Some("username"));
    app.post("/api/users", ADMIN_TOKEN, with("username", "".into()))
        .await
        .expect_error(422, "validation_failed", Some("username"));
    app.post(
        "/api/users",
        ADMIN_TOKEN,
        with("email", "not-an-email".into()),
    )
    .await
    .expect_error(422, "validation_failed", Some("email"));
    app.post("/api/users", ADMIN_TOKEN, with("password", "short".into()))
        .await
        .expect_error(422, "validation_failed", Some("password"));
    app.post("/api/users", ADMIN_TOKEN, with("username", 7.into()))
        .await
        .expect_error(422, "validation_failed", Some("username"));
    let created = app
        .post("/api/users", ADMIN_TOKEN, base.clone())
        .await
        .expect(201);
    assert_eq!(created["display_name"], "ivy");
    app.post(
        "/api/users",
        ADMIN_TOKEN,
        with("email", "other@example.com".into()),
    )
    .await
    .expect_error(409, "conflict", Some("username"));
    app.post("/api/users", ADMIN_TOKEN, with("username", "Ivy".into()))
        .await
        .expect_error(409, "conflict", Some("email"));
    let mut second = with("username", "ivy2".into());
    second["email"] = "ivy2@example.com".into();
    app.post("/api/users", ADMIN_TOKEN, second)
        .await
        .expect(201);
    let mut dup = with("username", "ivy3".into());
    dup["email"] = "IVY2@Example.COM".into();
    app.post("/api/users", ADMIN_TOKEN, dup)
        .await
        .expect_error(409, "conflict", Some("email"));
    app.request(Method::POST, "/api/users", Some(ADMIN_TOKEN), None)
        .await
        .expect_error(415, "unsupported_media_type", None);
    app.post_raw(
        "/api/users",
        &[
            ("content-type", "application/json"),
            ("authorization", &format!("Bearer {ADMIN_TOKEN}")),
        ],
        "{oops",
    )
    .await
    .expect_error(400, "malformed_json", None);
}

#[tokio::test]
async fn communities_and_channels() {
    // Any user may create communities with the flag (else only instance administrators).
    let app = TestApp::spawn_with(|cfg| cfg.allow_community_creation = true).await;
    let (jo_id, jo) = app.user("jo", "member").await;
    let created = app
        .post("/api/communities", &jo, json!({"name": "Jo's team"}))
        .await
        .expect(201);
    assert_eq!(created["role"], "owner");
    let cid = created["id"].as_str().unwrap();
    let list = app.get("/api/communities", &jo).await.expect(200);
    let names: Vec<&str> = list["communities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Default", "Jo's team"]);
    let ch = app
        .post(
            &format!("/api/communities/{cid}/channels"),
            &jo,
            json!({"name": "builds"}),
        )
        .await
        .expect(201);
    assert_eq!(ch["community_id"], cid);
    app.post(
        &format!("/api/communities/{cid}/channels"),
        &jo,
        json!({"name": "builds"}),
    )
    .await
    .expect_error(409, "conflict", Some("name"));
    app.post(
        &format!("/api/communities/{cid}/channels"),
        &jo,
        json!({"name": ""}),
    )
    .await
    .expect_error(422, "validation_failed", Some("name"));
    let channels = app
        .get(&format!("/api/communities/{cid}/channels"), &jo)
        .await
        .expect(200);
    assert_eq!(channels["channels"].as_array().unwrap().len(), 1);
    // The creator of a channel is its first member and can read it.
    let ch_id = ch["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/channels/{ch_id}/messages"), &jo)
            .await
            .expect(200)["messages"],
        json!([])
    );
    // Members of another community cannot be added to this channel before joining the community.
    let (kim, _) = app.user("kim", "member").await;
    app.post(
        &format!("/api/channels/{ch_id}/members"),
        &jo,
        json!({"user_id": kim}),
    )
    .await
    .expect_error(422, "validation_failed", Some("user_id"));
    app.post(
        &format!("/api/communities/{cid}/members"),
        &jo,
        json!({"user_id": kim, "role": "member"}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/channels/{ch_id}/members"),
        &jo,
        json!({"user_id": kim}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/communities/{cid}/members"),
        &jo,
        json!({"user_id": kim, "role": "superuser"}),
    )
    .await
    .expect_error(422, "validation_failed", Some("role"));
    app.post(
        &format!("/api/communities/{cid}/members"),
        &jo,
        json!({"user_id": uuid::Uuid::now_v7(), "role": "member"}),
    )
    .await
    .expect_error(422, "validation_failed", Some("user_id"));
    let _ = jo_id;
}

#[tokio::test]
async fn webhook_crud_and_statistics() {
    let app = TestApp::spawn().await;
    let ch = &app.channel_id;
    let path = format!("/api/channels/{ch}/webhooks");
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "n".repeat(65)}), "name"),
        (
            json!({"name": "ok", "username": "u".repeat(65)}),
            "username",
        ),
        (
            json!({"name": "ok", "avatar_url": "not a url"}),
            "avatar_url",
        ),
        (json!({"name": "ok", "colour": "red"}), "colour"),
        (json!({}), "name"),
    ] {
        app.post(&path, ADMIN_TOKEN, body).await.expect_error(
            422,
            "validation_failed",
            Some(field),
        );
    }
    let created = app
        .post(&path, ADMIN_TOKEN, json!({"name": "GitHub Actions", "description": "CI for main", "avatar_url": "https://a.example/i.png"}))
        .await
        .expect(201);
    assert_eq!(created["username"], "Webhook");
    assert_eq!(created["active"], true);
    let token = created["token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()));
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        created["urls"]["chatalot"].as_str().unwrap(),
        format!("{}/api/webhooks/execute/{token}", app.base)
    );
    assert_eq!(
        created["urls"]["bitolink"].as_str().unwrap(),
        format!("{}/api/v1/hooks/{token}", app.base)
    );
    assert_eq!(
        created["urls"]["chattr"].as_str().unwrap(),
        format!("{}/webhooks/{id}/{token}", app.base)
    );

    for _ in 0..3 {
        app.post_anon(
            &format!("/api/webhooks/execute/{token}"),
            json!({"content": "x"}),
        )
        .await
        .expect(201);
    }
    let listed = app.get(&path, ADMIN_TOKEN).await.expect(200);
    let hook = &listed["webhooks"][0];
    assert_eq!(hook["name"], "GitHub Actions");
    assert_eq!(hook["description"], "CI for main");
    assert_eq!(hook["messages_posted"], 3);
    assert_eq!(hook["failures"], 0);
    assert!(hook["last_used_at"].is_string());
    assert!(hook["created_by"].is_string());
    assert!(hook.get("token").is_none() && hook.get("token_hash").is_none());

    let patched = app
        .patch(
            &format!("/api/webhooks/{id}"),
            ADMIN_TOKEN,
            json!({"name": "GHA", "username": "Actions", "avatar_url": null, "description": null}),
        )
        .await
        .expect(200);
    assert_eq!(
        (patched["name"].as_str(), patched["username"].as_str()),
        (Some("GHA"), Some("Actions"))
    );
    assert!(patched["avatar_url"].is_null() && patched["description"].is_null());
    app.patch(
        &format!("/api/webhooks/{id}"),
        ADMIN_TOKEN,
        json!({"avatar_url": "ftp://x"}),
    )
    .await
    .expect_error(422, "validation_failed", Some("avatar_url"));
    app.patch(
        &format!("/api/webhooks/{id}"),
        ADMIN_TOKEN,
        json!({"active": "yes"}),
    )
    .await
    .expect_error(422, "validation_failed", Some("active"));
    // New defaults apply to the next message at once.
    app.post_anon(
        &format!("/api/webhooks/execute/{token}"),
        json!({"content": "after patch"}),
    )
    .await
    .expect(201);
    let newest = &app.messages().await[0];
    assert_eq!(newest["sender"]["display_name"], "Actions");
    assert_eq!(newest["webhook"]["name"], "GHA");
    assert!(newest["sender"]["avatar_url"].is_null());
    app.get(
        &format!("/api/webhooks/{}", uuid::Uuid::now_v7()),
        ADMIN_TOKEN,
    )
    .await
    .expect_error(404, "not_found", None);
    app.get("/api/webhooks/not-a-uuid", ADMIN_TOKEN)
        .await
        .expect_error(404, "not_found", None);
}

#[tokio::test]
async fn messages_page_newest_first() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("pager").await;
    let token = hook["token"].as_str().unwrap();
    for i in 0..7 {
        app.post_anon(
            &format!("/api/webhooks/execute/{token}"),
            json!({"content": format!("m{i}")}),
        )
        .await
        .expect(201);
    }
    let ch = &app.channel_id;
    let page = app
        .get(&format!("/api/channels/{ch}/messages?limit=3"), ADMIN_TOKEN)
        .await
        .expect(200);
    let contents = |p: &serde_json::Value| {
        p["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["content"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(contents(&page), ["m6", "m5", "m4"]);
    let before = page["next_before"].as_str().unwrap();
    let page = app
        .get(
            &format!("/api/channels/{ch}/messages?limit=3&before={before}"),
            ADMIN_TOKEN,
        )
        .await
        .expect(200);
    assert_eq!(contents(&page), ["m3", "m2", "m1"]);
    let before = page["next_before"].as_str().unwrap();
    let page = app
        .get(
            &format!("/api/channels/{ch}/messages?limit=3&before={before}"),
            ADMIN_TOKEN,
        )
        .await
        .expect(200);
    assert_eq!(contents(&page), ["m0"]);
    assert!(page["next_before"].is_null());
    app.get(
        &format!("/api/channels/{ch}/messages?limit=abc"),
        ADMIN_TOKEN,
    )
    .await
    .expect_error(400, "bad_request", None);
}

#[tokio::test]
async fn health_and_bootstrap_token() {
    let app = TestApp::spawn().await;
    let health = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    // A restart keeps the data and does not bootstrap again.
    let app = app
        .stop()
        .await
        .restart(|c| c.bootstrap_token = Some("another-token-that-is-long".into()))
        .await;
    app.get("/api/me", "another-token-that-is-long")
        .await
        .expect_error(401, "unauthorized", None);
    assert_eq!(
        app.get("/api/communities", ADMIN_TOKEN).await.expect(200)["communities"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
