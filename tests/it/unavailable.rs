//! A database that cannot be reached answers 503, whatever way the connection fails, and the
//! node recovers when it is back. The server talks to PostgreSQL through a TCP proxy the test
//! controls; PostgreSQL only, so ignored in the SQLite pass and run in the PostgreSQL pass.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;
use wasmhook_tests::TestApp;

/// A TCP proxy to PostgreSQL. While broken, it cuts every open connection and answers each
/// new one with a well-framed message a server never sends during start-up (a `CommandComplete`),
/// so connecting fails with a protocol error rather than an I/O error.
struct Proxy {
    addr: std::net::SocketAddr,
    broken: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let broken = Arc::new(AtomicBool::new(false));
        let links: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (b, l) = (broken.clone(), links.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let link = if b.load(Ordering::SeqCst) {
                    tokio::spawn(refuse(client))
                } else {
                    tokio::spawn(forward(client, upstream.clone()))
                };
                l.lock().unwrap().push(link.abort_handle());
            }
        })
        .abort_handle();
        Proxy {
            addr,
            broken,
            links,
            accept,
        }
    }

    /// Cuts every connection and refuses new ones, or forwards again.
    fn set_broken(&self, broken: bool) {
        self.broken.store(broken, Ordering::SeqCst);
        if broken {
            for link in self.links.lock().unwrap().drain(..) {
                link.abort();
            }
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }
}

async fn forward(mut client: TcpStream, upstream: String) {
    if let Ok(mut server) = TcpStream::connect(upstream).await {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}

async fn refuse(mut client: TcpStream) {
    let mut startup = [0u8; 1024];
    // Read the client's start-up message first, so that closing sends no reset.
    if client.read(&mut startup).await.unwrap_or(0) == 0 {
        return;
    }
    let _ = client.write_all(b"C\0\0\0\x04").await;
    // Wait for the client to give up and close.
    let _ = client.read(&mut startup).await;
}

/// A database of its own on the PostgreSQL server, dropped at the end.
struct Database {
    admin: String,
    name: String,
}

impl Database {
    async fn create(admin: &str) -> Database {
        let name = format!("wasmhook_test_{}", uuid::Uuid::now_v7().simple());
        let pool = sqlx::PgPool::connect(admin)
            .await
            .expect("PostgreSQL is reachable");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .expect("CREATE DATABASE");
        pool.close().await;
        Database {
            admin: admin.to_owned(),
            name,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // `Drop` cannot await: a thread with its own runtime; `FORCE` ends the server's
        // connections.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(pool) = sqlx::PgPool::connect(&admin).await {
                    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(&drop).execute(&pool).await;
                    pool.close().await;
                }
            });
        })
        .join();
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL (#5): run with WASMHOOK_TEST_POSTGRES_URL and --include-ignored"]
async fn an_unreachable_database_answers_503_and_the_node_recovers() {
    let admin =
        wasmhook_tests::postgres_admin_url().expect("this test needs WASMHOOK_TEST_POSTGRES_URL");
    let db = Database::create(&admin).await;
    let mut url = url::Url::parse(&admin).expect("a URL");
    let upstream = format!(
        "{}:{}",
        url.host_str().expect("a host"),
        url.port().unwrap_or(5432)
    );
    let proxy = Proxy::start(upstream).await;
    // The server reaches its database through the proxy.
    url.set_host(Some("127.0.0.1")).expect("host");
    url.set_port(Some(proxy.addr.port())).expect("port");
    url.set_path(&format!("/{}", db.name));
    let cache = tempfile::tempdir().expect("tempdir");
    let app = TestApp::start(url.to_string(), cache.path().join("cache"), |_| {}).await;
    let hook = app.webhook("resilient").await;
    let url = format!("/api/webhooks/execute/{}", hook["token"].as_str().unwrap());
    app.post_anon(&url, json!({"content": "before"}))
        .await
        .expect(201);

    app.request(reqwest::Method::GET, "/readyz", None, None)
        .await
        .expect(200);
    proxy.set_broken(true);
    // Readiness fails while the database is unreachable; liveness does not ask it.
    app.request(reqwest::Method::GET, "/readyz", None, None)
        .await
        .expect_error(503, "unavailable", None);
    app.request(reqwest::Method::GET, "/healthz", None, None)
        .await
        .expect(200);
    for i in 0..3 {
        app.post_anon(&url, json!({"content": format!("during {i}")}))
            .await
            .expect_error(503, "unavailable", None);
    }

    proxy.set_broken(false);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = app.post_anon(&url, json!({"content": "after"})).await;
        if reply.status == 201 {
            break;
        }
        assert_eq!(reply.status, 503, "{}", reply.body);
        assert!(Instant::now() < deadline, "the node did not recover");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.request(reqwest::Method::GET, "/readyz", None, None)
        .await
        .expect(200);
    let contents: Vec<String> = app
        .messages()
        .await
        .iter()
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(contents, ["after", "before"]);
}
