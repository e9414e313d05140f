//! `wasmhook plugin check|run|new`: the CLI plugin authors use, run as a real process on real
//! components built from `plugins/` and `tests/plugins/`, and on the projects `plugin new`
//! generates.

use std::path::{Path, PathBuf};
use std::process::Command;

use wasmhook_test_artifacts as artifacts;

/// The compiled-component cache of these tests' `wasmhook` runs (not the user's).
fn cli_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasmhook-cli-cache")
}

fn wasmhook(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wasmhook"))
        .args(args)
        .env("WASMHOOK_LOG", "warn")
        .env("WASMHOOK_CLI_CACHE_DIR", cli_cache())
        .output()
        .expect("running wasmhook");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_accepts_transformers_and_names_what_is_wrong_with_others() {
    let (ok, out, _) = wasmhook(&["plugin", "check", artifacts::ECHO]);
    assert!(ok);
    assert!(
        out.contains("valid wasmhook:plugin/transformer@0.1.1 component"),
        "{out}"
    );
    // A component of the frozen 0.1.0 contract is named as such.
    let (ok, out, err) = wasmhook(&["plugin", "check", artifacts::LEGACY]);
    assert!(ok, "{err}");
    assert!(
        out.contains("valid wasmhook:plugin/transformer@0.1.0 component"),
        "{out}"
    );
    let (ok, _, err) = wasmhook(&["plugin", "check", artifacts::WRONGWORLD]);
    assert!(!ok);
    assert!(err.contains("missing export `transform`"), "{err}");
    let (ok, _, err) = wasmhook(&["plugin", "check", artifacts::EXTRAIMPORT]);
    assert!(!ok);
    assert!(err.contains("unsupported import `test:extra/kv"), "{err}");
    let (ok, _, err) = wasmhook(&["plugin", "check", artifacts::HTTPIMPORT]);
    assert!(!ok);
    assert!(
        err.contains(
            "plugins have no network access: the component imports \
             `wasi:http/outgoing-handler@0.3.0-draft`, which is not available"
        ),
        "{err}"
    );
}

/// The compiled file of the only component in the cache `dir`.
fn cached_file(dir: &Path) -> PathBuf {
    let compiled: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .flat_map(|d| std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
        .collect();
    assert_eq!(compiled.len(), 1, "{compiled:?}");
    compiled[0].clone()
}

#[test]
fn check_and_run_load_a_compiled_component_from_the_cache_and_recompile_a_tampered_one() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let cache_arg = cache.to_str().unwrap();
    let check = || {
        let (ok, out, err) = wasmhook(&[
            "plugin",
            "check",
            artifacts::ECHO,
            "--cache-dir",
            cache_arg,
            "--verbose",
        ]);
        assert!(ok, "{err}");
        assert!(out.contains("is a valid"), "{out}");
        err
    };
    let first = check();
    assert!(first.contains("wasmhook: compiled, cached in"), "{first}");
    let file = cached_file(&cache);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(&cache.join("key")),
            0o600,
            "the HMAC key is the user's"
        );
        assert_eq!(mode(&cache), 0o700);
    }
    let second = check();
    assert_eq!(
        second.trim(),
        format!("wasmhook: loaded from cache: {}", file.display())
    );
    // `plugin run` of the same bytes uses the same file.
    let body = dir.path().join("body.json");
    std::fs::write(&body, r#"{"text": "from the cache"}"#).unwrap();
    let (ok, out, err) = wasmhook(&[
        "plugin",
        "run",
        artifacts::ECHO,
        "--body",
        body.to_str().unwrap(),
        "--cache-dir",
        cache_arg,
        "-v",
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("wasmhook: loaded from cache:"), "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(report["messages"][0]["content"], "from the cache");

    // A cached file changed behind the CLI's back fails its HMAC: it is compiled again (and
    // the check still succeeds), never loaded.
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    std::fs::write(&file, &bytes).unwrap();
    let tampered = check();
    assert!(
        tampered.contains("wasmhook: compiled, cached in"),
        "{tampered}"
    );
    assert_ne!(
        std::fs::read(&file).unwrap(),
        bytes,
        "the file was replaced"
    );
    assert!(check().contains("wasmhook: loaded from cache:"));

    // Without a cache nothing is written.
    let empty = dir.path().join("unused");
    let (ok, _, err) = wasmhook(&[
        "plugin",
        "check",
        artifacts::ECHO,
        "--cache-dir",
        empty.to_str().unwrap(),
        "--no-cache",
        "-v",
    ]);
    assert!(ok, "{err}");
    assert!(!empty.exists());
}

#[test]
fn run_takes_a_fixture_case_directory() {
    let case =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/github/push-signed-valid");
    // Body, headers (with the signature) and configuration (with the secret) all come from
    // the case: the signature verifies, so the plugin posts.
    let (ok, out, err) = wasmhook(&[
        "plugin",
        "run",
        artifacts::GITHUB,
        "--fixture",
        case.to_str().unwrap(),
    ]);
    assert!(ok, "{err}\n{out}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("expected.json")).unwrap())
            .unwrap();
    assert_eq!(report["outcome"], "messages", "{report}");
    assert_eq!(report["messages"], expected["messages"]);
    // The case is the whole request: a configuration besides it is refused.
    let (ok, out, _) = wasmhook(&[
        "plugin",
        "run",
        artifacts::GITHUB,
        "--fixture",
        case.to_str().unwrap(),
        "--config",
        "{}",
    ]);
    assert!(!ok, "--fixture and --config do not go together: {out}");
    let (ok, _, err) = wasmhook(&[
        "plugin",
        "run",
        artifacts::GITHUB,
        "--fixture",
        "/nonexistent-case",
    ]);
    assert!(!ok);
    assert!(err.contains("/nonexistent-case"), "{err}");
    // A configuration the plugin refuses is reported as such, naming the key, before any run
    // (as `PATCH plugin_config` answers 422), rather than as a failed delivery.
    let bad =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/github/config-unknown-key");
    let (ok, out, err) = wasmhook(&[
        "plugin",
        "run",
        artifacts::GITHUB,
        "--fixture",
        bad.to_str().unwrap(),
    ]);
    assert!(!ok, "{out}");
    let report: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    assert_eq!(report["outcome"], "invalid_config", "{report}");
    assert_eq!(report["error"]["field"], "config.branch", "{report}");
    assert!(
        report["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `branch`"),
        "{report}"
    );
}

#[test]
fn run_prints_outcome_log_time_and_memory() {
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body.json");
    std::fs::write(&body, r#"{"text": "hello from a file"}"#).unwrap();
    let (ok, out, err) = wasmhook(&[
        "plugin",
        "run",
        artifacts::ECHO,
        "--body",
        body.to_str().unwrap(),
        "-H",
        "X-Event: push",
        "--config",
        r#"{"username":"CLI"}"#,
    ]);
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(report["outcome"], "messages");
    assert_eq!(report["messages"][0]["content"], "hello from a file");
    assert_eq!(report["messages"][0]["username"], "CLI");
    assert!(report["log"].as_str().unwrap().contains("[info]"));
    assert!(report["duration_us"].as_u64().unwrap() > 0);
    assert!(report["peak_memory_bytes"].as_u64().unwrap() > 0);

    let (ok, out, _) = wasmhook(&[
        "plugin",
        "run",
        artifacts::PANIC,
        "--body",
        body.to_str().unwrap(),
    ]);
    assert!(!ok, "a failed run exits non-zero");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(report["error"]["code"], "plugin_trap");
    assert!(
        report["error"]["message"]
            .as_str()
            .unwrap()
            .contains("boom"),
        "{report}"
    );
}

// `wasmhook plugin new`: each language's scaffold is generated, built into a component, tested
// natively, checked and run, exactly as its README says. Missing tools fail these tests (with
// what to install), never skip them.

/// The repository root, given to `plugin new --sdk`.
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

/// Runs `command` in `dir`, failing the test with its output unless it succeeds.
fn run_in(dir: &Path, command: &mut Command, what: &str) {
    let out = command.current_dir(dir).output().unwrap_or_else(|err| {
        panic!("cannot run {what} ({command:?}): {err}; is it installed and on PATH?")
    });
    assert!(
        out.status.success(),
        "{what} failed ({}) in {}:\n{}\n{}",
        out.status,
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `wasmhook plugin new --lang LANG --dir PARENT --sdk <repo> NAME`; returns the project.
fn scaffold(lang: &str, parent: &Path, name: &str) -> PathBuf {
    let repo = repo();
    let (ok, out, err) = wasmhook(&[
        "plugin",
        "new",
        "--lang",
        lang,
        "--dir",
        parent.to_str().unwrap(),
        "--sdk",
        repo.to_str().unwrap(),
        name,
    ]);
    assert!(ok, "{err}");
    assert!(out.contains(&format!("plugin `{name}` in")), "{out}");
    let project = parent.join(name);
    for file in ["README.md", "wit/world.wit", "wit/types.wit"] {
        assert!(
            project.join(file).is_file(),
            "no {file} in {}",
            project.display()
        );
    }
    project
}

/// `plugin check` and `plugin run` on the built component: one escaped Markdown message with
/// the configured username.
fn check_and_run(wasm: &Path) {
    let wasm = wasm.to_str().unwrap();
    let (ok, out, err) = wasmhook(&["plugin", "check", wasm]);
    assert!(ok, "{err}");
    assert!(
        out.contains("valid wasmhook:plugin/transformer@0.1.1 component"),
        "{out}"
    );
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("alert.json");
    std::fs::write(
        &body,
        r#"{"title": "Disk *almost* full", "text": "/var is at 95% on db-1, cc @ops", "url": "https://status.example.com/alerts/1"}"#,
    )
    .unwrap();
    let (ok, out, err) = wasmhook(&[
        "plugin",
        "run",
        wasm,
        "--body",
        body.to_str().unwrap(),
        "-H",
        "Content-Type: application/json",
        "--config",
        r#"{"username": "Monitor"}"#,
    ]);
    assert!(ok, "{err}\n{out}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(
        report["messages"],
        serde_json::json!([{
            "content": "**[Disk \\*almost\\* full](https://status.example.com/alerts/1)**\n/var is at 95% on db-1, cc @\u{2060}ops",
            "username": "Monitor",
            "avatar_url": null,
        }]),
        "{report}"
    );
    assert_eq!(
        report["log"], "[info] posting an alert of 96 characters\n",
        "{report}"
    );
}

#[test]
fn scaffold_rust_builds_tests_checks_and_runs() {
    let parent = tempfile::tempdir().unwrap();
    // Inside another workspace, as `plugins/` of a repository would be: the project's own
    // `[workspace]` table keeps it out.
    std::fs::write(parent.path().join("Cargo.toml"), "[workspace]\n").unwrap();
    let project = scaffold("rust", parent.path(), "disk-alerts");
    // The repository's lock file: the same dependency versions as the workspace, already
    // compiled in the shared target directory on later runs.
    std::fs::copy(repo().join("Cargo.lock"), project.join("Cargo.lock")).unwrap();
    let target = repo().join("target/scaffold-test");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let command = |args: &[&str]| {
        let mut command = Command::new(&cargo);
        command.args(args).env("CARGO_TARGET_DIR", &target);
        // The outer build's flags are for the host; the project builds with its own.
        for var in [
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "RUSTC_WORKSPACE_WRAPPER",
        ] {
            command.env_remove(var);
        }
        command
    };
    run_in(
        &project,
        &mut command(&["build", "--release", "--target", "wasm32-wasip2"]),
        "cargo build --release --target wasm32-wasip2",
    );
    run_in(&project, &mut command(&["test"]), "cargo test");
    check_and_run(&target.join("wasm32-wasip2/release/disk_alerts.wasm"));
}

#[test]
fn scaffold_python_builds_tests_checks_and_runs() {
    let python = std::env::var_os("WASMHOOK_PYTHON").unwrap_or_else(|| "python3".into());
    let tools = Command::new(&python)
        .args(["-c", "import componentize_py, pytest"])
        .output();
    assert!(
        tools.as_ref().is_ok_and(|out| out.status.success()),
        "the Python scaffold needs python3 with componentize-py and pytest: \
         `pip install componentize-py==0.25.1 pytest` ({tools:?})"
    );
    let parent = tempfile::tempdir().unwrap();
    let project = scaffold("python", parent.path(), "disk-alerts");
    run_in(
        &project,
        Command::new(&python).args(["-m", "pytest", "-q"]),
        "python3 -m pytest",
    );
    // The README's build command.
    run_in(
        &project,
        Command::new(&python)
            .env("PYTHONPATH", repo().join("guest-sdk/python/src"))
            .args(["-m", "wasmhook_sdk.build", "--wit", "wit"])
            .args([
                "--module",
                "disk_alerts_plugin.py",
                "-o",
                "disk-alerts.wasm",
            ]),
        "python3 -m wasmhook_sdk.build",
    );
    check_and_run(&project.join("disk-alerts.wasm"));
}

#[test]
fn scaffold_js_builds_tests_checks_and_runs() {
    let tools = repo().join("guest-sdk/js/node_modules/@bytecodealliance/componentize-js");
    assert!(
        tools.is_dir(),
        "the JavaScript scaffold needs the SDK's build tools: run `npm ci --prefix guest-sdk/js` \
         (no {})",
        tools.display()
    );
    let parent = tempfile::tempdir().unwrap();
    let project = scaffold("js", parent.path(), "disk-alerts");
    // `npm install` links the SDK (a `file:` dependency); `npm run build` is `wasmhook-build`,
    // the SDK's bin/build.mjs.
    run_in(
        &project,
        Command::new("npm").args(["install", "--no-audit", "--no-fund"]),
        "npm install",
    );
    run_in(&project, Command::new("node").arg("--test"), "node --test");
    run_in(
        &project,
        Command::new("npm").args(["run", "build"]),
        "npm run build",
    );
    check_and_run(&project.join("disk-alerts.wasm"));
}

#[test]
fn scaffold_refuses_bad_names_existing_directories_and_unknown_languages() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().to_str().unwrap();
    let long = "x".repeat(65);
    for bad in ["Disk", "1st", "disk_alerts", "disk-", "fn", long.as_str()] {
        let (ok, _, err) = wasmhook(&["plugin", "new", "--lang", "rust", "--dir", dir, bad]);
        assert!(!ok, "{bad} was accepted");
        assert!(err.contains("invalid plugin name"), "{bad}: {err}");
    }
    let (ok, _, err) = wasmhook(&["plugin", "new", "--lang", "go", "--dir", dir, "disk"]);
    assert!(!ok);
    assert!(
        err.contains("invalid value 'go'") && err.contains("rust, python, js"),
        "{err}"
    );
    let (ok, _, err) = wasmhook(&[
        "plugin", "new", "--lang", "python", "--dir", dir, "--sdk", dir, "disk",
    ]);
    assert!(!ok);
    assert!(err.contains("root of a wasmhook checkout"), "{err}");
    assert_eq!(
        std::fs::read_dir(parent.path()).unwrap().count(),
        0,
        "nothing is written when the arguments are refused"
    );

    let taken = parent.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("notes.txt"), "mine").unwrap();
    let (ok, _, err) = wasmhook(&["plugin", "new", "--lang", "js", "--dir", dir, "taken"]);
    assert!(!ok);
    assert!(err.contains("already exists and is not empty"), "{err}");
    assert_eq!(std::fs::read_dir(&taken).unwrap().count(), 1);
    assert_eq!(
        std::fs::read_to_string(taken.join("notes.txt")).unwrap(),
        "mine"
    );
    std::fs::write(parent.path().join("file"), "").unwrap();
    let (ok, _, err) = wasmhook(&["plugin", "new", "--lang", "js", "--dir", dir, "file"]);
    assert!(!ok);
    assert!(err.contains("is not a directory"), "{err}");
}

#[test]
fn scaffold_without_sdk_takes_the_published_sdk() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().to_str().unwrap();
    // An existing empty directory is used.
    std::fs::create_dir(parent.path().join("alerts-rust")).unwrap();
    for (lang, file, source) in [
        (
            "rust",
            "Cargo.toml",
            r#"wasmhook-sdk = { version = "0.1.1" }"#,
        ),
        (
            "python",
            "pyproject.toml",
            r#"dependencies = ["wasmhook-sdk==0.1.1"]"#,
        ),
        ("js", "package.json", r#""wasmhook-sdk": "0.1.1""#),
    ] {
        let name = format!("alerts-{lang}");
        let (ok, _, err) = wasmhook(&["plugin", "new", "--lang", lang, "--dir", dir, &name]);
        assert!(ok, "{lang}: {err}");
        let project = parent.path().join(&name);
        let text = std::fs::read_to_string(project.join(file)).unwrap();
        assert!(text.contains(source), "{lang}: {text}");
        let readme = std::fs::read_to_string(project.join("README.md")).unwrap();
        assert!(
            readme.contains("`wasmhook-sdk` 0.1.1")
                && !readme.contains("git clone")
                && !readme.contains("git+")
                && !readme.contains("git = ")
                && !readme.contains("{{"),
            "{lang}: {readme}"
        );
        for wit in ["types.wit", "world.wit"] {
            assert_eq!(
                std::fs::read_to_string(project.join("wit").join(wit)).unwrap(),
                std::fs::read_to_string(repo().join("wit").join(wit)).unwrap(),
                "{lang}: wit/{wit} is a copy of the contract"
            );
        }
    }
    let cargo = std::fs::read_to_string(parent.path().join("alerts-rust/Cargo.toml")).unwrap();
    assert!(cargo.contains("\n[workspace]\n"), "{cargo}");
}

/// Kills the server when the test ends, whatever happens.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_writes_json_log_lines_filtered_by_rust_log() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wasmhook.db");
    // RUST_LOG alone (no WASMHOOK_LOG) turns on tower-http's debug lines.
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasmhook"))
        .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
        .args(["--bootstrap-token", "cli-test-admin-token-0123456789"])
        .arg("--database")
        .arg(&db)
        .env_remove("WASMHOOK_LOG")
        .env("RUST_LOG", "info,tower_http=debug")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting wasmhook serve");
    let stderr = child.stderr.take().unwrap();
    let _server = Server(child);
    let mut lines = BufReader::new(stderr).lines();
    let mut next_json = || loop {
        let line = lines.next().expect("the server logs").expect("a line");
        // The setup link is printed for a person, not logged.
        if line.starts_with("wasmhook: ") {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        return value;
    };
    let addr = loop {
        let line = next_json();
        if line["fields"]["message"] == "wasmhook listening" {
            break line["fields"]["local"].as_str().unwrap().to_owned();
        }
    };
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .write_all(b"POST /api/webhooks/execute/not-a-real-token HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    let (mut rejected, mut debug) = (None, false);
    while rejected.is_none() || !debug {
        let line = next_json();
        debug |= line["level"] == "DEBUG"
            && line["target"]
                .as_str()
                .is_some_and(|t| t.starts_with("tower_http"));
        if line["fields"]["message"] == "webhook request rejected" {
            rejected = Some(line);
        }
    }
    let rejected = rejected.unwrap();
    assert_eq!(rejected["level"], "INFO", "{rejected}");
    assert_eq!(rejected["fields"]["status"], 404, "{rejected}");
    assert_eq!(rejected["fields"]["code"], "not_found", "{rejected}");
    assert_eq!(
        rejected["span"]["route"], "/api/webhooks/execute/{token}",
        "{rejected}"
    );
    assert!(
        !rejected.to_string().contains("not-a-real-token"),
        "{rejected}"
    );
}

/// A `wasmhook serve` process on a fresh SQLite database and a free port; returns it with its
/// base URL. Its log is drained in the background.
fn serve(dir: &Path, admin_token: &str) -> (Server, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasmhook"))
        .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
        .args(["--bootstrap-token", admin_token])
        .arg("--database")
        .arg(dir.join("wasmhook.db"))
        .env("WASMHOOK_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting wasmhook serve");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let server = Server(child);
    let addr = loop {
        let line = lines.next().expect("the server logs").expect("a line");
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if value["fields"]["message"] == "wasmhook listening" {
            break value["fields"]["local"].as_str().unwrap().to_owned();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    (server, format!("http://{addr}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_goes_live_at_once_and_rollback_restores_the_previous_build() {
    const ADMIN: &str = "cli-deploy-admin-token-0123456789";
    let parent = tempfile::tempdir().unwrap();
    std::fs::write(parent.path().join("Cargo.toml"), "[workspace]\n").unwrap();
    let project = scaffold("rust", parent.path(), "deploy-demo");
    std::fs::copy(repo().join("Cargo.lock"), project.join("Cargo.lock")).unwrap();
    // The shared target directory of the scaffold tests: `wasmhook.json` names where the
    // component lands, as a user moving the target directory would.
    let target = repo().join("target/scaffold-test");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project.join("wasmhook.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["name"], "deploy-demo");
    assert_eq!(
        manifest["wasm"],
        "target/wasm32-wasip2/release/deploy_demo.wasm"
    );
    let manifest = serde_json::json!({
        "name": "deploy-demo",
        "version": "0.1.0",
        "build": manifest["build"],
        "wasm": target.join("wasm32-wasip2/release/deploy_demo.wasm"),
    });
    std::fs::write(project.join("wasmhook.json"), manifest.to_string()).unwrap();

    let (_server, base) = serve(parent.path(), ADMIN);
    let http = reqwest::Client::new();
    let api = |method: reqwest::Method, path: &str, body: Option<serde_json::Value>| {
        let mut request = http
            .request(method, format!("{base}{path}"))
            .bearer_auth(ADMIN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.expect("the server answers");
            let status = response.status();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            assert!(status.is_success(), "{status}: {body}");
            body
        }
    };
    let communities = api(reqwest::Method::GET, "/api/communities", None).await;
    let community = communities["communities"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let channels = api(
        reqwest::Method::GET,
        &format!("/api/communities/{community}/channels"),
        None,
    )
    .await;
    let channel = channels["channels"][0]["id"].as_str().unwrap().to_owned();
    let hook = api(
        reqwest::Method::POST,
        &format!("/api/channels/{channel}/webhooks"),
        Some(serde_json::json!({"name": "alerts"})),
    )
    .await;
    let webhook = hook["id"].as_str().unwrap().to_owned();
    let url = hook["url"].as_str().unwrap().to_owned();

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let cargo_dir = Path::new(&cargo).parent().map(Path::to_path_buf);
    let deploy = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wasmhook"));
        command
            .args(["plugin"])
            .args(args)
            .env("WASMHOOK_SERVER", &base)
            .env("WASMHOOK_TOKEN", ADMIN)
            .env("WASMHOOK_WEBHOOK", &webhook)
            .env("WASMHOOK_LOG", "warn")
            .env("WASMHOOK_CLI_CACHE_DIR", cli_cache())
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(&project);
        if let Some(dir) = &cargo_dir {
            let path = std::env::var_os("PATH").unwrap_or_default();
            let mut paths = vec![dir.clone()];
            paths.extend(std::env::split_paths(&path));
            command.env("PATH", std::env::join_paths(paths).unwrap());
        }
        for var in [
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "RUSTC_WORKSPACE_WRAPPER",
        ] {
            command.env_remove(var);
        }
        let out = command.output().expect("running wasmhook plugin");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "wasmhook plugin {args:?}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    };
    // Posts an alert through the webhook; returns the message it made.
    let alert = |n: u32| {
        let http = http.clone();
        let (url, base, channel) = (url.clone(), base.clone(), channel.clone());
        async move {
            let title = format!("Alert {n}");
            let response = http
                .post(&url)
                .json(&serde_json::json!({"title": title, "text": "details"}))
                .send()
                .await
                .unwrap();
            let status = response.status();
            assert!(
                status.is_success(),
                "{status}: {}",
                response.text().await.unwrap()
            );
            let page: serde_json::Value = http
                .get(format!("{base}/api/channels/{channel}/messages?limit=1"))
                .bearer_auth(ADMIN)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let newest = page["messages"].as_array().unwrap().last().unwrap().clone();
            let content = newest["content"].as_str().unwrap().to_owned();
            assert!(content.contains(&title), "{content}");
            content
        }
    };

    // First deploy: built, uploaded as 0.1.0+<hash>, attached, live for the next request.
    let first = deploy(&["deploy"]);
    assert!(first.contains("deploy-demo 0.1.0+"), "{first}");
    assert!(
        first.contains(&format!("webhook {webhook}: now runs deploy-demo 0.1.0+")),
        "{first}"
    );
    assert_eq!(alert(1).await, "**Alert 1**\ndetails");
    // The same bytes again: no new version.
    let again = deploy(&["deploy"]);
    assert!(again.contains("already uploaded"), "{again}");

    // A change to the plugin: a new version, live at once.
    let lib = project.join("src/lib.rs");
    let source = std::fs::read_to_string(&lib).unwrap();
    let changed = source.replace(
        r#"format!("**{title}**")"#,
        r#"format!("**{title}** (v2)")"#,
    );
    assert_ne!(source, changed, "the template's title line moved");
    std::fs::write(&lib, changed).unwrap();
    let second = deploy(&["deploy"]);
    assert!(second.contains("uploaded (plugin"), "{second}");
    assert_eq!(alert(2).await, "**Alert 2** (v2)\ndetails");

    // Rollback: the first build again.
    let back = deploy(&["rollback"]);
    assert!(
        back.contains("rolled back from deploy-demo 0.1.0+"),
        "{back}"
    );
    assert_eq!(alert(3).await, "**Alert 3**\ndetails");
    let plugins = api(
        reqwest::Method::GET,
        &format!("/api/communities/{community}/plugins"),
        None,
    )
    .await;
    let versions = plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "deploy-demo")
        .count();
    assert_eq!(versions, 2, "{plugins}");
}
