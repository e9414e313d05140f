//! What a user outside a community can learn (issue 16): every resource id they may not see
//! answers exactly like an id that does not exist; communities are created by instance
//! administrators unless a flag opens it; user ids cannot be probed by adding members.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wasmhook_test_artifacts as artifacts;
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

/// Status and raw body bytes of a `GET`.
async fn raw_get(app: &TestApp, path: &str, token: &str) -> (StatusCode, Vec<u8>) {
    let resp = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = resp.status();
    (status, resp.bytes().await.expect("body").to_vec())
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

#[tokio::test]
async fn outsiders_get_one_identical_404_for_real_and_random_ids() {
    let app = TestApp::spawn().await;
    // Resources of the Default community, one of each kind.
    let (cid, ch) = (app.community_id.clone(), app.channel_id.clone());
    let hook = app.plugin_webhook(artifacts::NOOP, "noop", json!({})).await;
    let token = hook["token"].as_str().unwrap();
    app.post_anon(&format!("/api/webhooks/execute/{token}"), json!({"x": 1}))
        .await;
    let delivery = app.deliveries(id(&hook), None).await.remove(0);
    let plugin = app
        .get(&format!("/api/webhooks/{}", id(&hook)), ADMIN_TOKEN)
        .await
        .expect(200)["plugin_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let outgoing = app
        .post(
            &format!("/api/communities/{cid}/outgoing-webhooks"),
            ADMIN_TOKEN,
            json!({"name": "ok", "target": "slack", "url": "https://hooks.slack.com/services/x",
                   "events": ["message.created"]}),
        )
        .await
        .expect(201);
    // A user of no community, and the owner of another community.
    let (_, stranger) = app.outsider("stranger").await;
    let (neighbour_id, neighbour) = app.outsider("neighbour").await;
    let other = app
        .post("/api/communities", ADMIN_TOKEN, json!({"name": "Other"}))
        .await
        .expect(201);
    app.post(
        &format!("/api/communities/{}/members", id(&other)),
        ADMIN_TOKEN,
        json!({"user_id": neighbour_id, "role": "owner"}),
    )
    .await
    .expect(201);

    let random = uuid::Uuid::now_v7().to_string();
    let kinds: Vec<(&str, String, String)> = vec![
        (
            "community channels",
            format!("/api/communities/{cid}/channels"),
            format!("/api/communities/{random}/channels"),
        ),
        (
            "community members",
            format!("/api/communities/{cid}/members"),
            format!("/api/communities/{random}/members"),
        ),
        (
            "channel messages",
            format!("/api/channels/{ch}/messages"),
            format!("/api/channels/{random}/messages"),
        ),
        (
            "channel webhooks",
            format!("/api/channels/{ch}/webhooks"),
            format!("/api/channels/{random}/webhooks"),
        ),
        (
            "webhook",
            format!("/api/webhooks/{}", id(&hook)),
            format!("/api/webhooks/{random}"),
        ),
        (
            "webhook deliveries",
            format!("/api/webhooks/{}/deliveries", id(&hook)),
            format!("/api/webhooks/{random}/deliveries"),
        ),
        (
            "delivery",
            format!("/api/deliveries/{}", id(&delivery)),
            format!("/api/deliveries/{random}"),
        ),
        (
            "plugin",
            format!("/api/plugins/{plugin}"),
            format!("/api/plugins/{random}"),
        ),
        (
            "outgoing webhook",
            format!("/api/communities/{cid}/outgoing-webhooks/{}", id(&outgoing)),
            format!("/api/communities/{cid}/outgoing-webhooks/{random}"),
        ),
    ];
    let expected = br#"{"error":{"code":"not_found","message":"not found"}}"#.to_vec();
    for (kind, real, unknown) in &kinds {
        // The owner sees the real resource: the path names something that exists.
        let (status, _) = raw_get(&app, real, ADMIN_TOKEN).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {real}");
        for (who, token) in [("stranger", &stranger), ("neighbour", &neighbour)] {
            let seen = raw_get(&app, real, token).await;
            let none = raw_get(&app, unknown, token).await;
            assert_eq!(seen.0, StatusCode::NOT_FOUND, "{kind} as {who}");
            assert_eq!(
                String::from_utf8_lossy(&seen.1),
                String::from_utf8_lossy(&none.1),
                "{kind} as {who}: a real id and a random one must answer alike"
            );
            assert_eq!(seen.1, expected, "{kind} as {who}");
        }
    }
    // The admin asking for a random id gets the same body as well.
    let (_, body) = raw_get(&app, &format!("/api/webhooks/{random}"), ADMIN_TOKEN).await;
    assert_eq!(body, expected);
}

#[tokio::test]
async fn only_instance_admins_create_communities_by_default() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.user("default_owner", "owner").await;
    let (_, member) = app.user("plain", "member").await;
    for token in [&owner, &member] {
        app.post("/api/communities", token, json!({"name": "Mine"}))
            .await
            .expect_error(403, "forbidden", None);
    }
    let names = |list: Value| -> Vec<String> {
        list["communities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(app.get("/api/communities", &owner).await.expect(200)),
        ["Default"]
    );
    // The bootstrap admin may.
    app.post("/api/communities", ADMIN_TOKEN, json!({"name": "Ops"}))
        .await
        .expect(201);

    // The flag opens it to every user.
    let open = TestApp::spawn_with(|cfg| cfg.allow_community_creation = true).await;
    let (_, member) = open.user("plain", "member").await;
    let created = open
        .post("/api/communities", &member, json!({"name": "Mine"}))
        .await
        .expect(201);
    assert_eq!(created["role"], "owner");
}

#[tokio::test]
async fn adding_members_cannot_probe_user_ids_or_pull_in_strangers() {
    let app = TestApp::spawn_with(|cfg| cfg.allow_community_creation = true).await;
    // Eve owns a community of her own; Bob exists but shares no community with her.
    let (_, eve) = app.outsider("eve").await;
    let (bob_id, bob) = app.outsider("bob").await;
    let eves = app
        .post("/api/communities", &eve, json!({"name": "Eve's"}))
        .await
        .expect(201);
    let members = format!("/api/communities/{}/members", id(&eves));
    let unknown = uuid::Uuid::now_v7().to_string();
    let existing = app
        .post(&members, &eve, json!({"user_id": bob_id, "role": "member"}))
        .await
        .expect_error(422, "validation_failed", Some("user_id"));
    let missing = app
        .post(
            &members,
            &eve,
            json!({"user_id": unknown, "role": "member"}),
        )
        .await
        .expect_error(422, "validation_failed", Some("user_id"));
    assert_eq!(
        existing, missing,
        "an existing stranger and an unknown id answer alike"
    );
    // Bob was not added: Eve's community stays invisible to him.
    assert_eq!(
        app.get("/api/communities", &bob).await.expect(200)["communities"],
        json!([])
    );
    // A manager may add users they already share a community with.
    let (_, boss) = app.user("boss", "owner").await;
    let (carol_id, _) = app.user("carol", "member").await;
    let team = app
        .post("/api/communities", &boss, json!({"name": "Team"}))
        .await
        .expect(201);
    app.post(
        &format!("/api/communities/{}/members", id(&team)),
        &boss,
        json!({"user_id": carol_id, "role": "member"}),
    )
    .await
    .expect(201);
    // The instance admin may add anyone.
    let ops = app
        .post("/api/communities", ADMIN_TOKEN, json!({"name": "Ops"}))
        .await
        .expect(201);
    app.post(
        &format!("/api/communities/{}/members", id(&ops)),
        ADMIN_TOKEN,
        json!({"user_id": bob_id, "role": "member"}),
    )
    .await
    .expect(201);
}
