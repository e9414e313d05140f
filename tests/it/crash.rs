//! Durability of the group commit: a real server process under concurrent load is killed with
//! SIGKILL while batches are being committed, and restarted; every post answered 201 is stored
//! exactly once, under the id its answer named (no 201 for a write that was rolled back).
//!
//! The server process is this test binary itself, run again with [`CHILD_ENV`] set: the test
//! then serves (`wasmhook::serve_until`) on the database it is given until it is killed, so the
//! process under test is always built from the current sources. On SQLite by default, on
//! PostgreSQL when `WASMHOOK_TEST_POSTGRES_URL` is set (like every `TestApp` test).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use uuid::Uuid;
use wasmhook_tests::{SECRET_KEY, TestApp};

/// Set in the server process: the directory where it writes its address.
const CHILD_ENV: &str = "WASMHOOK_CRASH_TEST_SERVER_DIR";
/// The database the server process serves.
const CHILD_DB_ENV: &str = "WASMHOOK_CRASH_TEST_DATABASE";
/// This test's name, for running it again as the server process.
const TEST_NAME: &str = "crash::a_server_killed_mid_batch_keeps_every_acknowledged_post";

/// Concurrent posting clients.
const CLIENTS: usize = 24;
/// Acknowledged posts to wait for before the kill.
const ACKED_BEFORE_KILL: usize = 400;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_batch_keeps_every_acknowledged_post() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        let database = std::env::var(CHILD_DB_ENV).expect("the database of the server process");
        serve_until_killed(Path::new(&dir), &database).await;
    }
    let app = TestApp::spawn_with(|cfg| cfg.rate_limit_per_second = 0).await;
    let hook = app.webhook("crash").await;
    let url_path = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    let webhook_id = hook["id"].as_str().unwrap().to_owned();
    let channel_id = app.channel_id.clone();
    let stopped = app.stop().await;

    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([TEST_NAME, "--exact", "--nocapture", "--include-ignored"])
        .env(CHILD_ENV, dir.path())
        .env(CHILD_DB_ENV, &stopped.database)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the server process");
    let base = wait_for_address(dir.path(), &mut server).await;

    // Clients post unique contents until the server dies; each records what got a 201.
    let acked: Arc<Mutex<HashMap<String, Uuid>>> = Arc::default();
    let client = reqwest::Client::new();
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (client, acked, url) = (client.clone(), acked.clone(), format!("{base}{url_path}"));
        clients.push(tokio::spawn(async move {
            for i in 0.. {
                let content = format!("crash {c} {i}");
                let Ok(resp) = client
                    .post(&url)
                    .json(&json!({ "content": content }))
                    .send()
                    .await
                else {
                    return;
                };
                let status = resp.status().as_u16();
                let Ok(body) = resp.json::<serde_json::Value>().await else {
                    return;
                };
                // An answer the server completed is a 201: a batch never fails under load.
                assert_eq!(status, 201, "unexpected answer: {body}");
                let id = body["message_id"]
                    .as_str()
                    .and_then(|id| id.parse().ok())
                    .expect("a 201 names its message");
                acked.lock().unwrap().insert(content, id);
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked.lock().unwrap().len() < ACKED_BEFORE_KILL {
        assert!(
            Instant::now() < deadline,
            "the server did not take the load"
        );
        assert!(server.try_wait().unwrap().is_none(), "the server died");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // SIGKILL while every client has a post in flight.
    server.kill().expect("SIGKILL the server");
    server.wait().expect("reap the server");
    for c in clients {
        c.await.expect("a client");
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(acked.len() >= ACKED_BEFORE_KILL);

    let app = stopped.restart(|_| {}).await;
    let store = app.open_store().await;
    let channel = channel_id.parse().unwrap();
    let stored = store
        .channel_messages(channel, None, u32::MAX)
        .await
        .expect("read the messages back");
    let mut by_content: HashMap<&str, Vec<Uuid>> = HashMap::new();
    for m in &stored {
        by_content.entry(&m.content).or_default().push(m.id);
    }
    assert!(
        by_content.values().all(|ids| ids.len() == 1),
        "a post was stored twice"
    );
    for (content, id) in &acked {
        assert_eq!(
            by_content.get(content.as_str()),
            Some(&vec![*id]),
            "acknowledged post {content:?} is not stored under its id"
        );
    }
    // The usage statistics were committed with the posts they count, never apart from them.
    let webhook = store
        .webhook(webhook_id.parse().unwrap())
        .await
        .expect("the webhook");
    assert_eq!(webhook.messages_posted, stored.len() as i64);
    store.close().await;
}

/// The server process: serves `database` on a free port, writes the address into `dir`, and
/// runs until it is killed.
async fn serve_until_killed(dir: &Path, database: &str) -> ! {
    let cfg = wasmhook::Config::from_args([
        "--database",
        database,
        "--cache-dir",
        dir.join("cache").to_str().expect("a UTF-8 path"),
        "--secret-key",
        SECRET_KEY,
        "--rate-limit-per-second",
        "0",
    ])
    .expect("the server configuration parses");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let partial = dir.join("address.partial");
    std::fs::write(&partial, format!("http://{address}")).expect("write the address");
    std::fs::rename(&partial, address_file(dir)).expect("publish the address");
    let result = wasmhook::serve_until(cfg, listener, std::future::pending()).await;
    panic!("the server process stopped by itself: {result:?}");
}

fn address_file(dir: &Path) -> PathBuf {
    dir.join("address")
}

/// The server process's base URL, once it answers.
async fn wait_for_address(dir: &Path, server: &mut std::process::Child) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    let client = reqwest::Client::new();
    loop {
        assert!(
            server.try_wait().expect("poll the server").is_none(),
            "the server process exited during start-up"
        );
        assert!(
            Instant::now() < deadline,
            "the server process did not start"
        );
        if let Ok(base) = std::fs::read_to_string(address_file(dir))
            && client
                .get(format!("{base}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        {
            return base;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
