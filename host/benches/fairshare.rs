//! Fair share under attack: how much throughput and latency a native webhook and a healthy
//! plugin webhook keep while hostile plugins are hammered, against their baseline in the same
//! run.
//!
//! A real server (release build, SQLite file, every default but rate limiting, which is off as
//! in the measurements of issue #17) runs on its own multi-threaded runtime; the load
//! generator runs on one other thread, like `wrk -t1`, and the attackers on a third. Per phase, 8 clients post to the
//! measured webhook for the phase's length while 16 clients per hostile webhook post to it
//! without pause. Measured: a native webhook, the built-in GitHub plugin on an 8.7 KB push, and
//! the management API (listing the channels of a community). Hostile webhooks: `loop` (runs to its 100 ms deadline), `membomb` (allocates
//! to its 32 MiB limit), `panic` (traps), and `flaky` with `busy_ms: 90` (slow but valid).
//! By default hostile clients ignore `Retry-After` (the worst case: a flood of refused
//! requests); `--polite` makes them wait as told. The last phase is the control: as many
//! clients flooding a route that runs no plugin, the cost of the requests themselves.
//!
//! `cargo bench -p wasmhook --bench fairshare [-- SECONDS] [--polite]` (default 5 s per phase).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::net::TcpListener;
use wasmhook_test_artifacts as artifacts;

const TOKEN: &str = "bench-admin-token-0123456789";
const CLIENTS: usize = 8;
const HOSTILE_CLIENTS: usize = 16;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds = args
        .iter()
        .find_map(|a| a.parse::<f64>().ok())
        .unwrap_or(5.0);
    let polite = args.iter().any(|a| a == "--polite");
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
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
    let listener = server_rt
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    server_rt.spawn(wasmhook::serve(cfg, listener));
    // The attackers get a thread of their own, so the measured clients never wait behind them.
    let attack_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let load_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    load_rt.block_on(run(
        base,
        Duration::from_secs_f64(seconds),
        polite,
        attack_rt.handle().clone(),
    ));
    drop(attack_rt);
    drop(server_rt);
}

/// One webhook to post to: URL, headers and body.
#[derive(Clone)]
struct Target {
    name: &'static str,
    url: String,
    headers: Vec<(&'static str, &'static str)>,
    body: Arc<Vec<u8>>,
    expect: u16,
    /// A `GET` with the admin token (the management API) instead of a `POST`.
    api_get: bool,
}

#[derive(Debug, Clone, Copy)]
struct Figures {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    unexpected: usize,
}

async fn run(base: String, phase: Duration, polite: bool, attack: tokio::runtime::Handle) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let admin = Admin {
        client: client.clone(),
        base: base.clone(),
    };
    admin.wait_ready().await;
    let community = admin.get("/api/communities").await["communities"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let channel = admin
        .get(&format!("/api/communities/{community}/channels"))
        .await["channels"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let plugins = admin
        .get(&format!("/api/communities/{community}/plugins"))
        .await;
    let github = plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "github")
        .unwrap()["id"]
        .clone();
    let hook = |name: &'static str, plugin: Option<Value>, config: Value| {
        let admin = admin.clone();
        let channel = channel.clone();
        async move {
            let hook = admin
                .post(
                    &format!("/api/channels/{channel}/webhooks"),
                    json!({"name": name}),
                )
                .await;
            if let Some(plugin) = plugin {
                admin
                    .patch(
                        &format!("/api/webhooks/{}", hook["id"].as_str().unwrap()),
                        json!({"plugin_id": plugin, "plugin_config": config}),
                    )
                    .await;
            }
            format!(
                "{}/api/webhooks/execute/{}",
                admin.base,
                hook["token"].as_str().unwrap()
            )
        }
    };
    let upload = |path: &'static str, name: &'static str| {
        let admin = admin.clone();
        let community = community.clone();
        async move { admin.upload(&community, path, name).await }
    };
    let native = Target {
        name: "native",
        url: hook("native", None, json!({})).await,
        headers: vec![("content-type", "application/json")],
        body: Arc::new(
            serde_json::to_vec(
                &json!({"content": "Build #142 passed on main — deployed to staging", "username": "CI"}),
            )
            .unwrap(),
        ),
        expect: 201,
        api_get: false,
    };
    let push = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/github/push-no-username-committer/request.json"
    ))
    .unwrap();
    let healthy = Target {
        name: "github plugin",
        url: hook("github", Some(github), json!({})).await,
        headers: vec![
            ("content-type", "application/json"),
            ("x-github-event", "push"),
        ],
        body: Arc::new(push),
        expect: 201,
        api_get: false,
    };
    let api = Target {
        name: "management API",
        url: format!("{base}/api/communities/{community}/channels"),
        headers: vec![],
        body: Arc::new(Vec::new()),
        expect: 200,
        api_get: true,
    };
    let floor = Target {
        name: "unmatched route (floor)",
        url: format!("{base}/no/such/route"),
        headers: vec![],
        body: Arc::new(Vec::new()),
        expect: 404,
        api_get: false,
    };
    let hostile_body = Arc::new(b"{\"text\":\"x\"}".to_vec());
    let hostile = |name: &'static str, url: String| Target {
        name,
        url,
        headers: vec![("content-type", "application/json")],
        body: hostile_body.clone(),
        expect: 0,
        api_get: false,
    };
    let loop_plugin = upload(artifacts::LOOP, "loop").await;
    let membomb = upload(artifacts::MEMBOMB, "membomb").await;
    let panic = upload(artifacts::PANIC, "panic").await;
    let flaky = upload(artifacts::FLAKY, "slow").await;
    // Fresh hostile webhooks for every phase, so each starts with a full budget and a closed
    // breaker (the quarantine of one phase would otherwise carry into the next).
    let attackers = || async {
        vec![
            hostile(
                "loop",
                hook("loop", Some(loop_plugin.clone()), json!({})).await,
            ),
            hostile(
                "membomb",
                hook("membomb", Some(membomb.clone()), json!({})).await,
            ),
            hostile("trap", hook("trap", Some(panic.clone()), json!({})).await),
            hostile(
                "slow (90 ms, valid)",
                hook("slow", Some(flaky.clone()), json!({"busy_ms": 90})).await,
            ),
            // The control: the same number of clients on a route that runs no plugin at all.
            hostile("unmatched route", format!("{}/no/such/route", admin.base)),
        ]
    };

    println!(
        "fair share: {CLIENTS} clients on the measured webhook, {HOSTILE_CLIENTS} per hostile \
         webhook, {:.0} s per phase, hostile clients {} Retry-After",
        phase.as_secs_f64(),
        if polite { "honour" } else { "ignore" }
    );
    let floor_figures = measure(&client, &floor, phase).await;
    report("floor", &floor, floor_figures, None, &[]);
    // Scenario: which of the four attackers hammer (none is the baseline, all four last).
    let scenarios: Vec<(&str, Vec<usize>)> = vec![
        ("baseline", vec![]),
        ("vs loop", vec![0]),
        ("vs membomb", vec![1]),
        ("vs trap", vec![2]),
        ("vs slow", vec![3]),
        ("vs all four", vec![0, 1, 2, 3]),
        ("control: 4x404 route", vec![4, 4, 4, 4]),
    ];
    for measured in [&native, &healthy, &api] {
        let mut baseline = None;
        for (scenario, which) in &scenarios {
            let all = attackers().await;
            let hostile: Vec<Target> = which.iter().map(|&i| all[i].clone()).collect();
            let stop = Arc::new(AtomicBool::new(false));
            let counts: Vec<Arc<[AtomicU64; 4]>> = hostile
                .iter()
                .map(|_| Arc::new(Default::default()))
                .collect();
            let mut tasks = Vec::new();
            for (target, counts) in hostile.iter().zip(&counts) {
                for _ in 0..HOSTILE_CLIENTS {
                    tasks.push(attack.spawn(hammer(
                        client.clone(),
                        target.clone(),
                        stop.clone(),
                        counts.clone(),
                        polite,
                    )));
                }
            }
            // Let the attack reach its steady state (budgets spent, breakers open) first.
            if !hostile.is_empty() {
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            let figures = measure(&client, measured, phase).await;
            stop.store(true, Ordering::Relaxed);
            for t in tasks {
                let _ = t.await;
            }
            let hostile_counts: Vec<(&str, [u64; 4])> = hostile
                .iter()
                .zip(&counts)
                .map(|(t, c)| {
                    (
                        t.name,
                        std::array::from_fn(|i| c[i].load(Ordering::Relaxed)),
                    )
                })
                .collect();
            report(scenario, measured, figures, baseline, &hostile_counts);
            println!("    ratio to floor: {:.4}", figures.rps / floor_figures.rps);
            baseline.get_or_insert(figures);
        }
    }
}

fn report(
    scenario: &str,
    target: &Target,
    f: Figures,
    baseline: Option<Figures>,
    hostile: &[(&str, [u64; 4])],
) {
    let vs = baseline.map_or(String::new(), |b| {
        format!(
            " ({:.2}x baseline throughput, p99 {:.2}x baseline)",
            f.rps / b.rps,
            f.p99_ms / b.p99_ms
        )
    });
    println!(
        "{:<22} {:<24} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>7.2} ms  unexpected {}{vs}",
        scenario, target.name, f.rps, f.p50_ms, f.p99_ms, f.unexpected
    );
    for (name, [fast, slow, refused, other]) in hostile {
        println!(
            "    hostile {name}: {refused} refused (429/503), {slow} failed after running, \
             {fast} succeeded, {other} other"
        );
    }
}

/// Posts to `target` from `CLIENTS` clients for `length`; throughput and latency.
async fn measure(client: &reqwest::Client, target: &Target, length: Duration) -> Figures {
    let end = Instant::now() + length;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (client, target) = (client.clone(), target.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut unexpected = 0;
            while Instant::now() < end {
                let t = Instant::now();
                let status = send(&client, &target).await.0;
                latencies.push(t.elapsed());
                if status != target.expect {
                    unexpected += 1;
                }
            }
            (latencies, unexpected)
        }));
    }
    let mut latencies = Vec::new();
    let mut unexpected = 0;
    for t in tasks {
        let (l, u) = t.await.unwrap();
        latencies.extend(l);
        unexpected += u;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let p = |q: f64| {
        latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)].as_secs_f64()
            * 1e3
    };
    Figures {
        rps: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: p(0.5),
        p99_ms: p(0.99),
        unexpected,
    }
}

async fn send(client: &reqwest::Client, target: &Target) -> (u16, Option<u64>) {
    let mut req = if target.api_get {
        client.get(&target.url).bearer_auth(TOKEN)
    } else {
        client.post(&target.url).body(target.body.to_vec())
    };
    for (k, v) in &target.headers {
        req = req.header(*k, *v);
    }
    match req.send().await {
        Ok(r) => {
            let retry = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse().ok());
            let status = r.status().as_u16();
            let _ = r.bytes().await;
            (status, retry)
        }
        Err(_) => (0, None),
    }
}

/// A hostile client: posts without pause until told to stop; counts 2xx, 5xx after a run,
/// refusals (429/503) and anything else.
async fn hammer(
    client: reqwest::Client,
    target: Target,
    stop: Arc<AtomicBool>,
    counts: Arc<[AtomicU64; 4]>,
    polite: bool,
) {
    while !stop.load(Ordering::Relaxed) {
        let (status, retry) = send(&client, &target).await;
        let slot = match status {
            200..=299 => 0,
            429 | 503 => 2,
            500..=599 => 1,
            _ => 3,
        };
        counts[slot].fetch_add(1, Ordering::Relaxed);
        if polite && let Some(secs) = retry.filter(|_| slot == 2) {
            let until = Instant::now() + Duration::from_secs(secs);
            while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

#[derive(Clone)]
struct Admin {
    client: reqwest::Client,
    base: String,
}

impl Admin {
    async fn wait_ready(&self) {
        for _ in 0..200 {
            if let Ok(r) = self
                .client
                .get(format!("{}/api/communities", self.base))
                .bearer_auth(TOKEN)
                .send()
                .await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server did not start");
    }

    async fn get(&self, path: &str) -> Value {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn patch(&self, path: &str, body: Value) -> Value {
        let r = self
            .client
            .patch(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "PATCH {path}: {}", r.status());
        r.json().await.unwrap()
    }

    async fn upload(&self, community: &str, path: &str, name: &str) -> Value {
        let r = self
            .client
            .post(format!(
                "{}/api/communities/{community}/plugins?name={name}&version=0.1.0",
                self.base
            ))
            .bearer_auth(TOKEN)
            .header("content-type", "application/wasm")
            .body(std::fs::read(path).unwrap())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "upload {name}: {}", r.status());
        r.json::<Value>().await.unwrap()["id"].clone()
    }
}
