//! End-to-end load on the release server: the `wasmhook` binary (built by `cargo bench` with
//! the release profile) runs as a separate process on a fresh database, and `wrk` (installed
//! with `apt-get install -y wrk` when missing) drives it at concurrency 1, 8, 32 and 128 for:
//! the unmatched-route floor (`GET /floor`, 404: the HTTP stack alone), native posts, the
//! 8.7 KB GitHub push through the built-in plugin, and the same push through the JavaScript and
//! Python benchmark plugins (`tests/plugins/push-*`). Every 201 is a durable commit.
//!
//! Run with `cargo bench -p wasmhook --bench load` (optionally `-- SECONDS [FILTER]`, default
//! 5 seconds a run). `WASMHOOK_BENCH_DATABASE=postgres://...` runs it on an (empty)
//! PostgreSQL database instead of a SQLite file. Rate limiting is off. For each run it prints
//! req/s, p50, p99, the server's CPU per request (user and system, from `/proc/PID/stat`) and
//! req/s as a ratio to the floor measured in the same run. `WASMHOOK_BENCH_PERF=DIR` also
//! records a `perf record -g` profile of the server during each case's run at concurrency 32.
//! Then native posts and the built-in push run open-loop at a fixed rate
//! (`WASMHOOK_BENCH_RATE`, default 2,000 req/s; 0 skips it) with `oha` (`cargo install oha`
//! when missing), for the latency at a load the server is not saturated by.
//! `WASMHOOK_BENCH_SERVER=PATH` runs another build of the server (for before/after figures).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TOKEN: &str = "bench-admin-token-0123456789";
const CONCURRENCY: [usize; 4] = [1, 8, 32, 128];

/// One kind of request.
struct Case {
    name: &'static str,
    /// Path (the floor) or webhook path.
    path: String,
    /// wrk script (POST body and headers), none for the floor's GET.
    script: Option<PathBuf>,
    /// The POST body file and headers (for the fixed-rate run), none for the floor's GET.
    body: Option<(PathBuf, &'static [&'static str])>,
}

/// A wrk run's figures.
struct Figures {
    /// Answers a second: all of them for the floor, only the 2xx for posts.
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    non_2xx: u64,
    user_us: f64,
    system_us: f64,
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let seconds: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(5);
    let filter = args.get(1).cloned();
    ensure_wrk();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    let database = std::env::var("WASMHOOK_BENCH_DATABASE")
        .unwrap_or_else(|_| dir.path().join("bench.db").display().to_string());
    let backend = if database.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    // WASMHOOK_BENCH_SERVER=PATH measures another build of the server (an older commit's
    // release binary, for a before/after comparison).
    let binary = std::env::var("WASMHOOK_BENCH_SERVER")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_wasmhook").to_owned());
    let mut server = Command::new(binary)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--database", &database])
        .args([
            "--cache-dir",
            &dir.path().join("cache").display().to_string(),
        ])
        .args(["--bootstrap-token", TOKEN, "--rate-limit-per-second", "0"])
        // The plugin fair share (#17) off, like the rate limit: this measures the path.
        .args([
            "--plugin-cpu-ms-per-second",
            "1000000",
            "--plugin-cpu-burst-ms",
            "1000000",
        ])
        .args(["--plugin-cpu-ms-per-second-per-plugin", "1000000"])
        .args(["--plugin-cpu-burst-ms-per-plugin", "1000000"])
        .args([
            "--plugin-instances-per-webhook",
            "0",
            "--plugin-instances-per-plugin",
            "0",
        ])
        .env("WASMHOOK_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start the release server");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cases = rt.block_on(setup(&base, &root, dir.path()));
    println!(
        "load ({backend}, wrk -t1, {seconds} s a run, {} cores, load average {})",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "{:<34} {:>5} {:>9} {:>8} {:>8} {:>9} {:>9} {:>7} {:>7}",
        "case", "conc", "2xx/s", "p50 ms", "p99 ms", "user us", "sys us", "floor", "non2xx"
    );
    let mut floor = [0.0; CONCURRENCY.len()];
    for case in &cases {
        if filter
            .as_ref()
            .is_some_and(|f| !case.name.contains(f.as_str()) && case.name != "floor")
        {
            continue;
        }
        for (i, c) in CONCURRENCY.into_iter().enumerate() {
            let f = run_wrk(&base, case, c, seconds, server.id());
            if case.name == "floor" {
                floor[i] = f.rps;
            }
            println!(
                "{:<34} {:>5} {:>9.0} {:>8.2} {:>8.2} {:>9.0} {:>9.0} {:>7.3} {:>7}",
                case.name,
                c,
                f.rps,
                f.p50_ms,
                f.p99_ms,
                f.user_us,
                f.system_us,
                if floor[i] > 0.0 {
                    f.rps / floor[i]
                } else {
                    0.0
                },
                f.non_2xx,
            );
        }
    }
    // Open-loop: a fixed request rate (WASMHOOK_BENCH_RATE, default 2,000 a second) from
    // oha with latency correction, so a slow answer does not slow the senders down and hide
    // its own delay (wrk's closed loop does).
    let rate: u32 = std::env::var("WASMHOOK_BENCH_RATE")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(2000);
    if rate > 0 {
        ensure_oha();
        println!("fixed rate {rate} req/s (oha -q {rate} --latency-correction, 64 connections)");
        println!(
            "{:<34} {:>9} {:>8} {:>8} {:>8} {:>9} {:>9} {:>7}",
            "case", "sent/s", "2xx/s", "p50 ms", "p99 ms", "user us", "sys us", "non2xx"
        );
        for case in cases.iter().filter(|c| {
            c.body.is_some()
                && !c.name.contains("JavaScript")
                && !c.name.contains("Python")
                && filter.as_ref().is_none_or(|f| c.name.contains(f.as_str()))
        }) {
            let f = run_oha(&base, case, rate, seconds, server.id());
            println!(
                "{:<34} {:>9} {:>8.0} {:>8.2} {:>8.2} {:>9.0} {:>9.0} {:>7}",
                case.name, rate, f.rps, f.p50_ms, f.p99_ms, f.user_us, f.system_us, f.non_2xx,
            );
        }
    }
    stop(&mut server);
}

/// Installs oha (`cargo install oha --locked`) when it is missing.
fn ensure_oha() {
    if Command::new("oha").arg("--version").output().is_ok() {
        return;
    }
    eprintln!("oha is missing: cargo install oha --locked");
    let ok = Command::new("cargo")
        .args(["install", "oha", "--locked"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "could not install oha (cargo install oha --locked)");
}

/// One fixed-rate run of `case` with oha.
fn run_oha(base: &str, case: &Case, rate: u32, seconds: u64, pid: u32) -> Figures {
    let (body, headers) = case.body.as_ref().expect("a POST case");
    let mut cmd = Command::new("oha");
    cmd.args([
        "--no-tui",
        "--output-format",
        "json",
        "--latency-correction",
    ])
    .args([
        "-q",
        &rate.to_string(),
        "-z",
        &format!("{seconds}s"),
        "-c",
        "64",
    ])
    .args(["-m", "POST", "-H", "content-type: application/json"]);
    for header in *headers {
        cmd.args(["-H", header]);
    }
    cmd.arg("-D").arg(body).arg(format!("{base}{}", case.path));
    let (user0, system0) = cpu_us(pid);
    let out = cmd.output().expect("run oha");
    let (user1, system1) = cpu_us(pid);
    assert!(
        out.status.success(),
        "oha failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("oha's JSON report");
    let codes = report["statusCodeDistribution"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let count = |ok: bool| -> u64 {
        codes
            .iter()
            .filter(|(code, _)| code.starts_with('2') == ok)
            .map(|(_, n)| n.as_u64().unwrap_or(0))
            .sum()
    };
    let (ok, not_ok) = (count(true), count(false));
    let total = report["summary"]["total"].as_f64().unwrap_or(1.0).max(1e-9);
    let per = ((ok + not_ok) as f64).max(1.0);
    let ms = |p: &str| report["latencyPercentiles"][p].as_f64().unwrap_or(0.0) * 1e3;
    Figures {
        rps: ok as f64 / total,
        p50_ms: ms("p50"),
        p99_ms: ms("p99"),
        non_2xx: not_ok,
        user_us: (user1 - user0) / per,
        system_us: (system1 - system0) / per,
    }
}

/// Installs wrk from Debian when it is missing.
fn ensure_wrk() {
    if Command::new("wrk").arg("--version").output().is_ok() {
        return;
    }
    eprintln!("wrk is missing: apt-get install -y wrk");
    let ok = Command::new("apt-get")
        .args(["install", "-y", "wrk"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "could not install wrk (apt-get install -y wrk)");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn stop(server: &mut Child) {
    let _ = server.kill();
    let _ = server.wait();
}

/// Waits for the server, creates the webhooks, writes the wrk scripts; returns the cases.
async fn setup(base: &str, root: &Path, dir: &Path) -> Vec<Case> {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let get = |path: String| {
        let client = client.clone();
        let url = format!("{base}{path}");
        async move {
            let r = client.get(&url).bearer_auth(TOKEN).send().await.unwrap();
            r.json::<Value>().await.unwrap()
        }
    };
    let communities = get("/api/communities".into()).await;
    let community = communities["communities"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let channels = get(format!("/api/communities/{community}/channels")).await;
    let channel = channels["channels"][0]["id"].as_str().unwrap().to_owned();
    let plugins = get(format!("/api/communities/{community}/plugins")).await;
    let github = plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["builtin"] == true && p["name"] == "github")
        .expect("the built-in GitHub plugin")["id"]
        .clone();
    let webhook = |name: &'static str, plugin: Option<Value>| {
        let client = client.clone();
        let (base, channel) = (base.to_owned(), channel.clone());
        async move {
            let hook: Value = client
                .post(format!("{base}/api/channels/{channel}/webhooks"))
                .bearer_auth(TOKEN)
                .json(&json!({ "name": name }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(plugin) = plugin {
                let id = hook["id"].as_str().unwrap();
                let r = client
                    .patch(format!("{base}/api/webhooks/{id}"))
                    .bearer_auth(TOKEN)
                    .json(&json!({ "plugin_id": plugin, "plugin_config": {} }))
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "attach the plugin to {name}");
            }
            format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap())
        }
    };
    let upload = |name: &'static str, component: &'static str| {
        let client = client.clone();
        let url = format!("{base}/api/communities/{community}/plugins?name={name}&version=0.1.0");
        async move {
            let bytes = std::fs::read(component).expect("the plugin component");
            let r: Value = client
                .post(url)
                .bearer_auth(TOKEN)
                .header("content-type", "application/wasm")
                .body(bytes)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            r["id"].clone()
        }
    };
    let js = upload("push-js", wasmhook_test_artifacts::PUSH_JS).await;
    let python = upload("push-python", wasmhook_test_artifacts::PUSH_PYTHON).await;

    let native = dir.join("native.lua");
    std::fs::write(
        &native,
        post_script(
            &[],
            r#"{"content": "Build #142 passed on main - deployed to staging", "username": "CI"}"#,
        ),
    )
    .unwrap();
    let push_body = root.join("tests/fixtures/github/push-no-username-committer/request.json");
    let push_body = std::fs::read_to_string(push_body).expect("the GitHub push fixture");
    let native_body = dir.join("native.json");
    std::fs::write(
        &native_body,
        r#"{"content": "Build #142 passed on main - deployed to staging", "username": "CI"}"#,
    )
    .unwrap();
    let push_file = dir.join("push.json");
    std::fs::write(&push_file, &push_body).unwrap();
    const PUSH_HEADERS: &[&str] = &["x-github-event: push"];
    let push = dir.join("push.lua");
    std::fs::write(
        &push,
        post_script(&[("X-GitHub-Event", "push")], &push_body),
    )
    .unwrap();
    vec![
        Case {
            name: "floor",
            path: "/floor".into(),
            script: None,
            body: None,
        },
        Case {
            name: "native post",
            path: webhook("native", None).await,
            script: Some(native),
            body: Some((native_body, &[])),
        },
        Case {
            name: "GitHub push 8.7 KB, built-in",
            path: webhook("github", Some(github)).await,
            script: Some(push.clone()),
            body: Some((push_file.clone(), PUSH_HEADERS)),
        },
        Case {
            name: "GitHub push 8.7 KB, JavaScript",
            path: webhook("push-js", Some(js)).await,
            script: Some(push.clone()),
            body: Some((push_file.clone(), PUSH_HEADERS)),
        },
        Case {
            name: "GitHub push 8.7 KB, Python",
            path: webhook("push-python", Some(python)).await,
            script: Some(push),
            body: Some((push_file, PUSH_HEADERS)),
        },
    ]
}

/// A wrk Lua script posting `body` (JSON) with `headers`.
fn post_script(headers: &[(&str, &str)], body: &str) -> String {
    let mut script = String::from(
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n",
    );
    for (name, value) in headers {
        script.push_str(&format!("wrk.headers[\"{name}\"] = \"{value}\"\n"));
    }
    // A Lua long string holds the JSON as it is.
    script.push_str(&format!("wrk.body = [==[{body}]==]\n"));
    script
}

/// The server's (user, system) CPU time so far, in microseconds.
fn cpu_us(pid: u32) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which ends with the last ')'): utime is the 12th, stime
    // the 13th (fields 14 and 15 of proc(5)), in clock ticks.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = clock_ticks();
    let t = |i: usize| fields[i].parse::<f64>().unwrap() * 1e6 / tick;
    (t(11), t(12))
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

fn run_wrk(base: &str, case: &Case, connections: usize, seconds: u64, pid: u32) -> Figures {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t1", &format!("-c{connections}"), &format!("-d{seconds}s")])
        .arg("--latency");
    if let Some(script) = &case.script {
        cmd.arg("-s").arg(script);
    }
    cmd.arg(format!("{base}{}", case.path));
    // WASMHOOK_BENCH_PERF=DIR records a profile of the server (`perf record -g`) during each
    // case's run at concurrency 32, into DIR/<case>.data.
    let perf = std::env::var("WASMHOOK_BENCH_PERF")
        .ok()
        .filter(|_| connections == 32)
        .map(|dir| {
            let file = Path::new(&dir).join(format!("{}.data", case.name.replace([' ', ','], "-")));
            Command::new("perf")
                .args(["record", "-g", "-q", "-p", &pid.to_string(), "-o"])
                .arg(file)
                .stdout(Stdio::null())
                .spawn()
                .expect("run perf record")
        });
    let (user0, system0) = cpu_us(pid);
    let out = cmd.output().expect("run wrk");
    let (user1, system1) = cpu_us(pid);
    if let Some(perf) = perf {
        // perf writes its file on SIGINT.
        let _ = Command::new("kill")
            .args(["-INT", &perf.id().to_string()])
            .status();
        let _ = perf.wait_with_output();
    }
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "wrk failed: {text}");
    let requests = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or(0.0);
    let value = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
    };
    let non_2xx = text
        .lines()
        .find(|l| l.contains("Non-2xx or 3xx responses"))
        .and_then(|l| l.rsplit(':').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    let per = requests.max(1.0);
    let rps: f64 = value("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    Figures {
        rps: rps
            * if case.script.is_some() {
                (requests - non_2xx as f64).max(0.0) / per
            } else {
                1.0
            },
        p50_ms: value("50%").map_or(0.0, |v| millis(&v)),
        p99_ms: value("99%").map_or(0.0, |v| millis(&v)),
        non_2xx,
        user_us: (user1 - user0) / per,
        system_us: (system1 - system0) / per,
    }
}

/// wrk's latency figure (`812.00us`, `1.23ms`, `2.01s`) in milliseconds.
fn millis(v: &str) -> f64 {
    let (number, unit) = v.split_at(v.find(|c: char| c.is_alphabetic()).unwrap_or(v.len()));
    let n: f64 = number.parse().unwrap_or(0.0);
    match unit {
        "us" => n / 1e3,
        "ms" => n,
        "s" => n * 1e3,
        "m" => n * 60e3,
        _ => n,
    }
}
