//! The README's walk-through, run as it stands: its shell blocks (between the
//! `<!-- walk-through: start -->` and `<!-- walk-through: end -->` markers) are extracted from
//! `README.md` and run as one bash script, with the `wasmhook` this test builds first on `PATH`.
//! The script starts its own server on a fresh SQLite database, posts in every dialect, drives
//! a built-in plugin, scaffolds, builds and deploys a Rust plugin, and manages webhooks and
//! users; the test then checks what it printed. A second test checks that every shell variable
//! the README sets is set in one place only, so that the later sections can rely on the
//! walk-through's names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const START: &str = "<!-- walk-through: start -->";
const END: &str = "<!-- walk-through: end -->";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).expect("README.md")
}

/// The bodies of the ```sh (or ```bash) blocks of `markdown`, in order.
fn shell_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line == "```sh" || line == "```bash" => current = Some(String::new()),
            None => {}
            Some(_) if line == "```" => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    assert!(current.is_none(), "an unterminated code block in README.md");
    blocks
}

/// The walk-through: the shell blocks between the markers, as one script.
fn walk_through() -> String {
    let text = readme();
    let start = text.find(START).expect("the walk-through's start marker");
    let end = text.find(END).expect("the walk-through's end marker");
    assert!(start < end, "the walk-through's markers are out of order");
    let blocks = shell_blocks(&text[start..end]);
    assert!(
        blocks.len() >= 8,
        "the walk-through has {} blocks",
        blocks.len()
    );
    blocks.concat()
}

/// The variables a shell line defines: `NAME=value` as a statement of its own (also after
/// `export`, `&&` or `;`), not as the environment prefix of a command (`NAME=1 cargo test`).
fn definitions(line: &str) -> Vec<String> {
    let line = line.trim_start();
    let exported = line.strip_prefix("export ");
    let mut names = Vec::new();
    for statement in exported
        .unwrap_or(line)
        .split("&&")
        .flat_map(|s| s.split(';'))
    {
        let words: Vec<&str> = if exported.is_some() {
            statement.split_whitespace().collect()
        } else {
            statement.split_whitespace().take(1).collect()
        };
        for word in words {
            let Some((name, value)) = word.split_once('=') else {
                continue;
            };
            let is_name = name.starts_with(|c: char| c.is_ascii_uppercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if !is_name {
                continue;
            }
            // `NAME=value command ...` only sets NAME for that command.
            let substituted = value.starts_with("$(") || value.starts_with(['"', '\'']);
            let rest = statement.trim_start()[word.len()..].trim_start();
            let prefix =
                exported.is_none() && !substituted && !rest.is_empty() && !rest.starts_with('#');
            if !prefix {
                names.push(name.to_owned());
            }
        }
    }
    names
}

#[test]
fn every_variable_the_readme_sets_is_set_once() {
    let text = readme();
    let mut defined: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for block in shell_blocks(&text) {
        for line in block.lines() {
            for name in definitions(line) {
                defined
                    .entry(name)
                    .or_default()
                    .push(line.trim().to_owned());
            }
        }
    }
    // The walk-through's own names are all there (the lint would pass on an empty README).
    for name in [
        "BASE",
        "AUTH",
        "COMMUNITY",
        "CHANNEL",
        "HOOK_ID",
        "HOOK_TOKEN",
    ] {
        assert!(defined.contains_key(name), "{name} is not set: {defined:?}");
    }
    let twice: Vec<_> = defined
        .iter()
        .filter(|(_, lines)| lines.len() > 1)
        .collect();
    assert!(
        twice.is_empty(),
        "README.md sets these shell variables in more than one place: {twice:#?}"
    );
}

#[test]
fn definitions_are_told_from_environment_prefixes() {
    assert_eq!(definitions("BASE=http://$WASMHOOK_BIND"), ["BASE"]);
    assert_eq!(
        definitions("WORK=$(mktemp -d) && cd \"$WORK\"   # scratch"),
        ["WORK"]
    );
    assert_eq!(
        definitions("export WASMHOOK_SERVER=$BASE WASMHOOK_TOKEN=$X   # both"),
        ["WASMHOOK_SERVER", "WASMHOOK_TOKEN"]
    );
    assert_eq!(
        definitions("JSON='Content-Type: application/json'"),
        ["JSON"]
    );
    assert!(definitions("WASMHOOK_SCREENSHOTS=1 cargo test --test it web::").is_empty());
    assert!(definitions("curl -H \"$AUTH\" $BASE/api/communities").is_empty());
}

/// Kills the walk-through's process group (its server included) however the test ends.
struct Group(u32);

impl Drop for Group {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0)])
            .stderr(Stdio::null())
            .status();
    }
}

#[test]
fn the_walk_through_runs_top_to_bottom_as_written() {
    use std::os::unix::process::CommandExt;

    let script = walk_through();
    let scratch = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // `wasmhook` as built for this test, then the cargo that runs it, then the rest of PATH.
    let bin = Path::new(env!("CARGO_BIN_EXE_wasmhook"))
        .parent()
        .unwrap()
        .to_path_buf();
    let cargo = std::env::var_os("CARGO").map(PathBuf::from);
    let mut paths = vec![bin];
    paths.extend(
        cargo
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf),
    );
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));

    let mut command = Command::new("bash");
    // None of the caller's settings leak into the walk-through's server or CLI.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("WASMHOOK_") {
            command.env_remove(name);
        }
    }
    command
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(repo())
        .env("PATH", std::env::join_paths(paths).unwrap())
        .env("TMPDIR", scratch.path())
        .env("WASMHOOK_BIND", format!("127.0.0.1:{port}"))
        .env("WASMHOOK_LOG", "warn")
        .env(
            "WASMHOOK_CLI_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasmhook-cli-cache"),
        )
        // The scaffold tests' target directory (host/tests/cli.rs): the plugin's dependencies
        // are compiled once for both.
        .env("CARGO_TARGET_DIR", repo().join("target/scaffold-test"))
        .stdin(Stdio::null())
        .process_group(0);
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash");
    let _group = Group(child.id());
    let out = child.wait_with_output().expect("the walk-through runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let log = std::fs::read_dir(scratch.path())
        .into_iter()
        .flatten()
        .flatten()
        .map(|dir| dir.path().join("server.log"))
        .find(|log| log.is_file())
        .and_then(|log| std::fs::read_to_string(log).ok())
        .unwrap_or_default();
    let context = format!("stdout:\n{stdout}\nstderr:\n{stderr}\nserver log:\n{log}");
    assert!(
        out.status.success(),
        "the walk-through failed ({}):\n{context}",
        out.status
    );

    for expected in [
        // 3: the URLs, shown once.
        &format!("\"chatalot\": \"http://127.0.0.1:{port}/api/webhooks/execute/"),
        // 4: the dialects' answers, and a refused post naming its field and rule.
        "{\"channel_id\":",
        "{\"avatar_url\":null,\"display_name\":\"CI Bot\",\"user_id\":null}\n",
        "{\"error\":{\"code\":\"validation_failed\",\"field\":\"content\",\"message\":\"content must be 1-4000 characters long (got 0)\"}}\n",
        // 5: the built-in GitHub plugin, its refused configuration and its delivery record.
        "\"field\":\"plugin_config.colour\"",
        "\"status\": \"succeeded\"",
        "\"duration_us\": ",
        // 6: the deployed plugin.
        "webhook ",
        ": now runs alerts 0.1.0+",
        // 7: every message in the channel, newest first, and the mention.
        "Monitor: **[Disk almost full](https://status.example.com/alerts/1)**\n/var is at 95% on db-1\n",
        "GitHub: [mtsmfm](https://github.com/mtsmfm) pushed 2 commits to [`master`]",
        "CI Bot: Deploy completed successfully.\n",
        "Jenkins Bot: Build failed! Please review: ",
        "CI Pipeline: Build #142 passed successfully.\n",
        "admin was mentioned by Jenkins Bot: Build failed!",
        // 8: management.
        "\"Test message from webhook CI\"\n",
        "old URL: 404\n",
        "deleted: 204\n",
        // 9: roles.
        "alice reads the channel: 200\n",
        "alice lists its webhooks: 403\n",
        "walk-through done",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in:\n{context}");
    }
    // Newest first: the plugin's message above the native posts.
    let newest = stdout.find("Disk almost full").unwrap();
    let oldest = stdout.find("Build #142 passed").unwrap();
    assert!(newest < oldest, "{stdout}");
}
