//! Secrets at rest (issue 16): credential-bearing request headers are redacted before a
//! delivery is stored; signing secrets, IM credentials, plugin configurations and the host's
//! keys are encrypted under the secret key, which a server must hold to start; a new SQLite
//! database and its key file are created owner-only.

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
    for file in [
        "wasmhook.db",
        "wasmhook.db-wal",
        "wasmhook.db-shm",
        "secret.key",
    ] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    store.close().await;
}

#[tokio::test]
async fn secrets_are_stored_encrypted_and_served_decrypted() {
    let app = TestApp::spawn().await;
    let whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    app.post(
        &format!("/api/communities/{}/outgoing-webhooks", app.community_id),
        ADMIN_TOKEN,
        json!({"name": "t", "target": "generic", "url": "https://chat.example.com/t",
               "secret": whsec, "events": ["channel.created"]}),
    )
    .await
    .expect(201);
    app.request(
        reqwest::Method::PUT,
        &format!("/api/communities/{}/im-integration", app.community_id),
        Some(ADMIN_TOKEN),
        Some(json!({"provider": "wecom",
                    "credentials": {"corp_id": "ww-corp", "agent_id": 1000002,
                                    "secret": "corp-secret-5c1e"}})),
    )
    .await
    .expect(200);
    let hook = app
        .plugin_webhook(
            artifacts::NOOP,
            "noop",
            json!({"secret": "plugin-secret-5c1e"}),
        )
        .await;
    let id = hook["id"].as_str().unwrap();

    // The API reads them back decrypted.
    let shown = app
        .get(&format!("/api/webhooks/{id}"), ADMIN_TOKEN)
        .await
        .expect(200);
    assert_eq!(shown["plugin_config"]["secret"], "plugin-secret-5c1e");

    // The database holds none of them in clear, only sealed values.
    for (table, column) in [
        ("outgoing_webhooks", "secret"),
        ("im_integrations", "settings"),
        ("webhooks", "plugin_config"),
    ] {
        let rows = app
            .sql_i64(&format!(
                "SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL"
            ))
            .await;
        assert!(rows >= 1, "{table}.{column} has a value");
        let sealed = app
            .sql_i64(&format!(
                "SELECT COUNT(*) FROM {table} WHERE {column} LIKE 'enc:v1:%'"
            ))
            .await;
        assert_eq!(sealed, rows, "{table}.{column} is sealed");
    }
    for needle in ["whsec_", "5c1e", "ww-corp"] {
        let clear = app
            .sql_i64(&format!(
                "SELECT (SELECT COUNT(*) FROM outgoing_webhooks WHERE secret LIKE '%{needle}%')
                      + (SELECT COUNT(*) FROM im_integrations WHERE settings LIKE '%{needle}%')
                      + (SELECT COUNT(*) FROM webhooks WHERE plugin_config LIKE '%{needle}%')"
            ))
            .await;
        assert_eq!(clear, 0, "{needle} in clear");
    }
    let vapid = app
        .sql_bytes("SELECT value FROM settings WHERE key = 'vapid_private_key'")
        .await;
    assert!(vapid.starts_with(b"enc:v1:"), "the VAPID key is sealed");
}

/// Options for a store on `db` with `key` (and `old` keys being rotated out).
fn keyed(db: &std::path::Path, key: &str, old: &[&str]) -> wasmhook::store::StoreOptions {
    let mut opts = wasmhook::store::StoreOptions::new(db.display().to_string());
    opts.secrets.key = Some(key.to_owned());
    opts.secrets.old_keys = old.iter().map(|k| (*k).to_owned()).collect();
    opts
}

#[tokio::test]
async fn a_wrong_key_stops_startup_and_a_rotation_reseals_everything() {
    use wasmhook::secrets::keys::generate_key;
    use wasmhook::store::{Store, StoreError};

    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("wasmhook.db");
    let (first, second) = (generate_key(), generate_key());
    let store = Store::open(&keyed(&db, &first, &[])).await.expect("open");
    let vapid = store.secret("vapid_private_key").await.unwrap();
    store.close().await;
    let sealed_with = |key: &str| {
        keyed(&db, key, &[])
            .secrets
            .load(&tmp.path().join("unused.key"))
            .expect("a valid key")
            .keyring
            .current_id()
            .to_owned()
    };

    // Another key: startup fails, naming both keys and where to look.
    let err = Store::open(&keyed(&db, &second, &[]))
        .await
        .expect_err("a wrong key must stop startup");
    let StoreError::SecretKey(message) = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains(&sealed_with(&first)), "{message}");
    assert!(message.contains(&sealed_with(&second)), "{message}");
    assert!(message.contains("--secret-key"), "{message}");

    // Rotation: the new key with the old one accepted opens, and seals everything again ...
    let store = Store::open(&keyed(&db, &second, &[&first]))
        .await
        .expect("open while rotating");
    assert_eq!(store.secret("vapid_private_key").await.unwrap(), vapid);
    store.close().await;
    // ... so the old key is no longer needed.
    let store = Store::open(&keyed(&db, &second, &[]))
        .await
        .expect("open after the rotation");
    assert_eq!(store.secret("vapid_private_key").await.unwrap(), vapid);
    store.close().await;
    Store::open(&keyed(&db, &first, &[]))
        .await
        .expect_err("the retired key no longer opens the database");
}

#[tokio::test]
async fn plaintext_from_before_encryption_is_sealed_at_startup() {
    use wasmhook::secrets::keys::generate_key;
    use wasmhook::store::Store;

    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("wasmhook.db");
    let key = generate_key();
    Store::open(&keyed(&db, &key, &[]))
        .await
        .expect("open")
        .close()
        .await;
    // A database written before encryption at rest: the host key as 32 raw bytes.
    let raw = [7u8; 32];
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::query("INSERT INTO settings (key, value) VALUES ('vapid_private_key', ?)")
        .bind(&raw[..])
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let store = Store::open(&keyed(&db, &key, &[])).await.expect("open");
    assert_eq!(store.secret("vapid_private_key").await.unwrap(), raw);
    store.close().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'vapid_private_key'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(stored.starts_with(b"enc:v1:"), "sealed at startup");
}
