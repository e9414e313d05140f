//! Live fan-out: one webhook post delivered to 1,000 WebSocket clients (1,000 distinct users,
//! all members of the channel), each connected over a real loopback socket to a real server
//! (SQLite file). Measures, per post, the time from sending the webhook request until the
//! last client received the `message.created` event, and the server's memory per connection.
//!
//! Run with `cargo bench -p wasmhook --bench fanout` (optionally `-- CLIENTS ROUNDS`, default
//! 1000 and 30). Clients and server share the machine's cores, so the figures include the
//! clients' own work of reading 1,000 frames.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

const TOKEN: &str = "bench-admin-token-0123456789";

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let clients = args.first().copied().unwrap_or(1000);
    let rounds = args.get(1).copied().unwrap_or(30);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(clients, rounds));
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn run(clients: usize, rounds: usize) {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("bench.db").display().to_string();
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
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    tokio::spawn(wasmhook::serve(cfg, listener));
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let request = http.get(format!("{base}{path}")).bearer_auth(TOKEN);
        async move {
            for _ in 0..200 {
                if let Ok(r) = request.try_clone().unwrap().send().await
                    && r.status().is_success()
                {
                    return r.json::<Value>().await.unwrap();
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("server did not start");
        }
    };
    let communities = get("/api/communities").await;
    let community: Uuid = communities["communities"][0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let channels = get(&format!("/api/communities/{community}/channels")).await;
    let channel: Uuid = channels["channels"][0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // 1,000 users with API tokens, members of the channel: written directly (an Argon2 hash
    // per user through the API would take minutes and measure nothing of interest here).
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{database}"))
        .await
        .unwrap();
    let mut tokens = Vec::with_capacity(clients);
    let mut tx = db.begin().await.unwrap();
    let now = chrono::Utc::now();
    for i in 0..clients {
        let id = Uuid::now_v7();
        let token = format!("bench-user-token-{i:06}-{:016x}", rand::random::<u64>());
        sqlx::query(
            "INSERT INTO users (id, username, email, email_lower, display_name, password_hash, push_enabled, created_at)
             VALUES ($1, $2, $3, $3, $2, 'x', 0, $4)",
        )
        .bind(id)
        .bind(format!("user{i}"))
        .bind(format!("user{i}@example.com"))
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query("INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)")
            .bind(Sha256::digest(token.as_bytes()).to_vec())
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("INSERT INTO community_members (community_id, user_id, role, joined_at) VALUES ($1, $2, 'member', $3)")
            .bind(community)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO channel_members (channel_id, user_id, joined_at) VALUES ($1, $2, $3)",
        )
        .bind(channel)
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        tokens.push(token);
    }
    tx.commit().await.unwrap();

    let rss_before = rss_kib();
    let (receipts, mut received) = mpsc::unbounded_channel::<(usize, Instant)>();
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<()>();
    let ws_base = format!("ws://{addr}/api/ws");
    let connect_started = Instant::now();
    for token in tokens {
        let receipts = receipts.clone();
        let ready_tx = ready_tx.clone();
        let mut request = ws_base.as_str().into_client_request().unwrap();
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        tokio::spawn(async move {
            let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
            while let Some(Ok(frame)) = ws.next().await {
                let Message::Text(text) = frame else { continue };
                if text.contains("\"type\":\"ready\"") {
                    let _ = ready_tx.send(());
                } else if let Some(rest) = text.split("\"content\":\"round ").nth(1) {
                    let round: usize = rest.split('"').next().unwrap().parse().unwrap();
                    let _ = receipts.send((round, Instant::now()));
                }
            }
        });
    }
    for _ in 0..clients {
        ready_rx.recv().await.unwrap();
    }
    let connect_time = connect_started.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_after = rss_kib();

    let hook = http
        .post(format!("{base}/api/channels/{channel}/webhooks"))
        .bearer_auth(TOKEN)
        .json(&json!({"name": "fanout"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let url = format!(
        "{base}/api/webhooks/execute/{}",
        hook["token"].as_str().unwrap()
    );
    let mut last = Vec::with_capacity(rounds);
    let mut first = Vec::with_capacity(rounds);
    let mut median = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let started = Instant::now();
        let status = http
            .post(&url)
            .json(&json!({"content": format!("round {round}")}))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 201);
        let mut times = Vec::with_capacity(clients);
        while times.len() < clients {
            let (r, at) = tokio::time::timeout(Duration::from_secs(30), received.recv())
                .await
                .expect("a client missed an event")
                .unwrap();
            assert_eq!(r, round, "events arrive in order");
            times.push(at - started);
        }
        times.sort();
        first.push(times[0]);
        median.push(times[clients / 2]);
        last.push(times[clients - 1]);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let summary = |mut v: Vec<Duration>| {
        v.sort();
        format!(
            "min {:.1} ms, median {:.1} ms, max {:.1} ms",
            ms(v[0]),
            ms(v[v.len() / 2]),
            ms(v[v.len() - 1])
        )
    };
    println!("fan-out of one webhook post to {clients} WebSocket clients, {rounds} posts (SQLite)");
    println!(
        "  connect {clients} clients: {:.2} s",
        connect_time.as_secs_f64()
    );
    println!(
        "  process RSS (server + clients): +{} KiB for {clients} connections ({:.1} KiB each)",
        rss_after.saturating_sub(rss_before),
        rss_after.saturating_sub(rss_before) as f64 / clients as f64
    );
    println!("  post sent -> first client received: {}", summary(first));
    println!("  post sent -> median client received: {}", summary(median));
    println!("  post sent -> last client received:  {}", summary(last));
}
