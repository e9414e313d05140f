//! The role matrix on every management endpoint: owner and admin may, members get 403,
//! users outside the community get 404 (the resources stay invisible to them).

use reqwest::Method;
use serde_json::{Value, json};
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

struct Actors {
    owner: String,
    admin: String,
    member: String,
    outsider: String,
}

async fn actors(app: &TestApp) -> Actors {
    let (_, owner) = app.user("second_owner", "owner").await;
    let (_, admin) = app.user("an_admin", "admin").await;
    let (member_id, member) = app.user("a_member", "member").await;
    app.join_channel(&member_id).await;
    let (_, outsider) = app.outsider("an_outsider").await;
    Actors {
        owner,
        admin,
        member,
        outsider,
    }
}

/// Runs one request per actor, each against a fresh resource made by `setup`, and checks the
/// statuses (owner, admin, member, outsider).
async fn check<F, Fut>(
    app: &TestApp,
    who: &Actors,
    method: Method,
    setup: F,
    body: Value,
    expected: [u16; 4],
) where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let tokens = [&who.owner, &who.admin, &who.member, &who.outsider];
    for (i, token) in tokens.into_iter().enumerate() {
        let path = setup(i).await;
        let reply = app
            .request(method.clone(), &path, Some(token), Some(body.clone()))
            .await;
        assert_eq!(
            reply.status.as_u16(),
            expected[i],
            "{method} {path} as actor #{i}: {}",
            reply.body
        );
        if expected[i] >= 400 {
            assert!(reply.body["error"]["code"].is_string(), "{}", reply.body);
        }
    }
}

#[tokio::test]
async fn webhook_management_is_for_owners_and_admins_only() {
    let app = TestApp::spawn().await;
    let who = actors(&app).await;
    let ch = app.channel_id.clone();
    let new_hook = |_: usize| {
        let app = &app;
        async move {
            format!(
                "/api/webhooks/{}",
                app.webhook("w").await["id"].as_str().unwrap()
            )
        }
    };
    let deny = [403, 404];
    let expect = |ok: u16| [ok, ok, deny[0], deny[1]];

    check(
        &app,
        &who,
        Method::POST,
        |_| async { format!("/api/channels/{ch}/webhooks") },
        json!({"name": "x"}),
        expect(201),
    )
    .await;
    check(
        &app,
        &who,
        Method::GET,
        |_| async { format!("/api/channels/{ch}/webhooks") },
        Value::Null,
        expect(200),
    )
    .await;
    check(&app, &who, Method::GET, new_hook, Value::Null, expect(200)).await;
    check(
        &app,
        &who,
        Method::PATCH,
        new_hook,
        json!({"name": "renamed"}),
        expect(200),
    )
    .await;
    check(
        &app,
        &who,
        Method::DELETE,
        new_hook,
        Value::Null,
        expect(204),
    )
    .await;
    let sub = |suffix: &'static str| {
        let app = &app;
        move |_: usize| async move {
            format!(
                "/api/webhooks/{}/{suffix}",
                app.webhook("w").await["id"].as_str().unwrap()
            )
        }
    };
    check(
        &app,
        &who,
        Method::POST,
        sub("regenerate"),
        json!({}),
        expect(200),
    )
    .await;
    check(
        &app,
        &who,
        Method::POST,
        sub("test"),
        json!({}),
        expect(201),
    )
    .await;
}

#[tokio::test]
async fn community_and_channel_management_follow_the_same_matrix() {
    let app = TestApp::spawn().await;
    let who = actors(&app).await;
    let (c, ch) = (app.community_id.clone(), app.channel_id.clone());
    let expect = |ok: u16| [ok, ok, 403, 404];
    let mut n = 0;
    let mut fresh_user = || {
        n += 1;
        let app = &app;
        let name = format!("target{n}");
        async move { app.user(&name, "member").await.0 }
    };

    for (i, token) in [&who.owner, &who.admin, &who.member, &who.outsider]
        .into_iter()
        .enumerate()
    {
        let reply = app
            .post(
                &format!("/api/communities/{c}/channels"),
                token,
                json!({"name": format!("ops{i}")}),
            )
            .await;
        assert_eq!(
            reply.status.as_u16(),
            expect(201)[i],
            "create channel as #{i}: {}",
            reply.body
        );
    }
    for role in ["member", "admin"] {
        let mut ids = Vec::new();
        for _ in 0..4 {
            ids.push(fresh_user().await);
        }
        for (i, token) in [&who.owner, &who.admin, &who.member, &who.outsider]
            .into_iter()
            .enumerate()
        {
            let reply = app
                .post(
                    &format!("/api/communities/{c}/members"),
                    token,
                    json!({"user_id": ids[i], "role": role}),
                )
                .await;
            assert_eq!(
                reply.status.as_u16(),
                expect(200)[i],
                "add {role} as #{i}: {}",
                reply.body
            );
        }
        for (i, token) in [&who.owner, &who.admin, &who.member, &who.outsider]
            .into_iter()
            .enumerate()
        {
            let reply = app
                .post(
                    &format!("/api/channels/{ch}/members"),
                    token,
                    json!({"user_id": ids[i]}),
                )
                .await;
            assert_eq!(
                reply.status.as_u16(),
                expect(201)[i],
                "join channel as #{i}: {}",
                reply.body
            );
        }
    }
    for (i, token) in [&who.owner, &who.admin, &who.member, &who.outsider]
        .into_iter()
        .enumerate()
    {
        let name = format!("created_by_{i}");
        let body = json!({"username": name, "email": format!("{name}@example.com"), "password": "password-123", "community_id": c});
        assert_eq!(
            app.post("/api/users", token, body).await.status.as_u16(),
            expect(201)[i]
        );
    }
    // Only owners hand out ownership.
    let target = fresh_user().await;
    app.post(
        &format!("/api/communities/{c}/members"),
        &who.admin,
        json!({"user_id": target, "role": "owner"}),
    )
    .await
    .expect_error(403, "forbidden", None);
    app.post(
        &format!("/api/communities/{c}/members"),
        &who.owner,
        json!({"user_id": target, "role": "owner"}),
    )
    .await
    .expect(200);
    // Reading channels: any community member, not outsiders.
    for (i, token) in [&who.owner, &who.admin, &who.member, &who.outsider]
        .into_iter()
        .enumerate()
    {
        assert_eq!(
            app.get(&format!("/api/communities/{c}/channels"), token)
                .await
                .status
                .as_u16(),
            [200, 200, 200, 404][i]
        );
    }
}

#[tokio::test]
async fn messages_are_for_channel_members() {
    let app = TestApp::spawn().await;
    let who = actors(&app).await; // the member joined `general`; owner/admin did not
    let ch = &app.channel_id;
    let (_, lurker) = app.user("lurker", "member").await;
    assert_eq!(
        app.get(&format!("/api/channels/{ch}/messages"), &who.member)
            .await
            .status,
        200
    );
    app.get(&format!("/api/channels/{ch}/messages"), &lurker)
        .await
        .expect_error(403, "forbidden", None);
    app.get(&format!("/api/channels/{ch}/messages"), &who.outsider)
        .await
        .expect_error(404, "not_found", None);
    app.get(&format!("/api/channels/{ch}/messages"), "not-a-token")
        .await
        .expect_error(401, "unauthorized", None);
    app.request(
        Method::GET,
        &format!("/api/channels/{ch}/messages"),
        None,
        None,
    )
    .await
    .expect_error(401, "unauthorized", None);
}

#[tokio::test]
async fn a_community_keeps_at_least_one_owner() {
    let app = TestApp::spawn().await;
    let c = app.community_id.clone();
    let path = format!("/api/communities/{c}/members");
    let me = app.get("/api/me", ADMIN_TOKEN).await.expect(200);
    let admin_id = me["id"].as_str().unwrap().to_owned();

    // The bootstrap admin is the only owner: demoting themselves is refused, naming `role`.
    app.post(
        &path,
        ADMIN_TOKEN,
        json!({"user_id": admin_id, "role": "admin"}),
    )
    .await
    .expect_error(422, "validation_failed", Some("role"));
    let members = app.get(&path, ADMIN_TOKEN).await.expect(200);
    let role_of = |members: &Value, id: &str| {
        members["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .map(|m| m["role"].clone())
    };
    assert_eq!(role_of(&members, &admin_id), Some(json!("owner")));

    // With a second owner, the first may step down; then the second is the last one.
    let (second_id, second) = app.user("second_owner", "owner").await;
    app.post(
        &path,
        ADMIN_TOKEN,
        json!({"user_id": admin_id, "role": "admin"}),
    )
    .await
    .expect(200);
    app.post(
        &path,
        &second,
        json!({"user_id": second_id, "role": "member"}),
    )
    .await
    .expect_error(422, "validation_failed", Some("role"));
    let members = app.get(&path, &second).await.expect(200);
    assert_eq!(role_of(&members, &second_id), Some(json!("owner")));
    assert_eq!(role_of(&members, &admin_id), Some(json!("admin")));
}
