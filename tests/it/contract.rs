//! The plugin contract's versions side by side: a component of 0.1.0 (built with raw
//! wit-bindgen against the frozen `wit/v0.1.0/`, exporting `transform` only) and one of the
//! latest version (the SDK's, exporting `validate-config` too) both upload, attach and
//! transform; only the new one checks a configuration when it is set.

use serde_json::json;
use wasmhook_test_artifacts as artifacts;
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

fn id(v: &serde_json::Value) -> &str {
    v["id"].as_str().unwrap()
}

#[tokio::test]
pub(crate) async fn a_010_component_and_a_latest_one_run_side_by_side_and_only_the_new_one_checks_its_configuration()
 {
    let app = TestApp::spawn().await;
    let echo = app
        .plugin_webhook(artifacts::ECHO, "echo", json!({"username": "Echo"}))
        .await;
    let legacy = app
        .plugin_webhook(artifacts::LEGACY, "legacy", json!({"greeting": "hi"}))
        .await;
    let execute = |hook: &serde_json::Value| {
        format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap())
    };

    // Both transform.
    app.post_raw(&execute(&echo), &[], r#"{"text":"from the new contract"}"#)
        .await
        .expect(201);
    app.post_raw(&execute(&legacy), &[], "from 0.1.0")
        .await
        .expect(201);
    let contents: Vec<String> = app
        .messages()
        .await
        .iter()
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        contents.contains(&"from the new contract".to_owned()),
        "{contents:?}"
    );
    assert!(
        contents.contains(&"hi: from 0.1.0".to_owned()),
        "{contents:?}"
    );

    // The new one refuses a bad key when it is set, naming it; nothing is stored.
    let echo_path = format!("/api/webhooks/{}", id(&echo));
    let refused = app
        .patch(
            &echo_path,
            ADMIN_TOKEN,
            json!({"plugin_config": {"username": "Echo", "colour": "red"}}),
        )
        .await
        .expect_error(422, "validation_failed", Some("plugin_config.colour"));
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("plugin_config.colour: unknown field `colour`, expected one of"),
        "{message}"
    );
    app.patch(
        &echo_path,
        ADMIN_TOKEN,
        json!({"plugin_config": {"template": 7}}),
    )
    .await
    .expect_error(422, "validation_failed", Some("plugin_config.template"));
    let shown = app.get(&echo_path, ADMIN_TOKEN).await.expect(200);
    assert_eq!(shown["plugin_config"], json!({"username": "Echo"}));
    // A good configuration is accepted, and clearing one needs no check.
    app.patch(
        &echo_path,
        ADMIN_TOKEN,
        json!({"plugin_config": {"username": "E2"}}),
    )
    .await
    .expect(200);
    app.patch(&echo_path, ADMIN_TOKEN, json!({"plugin_config": null}))
        .await
        .expect(200);

    // The 0.1.0 one keeps today's behaviour: the configuration is accepted, and the next
    // delivery fails with the plugin's reason, kept as a failed delivery.
    let legacy_path = format!("/api/webhooks/{}", id(&legacy));
    let accepted = app
        .patch(
            &legacy_path,
            ADMIN_TOKEN,
            json!({"plugin_config": {"colour": "red"}}),
        )
        .await
        .expect(200);
    assert_eq!(accepted["plugin_config"], json!({"colour": "red"}));
    let failed = app
        .post_raw(&execute(&legacy), &[], "after the bad configuration")
        .await
        .expect_error(500, "plugin_error", None);
    // The sender gets the generic failure; the owner sees why in the stored delivery.
    let delivery_id = failed["error"]["delivery_id"].as_str().unwrap();
    let delivery = app
        .get(&format!("/api/deliveries/{delivery_id}"), ADMIN_TOKEN)
        .await
        .expect(200);
    assert!(
        delivery["error_message"]
            .as_str()
            .unwrap()
            .contains("unknown field `colour`"),
        "{delivery}"
    );
    let deliveries = app.deliveries(id(&legacy), Some("failed")).await;
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");

    // Attaching the new plugin to a webhook whose configuration it refuses is refused too.
    let echo_plugin = app.get(&echo_path, ADMIN_TOKEN).await.expect(200)["plugin_id"].clone();
    app.patch(&legacy_path, ADMIN_TOKEN, json!({"plugin_id": echo_plugin}))
        .await
        .expect_error(422, "validation_failed", Some("plugin_config.colour"));
    let shown = app.get(&legacy_path, ADMIN_TOKEN).await.expect(200);
    assert_ne!(shown["plugin_id"], echo_plugin, "nothing stored");
}

#[tokio::test]
async fn python_and_javascript_plugins_check_their_configuration_when_it_is_set() {
    let app = TestApp::spawn().await;
    // Sentry (Python): derived from its `config_schema`, then its own rules.
    let sentry = app
        .plugin_webhook(artifacts::SENTRY, "sentry", json!({"min_level": "error"}))
        .await;
    let sentry_path = format!("/api/webhooks/{}", id(&sentry));
    for (config, field) in [
        (json!({"colour": "red"}), "plugin_config.colour"),
        (
            json!({"environments": "prod"}),
            "plugin_config.environments",
        ),
        (json!({"min_level": "loud"}), "plugin_config.min_level"),
    ] {
        app.patch(
            &sentry_path,
            ADMIN_TOKEN,
            json!({ "plugin_config": config }),
        )
        .await
        .expect_error(422, "validation_failed", Some(field));
    }
    // GitLab (JavaScript): derived from its `configDefaults`, then its `validateConfig`.
    let gitlab = app
        .plugin_webhook(artifacts::GITLAB, "gitlab", json!({"branches": ["main"]}))
        .await;
    let gitlab_path = format!("/api/webhooks/{}", id(&gitlab));
    for (config, field) in [
        (json!({"colour": "red"}), "plugin_config.colour"),
        (json!({"events": ["pushes"]}), "plugin_config.events"),
        (
            json!({"mentions": {"octo": "not a name"}}),
            "plugin_config.mentions.octo",
        ),
    ] {
        app.patch(
            &gitlab_path,
            ADMIN_TOKEN,
            json!({ "plugin_config": config }),
        )
        .await
        .expect_error(422, "validation_failed", Some(field));
    }
    let shown = app.get(&gitlab_path, ADMIN_TOKEN).await.expect(200);
    assert_eq!(shown["plugin_config"], json!({"branches": ["main"]}));
}
