//! The built-in plugins (GitHub, Jenkins, Alertmanager) through the real server: every case in
//! `tests/fixtures/<plugin>/<case>/` is posted to a webhook with the built-in attached and the
//! outcome compared with its reviewed golden `expected.json`. Adding a case is adding files.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

const BUILTINS: [&str; 3] = ["github", "jenkins", "prometheus"];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The built-in plugins as the community's plugin list shows them, by name.
async fn builtin_ids(app: &TestApp) -> Vec<(String, String)> {
    let listed = app
        .get(
            &format!("/api/communities/{}/plugins", app.community_id),
            ADMIN_TOKEN,
        )
        .await
        .expect(200);
    listed["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["builtin"] == true)
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// One fixture case: body, headers and config.
pub struct Case {
    pub name: String,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
    pub config: Value,
    pub expected: Value,
}

/// The fixture cases of `plugin` (a directory of `tests/fixtures`), sorted by name.
pub fn cases(plugin: &str) -> Vec<Case> {
    let dir = fixtures_dir().join(plugin);
    let mut cases: Vec<Case> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").is_file())
        .map(|p| {
            let body_file = std::fs::read_dir(&p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|f| f.file_stem().is_some_and(|s| s == "request"))
                .unwrap_or_else(|| panic!("{}: no request.* file", p.display()));
            let headers = std::fs::read_to_string(p.join("headers.txt"))
                .unwrap_or_default()
                .lines()
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect();
            let config = std::fs::read_to_string(p.join("config.json"))
                .map(|c| serde_json::from_str(&c).expect("config.json"))
                .unwrap_or_else(|_| json!({}));
            let expected =
                serde_json::from_str(&std::fs::read_to_string(p.join("expected.json")).unwrap())
                    .expect("expected.json");
            assert!(
                p.join("source.txt").is_file(),
                "{}: the fixture's source must be noted in source.txt",
                p.display()
            );
            Case {
                name: p.file_name().unwrap().to_string_lossy().into_owned(),
                body: std::fs::read(body_file).unwrap(),
                headers,
                config,
                expected,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// Creates a webhook with the built-in attached and the case's config; posts the case.
async fn post_case(
    app: &TestApp,
    plugin_id: &str,
    plugin: &str,
    case: &Case,
) -> (Value, wasmhook_tests::Reply) {
    let hook = app
        .webhook(
            &format!("{plugin} {}", case.name)
                .chars()
                .take(64)
                .collect::<String>(),
        )
        .await;
    let id = hook["id"].as_str().unwrap();
    let attached = app
        .patch(
            &format!("/api/webhooks/{id}"),
            ADMIN_TOKEN,
            json!({"plugin_id": plugin_id, "plugin_config": case.config}),
        )
        .await;
    if attached.status == 422 {
        // A plugin that checks its configuration refuses a bad one when it is set.
        return (hook, attached);
    }
    assert_eq!(attached.status, 200, "{}", attached.body);
    let headers: Vec<(&str, &str)> = case
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let reply = app
        .post_raw(
            &format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap()),
            &headers,
            case.body.clone(),
        )
        .await;
    (hook, reply)
}

#[tokio::test]
async fn builtins_are_listed_for_every_community_and_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let ids = builtin_ids(&app).await;
    let names: Vec<&str> = ids.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, BUILTINS);
    let other = app
        .post("/api/communities", ADMIN_TOKEN, json!({"name": "Other"}))
        .await
        .expect(201);
    let listed = app
        .get(
            &format!("/api/communities/{}/plugins", other["id"].as_str().unwrap()),
            ADMIN_TOKEN,
        )
        .await
        .expect(200);
    assert_eq!(
        listed["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["builtin"] == true)
            .count(),
        3
    );
    let plugin = app
        .get(&format!("/api/plugins/{}", ids[0].1), ADMIN_TOKEN)
        .await
        .expect(200);
    assert_eq!(plugin["builtin"], true);
    assert!(plugin["community_id"].is_null());
    app.delete(&format!("/api/plugins/{}", ids[0].1), ADMIN_TOKEN)
        .await
        .expect_error(403, "forbidden", None);
    // Same ids after a restart: webhooks keep their built-in.
    let app = app.stop().await.restart(|_| {}).await;
    assert_eq!(builtin_ids(&app).await, ids);
}

#[tokio::test]
pub(crate) async fn every_fixture_matches_its_golden_file() {
    let app = TestApp::spawn_with(|c| c.rate_limit_per_second = 0).await;
    let ids = builtin_ids(&app).await;
    let mut checked = 0;
    let mut failures = Vec::new();
    for plugin in BUILTINS {
        let plugin_id = &ids.iter().find(|(n, _)| n == plugin).expect("built-in").1;
        let (n, mut failed) = check_fixtures(&app, plugin_id, plugin).await;
        checked += n;
        failures.append(&mut failed);
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        checked + failures.len(),
        failures.join("\n\n")
    );
    assert!(checked >= 40, "only {checked} cases ran");
}

/// Posts every fixture case of `plugin` (directory name) through `plugin_id`, each to a fresh
/// webhook, and compares the outcome with its golden file: (cases that matched, differences).
pub async fn check_fixtures(app: &TestApp, plugin_id: &str, plugin: &str) -> (usize, Vec<String>) {
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases(plugin) {
        let (hook, reply) = post_case(app, plugin_id, plugin, &case).await;
        let want_status = case.expected["status"].as_u64().expect("expected.status");
        let label = format!("{plugin}/{}", case.name);
        // A configuration error fails the delivery (500) with a plugin of contract 0.1.0; a
        // plugin that exports `validate-config` refuses the configuration when it is set
        // instead, naming the field.
        let config_error = case.expected["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("invalid plugin configuration"));
        if reply.status == 422
            && reply.body["error"]["field"]
                .as_str()
                .is_some_and(|f| f.starts_with("plugin_config"))
        {
            if !config_error {
                failures.push(format!("{label}: configuration refused: {}", reply.body));
            }
            checked += 1;
            continue;
        }
        if u64::from(reply.status.as_u16()) != want_status {
            failures.push(format!(
                "{label}: status {} (want {want_status}): {}",
                reply.status, reply.body
            ));
            continue;
        }
        match want_status {
            201 => {
                let hook_id = hook["id"].as_str().unwrap();
                let mut got: Vec<Value> = app
                    .messages()
                    .await
                    .into_iter()
                    .filter(|m| m["webhook"]["id"] == hook_id)
                    .collect();
                got.reverse();
                let want = case.expected["messages"]
                    .as_array()
                    .expect("expected.messages");
                let got: Vec<Value> = got
                    .iter()
                    .zip(want)
                    .map(|(m, w)| {
                        json!({
                            "content": m["content"],
                            "username": if w["username"].is_null() { Value::Null } else { m["sender"]["display_name"].clone() },
                            "avatar_url": m["sender"]["avatar_url"],
                        })
                    })
                    .collect();
                let want: Vec<Value> = want
                    .iter()
                    .map(|w| json!({"content": w["content"], "username": w["username"], "avatar_url": w["avatar_url"]}))
                    .collect();
                if got != want {
                    failures.push(format!("{label}: stored {got:#?}\nwant {want:#?}"));
                }
                for m in &got {
                    assert!(
                        m["content"].as_str().unwrap().chars().count() <= 4000,
                        "{label}"
                    );
                }
            }
            200 => {
                if reply.body["status"] != case.expected["outcome"]
                    || reply.body["reason"] != case.expected["reason"]
                {
                    failures.push(format!("{label}: {} (want {})", reply.body, case.expected));
                }
            }
            _ => {
                if reply.body["error"]["code"] != case.expected["code"] {
                    failures.push(format!("{label}: {} (want {})", reply.body, case.expected));
                }
            }
        }
        checked += 1;
    }
    (checked, failures)
}

/// Posts one named fixture case to a fresh webhook with the built-in attached.
async fn post_named_case(app: &TestApp, plugin: &str, case: &str) -> wasmhook_tests::Reply {
    let ids = builtin_ids(app).await;
    let plugin_id = &ids.iter().find(|(n, _)| n == plugin).expect("built-in").1;
    let case = cases(plugin)
        .into_iter()
        .find(|c| c.name == case)
        .expect("fixture case");
    post_case(app, plugin_id, plugin, &case).await.1
}

async fn notified(app: &TestApp, token: &str) -> usize {
    app.get("/api/notifications", token).await.expect(200)["notifications"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn mapped_github_logins_are_notified_and_unmapped_or_quoted_names_are_not() {
    let app = TestApp::spawn().await;
    // `mentions-review-requested` maps GitHub login octocat -> wasmhook user `octo`.
    let (octo, octo_token) = app.user("octo", "member").await;
    app.join_channel(&octo).await;
    // A wasmhook user named like the (unmapped) GitHub login must not be pinged by accident.
    let (coder, coder_token) = app.user("Codertocat", "member").await;
    app.join_channel(&coder).await;
    post_named_case(&app, "github", "mentions-review-requested")
        .await
        .expect(201);
    let stored = &app.messages().await[0];
    assert_eq!(
        stored["mentions"],
        json!([{"user_id": octo, "username": "octo", "display_name": "octo Display"}])
    );
    assert_eq!(notified(&app, &octo_token).await, 1);
    assert_eq!(notified(&app, &coder_token).await, 0);

    // Names typed into commit messages (`@everyone`, `@alice`, `<@bob@example.com>`) stay text.
    let (alice, alice_token) = app.user("alice", "member").await;
    app.join_channel(&alice).await;
    let (_, bob_token) = app
        .user_with_email("bob", "bob@example.com", "member")
        .await;
    post_named_case(&app, "github", "push-mention-injection")
        .await
        .expect(201);
    assert_eq!(app.messages().await[0]["mentions"], json!([]));
    assert_eq!(
        (
            notified(&app, &alice_token).await,
            notified(&app, &bob_token).await
        ),
        (0, 0)
    );
}

#[tokio::test]
async fn jenkins_and_alertmanager_mentions_notify_the_configured_people() {
    let app = TestApp::spawn().await;
    let (oncall, oncall_token) = app.user("oncall", "member").await;
    app.join_channel(&oncall).await;
    let (_, lead_token) = app
        .user_with_email("sre_lead", "sre-lead@example.com", "member")
        .await;
    post_named_case(&app, "jenkins", "failure-mention-on-failure")
        .await
        .expect(201);
    assert_eq!(notified(&app, &oncall_token).await, 1);
    assert_eq!(
        notified(&app, &lead_token).await,
        1,
        "email mentions reach community members"
    );
    let reply = post_named_case(&app, "prometheus", "firing-mentions")
        .await
        .expect(201);
    let mut mentioned: Vec<String> = app.messages().await[0]["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(reply["messages"].as_array().unwrap().len(), 1);
    mentioned.sort();
    assert_eq!(
        mentioned,
        ["oncall", "sre_lead"],
        "critical alerts mention the configured people"
    );
    assert_eq!(notified(&app, &oncall_token).await, 2);
}
