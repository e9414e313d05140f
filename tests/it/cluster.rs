//! Several wasmhook nodes on one PostgreSQL database, and recovery from lost database
//! connections. These need PostgreSQL: they are ignored in the SQLite pass and run in the
//! PostgreSQL pass (`.ci/run` sets `WASMHOOK_TEST_POSTGRES_URL` and `--include-ignored`), where
//! an unreachable server fails them (#5).

use std::time::{Duration, Instant};

use serde_json::json;
use wasmhook_test_artifacts as artifacts;
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

/// A second node on the same database, with its own compiled-plugin cache.
async fn second_node(a: &TestApp) -> (TestApp, tempfile::TempDir) {
    assert!(
        a.is_postgres(),
        "cluster tests need WASMHOOK_TEST_POSTGRES_URL"
    );
    let cache = tempfile::tempdir().unwrap();
    let b = TestApp::start(a.database.clone(), cache.path().join("cache"), |_| {}).await;
    (b, cache)
}

/// Polls `url` on `node` until it answers `status`, for at most one second.
async fn answers_within_a_second(node: &TestApp, url: &str, status: u16) {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let reply = node.post_anon(url, json!({"content": "probe"})).await;
        if reply.status.as_u16() == status {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{url} still answers {} on the other node after 1 s",
            reply.status
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL (#5): run with WASMHOOK_TEST_POSTGRES_URL and --include-ignored"]
async fn a_webhook_made_on_one_node_serves_on_another_and_revocation_reaches_it() {
    let a = TestApp::spawn().await;
    let (b, _cache) = second_node(&a).await;
    let hook = a.webhook("cluster").await;
    let id = hook["id"].as_str().unwrap();
    let url = |token: &str| format!("/api/webhooks/execute/{token}");
    let token = hook["token"].as_str().unwrap().to_owned();
    // Created on A, executes on B (and B now caches the token).
    b.post_anon(&url(&token), json!({"content": "from B"}))
        .await
        .expect(201);
    assert_eq!(a.messages().await[0]["content"], "from B");

    // Disabled on A: B answers 404 within one second; enabled again: 201.
    a.patch(
        &format!("/api/webhooks/{id}"),
        ADMIN_TOKEN,
        json!({"active": false}),
    )
    .await
    .expect(200);
    answers_within_a_second(&b, &url(&token), 404).await;
    a.patch(
        &format!("/api/webhooks/{id}"),
        ADMIN_TOKEN,
        json!({"active": true}),
    )
    .await
    .expect(200);
    answers_within_a_second(&b, &url(&token), 201).await;

    // Regenerated on A: the old token dies on B, the new one works there.
    let regenerated = a
        .post(
            &format!("/api/webhooks/{id}/regenerate"),
            ADMIN_TOKEN,
            json!({}),
        )
        .await
        .expect(200);
    let new_token = regenerated["token"].as_str().unwrap().to_owned();
    answers_within_a_second(&b, &url(&token), 404).await;
    b.post_anon(&url(&new_token), json!({"content": "new token on B"}))
        .await
        .expect(201);

    // Deleted on A: dead on B.
    a.delete(&format!("/api/webhooks/{id}"), ADMIN_TOKEN)
        .await
        .expect(204);
    answers_within_a_second(&b, &url(&new_token), 404).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL (#5): run with WASMHOOK_TEST_POSTGRES_URL and --include-ignored"]
async fn plugins_and_failed_deliveries_are_shared_by_every_node() {
    let a = TestApp::spawn().await;
    let (b, _cache) = second_node(&a).await;
    // Uploaded on A (stored in the database), executed on B, which compiles it once itself.
    let broken = a
        .plugin_webhook(artifacts::PANIC, "broken", json!({}))
        .await;
    let err = b
        .post_raw(
            &format!(
                "/api/webhooks/execute/{}",
                broken["token"].as_str().unwrap()
            ),
            &[],
            r#"{"text":"from B"}"#,
        )
        .await
        .expect_error(500, "plugin_trap", None);
    let stats = b.get("/api/runtime", ADMIN_TOKEN).await.expect(200);
    assert_eq!(stats["cache"]["compiled"], 1, "{stats}");
    // The failure recorded on B is listed on A and replayed from A after fixing the plugin.
    let delivery = err["error"]["delivery_id"].as_str().unwrap().to_owned();
    let failed = a
        .deliveries(broken["id"].as_str().unwrap(), Some("failed"))
        .await;
    assert_eq!(failed[0]["id"], delivery.as_str());
    let fixed = a
        .upload_plugin(artifacts::ECHO, "fixed", "1.0.0")
        .await
        .expect(201);
    a.patch(
        &format!("/api/webhooks/{}", broken["id"].as_str().unwrap()),
        ADMIN_TOKEN,
        json!({"plugin_id": fixed["id"]}),
    )
    .await
    .expect(200);
    a.post(
        &format!("/api/deliveries/{delivery}/replay"),
        ADMIN_TOKEN,
        json!({}),
    )
    .await
    .expect(201);
    assert_eq!(b.messages().await[0]["content"], "from B");
    // Built-ins are registered once for all nodes, under the same ids.
    let path = format!("/api/communities/{}/plugins", a.community_id);
    let on_a = a.get(&path, ADMIN_TOKEN).await.expect(200);
    let on_b = b.get(&path, ADMIN_TOKEN).await.expect(200);
    assert_eq!(on_a["plugins"], on_b["plugins"]);
}

#[tokio::test]
#[ignore = "needs PostgreSQL (#5): run with WASMHOOK_TEST_POSTGRES_URL and --include-ignored"]
async fn lost_database_connections_give_503_and_the_node_recovers() {
    let app = TestApp::spawn_with(|c| c.db.acquire_timeout = Duration::from_secs(2)).await;
    let hook = app.webhook("resilient").await;
    let url = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    app.post_anon(&url, json!({"content": "before"}))
        .await
        .expect(201);
    let admin = wasmhook_tests::postgres_admin_url().unwrap();
    let db_name = reqwest::Url::parse(&app.database)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_owned();
    let pool = sqlx::PgPool::connect(&admin).await.unwrap();
    // Kill every connection the node has (its pool and its change listener).
    let killed: i64 = sqlx::query_scalar(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&db_name)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(killed > 0);
    pool.close().await;
    // Requests hit dead connections: each answers 201 (stored) or 503 (not stored), never
    // anything else, and the node recovers by itself.
    let mut accepted = 1;
    let mut recovered = false;
    for i in 0..50 {
        let reply = app
            .post_anon(&url, json!({"content": format!("after {i}")}))
            .await;
        match reply.status.as_u16() {
            201 => {
                accepted += 1;
                if accepted >= 4 {
                    recovered = true;
                    break;
                }
            }
            503 => assert_eq!(reply.body["error"]["code"], "unavailable", "{}", reply.body),
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert!(recovered, "the node did not recover");
    // Every 201 is stored.
    assert_eq!(app.messages().await.len(), accepted);
}

#[tokio::test]
#[ignore = "needs PostgreSQL (#6): run with WASMHOOK_TEST_POSTGRES_URL and --include-ignored"]
async fn an_event_posted_on_node_a_reaches_clients_connected_to_node_b() {
    use wasmhook_tests::live::{PushService, SseClient, Subscriber, WsClient};

    let a = TestApp::spawn_with(|cfg| {
        cfg.push.allow_http = true;
        cfg.network.allow_loopback = true;
        cfg.push.poll_ms = 50;
    })
    .await;
    let (b, _cache) = second_node(&a).await;
    let service = PushService::start().await;
    let (alice, alice_token) = a.user("alice", "member").await;
    a.join_channel(&alice).await;
    let sub = Subscriber::new(&service.base, "alice");
    a.post("/api/me/push-subscriptions", &alice_token, sub.json())
        .await
        .expect(201);
    a.patch("/api/me", &alice_token, json!({"push_enabled": true}))
        .await
        .expect(200);
    let hook = a.webhook("cluster-live").await;
    let url = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());

    // Alice is connected to B only; the post (mentioning her) is executed on A.
    let mut ws = WsClient::connect(&b, &alice_token).await;
    let mut sse = SseClient::connect(&b, &b.channel_id, &alice_token)
        .await
        .expect("stream on B");
    a.post_anon(&url, json!({"content": "@alice from node A"}))
        .await
        .expect(201);
    let message = ws.expect_event("message.created").await;
    assert_eq!(message["content"], "@alice from node A");
    assert_eq!(message, a.messages().await[0]);
    let notification = ws.expect_event("notification.created").await;
    assert_eq!(notification["message"]["id"], message["id"]);
    let (_, over_sse) = sse.expect_event("message.created").await;
    assert_eq!(over_sse["data"], message);
    // A sees that she is online on B: no push is queued or sent.
    assert_eq!(a.sql_i64("SELECT COUNT(*) FROM push_jobs").await, 0);
    // Bob, offline, is mentioned next: once his push arrived and the queue is empty, a push
    // for Alice would have been sent too (the service accepts everything).
    let (bob, bob_token) = a.user("bob", "member").await;
    a.join_channel(&bob).await;
    let bob_sub = Subscriber::new(&service.base, "bob");
    a.post("/api/me/push-subscriptions", &bob_token, bob_sub.json())
        .await
        .expect(201);
    a.patch("/api/me", &bob_token, json!({"push_enabled": true}))
        .await
        .expect(200);
    a.post_anon(&url, json!({"content": "@bob from node A"}))
        .await
        .expect(201);
    service.wait_for(1, Duration::from_secs(10)).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while a.sql_i64("SELECT COUNT(*) FROM push_jobs").await > 0 {
        assert!(Instant::now() < deadline, "the push queue did not drain");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let paths: Vec<String> = service.received().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/push/bob"], "no push for Alice, online on B");
}

#[tokio::test]
#[ignore = "needs PostgreSQL (#6): run with WASMHOOK_TEST_POSTGRES_URL and --include-ignored"]
async fn each_push_is_sent_once_although_every_node_runs_a_push_worker() {
    use wasmhook_tests::live::{PushService, Subscriber};

    let fast = |cfg: &mut wasmhook::Config| {
        cfg.push.allow_http = true;
        cfg.network.allow_loopback = true;
        cfg.push.poll_ms = 10;
    };
    let a = TestApp::spawn_with(fast).await;
    let cache = tempfile::tempdir().unwrap();
    let b = TestApp::start(a.database.clone(), cache.path().join("cache"), fast).await;
    let service = PushService::start().await;
    let (alice, alice_token) = a.user("alice", "member").await;
    a.join_channel(&alice).await;
    let sub = Subscriber::new(&service.base, "alice");
    a.post("/api/me/push-subscriptions", &alice_token, sub.json())
        .await
        .expect(201);
    a.patch("/api/me", &alice_token, json!({"push_enabled": true}))
        .await
        .expect(200);
    let hook = a.webhook("once").await;
    let url = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    for i in 0..10 {
        let node = if i % 2 == 0 { &a } else { &b };
        node.post_anon(&url, json!({"content": format!("@alice #{i}")}))
            .await
            .expect(201);
    }
    service.wait_for(10, Duration::from_secs(15)).await;
    // Once the queue is empty no job can be claimed again, and stopping both nodes lets the
    // sends still in flight finish: what the service has then is final.
    let deadline = Instant::now() + Duration::from_secs(10);
    while a.sql_i64("SELECT COUNT(*) FROM push_jobs").await > 0 {
        assert!(Instant::now() < deadline, "the push queue did not drain");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _b = b.stop().await;
    let _a = a.stop().await;
    assert_eq!(
        service.received().len(),
        10,
        "one push per mention, not one per node"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL (#5): run with WASMHOOK_TEST_POSTGRES_URL and --include-ignored"]
async fn each_outgoing_event_is_delivered_once_across_nodes() {
    // Two nodes polling the outbox every 5 ms race for every delivery (#7).
    let racing = |cfg: &mut wasmhook::Config| {
        cfg.network.allow_loopback = true;
        cfg.outgoing.poll_ms = 5;
        cfg.outgoing.concurrency = 4;
    };
    let a = TestApp::spawn_with(racing).await;
    assert!(
        a.is_postgres(),
        "cluster tests need WASMHOOK_TEST_POSTGRES_URL"
    );
    let cache = tempfile::tempdir().unwrap();
    let b = TestApp::start(a.database.clone(), cache.path().join("cache"), racing).await;
    let receiver = wasmhook_tests::receiver::Receiver::start().await;
    a.post(
        &format!("/api/communities/{}/outgoing-webhooks", a.community_id),
        ADMIN_TOKEN,
        json!({"name": "once", "target": "generic", "url": receiver.url("/once"),
               "events": ["message.created"]}),
    )
    .await
    .expect(201);
    let hook = a.webhook("source").await;
    let url = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    const N: usize = 40;
    for i in 0..N {
        let node = if i % 2 == 0 { &a } else { &b };
        node.post_anon(&url, json!({"content": format!("event {i}")}))
            .await
            .expect(201);
    }
    receiver.wait_for(N, Duration::from_secs(30)).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while a
        .sql_i64("SELECT COUNT(*) FROM outgoing_deliveries WHERE status <> 'succeeded'")
        .await
        > 0
    {
        assert!(Instant::now() < deadline, "deliveries did not settle");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = receiver.requests();
    let mut ids: Vec<String> = got
        .iter()
        .map(|r| r.header("webhook-id").unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), N);
    assert_eq!(got.len(), N, "every event was sent exactly once");
    assert_eq!(
        a.sql_i64("SELECT COALESCE(MAX(attempts), 0) FROM outgoing_deliveries")
            .await,
        1
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL (#20): run with WASMHOOK_TEST_POSTGRES_URL and --include-ignored"]
async fn studio_notices_and_role_changes_of_node_a_reach_node_b() {
    use wasmhook_tests::live::WsClient;

    let a = TestApp::spawn_with(|cfg| {
        cfg.fair_share.breaker_failures = 2;
        cfg.fair_share.breaker_backoff_ms = 60_000;
    })
    .await;
    let (b, _cache) = second_node(&a).await;
    let (dana, dana_token) = a.user("dana", "admin").await;
    let mut owner = WsClient::connect(&b, ADMIN_TOKEN).await;
    let mut admin = WsClient::connect(&b, &dana_token).await;

    // A plugin quarantined on A: both managers, connected to B, get the notice live.
    let trap = a
        .plugin_webhook(artifacts::FLAKY, "flaky", json!({ "trap": true }))
        .await;
    let trap_url = format!("/api/webhooks/execute/{}", trap["token"].as_str().unwrap());
    for _ in 0..2 {
        let failed = a.post_raw(&trap_url, &[], "x".to_owned()).await;
        assert_eq!(failed.status.as_u16(), 500, "{}", failed.body);
    }
    for ws in [&mut owner, &mut admin] {
        let notice = ws.expect_event("notice.created").await;
        assert_eq!(notice["kind"], "webhook.plugin_quarantined", "{notice}");
        assert_eq!(notice["subject_id"], trap["id"]);
    }

    // B caches who manages the community; demoting Dana on A clears it on B.
    let ok = a.plugin_webhook(artifacts::FLAKY, "flaky", json!({})).await;
    let ok_url = format!("/api/webhooks/execute/{}", ok["token"].as_str().unwrap());
    let deliver = |n: u32| {
        let (b, url) = (&b, ok_url.clone());
        async move {
            let sent = b.post_raw(&url, &[], format!("delivery {n}")).await;
            assert_eq!(sent.status.as_u16(), 201, "{}", sent.body);
            sent.body["delivery_id"].clone()
        }
    };
    let first = deliver(0).await;
    assert_eq!(owner.expect_event("delivery.recorded").await["id"], first);
    assert_eq!(admin.expect_event("delivery.recorded").await["id"], first);
    a.post(
        &format!("/api/communities/{}/members", a.community_id),
        ADMIN_TOKEN,
        json!({ "user_id": dana, "role": "member" }),
    )
    .await
    .expect(200);
    let deadline = Instant::now() + Duration::from_secs(2);
    for n in 1.. {
        let id = deliver(n).await;
        assert_eq!(owner.expect_event("delivery.recorded").await["id"], id);
        match admin.next_json(Duration::from_millis(300)).await {
            None => break,
            Some(event) => assert!(
                event["type"] == "delivery.recorded" && Instant::now() < deadline,
                "the demoted admin is still told on B: {event}"
            ),
        }
    }
    owner.close().await;
    admin.close().await;
}
