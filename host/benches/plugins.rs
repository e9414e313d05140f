//! Per-request cost of plugins through the runtime: a fresh Store and instance per request
//! (instantiate, call, teardown), exactly as the server runs them.
//!
//! Run with `cargo bench -p wasmhook --bench plugins` (add `-- NAME` to run only cases whose
//! name contains NAME). Prints median, mean and p99 per request for each case.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmhook::ingest::plugin::{self, PluginOutcome};
use wasmhook::runtime::PluginEngine;
use wasmhook::store::RawRequest;
use wasmhook_test_artifacts as artifacts;

struct Case {
    name: String,
    component: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    config: String,
}

fn fixture(root: &Path, plugin: &str, case: &str, component: &str) -> Option<Case> {
    let dir = root.join("tests/fixtures").join(plugin).join(case);
    let body = std::fs::read(dir.join("request.json")).ok()?;
    let headers = std::fs::read_to_string(dir.join("headers.txt"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let config = std::fs::read_to_string(dir.join("config.json")).unwrap_or_else(|_| "{}".into());
    Some(Case {
        name: format!("{plugin}/{case} ({} bytes)", body.len()),
        component: component.into(),
        headers,
        body,
        config,
    })
}

/// The largest fixture of a plugin's folder.
fn largest(root: &Path, plugin: &str, component: &str) -> Option<Case> {
    let dir = root.join("tests/fixtures").join(plugin);
    let mut best: Option<(u64, String)> = None;
    for entry in std::fs::read_dir(&dir).ok()?.flatten() {
        let expected =
            std::fs::read_to_string(entry.path().join("expected.json")).unwrap_or_default();
        if !expected.contains("\"status\": 201") && !expected.contains("\"status\":201") {
            continue;
        }
        let len = entry
            .path()
            .join("request.json")
            .metadata()
            .map(|m| m.len())
            .unwrap_or(0);
        if best.as_ref().is_none_or(|(l, _)| len > *l) {
            best = Some((len, entry.file_name().to_string_lossy().into_owned()));
        }
    }
    fixture(root, plugin, &best?.1, component)
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let mut cases = vec![Case {
        name: "noop".into(),
        component: artifacts::NOOP.into(),
        headers: vec![],
        body: b"{}".to_vec(),
        config: "{}".into(),
    }];
    let builtin = |name: &str| {
        artifacts::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| p.to_string())
    };
    if let Some(github) = builtin("github") {
        cases.extend(fixture(
            &root,
            "github",
            "push-no-username-committer",
            &github,
        ));
        cases.extend(largest(&root, "github", &github));
    }
    if let Some(jenkins) = builtin("jenkins") {
        cases.extend(largest(&root, "jenkins", &jenkins));
    }
    if let Some(prometheus) = builtin("prometheus") {
        cases.extend(largest(&root, "prometheus", &prometheus));
    }
    let echo_body = std::fs::read(
        root.join("../shared/fixtures/octokit/github/push__with-no-username-committer.json"),
    )
    .ok();
    if let Some(body) = echo_body {
        cases.push(Case {
            name: format!(
                "echo, generic JSON of the GitHub push ({} bytes)",
                body.len()
            ),
            component: artifacts::ECHO.into(),
            headers: vec![],
            body,
            config: r#"{"template": "{{head_commit.message}}"}"#.into(),
        });
    }

    // The same transform in three languages (tests/plugins/push-*), on a GitHub push.
    if let Ok(body) =
        std::fs::read(root.join("tests/fixtures/github/push-no-username-committer/request.json"))
    {
        for (language, component) in [
            ("Rust", artifacts::PUSH_RUST),
            ("Python", artifacts::PUSH_PYTHON),
            ("JavaScript", artifacts::PUSH_JS),
        ] {
            cases.push(Case {
                name: format!("same push summary in {language} ({} bytes)", body.len()),
                component: component.into(),
                headers: vec![],
                body: body.clone(),
                config: "{}".into(),
            });
        }
    }
    // Their fixed cost: a push without commits, skipped at once.
    let tiny = br#"{"ref":"refs/heads/main","repository":{"full_name":"a/b"},"pusher":{"name":"c"},"commits":[]}"#;
    for (language, component) in [
        ("Rust", artifacts::PUSH_RUST),
        ("Python", artifacts::PUSH_PYTHON),
        ("JavaScript", artifacts::PUSH_JS),
    ] {
        cases.push(Case {
            name: format!("same push summary in {language}, no commits (skip)"),
            component: component.into(),
            headers: vec![],
            body: tiny.to_vec(),
            config: "{}".into(),
        });
    }
    cases.extend(largest(&root, "gitlab", artifacts::GITLAB));
    cases.extend(largest(&root, "sentry", artifacts::SENTRY));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("wasmhook-bench-{}", std::process::id()));
    let limits = wasmhook::Config::from_args(["--plugin-timeout-ms", "5000"])
        .unwrap()
        .runtime_limits();
    let engine = PluginEngine::new(limits, dir.clone(), rand::random()).unwrap();
    println!(
        "{:<60} {:>10} {:>10} {:>10}",
        "case (fresh instance per request)", "median", "mean", "p99"
    );
    for case in cases
        .iter()
        .filter(|c| filter.as_ref().is_none_or(|f| c.name.contains(f.as_str())))
    {
        rt.block_on(bench(&engine, case));
    }
    let _ = std::fs::remove_dir_all(dir);
}

async fn bench(engine: &Arc<PluginEngine>, case: &Case) {
    let bytes = std::fs::read(&case.component).unwrap();
    let sha: [u8; 32] = Sha256::digest(&bytes).into();
    let raw = RawRequest {
        method: "POST".into(),
        path: String::new(),
        query: String::new(),
        headers: case.headers.clone(),
        body: case.body.clone(),
    };
    let run = || {
        plugin::run_with(
            engine,
            sha,
            || async { Ok(bytes.clone()) },
            &case.config,
            "bench",
            raw.clone(),
        )
    };
    // Warm up: compile, fill the pool's slots and the CPU caches.
    let first = run().await;
    if let PluginOutcome::Failed { code, message } = &first.outcome {
        println!("{:<60} failed: {code}: {message}", case.name);
        return;
    }
    for _ in 0..200 {
        run().await;
    }
    let mut samples = Vec::with_capacity(3000);
    let deadline = Instant::now() + Duration::from_secs(3);
    while samples.len() < 3000 && Instant::now() < deadline {
        let t = Instant::now();
        std::hint::black_box(run().await);
        samples.push(t.elapsed());
    }
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    let p = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    println!(
        "{:<60} {:>8.1}µs {:>8.1}µs {:>8.1}µs",
        case.name,
        us(p(0.5)),
        us(mean),
        us(p(0.99))
    );
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
