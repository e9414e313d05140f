//! Secrets at rest (issue 16): credential-bearing request headers are redacted before a
//! delivery is stored, and a new SQLite database is created owner-only.

use serde_json::json;
use wasmhook_test_artifacts as artifacts;
use wasmhook_tests::{ADMIN_TOKEN, TestApp};

#[tokio::test]
async fn credential_headers_are_redacted_before_a_delivery_is_stored() {
    let app = TestApp::spawn().await;
    let hook = app.plugin_webhook(artifacts::NOOP, "noop", json!({})).await;
    let token = hook["token"].as_str().unwrap();
    let secrets = [
        ("authorization", "Bearer sender-bearer-7f3a"),
        ("cookie", "session=sender-cookie-7f3a"),
        ("x-gitlab-token", "sender-gitlab-7f3a"),
        ("x-api-key", "sender-apikey-7f3a"),
    ];
    let signature = "sha256=0123456789abcdef";
    let mut headers = vec![
        ("content-type", "application/json"),
        ("x-hub-signature-256", signature),
    ];
    headers.extend(secrets);
    app.post_raw(
        &format!("/api/webhooks/execute/{token}"),
        &headers,
        r#"{"x":1}"#,
    )
    .await;
    let listed = app.deliveries(hook["id"].as_str().unwrap(), None).await;
    let id = listed[0]["id"].as_str().unwrap();
    let delivery = app
        .get(&format!("/api/deliveries/{id}"), ADMIN_TOKEN)
        .await
        .expect(200);
    let served: Vec<(String, String)> =
        serde_json::from_value(delivery["request"]["headers"].clone()).unwrap();
    let value = |name: &str| {
        served
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("header {name} in {served:?}"))
    };
    for (name, _) in secrets {
        assert_eq!(value(name), "[redacted]", "{name}");
    }
    // Signatures stay: a replay verifies the request with them again.
    assert_eq!(value("x-hub-signature-256"), signature);
    // Nothing of the credentials is in the database.
    let stored = app
        .sql_i64("SELECT COUNT(*) FROM deliveries WHERE headers LIKE '%7f3a%'")
        .await;
    assert_eq!(stored, 0);
    let kept = app
        .sql_i64("SELECT COUNT(*) FROM deliveries WHERE headers LIKE '%sha256=0123456789abcdef%'")
        .await;
    assert_eq!(kept, 1);
}

#[cfg(unix)]
#[tokio::test]
async fn a_new_sqlite_database_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    use wasmhook::store::{Store, StoreOptions};

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let db = dir.join("wasmhook.db");
    let store = Store::open(&StoreOptions::new(db.display().to_string()))
        .await
        .expect("open");
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&dir), 0o700, "data directory");
    for file in ["wasmhook.db", "wasmhook.db-wal", "wasmhook.db-shm"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    store.close().await;
}
