//! Fair share of the plugin sandbox through the real server: the per-webhook CPU budget, the
//! instance caps and the circuit breaker refuse at once with `Retry-After`, recover, tell the
//! owners, and leave the refused requests in the delivery log. Behaviour, not timings: every
//! wait is a poll for a condition.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wasmhook::Config;
use wasmhook_test_artifacts as artifacts;
use wasmhook_tests::{ADMIN_TOKEN, Reply, TestApp};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// Every fair-share check off, so each test turns on only the one it tests.
fn only(cfg: &mut Config) {
    cfg.rate_limit_per_second = 0;
    let f = &mut cfg.fair_share;
    f.cpu_ms_per_second = 0;
    f.cpu_ms_per_second_per_plugin = 0;
    f.instances_per_webhook = 0;
    f.instances_per_plugin = 0;
    f.breaker_failures = 0;
}

async fn post(app: &TestApp, hook: &Value, body: &str) -> Reply {
    let token = hook["token"].as_str().unwrap();
    app.post_raw(
        &format!("/api/webhooks/execute/{token}"),
        &[("content-type", "application/json")],
        body.to_owned(),
    )
    .await
}

async fn share(app: &TestApp, hook: &Value) -> Value {
    let webhook = app
        .get(&format!("/api/webhooks/{}", id(hook)), ADMIN_TOKEN)
        .await
        .expect(200);
    webhook["plugin_share"].clone()
}

fn retry_after(reply: &Reply) -> u64 {
    reply
        .headers
        .get("retry-after")
        .expect("Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Polls `condition` every 50 ms for up to 20 s.
async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    while !condition().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn budget_refuses_with_retry_after_once_spent_and_recovers() {
    let app = TestApp::spawn_with(|cfg| {
        only(cfg);
        cfg.sandbox.timeout_ms = 60;
        // Every run ends at its CPU-time deadline, however busy the machine, and a slow refill:
        // on a busy machine a run that uses 60 ms of CPU may take far longer than that.
        cfg.sandbox.wall_timeout_ms = 600_000;
        cfg.fair_share.cpu_ms_per_second = 10;
        cfg.fair_share.cpu_burst_ms = 100;
    })
    .await;
    let hook = app.plugin_webhook(artifacts::LOOP, "loop", json!({})).await;
    let other = sibling(&app, &hook, "other loop").await;
    // Each run goes to its 60 ms deadline: two spend the 100 ms bank.
    let mut timeouts = 0;
    let refused = loop {
        let reply = post(&app, &hook, "{}").await;
        if reply.status == 429 {
            break reply;
        }
        reply.expect_error(500, "plugin_timeout", None);
        timeouts += 1;
        assert!(timeouts <= 3, "the budget never ran out");
    };
    assert!(timeouts >= 2, "refused before the bank was spent");
    assert_eq!(refused.body["error"]["code"], "plugin_budget_exhausted");
    assert!(retry_after(&refused) >= 1);
    // Visible to the owner: a failed, replayable delivery with the reason, and the state.
    let kept = app.deliveries(id(&hook), Some("failed")).await;
    assert!(
        kept.iter()
            .any(|d| d["error_code"] == "plugin_budget_exhausted"),
        "{kept:?}"
    );
    let state = share(&app, &hook).await;
    assert!(state["budget_ms"].as_f64().unwrap() <= 0.0, "{state}");
    assert_eq!(state["refused"]["budget"], 1);
    // Another webhook of the same plugin has its own budget.
    post(&app, &other, "{}")
        .await
        .expect_error(500, "plugin_timeout", None);
    // After the refill the plugin runs again.
    eventually("the budget to refill", || async {
        share(&app, &hook).await["budget_ms"].as_f64().unwrap() > 0.0
    })
    .await;
    post(&app, &hook, "{}")
        .await
        .expect_error(500, "plugin_timeout", None);
}

/// A second webhook with the same (uploaded) plugin as `hook`.
async fn sibling(app: &TestApp, hook: &Value, name: &str) -> Value {
    let plugin = app
        .get(&format!("/api/webhooks/{}", id(hook)), ADMIN_TOKEN)
        .await
        .expect(200)["plugin_id"]
        .clone();
    let other = app.webhook(name).await;
    app.patch(
        &format!("/api/webhooks/{}", id(&other)),
        ADMIN_TOKEN,
        json!({"plugin_id": plugin}),
    )
    .await
    .expect(200);
    other
}

/// Posts `{}` to the webhook in a task of its own; the task yields the status.
fn spawn_post(app: &TestApp, hook: &Value) -> tokio::task::JoinHandle<reqwest::StatusCode> {
    let (base, token) = (app.base.clone(), hook["token"].as_str().unwrap().to_owned());
    tokio::spawn(async move {
        reqwest::Client::new()
            .post(format!("{base}/api/webhooks/execute/{token}"))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap()
            .status()
    })
}

#[tokio::test]
async fn instances_are_capped_per_webhook_and_per_plugin() {
    let app = TestApp::spawn_with(|cfg| {
        only(cfg);
        cfg.sandbox.timeout_ms = 3_000;
        cfg.fair_share.instances_per_webhook = 2;
        cfg.fair_share.instances_per_plugin = 3;
    })
    .await;
    let a = app.plugin_webhook(artifacts::LOOP, "loop", json!({})).await;
    let b = sibling(&app, &a, "b").await;
    let running: Vec<_> = (0..2).map(|_| spawn_post(&app, &a)).collect();
    eventually("two instances of webhook a", || async {
        share(&app, &a).await["instances"] == 2
    })
    .await;
    let refused = post(&app, &a, "{}").await;
    let body = refused.expect_error(429, "plugin_busy", None);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("this webhook")
    );
    // Webhook b still gets an instance, until the plugin's own cap (3) is reached.
    let third = spawn_post(&app, &b);
    eventually("an instance of webhook b", || async {
        share(&app, &b).await["instances"] == 1
    })
    .await;
    let refused = post(&app, &b, "{}").await;
    assert_eq!(retry_after(&refused), 1);
    let body = refused.expect_error(429, "plugin_busy", None);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("this plugin")
    );
    for task in running.into_iter().chain([third]) {
        assert_eq!(task.await.unwrap(), 500);
    }
    assert_eq!(share(&app, &a).await["instances"], 0);
    assert_eq!(share(&app, &a).await["refused"]["busy"], 1);
}

#[tokio::test]
async fn breaker_quarantines_a_failing_plugin_tells_the_owners_and_recovers() {
    let app = TestApp::spawn_with(|cfg| {
        only(cfg);
        cfg.fair_share.breaker_failures = 3;
        cfg.fair_share.breaker_backoff_ms = 1_000;
    })
    .await;
    let (_, admin_token) = app.user("alice", "admin").await;
    let hook = app
        .plugin_webhook(artifacts::FLAKY, "flaky", json!({"trap": true}))
        .await;
    for _ in 0..3 {
        post(&app, &hook, "{}")
            .await
            .expect_error(500, "plugin_trap", None);
    }
    let refused = post(&app, &hook, "{}").await;
    assert!(retry_after(&refused) >= 1);
    refused.expect_error(503, "plugin_quarantined", None);
    let state = share(&app, &hook).await;
    assert_eq!(state["breaker"], "open", "{state}");
    assert!(state["quarantined_for_secs"].as_u64().unwrap() >= 1);
    // The owners and admins are told, once.
    for token in [ADMIN_TOKEN, admin_token.as_str()] {
        let notices = app.get("/api/notices", token).await.expect(200);
        let quarantined: Vec<&Value> = notices["notices"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "webhook.plugin_quarantined")
            .collect();
        assert_eq!(quarantined.len(), 1, "{notices}");
        assert_eq!(quarantined[0]["subject_id"], hook["id"]);
        let text = quarantined[0]["text"].as_str().unwrap();
        assert!(
            text.contains("flaky") && text.contains("plugin_trap"),
            "{text}"
        );
    }
    let kept = app.deliveries(id(&hook), Some("failed")).await;
    assert!(
        kept.iter().any(|d| d["error_code"] == "plugin_quarantined"),
        "{kept:?}"
    );
    // The owner fixes the configuration; after the back-off a probe runs and succeeds, and
    // the breaker closes.
    app.patch(
        &format!("/api/webhooks/{}", id(&hook)),
        ADMIN_TOKEN,
        json!({"plugin_config": {"trap": false}}),
    )
    .await
    .expect(200);
    let mut refusals = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = post(&app, &hook, "{\"x\":1}").await;
        if reply.status != 503 {
            reply.expect(201);
            break;
        }
        assert_eq!(reply.body["error"]["code"], "plugin_quarantined");
        refusals += 1;
        assert!(Instant::now() < deadline, "the breaker never half-opened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(share(&app, &hook).await["breaker"], "closed");
    post(&app, &hook, "{}").await.expect(201);
    let runtime = app.get("/api/runtime", ADMIN_TOKEN).await.expect(200);
    assert_eq!(runtime["fair_share"]["breaker_failures"], 3);
    assert_eq!(
        runtime["fair_share"]["refused"]["quarantined"]
            .as_u64()
            .unwrap(),
        1 + refusals
    );
}

#[tokio::test]
async fn default_budget_lets_a_healthy_plugin_run_at_its_normal_rate() {
    // With every default (rate limit 50/s, burst 200), the built-in GitHub plugin takes its
    // whole rate-limit burst without one fair-share refusal.
    let app = TestApp::spawn().await;
    let hook = app.webhook("github").await;
    let github = app
        .get(
            &format!("/api/communities/{}/plugins", app.community_id),
            ADMIN_TOKEN,
        )
        .await
        .expect(200)["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "github")
        .unwrap()["id"]
        .clone();
    app.patch(
        &format!("/api/webhooks/{}", id(&hook)),
        ADMIN_TOKEN,
        json!({"plugin_id": github}),
    )
    .await
    .expect(200);
    let token = hook["token"].as_str().unwrap();
    let body = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/github/push-two-commits/request.json"
    ))
    .unwrap();
    for _ in 0..100 {
        let reply = app
            .post_raw(
                &format!("/api/webhooks/execute/{token}"),
                &[
                    ("content-type", "application/json"),
                    ("x-github-event", "push"),
                ],
                body.clone(),
            )
            .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
    }
    let state = share(&app, &hook).await;
    assert_eq!(
        state["refused"],
        json!({"budget": 0, "busy": 0, "quarantined": 0})
    );
    assert_eq!(state["breaker"], "closed");
}
