//! Discord's webhook format (#14) driven by the real Python client `discord-webhook` (pinned in
//! `.ci/test`) against the real server: post with embeds and `wait=True`, `edit()`, `delete()`,
//! each reported as success by the library; the stored message, the live `message.updated` and
//! `message.deleted` events, and mentions re-resolved without notifying anyone twice. Then
//! multipart bodies, refusals, foreign messages and the `/github` suffix over plain HTTP.

use std::time::Duration;

use serde_json::{Value, json};
use wasmhook_tests::live::{SseClient, WsClient};
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

/// Drives `discord-webhook` 1.4.1: `execute URL CONTENT`, `edit URL ID CONTENT`,
/// `delete URL ID`, `file URL` (a message with a file). Prints one JSON line: the status, the
/// response body, the message id the library kept, and every error the library logged.
const CLIENT: &str = r#"
import json, logging, sys
from discord_webhook import DiscordWebhook, DiscordEmbed

errors = []
class Collect(logging.Handler):
    def emit(self, record):
        if record.levelno >= logging.ERROR:
            errors.append(record.getMessage())
log = logging.getLogger("discord_webhook")
log.addHandler(Collect())
log.setLevel(logging.DEBUG)

step, url = sys.argv[1], sys.argv[2]
def embed():
    e = DiscordEmbed(title="Build 42", description="All checks passed", color="2ecc71",
                     url="https://ci.example.com/builds/42")
    e.set_author(name="CI", url="https://ci.example.com")
    e.add_embed_field(name="Branch", value="main")
    e.add_embed_field(name="Duration", value="3m 12s")
    e.set_footer(text="ci.example.com")
    e.set_timestamp(1700000000)
    return e

if step == "execute":
    hook = DiscordWebhook(url=url, content=sys.argv[3], username="Deployer", wait=True)
    hook.add_embed(embed())
    response = hook.execute()
elif step == "edit":
    hook = DiscordWebhook(url=url, id=sys.argv[3], content=sys.argv[4], wait=True)
    hook.add_embed(embed())
    response = hook.edit()
elif step == "delete":
    hook = DiscordWebhook(url=url, id=sys.argv[3], wait=True)
    response = hook.delete()
elif step == "file":
    hook = DiscordWebhook(url=url, content="with a file", wait=True)
    hook.add_file(file=b"secret numbers", filename="report.txt")
    response = hook.execute()
try:
    body = response.json()
except ValueError:
    body = None
print(json.dumps({"status": response.status_code, "body": body, "id": hook.id, "errors": errors}))
"#;

/// Runs one step of [`CLIENT`] and returns its JSON report.
async fn client(args: &[&str]) -> Value {
    let output = tokio::process::Command::new("python3")
        .arg("-c")
        .arg(CLIENT)
        .args(args)
        .output()
        .await
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "discord-webhook client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("client output {stdout:?}: {e}"))
}

/// The Discord URL of a webhook creation response.
fn discord_url(app: &TestApp, hook: &Value) -> String {
    format!(
        "{}/api/webhooks/{}/{}",
        app.base,
        hook["id"].as_str().unwrap(),
        hook["token"].as_str().unwrap()
    )
}

/// Unread mention notifications of the user with `token`, for `message_id`.
async fn notifications_for(app: &TestApp, token: &str, message_id: &str) -> usize {
    let body = app.get("/api/notifications", token).await.expect(200);
    body["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["message"]["id"] == message_id)
        .count()
}

#[tokio::test]
async fn discord_webhook_client_posts_edits_and_deletes_a_message_seen_live() {
    let app = TestApp::spawn().await;
    let (alice, alice_token) = app.user("alice", "member").await;
    let (bob, bob_token) = app.user("bob", "member").await;
    app.join_channel(&alice).await;
    app.join_channel(&bob).await;
    let hook = app.webhook("deploys").await;
    let url = discord_url(&app, &hook);
    let mut ws = WsClient::connect(&app, &alice_token).await;
    let mut sse = SseClient::connect(&app, &app.channel_id, &bob_token)
        .await
        .expect("bob watches the channel");

    // execute(): 200 with a Discord message object; the library keeps its id.
    let posted = client(&["execute", &url, "Deploy **started** :rocket: cc @alice"]).await;
    assert_eq!(posted["status"], 200, "{posted}");
    assert_eq!(posted["errors"], json!([]), "the library logged errors");
    let id = posted["id"]
        .as_str()
        .expect("the library kept the message id")
        .to_owned();
    let body = &posted["body"];
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["channel_id"], app.channel_id.as_str());
    assert_eq!(body["webhook_id"], hook["id"]);
    assert_eq!(body["content"], "Deploy **started** :rocket: cc @alice");
    assert_eq!(body["author"]["username"], "Deployer");
    assert_eq!(body["author"]["bot"], true);
    assert_eq!(body["embeds"][0]["title"], "Build 42");
    assert_eq!(body["edited_timestamp"], Value::Null);
    assert!(
        body["timestamp"]
            .as_str()
            .is_some_and(|t| t.ends_with("+00:00"))
    );

    let created = ws.expect_event("message.created").await;
    assert_eq!(created["id"], id.as_str());
    let stored = &app.messages().await[0];
    assert_eq!(stored["id"], id.as_str());
    assert_eq!(stored["sender"]["display_name"], "Deployer");
    assert_eq!(stored["edited_at"], Value::Null);
    let content = stored["content"].as_str().unwrap();
    for visible in [
        "Deploy **started** 🚀 cc @alice",
        "[Build 42](https://ci.example.com/builds/42)",
        "All checks passed",
        "**Branch**: main · **Duration**: 3m 12s",
        "[CI](https://ci.example.com)",
        "ci.example.com · 2023-11-14 22:13 UTC",
    ] {
        assert!(
            content.contains(visible),
            "{visible:?} missing from {content:?}"
        );
    }
    assert_eq!(notifications_for(&app, &alice_token, &id).await, 1);
    assert_eq!(notifications_for(&app, &bob_token, &id).await, 0);
    let (_, over_sse) = sse.expect_event("message.created").await;
    assert_eq!(over_sse["data"]["id"], id.as_str());

    // edit(): 200, edited, seen live; alice is not notified again, bob is, once.
    let edited = client(&["edit", &url, &id, "Deploy **finished** for @alice and @bob"]).await;
    assert_eq!(edited["status"], 200, "{edited}");
    assert_eq!(edited["errors"], json!([]), "the library logged errors");
    assert_eq!(
        edited["body"]["content"],
        "Deploy **finished** for @alice and @bob"
    );
    assert!(edited["body"]["edited_timestamp"].is_string(), "{edited}");
    let updated = ws.expect_event("message.updated").await;
    assert_eq!(updated["id"], id.as_str());
    assert!(
        updated["content"]
            .as_str()
            .unwrap()
            .starts_with("Deploy **finished** for @alice and @bob")
    );
    assert!(updated["edited_at"].is_string(), "{updated}");
    let (sse_id, over_sse) = sse.expect_event("message.updated").await;
    assert_eq!(
        (sse_id.as_str(), &over_sse["data"]["id"]),
        (id.as_str(), &json!(id))
    );
    let stored = &app.messages().await[0];
    assert!(stored["edited_at"].is_string());
    let names: Vec<&str> = stored["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    assert_eq!(notifications_for(&app, &alice_token, &id).await, 1);
    assert_eq!(notifications_for(&app, &bob_token, &id).await, 1);

    // The same edit again notifies nobody.
    let again = client(&["edit", &url, &id, "Deploy **finished** for @alice and @bob"]).await;
    assert_eq!(again["status"], 200, "{again}");
    assert_eq!(notifications_for(&app, &bob_token, &id).await, 1);

    // delete(): 204 (the library logs nothing for it); the message is gone, live too.
    let deleted = client(&["delete", &url, &id]).await;
    assert_eq!(deleted["status"], 204, "{deleted}");
    assert_eq!(deleted["errors"], json!([]));
    let gone = ws.expect_event("message.deleted").await;
    assert_eq!(gone, json!({"id": id, "channel_id": app.channel_id}));
    let (_, over_sse) = sse.expect_event("message.updated").await;
    assert_eq!(over_sse["data"]["id"], id.as_str());
    let (_, over_sse) = sse.expect_event("message.deleted").await;
    assert_eq!(over_sse["data"]["id"], id.as_str());
    assert!(app.messages().await.iter().all(|m| m["id"] != id.as_str()));
    let reply = app
        .request(
            reqwest::Method::GET,
            &format!("{}/messages/{id}", &url[app.base.len()..]),
            None,
            None,
        )
        .await;
    assert_eq!(
        (reply.status.as_u16(), &reply.body["code"]),
        (404, &json!(10008))
    );
}

#[tokio::test]
async fn a_file_from_the_client_is_refused_clearly_and_logged_for_the_owner() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("files").await;
    let url = discord_url(&app, &hook);
    let report = client(&["file", &url]).await;
    assert_eq!(report["status"], 400, "{report}");
    assert_eq!(report["body"]["code"], 50035);
    assert_eq!(report["body"]["error"]["code"], "validation_failed");
    assert_eq!(report["body"]["error"]["field"], "_report.txt");
    assert!(
        report["body"]["message"]
            .as_str()
            .unwrap()
            .contains("no attachments"),
        "{report}"
    );
    assert!(app.messages().await.is_empty(), "nothing is stored");
    let failed = app
        .deliveries(hook["id"].as_str().unwrap(), Some("failed"))
        .await;
    assert_eq!(failed.len(), 1, "the refusal is in the delivery log");
    assert_eq!(failed[0]["error_code"], "validation_failed");
    assert!(
        failed[0]["error_message"]
            .as_str()
            .unwrap()
            .contains("no attachments"),
        "{}",
        failed[0]
    );
    let logged = serde_json::to_string(&failed[0]).unwrap();
    assert!(
        !logged.contains(hook["token"].as_str().unwrap()),
        "no token in the log"
    );
}

#[tokio::test]
async fn multipart_payload_json_posts_like_json() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("multipart").await;
    let url = discord_url(&app, &hook);
    let boundary = "----wasmhook-boundary";
    let payload = json!({"content": "", "username": "Alertmanager",
        "embeds": [{"title": "[FIRING:1] HighLatency", "description": "p99 over 2s", "color": 10038562}]});
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\
         Content-Type: application/json\r\n\r\n{payload}\r\n--{boundary}--\r\n"
    );
    let reply = app
        .post_raw(
            &format!("{}?wait=true", &url[app.base.len()..]),
            &[(
                "content-type",
                &format!("multipart/form-data; boundary={boundary}"),
            )],
            body,
        )
        .await;
    let message = reply.expect(200);
    assert_eq!(message["embeds"][0]["title"], "[FIRING:1] HighLatency");
    let stored = &app.messages().await[0];
    assert_eq!(stored["sender"]["display_name"], "Alertmanager");
    assert_eq!(
        stored["content"],
        "🔴 **[FIRING:1] HighLatency**\np99 over 2s"
    );
}

#[tokio::test]
async fn refused_bodies_answer_like_discord_and_store_nothing() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("refusals").await;
    let path = &discord_url(&app, &hook)[app.base.len()..];
    let empty = app
        .post_anon(path, json!({"content": "", "embeds": []}))
        .await;
    assert_eq!(empty.status.as_u16(), 400);
    assert_eq!(empty.body["code"], 50006);
    assert_eq!(empty.body["error"]["code"], "no_text");
    let bad = app
        .post_anon(path, json!({"content": "x", "embeds": [{"color": "red"}]}))
        .await;
    assert_eq!(bad.status.as_u16(), 400, "{}", bad.body);
    assert_eq!(bad.body["code"], 50035);
    assert_eq!(bad.body["error"]["field"], "embeds.0.color");
    assert!(
        bad.body["errors"]["embeds"]["0"]["color"]["_errors"].is_array(),
        "{}",
        bad.body
    );
    let malformed = app
        .post_raw(
            path,
            &[("content-type", "application/json")],
            "{\"content\":",
        )
        .await;
    assert_eq!(
        (malformed.status.as_u16(), &malformed.body["code"]),
        (400, &json!(50109))
    );
    let xml = app
        .post_raw(path, &[("content-type", "application/xml")], "<a/>")
        .await;
    assert_eq!(xml.status.as_u16(), 415);
    assert!(app.messages().await.is_empty());
    let failed = app
        .deliveries(hook["id"].as_str().unwrap(), Some("failed"))
        .await;
    assert_eq!(failed.len(), 4, "every refusal is in the delivery log");

    // A wrong token, or a token with another webhook's id: Discord's "Unknown Webhook".
    let other = app.webhook("other").await;
    for wrong in [
        format!(
            "/api/webhooks/{}/{}",
            hook["id"].as_str().unwrap(),
            "x".repeat(64)
        ),
        format!(
            "/api/webhooks/{}/{}",
            other["id"].as_str().unwrap(),
            hook["token"].as_str().unwrap()
        ),
    ] {
        let reply = app.post_anon(&wrong, json!({"content": "hi"})).await;
        assert_eq!(
            (reply.status.as_u16(), &reply.body["code"]),
            (404, &json!(10015))
        );
        assert_eq!(reply.body["error"]["code"], "not_found");
    }
    // The id also works as 32 hex digits, without wait: 204.
    let simple = hook["id"].as_str().unwrap().replace('-', "");
    let reply = app
        .post_anon(
            &format!("/api/webhooks/{simple}/{}", hook["token"].as_str().unwrap()),
            json!({"content": "hi"}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 204);
}

#[tokio::test]
async fn only_the_webhooks_own_messages_can_be_read_edited_or_deleted() {
    let app = TestApp::spawn().await;
    let mine = app.webhook("mine").await;
    let theirs = app.webhook("theirs").await;
    let mine_path = &discord_url(&app, &mine)[app.base.len()..];
    let their_message = app
        .post_anon(
            &format!(
                "{}?wait=true",
                &discord_url(&app, &theirs)[app.base.len()..]
            ),
            json!({"content": "theirs"}),
        )
        .await
        .expect(200);
    let their_id = their_message["id"].as_str().unwrap();
    let native = app
        .post_anon(
            &format!("/api/webhooks/execute/{}", mine["token"].as_str().unwrap()),
            json!({"content": "native"}),
        )
        .await
        .expect(201);
    let native_id = native["message_id"].as_str().unwrap();
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PATCH,
        reqwest::Method::DELETE,
    ] {
        for id in [their_id, "not-a-uuid", &uuid::Uuid::now_v7().to_string()] {
            let reply = app
                .request(
                    method.clone(),
                    &format!("{mine_path}/messages/{id}"),
                    None,
                    Some(json!({"content": "hijack"})),
                )
                .await;
            assert_eq!(
                (reply.status.as_u16(), &reply.body["code"]),
                (404, &json!(10008)),
                "{method} {id}"
            );
        }
    }
    assert_eq!(
        app.messages()
            .await
            .iter()
            .filter(|m| m["content"] == "theirs")
            .count(),
        1
    );
    // A native post of the same webhook is its own: it reads back and edits as Discord.
    let read = app
        .request(
            reqwest::Method::GET,
            &format!("{mine_path}/messages/{native_id}"),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(read["content"], "native");
    let edited = app
        .request(
            reqwest::Method::PATCH,
            &format!("{mine_path}/messages/{native_id}"),
            None,
            Some(json!({"embeds": [{"title": "added"}]})),
        )
        .await
        .expect(200);
    assert_eq!(
        (&edited["content"], &edited["embeds"][0]["title"]),
        (&json!("native"), &json!("added"))
    );
}

#[tokio::test]
async fn management_routes_beside_the_discord_urls_still_work() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("managed").await;
    let id = hook["id"].as_str().unwrap();
    app.post(&format!("/api/webhooks/{id}/test"), ADMIN_TOKEN, json!({}))
        .await
        .expect(201);
    app.get(&format!("/api/webhooks/{id}/deliveries"), ADMIN_TOKEN)
        .await
        .expect(200);
    let regenerated = app
        .post(
            &format!("/api/webhooks/{id}/regenerate"),
            ADMIN_TOKEN,
            json!({}),
        )
        .await
        .expect(200);
    let old = app
        .post_anon(
            &format!("/api/webhooks/{id}/{}", hook["token"].as_str().unwrap()),
            json!({"content": "old token"}),
        )
        .await;
    assert_eq!(old.status.as_u16(), 404);
    let new = app
        .post_anon(
            &format!(
                "/api/webhooks/{id}/{}",
                regenerated["token"].as_str().unwrap()
            ),
            json!({"content": "new token"}),
        )
        .await;
    assert_eq!(new.status.as_u16(), 204);
    assert_eq!(app.messages().await[0]["content"], "new token");
    // Clients fetch the webhook object to check a URL.
    let token = regenerated["token"].as_str().unwrap();
    let fetched = app
        .request(
            reqwest::Method::GET,
            &format!("/api/webhooks/{id}/{token}"),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!((&fetched["id"], &fetched["type"]), (&json!(id), &json!(1)));
    assert_eq!(fetched["channel_id"], app.channel_id.as_str());
    let stale = app
        .request(
            reqwest::Method::GET,
            &format!("/api/webhooks/{id}/{}", hook["token"].as_str().unwrap()),
            None,
            None,
        )
        .await;
    assert_eq!(
        (stale.status.as_u16(), &stale.body["code"]),
        (404, &json!(10015))
    );
    // The management GET of the same webhook still needs an API token.
    app.get(&format!("/api/webhooks/{id}"), ADMIN_TOKEN)
        .await
        .expect(200);
}

#[tokio::test]
async fn the_github_suffix_renders_deliveries_with_the_builtin_plugin() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("github").await;
    let path = format!("{}/github", &discord_url(&app, &hook)[app.base.len()..]);
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/github/push-new-branch/request.json");
    let body = std::fs::read(fixture).unwrap();
    let reply = app
        .post_raw(
            &path,
            &[
                ("content-type", "application/json"),
                ("x-github-event", "push"),
            ],
            body,
        )
        .await;
    assert_eq!(reply.status.as_u16(), 204, "{}", reply.body);
    let stored = &app.messages().await[0];
    assert_eq!(stored["sender"]["display_name"], "GitHub");
    assert!(
        stored["content"]
            .as_str()
            .unwrap()
            .contains("created branch [`master`]"),
        "{stored}"
    );
    // GitHub's ping: accepted, nothing posted.
    let ping = app
        .post_raw(
            &path,
            &[
                ("content-type", "application/json"),
                ("x-github-event", "ping"),
            ],
            r#"{"zen":"Keep it logically awesome."}"#,
        )
        .await;
    assert_eq!(ping.status.as_u16(), 204);
    assert_eq!(app.messages().await.len(), 1);
    let bad = app
        .post_raw(
            &path,
            &[
                ("content-type", "application/json"),
                ("x-github-event", "push"),
            ],
            "{",
        )
        .await;
    assert_eq!(bad.status.as_u16(), 422, "{}", bad.body);
    assert!(
        bad.body["message"].is_string() && bad.body["code"].is_number(),
        "{}",
        bad.body
    );
}

#[tokio::test]
async fn allowed_mentions_without_users_notify_nobody() {
    let app = TestApp::spawn().await;
    let (alice, alice_token) = app.user("alice", "member").await;
    app.join_channel(&alice).await;
    let hook = app.webhook("quiet").await;
    let path = format!("{}?wait=true", &discord_url(&app, &hook)[app.base.len()..]);
    let quiet = app
        .post_anon(
            &path,
            json!({"content": "fyi @alice", "allowed_mentions": {"parse": []}}),
        )
        .await
        .expect(200);
    assert_eq!(
        notifications_for(&app, &alice_token, quiet["id"].as_str().unwrap()).await,
        0
    );
    let listed = app
        .post_anon(
            &path,
            json!({"content": "fyi @alice", "allowed_mentions": {"users": [alice]}}),
        )
        .await
        .expect(200);
    assert_eq!(
        notifications_for(&app, &alice_token, listed["id"].as_str().unwrap()).await,
        1
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL (#6): run with WASMHOOK_TEST_POSTGRES_URL and --include-ignored"]
async fn edits_and_deletes_on_node_a_reach_clients_on_node_b_once() {
    let a = TestApp::spawn().await;
    assert!(
        a.is_postgres(),
        "cluster tests need WASMHOOK_TEST_POSTGRES_URL"
    );
    let cache = tempfile::tempdir().unwrap();
    let b = TestApp::start(a.database.clone(), cache.path().join("cache"), |_| {}).await;
    let (alice, alice_token) = a.user("alice", "member").await;
    let (bob, bob_token) = a.user("bob", "member").await;
    a.join_channel(&alice).await;
    a.join_channel(&bob).await;
    let hook = a.webhook("cluster-discord").await;
    let path = discord_url(&a, &hook)[a.base.len()..].to_owned();
    let mut alice_ws = WsClient::connect(&b, &alice_token).await;
    let mut bob_ws = WsClient::connect(&b, &bob_token).await;

    let posted = a
        .post_anon(
            &format!("{path}?wait=true"),
            json!({"content": "cc @alice"}),
        )
        .await
        .expect(200);
    let id = posted["id"].as_str().unwrap();
    assert_eq!(alice_ws.expect_event("message.created").await["id"], id);
    assert_eq!(
        alice_ws.expect_event("notification.created").await["message"]["id"],
        id
    );
    assert_eq!(bob_ws.expect_event("message.created").await["id"], id);

    a.request(
        reqwest::Method::PATCH,
        &format!("{path}/messages/{id}"),
        None,
        Some(json!({"content": "cc @alice and @bob"})),
    )
    .await
    .expect(200);
    let updated = bob_ws.expect_event("message.updated").await;
    assert_eq!(updated["content"], "cc @alice and @bob");
    assert!(updated["edited_at"].is_string());
    let next = bob_ws
        .next_json(Duration::from_secs(10))
        .await
        .expect("bob's notification");
    assert_eq!(
        (&next["type"], &next["data"]["message"]["id"]),
        (&json!("notification.created"), &json!(id))
    );
    let next = alice_ws
        .next_json(Duration::from_secs(10))
        .await
        .expect("alice's update");
    assert_eq!(next["type"], "message.updated");

    a.request(
        reqwest::Method::DELETE,
        &format!("{path}/messages/{id}"),
        None,
        None,
    )
    .await
    .expect(204);
    // Alice's next event is the deletion: the edit did not notify her a second time.
    let next = alice_ws
        .next_json(Duration::from_secs(10))
        .await
        .expect("alice's deletion");
    assert_eq!(
        next,
        json!({"type": "message.deleted", "data": {"id": id, "channel_id": a.channel_id}})
    );
    let next = bob_ws
        .next_json(Duration::from_secs(10))
        .await
        .expect("bob's deletion");
    assert_eq!(next["type"], "message.deleted");
}

#[tokio::test]
async fn the_slack_suffix_takes_slack_bodies_and_answers_ok() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("slack-via-discord").await;
    let path = format!("{}/slack", &discord_url(&app, &hook)[app.base.len()..]);
    let response = app
        .client
        .post(format!("{}{path}", app.base))
        .json(&json!({"text": "*Deploy* done :rocket: <https://ci.example.com/42|build 42>", "username": "CI"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
    let stored = &app.messages().await[0];
    assert_eq!(stored["sender"]["display_name"], "CI");
    assert_eq!(
        stored["content"],
        "**Deploy** done 🚀 [build 42](https://ci.example.com/42)"
    );
    let refused = app.post_anon(&path, json!({"username": "CI"})).await;
    assert_eq!(refused.status.as_u16(), 400);
    assert_eq!(refused.body["code"], 50006, "{}", refused.body);
    assert_eq!(refused.body["error"]["code"], "no_text");
}

#[tokio::test]
async fn golden_cases_are_stored_as_reviewed_through_the_server() {
    let app = TestApp::spawn().await;
    let hook = app.webhook("golden").await;
    let path = format!("{}?wait=true", &discord_url(&app, &hook)[app.base.len()..]);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/compat/discord");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("request.json").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 6, "{} cases", cases.len());
    for case in cases {
        let body = std::fs::read(case.join("request.json")).unwrap();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("expected.json")).unwrap())
                .unwrap();
        let reply = app
            .post_raw(&path, &[("content-type", "application/json")], body)
            .await;
        let answer = reply.expect(200);
        let stored = &app.messages().await[0];
        assert_eq!(stored["id"], answer["id"], "{}", case.display());
        assert_eq!(stored["content"], expected["content"], "{}", case.display());
        let name = expected["username"].as_str().unwrap_or("Webhook");
        assert_eq!(stored["sender"]["display_name"], name, "{}", case.display());
        assert_eq!(stored["sender"]["avatar_url"], expected["avatar_url"]);
    }
}

#[tokio::test]
async fn rate_limited_requests_get_discords_retry_after() {
    let app = TestApp::spawn_with(|cfg| {
        cfg.rate_limit_per_second = 1;
        cfg.rate_limit_burst = 1;
    })
    .await;
    let hook = app.webhook("limited").await;
    let path = &discord_url(&app, &hook)[app.base.len()..];
    let first = app.post_anon(path, json!({"content": "one"})).await;
    assert_eq!(first.status.as_u16(), 204);
    let second = app.post_anon(path, json!({"content": "two"})).await;
    assert_eq!(second.status.as_u16(), 429, "{}", second.body);
    assert!(second.headers.contains_key("retry-after"));
    assert!(
        second.body["retry_after"].as_f64().is_some_and(|s| s > 0.0),
        "{}",
        second.body
    );
    assert_eq!(second.body["global"], false);
    assert_eq!(second.body["error"]["code"], "rate_limited");
    assert_eq!(app.messages().await.len(), 1);
}
