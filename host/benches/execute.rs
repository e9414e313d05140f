//! Load on the execute path: a real server (SQLite file in a temporary directory) on a real
//! listener, and many concurrent clients posting native messages to one webhook, each a new
//! message stored with its transaction committed before the 201.
//!
//! Run with `cargo bench -p wasmhook --bench execute` (optionally `-- CONCURRENCY REQUESTS`,
//! default 32 and 5000). Prints throughput and latency percentiles; rate limiting is off.
//! `WASMHOOK_BENCH_DATABASE=postgres://...` runs it on an (empty) PostgreSQL database instead.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

const TOKEN: &str = "bench-admin-token-0123456789";

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let concurrency = args.first().copied().unwrap_or(32);
    let requests = args.get(1).copied().unwrap_or(5000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(concurrency, requests));
}

async fn run(concurrency: usize, requests: usize) {
    let dir = tempfile::tempdir().unwrap();
    let database = std::env::var("WASMHOOK_BENCH_DATABASE")
        .unwrap_or_else(|_| dir.path().join("bench.db").display().to_string());
    let backend = if database.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let cache = dir.path().join("cache").display().to_string();
    let cfg = wasmhook::Config::from_args([
        "--database",
        &database,
        "--cache-dir",
        &cache,
        "--bootstrap-token",
        TOKEN,
        "--rate-limit-per-second",
        "0",
    ])
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(wasmhook::serve(cfg, listener));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let get = |path: String| {
        let client = client.clone();
        let url = format!("{base}{path}");
        async move {
            for _ in 0..100 {
                if let Ok(r) = client.get(&url).bearer_auth(TOKEN).send().await
                    && r.status().is_success()
                {
                    return r.json::<Value>().await.unwrap();
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("server did not answer {url}");
        }
    };
    let communities = get("/api/communities".into()).await;
    let community = communities["communities"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let channels = get(format!("/api/communities/{community}/channels")).await;
    let channel = channels["channels"][0]["id"].as_str().unwrap().to_owned();
    let hook: Value = client
        .post(format!("{base}/api/channels/{channel}/webhooks"))
        .bearer_auth(TOKEN)
        .json(&json!({"name": "load"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = Arc::new(format!(
        "{base}/api/webhooks/execute/{}",
        hook["token"].as_str().unwrap()
    ));
    let body =
        json!({"content": "Build #142 passed on main ✅ — deployed to staging", "username": "CI"});

    let slots = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(requests);
    for _ in 0..requests {
        let permit = slots.clone().acquire_owned().await.unwrap();
        let (client, url, body) = (client.clone(), url.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let status = client
                .post(url.as_str())
                .json(&body)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            drop(permit);
            (status, t.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(requests);
    let mut failed = 0;
    for t in tasks {
        let (status, elapsed) = t.await.unwrap();
        if status != 201 {
            failed += 1;
        }
        latencies.push(elapsed);
    }
    let total = started.elapsed();
    latencies.sort();
    let p = |q: f64| {
        latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)].as_secs_f64()
            * 1e3
    };
    println!(
        "execute (Chatalot dialect, {backend}, {concurrency} concurrent clients): {requests} requests in {:.2} s = {:.0} req/s; \
         latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; non-201: {failed}",
        total.as_secs_f64(),
        requests as f64 / total.as_secs_f64(),
        p(0.5),
        p(0.99),
        p(1.0),
    );
}
