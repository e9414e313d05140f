//! Plugins in Python and JavaScript (#8) through the real server: the GitLab plugin
//! (JavaScript) and the Sentry plugin (Python), built from `plugins/` by their SDKs' build
//! tools, are uploaded under the default limits and run on every fixture case with its golden
//! file, like the Rust built-ins.

use serde_json::json;
use wasmhook_test_artifacts as artifacts;
use wasmhook_tests::TestApp;

use super::builtins::check_fixtures;

/// Uploads a 12-18 MB interpreted-language component with the default settings (40 MiB limit)
/// and checks that native webhook posts are served while the server compiles it.
async fn upload_while_serving(app: &TestApp, path: &str, name: &str) -> String {
    let bytes = std::fs::read(path).expect("component");
    assert!(
        bytes.len() > 10 << 20,
        "{name} is {} bytes: the test is meant to cover components over the old 10 MiB limit",
        bytes.len()
    );
    let hook = app.webhook(&format!("native beside {name}")).await;
    let url = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    let upload = app.upload_bytes(bytes, name, "1.0.0");
    tokio::pin!(upload);
    let mut served = 0;
    let reply = loop {
        tokio::select! {
            reply = &mut upload => break reply,
            posted = app.post_anon(&url, json!({"content": format!("while compiling {served}")})) => {
                posted.expect(201);
                served += 1;
            }
        }
    };
    let plugin = reply.expect(201);
    assert!(
        served >= 5,
        "only {served} native posts were served while {name} compiled: compiling blocks requests"
    );
    plugin["id"].as_str().unwrap().to_owned()
}

async fn check_plugin(path: &str, name: &str, min_cases: usize) {
    let app = TestApp::spawn_with(|c| c.rate_limit_per_second = 0).await;
    let plugin_id = upload_while_serving(&app, path, name).await;
    let (checked, failures) = check_fixtures(&app, &plugin_id, name).await;
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        checked + failures.len(),
        failures.join("\n\n")
    );
    assert!(checked >= min_cases, "only {checked} {name} cases ran");
}

#[tokio::test]
async fn the_gitlab_plugin_in_javascript_matches_every_golden_file_through_the_server() {
    check_plugin(artifacts::GITLAB, "gitlab", 30).await;
}

#[tokio::test]
async fn the_sentry_plugin_in_python_matches_every_golden_file_through_the_server() {
    check_plugin(artifacts::SENTRY, "sentry", 25).await;
}
