//! What operators watch: `/metrics` in the Prometheus text format moves with the traffic, by
//! route template and never with a token; `/healthz` and `/readyz` answer.

use std::collections::BTreeMap;

use serde_json::json;
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

/// Every sample of the exposition: (metric name, labels) -> value.
type Samples = BTreeMap<(String, BTreeMap<String, String>), f64>;

async fn scrape(app: &TestApp) -> (String, Samples) {
    let resp = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("scrape");
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.expect("text");
    let mut samples = Samples::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, value) = line.rsplit_once(' ').expect("name value");
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (name, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        let labels = labels
            .split("\",")
            .filter(|l| !l.is_empty())
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.trim_matches('"').to_owned()))
            .collect();
        samples.insert((name.to_owned(), labels), value.parse().expect("a number"));
    }
    (text, samples)
}

fn value(samples: &Samples, name: &str, labels: &[(&str, &str)]) -> f64 {
    let want: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    samples
        .get(&(name.to_owned(), want))
        .copied()
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_count_requests_plugin_runs_and_rejections_by_template() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("measured").await;
    let token = hook["token"].as_str().unwrap();
    let github = app.webhook("measured-github").await;
    let plugins = app
        .get(
            &format!("/api/communities/{}/plugins", app.community_id),
            ADMIN_TOKEN,
        )
        .await
        .expect(200);
    let github_id = plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "github")
        .expect("the github built-in")["id"]
        .clone();
    app.patch(
        &format!("/api/webhooks/{}", github["id"].as_str().unwrap()),
        ADMIN_TOKEN,
        json!({"plugin_id": github_id}),
    )
    .await
    .expect(200);

    let route = "/api/webhooks/execute/{token}";
    let created = [("method", "POST"), ("route", route), ("status", "201")];
    let rejected = [("code", "not_found"), ("route", route), ("status", "404")];
    let skipped = [("outcome", "skipped"), ("plugin", "github")];
    let (_, before) = scrape(&app).await;
    for i in 0..3 {
        app.post_anon(
            &format!("{route_base}{token}", route_base = "/api/webhooks/execute/"),
            json!({"content": format!("counted {i}")}),
        )
        .await
        .expect(201);
    }
    app.post_anon("/api/webhooks/execute/not-a-token", json!({"content": "x"}))
        .await
        .expect(404);
    app.post_raw(
        &format!(
            "/api/webhooks/execute/{}",
            github["token"].as_str().unwrap()
        ),
        &[
            ("content-type", "application/json"),
            ("x-github-event", "ping"),
        ],
        r#"{"zen":"Keep it logically awesome.","hook_id":1}"#,
    )
    .await;
    let (text, after) = scrape(&app).await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert!(
        moved("wasmhook_http_requests_total", &created) >= 3.0,
        "{text}"
    );
    assert!(
        moved("wasmhook_http_rejected_requests_total", &rejected) >= 1.0,
        "{text}"
    );
    assert!(
        moved("wasmhook_plugin_runs_total", &skipped) >= 1.0,
        "{text}"
    );
    assert!(
        text.contains("wasmhook_http_request_duration_seconds_bucket{"),
        "latency histogram: {text}"
    );
    for gauge in [
        "wasmhook_db_pool_connections",
        "wasmhook_db_pool_max_connections",
        "wasmhook_live_connections",
        "wasmhook_push_queue_depth",
        "wasmhook_outgoing_queue_depth",
        "wasmhook_http_connections",
    ] {
        assert!(text.contains(gauge), "{gauge} missing: {text}");
    }
    assert!(!text.contains(token), "a token reached /metrics");
    assert!(!text.contains("not-a-token"), "a raw path reached /metrics");
}

#[tokio::test]
async fn liveness_and_readiness_answer_and_metrics_can_be_turned_off() {
    let app = TestApp::spawn_with(|cfg| cfg.http.disable_metrics = true).await;
    let live = app
        .request(reqwest::Method::GET, "/healthz", None, None)
        .await
        .expect(200);
    assert_eq!(live["status"], "ok");
    let ready = app
        .request(reqwest::Method::GET, "/readyz", None, None)
        .await
        .expect(200);
    assert_eq!(ready["status"], "ready");
    app.request(reqwest::Method::GET, "/metrics", None, None)
        .await
        .expect_error(404, "not_found", None);
}
