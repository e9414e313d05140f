//! Test support: spawns a real wasmhook server on a real listener with a real database, and
//! offers small helpers to drive its HTTP API.
//!
//! The database is a SQLite file in a temporary directory, or, when the environment variable
//! `WASMHOOK_TEST_POSTGRES_URL` names a PostgreSQL server (an admin connection URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`), a fresh database created on that server for
//! each test app. With the variable set, an unreachable server fails the tests.

pub mod browser;
pub mod receiver;

use std::path::{Path, PathBuf};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use wasmhook::Config;

pub mod live;

/// The bootstrap admin's API token in every test server.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef";

/// The key that encrypts secrets at rest in every test server (`--secret-key`): one key, so
/// the nodes of a cluster and a restarted server read what another wrote.
pub const SECRET_KEY: &str = "d2FzbWhvb2sgdGVzdCBrZXksIG5vdCBhIHNlY3JldCE=";

/// A running server with its own database file.
pub struct TestApp {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub base: String,
    /// HTTP client.
    pub client: reqwest::Client,
    /// The database: a SQLite file path or a PostgreSQL URL.
    pub database: String,
    /// The compiled-plugin cache directory.
    pub cache_dir: PathBuf,
    /// The bootstrapped "Default" community.
    pub community_id: String,
    /// Its `general` channel.
    pub channel_id: String,
    dir: Option<tempfile::TempDir>,
    owns_database: bool,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

/// A response: status and JSON body (`Value::Null` when the body is not JSON).
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// JSON body.
    pub body: Value,
}

impl Reply {
    /// Asserts the status, printing the body on failure, and returns the body.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.body
        );
        self.body
    }

    /// Asserts an error response: status, `error.code` and (if given) `error.field`.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str, field: Option<&str>) -> Value {
        let body = self.expect(status);
        assert_eq!(body["error"]["code"], code, "error body: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "error body: {body}"
        );
        if let Some(field) = field {
            assert_eq!(body["error"]["field"], field, "error body: {body}");
        }
        body
    }
}

impl TestApp {
    /// Spawns a server with default settings.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns a server, letting the caller adjust the configuration.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let (database, owns_database) = match postgres_admin_url() {
            Some(admin) => (create_postgres_database(&admin).await, true),
            None => (dir.path().join("wasmhook.db").display().to_string(), false),
        };
        let mut app = Self::start(database, dir.path().join("cache"), adjust).await;
        app.dir = Some(dir);
        app.owns_database = owns_database;
        app
    }

    /// Starts a server (another node, or after a restart) on an existing database.
    pub async fn start(
        database: String,
        cache_dir: PathBuf,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut cfg = Config::from_args([
            "--database",
            &database,
            "--cache-dir",
            cache_dir.to_str().expect("a UTF-8 cache path"),
            "--bootstrap-token",
            ADMIN_TOKEN,
            "--secret-key",
            SECRET_KEY,
        ])
        .expect("the test configuration parses");
        cfg.sandbox.compiler = Some(compiler_binary());
        adjust(&mut cfg);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = oneshot::channel();
        let handle = tokio::spawn(wasmhook::serve_until(cfg, listener, async {
            let _ = rx.await;
        }));
        let mut app = TestApp {
            base,
            client: reqwest::Client::new(),
            database,
            cache_dir,
            community_id: String::new(),
            channel_id: String::new(),
            dir: None,
            owns_database: false,
            shutdown: Some(tx),
            handle: Some(handle),
        };
        app.wait_ready().await;
        let communities = app.get("/api/communities", ADMIN_TOKEN).await.expect(200);
        let default = communities["communities"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["name"] == "Default"))
            .expect("bootstrapped Default community")
            .clone();
        app.community_id = default["id"].as_str().unwrap().to_owned();
        let channels = app
            .get(
                &format!("/api/communities/{}/channels", app.community_id),
                ADMIN_TOKEN,
            )
            .await
            .expect(200);
        app.channel_id = channels["channels"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["name"] == "general"))
            .and_then(|c| c["id"].as_str())
            .expect("general channel")
            .to_owned();
        app
    }

    async fn wait_ready(&mut self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Ok(r) = self
                .client
                .get(format!("{}/healthz", self.base))
                .send()
                .await
                && r.status().is_success()
            {
                return;
            }
            if self.handle.as_ref().is_some_and(|h| h.is_finished()) {
                let result = self.handle.take().unwrap().await;
                panic!("server exited during start-up: {result:?}");
            }
            assert!(
                std::time::Instant::now() < deadline,
                "server did not become ready"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Stops the server gracefully, keeping its database and directories for a restart.
    pub async fn stop(mut self) -> Stopped {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.expect("server task").expect("server result");
        }
        let owns_database = std::mem::take(&mut self.owns_database);
        Stopped {
            database: self.database.clone(),
            cache_dir: self.cache_dir.clone(),
            dir: self.dir.take(),
            owns_database,
        }
    }

    /// Whether this app runs on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.database.starts_with("postgres")
    }

    /// Opens the app's database as a server would, beside the running one (same secret key).
    pub async fn open_store(&self) -> wasmhook::store::Store {
        let mut opts = wasmhook::store::StoreOptions::new(self.database.clone());
        opts.secrets.key = Some(SECRET_KEY.to_owned());
        wasmhook::store::Store::open(&opts)
            .await
            .expect("open the app's store")
    }

    /// Runs a query returning one integer, directly on the app's database.
    pub async fn sql_i64(&self, sql: &str) -> i64 {
        self.sql_scalar(sql).await
    }

    /// Runs a query returning one byte string, directly on the app's database.
    pub async fn sql_bytes(&self, sql: &str) -> Vec<u8> {
        self.sql_scalar(sql).await
    }

    /// Runs a query returning one value, on whichever backend the app uses.
    async fn sql_scalar<T>(&self, sql: &str) -> T
    where
        T: Send + Unpin,
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
        T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
    {
        if self.is_postgres() {
            let pool = sqlx::PgPool::connect(&self.database)
                .await
                .expect("connect");
            let v = sqlx::query_scalar(sql).fetch_one(&pool).await.expect(sql);
            pool.close().await;
            v
        } else {
            let url = format!("sqlite://{}?mode=ro", self.database);
            let pool = sqlx::SqlitePool::connect(&url).await.expect("connect");
            let v = sqlx::query_scalar(sql).fetch_one(&pool).await.expect(sql);
            pool.close().await;
            v
        }
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::reply(req.send().await.expect("request")).await
    }

    /// Sends raw bytes with the given headers.
    pub async fn post_raw(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        let mut req = self.client.post(format!("{}{path}", self.base)).body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Self::reply(req.send().await.expect("request")).await
    }

    /// Turns a response into a [`Reply`].
    pub async fn reply(resp: reqwest::Response) -> Reply {
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    /// `GET` with a bearer token.
    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.request(Method::GET, path, Some(token), None).await
    }

    /// `POST` JSON with a bearer token.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }

    /// `PATCH` JSON with a bearer token.
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.request(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    /// `DELETE` with a bearer token.
    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.request(Method::DELETE, path, Some(token), None).await
    }

    /// `POST` JSON without credentials (the execute paths).
    pub async fn post_anon(&self, path: &str, body: Value) -> Reply {
        self.request(Method::POST, path, None, Some(body)).await
    }

    /// Creates a user in the Default community with `role`, logs in, and returns
    /// (user id, API token).
    pub async fn user(&self, username: &str, role: &str) -> (String, String) {
        let email = format!("{}@example.com", username.to_lowercase());
        self.user_with_email(username, &email, role).await
    }

    /// Like [`TestApp::user`] with an explicit email.
    pub async fn user_with_email(
        &self,
        username: &str,
        email: &str,
        role: &str,
    ) -> (String, String) {
        let body = json!({
            "username": username, "email": email, "password": "password-123",
            "display_name": format!("{username} Display"), "community_id": self.community_id,
            "role": if role == "owner" { "member" } else { role },
        });
        let user = self.post("/api/users", ADMIN_TOKEN, body).await.expect(201);
        let id = user["id"].as_str().unwrap().to_owned();
        if role == "owner" {
            self.post(
                &format!("/api/communities/{}/members", self.community_id),
                ADMIN_TOKEN,
                json!({"user_id": id, "role": "owner"}),
            )
            .await
            .expect(200);
        }
        let login = self
            .post_anon(
                "/api/auth/login",
                json!({"login": username, "password": "password-123"}),
            )
            .await
            .expect(200);
        (id, login["token"].as_str().unwrap().to_owned())
    }

    /// Creates a user outside every community (created by the admin, not added anywhere).
    pub async fn outsider(&self, username: &str) -> (String, String) {
        let body = json!({"username": username, "email": format!("{username}@elsewhere.org"), "password": "password-123"});
        let user = self.post("/api/users", ADMIN_TOKEN, body).await.expect(201);
        let login = self
            .post_anon(
                "/api/auth/login",
                json!({"login": username, "password": "password-123"}),
            )
            .await
            .expect(200);
        (
            user["id"].as_str().unwrap().to_owned(),
            login["token"].as_str().unwrap().to_owned(),
        )
    }

    /// Adds a user to the `general` channel.
    pub async fn join_channel(&self, user_id: &str) {
        self.post(
            &format!("/api/channels/{}/members", self.channel_id),
            ADMIN_TOKEN,
            json!({"user_id": user_id}),
        )
        .await
        .expect(201);
    }

    /// Creates a webhook on `general` and returns the creation response (with `token`).
    pub async fn webhook(&self, name: &str) -> Value {
        self.post(
            &format!("/api/channels/{}/webhooks", self.channel_id),
            ADMIN_TOKEN,
            json!({"name": name}),
        )
        .await
        .expect(201)
    }

    /// The newest messages of `general`, as the admin reads them.
    pub async fn messages(&self) -> Vec<Value> {
        let body = self
            .get(
                &format!("/api/channels/{}/messages", self.channel_id),
                ADMIN_TOKEN,
            )
            .await
            .expect(200);
        body["messages"].as_array().cloned().unwrap_or_default()
    }
}

/// A stopped app's database and directories, to start it again.
pub struct Stopped {
    /// The database URL or file.
    pub database: String,
    /// The compiled-plugin cache.
    pub cache_dir: PathBuf,
    dir: Option<tempfile::TempDir>,
    owns_database: bool,
}

impl Stopped {
    /// Starts the server again on the same database and cache.
    pub async fn restart(mut self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let mut app = TestApp::start(self.database.clone(), self.cache_dir.clone(), adjust).await;
        app.dir = self.dir.take();
        app.owns_database = std::mem::take(&mut self.owns_database);
        app
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        if self.owns_database {
            drop_postgres_database(&self.database);
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(h) = &self.handle {
            h.abort();
        }
        if self.owns_database {
            drop_postgres_database(&self.database);
        }
    }
}

/// The PostgreSQL server to test against, if the environment names one.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("WASMHOOK_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// Creates a fresh, uniquely named database; panics (failing the test) when the server is
/// unreachable.
async fn create_postgres_database(admin: &str) -> String {
    let name = format!("wasmhook_test_{}", uuid::Uuid::now_v7().simple());
    let pool = sqlx::PgPool::connect(admin).await.unwrap_or_else(|e| {
        panic!("WASMHOOK_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {e}")
    });
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .expect("CREATE DATABASE");
    pool.close().await;
    let mut url = reqwest::Url::parse(admin).expect("WASMHOOK_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// Drops a test database (on a separate thread: this runs from `Drop`).
fn drop_postgres_database(database: &str) {
    let (Some(admin), Ok(url)) = (postgres_admin_url(), reqwest::Url::parse(database)) else {
        return;
    };
    let name = url.path().trim_start_matches('/').to_owned();
    if !name.starts_with("wasmhook_test_") {
        return;
    }
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            if let Ok(pool) = sqlx::PgPool::connect(&admin).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&pool)
                    .await;
                pool.close().await;
            }
        });
    })
    .join();
}

impl TestApp {
    /// Uploads a component file as a plugin of the Default community; returns the reply.
    pub async fn upload_plugin(&self, path: &str, name: &str, version: &str) -> Reply {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        self.upload_bytes(bytes, name, version).await
    }

    /// Uploads raw bytes as a plugin of the Default community.
    pub async fn upload_bytes(&self, bytes: Vec<u8>, name: &str, version: &str) -> Reply {
        let path = format!(
            "/api/communities/{}/plugins?name={name}&version={version}",
            self.community_id
        );
        let auth = format!("Bearer {ADMIN_TOKEN}");
        self.post_raw(
            &path,
            &[
                ("content-type", "application/wasm"),
                ("authorization", &auth),
            ],
            bytes,
        )
        .await
    }

    /// Creates a webhook on `general` with the plugin at `path` attached (and `config`);
    /// returns the webhook creation response (with `token`).
    pub async fn plugin_webhook(&self, path: &str, name: &str, config: Value) -> Value {
        let plugin = self.upload_plugin(path, name, "0.1.0").await;
        assert!(plugin.status.is_success(), "upload {name}: {}", plugin.body);
        let hook = self.webhook(name).await;
        let id = hook["id"].as_str().unwrap();
        self.patch(
            &format!("/api/webhooks/{id}"),
            ADMIN_TOKEN,
            json!({"plugin_id": plugin.body["id"], "plugin_config": config}),
        )
        .await
        .expect(200);
        hook
    }

    /// A webhook's deliveries, newest first.
    pub async fn deliveries(&self, webhook_id: &str, status: Option<&str>) -> Vec<Value> {
        let q = status.map(|s| format!("?status={s}")).unwrap_or_default();
        let body = self
            .get(
                &format!("/api/webhooks/{webhook_id}/deliveries{q}"),
                ADMIN_TOKEN,
            )
            .await
            .expect(200);
        body["deliveries"].as_array().cloned().unwrap_or_default()
    }
}

/// The plugin compiler child of test servers: `wasmhook-compiler`, which cargo builds next to
/// the test binaries' `deps` directory.
pub fn compiler_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary is in target/PROFILE/deps");
    let compiler = dir.join(format!("wasmhook-compiler{}", std::env::consts::EXE_SUFFIX));
    assert!(
        compiler.is_file(),
        "{} is missing: cargo builds it with the tests of wasmhook-tests",
        compiler.display()
    );
    compiler
}
