//! Test databases for the storage layer's own tests, opened through the public `Store` API
//! only: a SQLite file in a temporary directory, or a fresh database created on the PostgreSQL
//! server `WASMHOOK_TEST_POSTGRES_URL` names (an admin URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped when the test ends.
//!
//! As in `tests/it`, the PostgreSQL variants are `#[ignore]`d and run in `.ci/test`'s
//! PostgreSQL pass (the variable set, `--include-ignored`), where an unreachable server fails
//! them.

use std::collections::BTreeMap;
use std::time::Duration;

use wasmhook::store::{Store, StoreOptions};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// A migrated, empty database and the store opened on it.
pub struct TestDb {
    /// The store under test.
    pub store: Store,
    /// Its backend.
    pub backend: Backend,
    /// The database URL (a SQLite file path, or the PostgreSQL database's URL).
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL admin URL and the database to drop at the end.
    created: Option<(String, String)>,
}

impl TestDb {
    /// A SQLite file in a fresh temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = dir.path().join("store.db").display().to_string();
        TestDb {
            store: open_store(&url).await,
            backend: Backend::Sqlite,
            url,
            _dir: Some(dir),
            created: None,
        }
    }

    /// A fresh database on the PostgreSQL server of `WASMHOOK_TEST_POSTGRES_URL`.
    pub async fn postgres() -> TestDb {
        let admin = std::env::var("WASMHOOK_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .expect("the PostgreSQL store tests need WASMHOOK_TEST_POSTGRES_URL");
        let name = format!("wasmhook_store_{}", uuid::Uuid::now_v7().simple());
        let pool = sqlx::PgPool::connect(&admin).await.unwrap_or_else(|e| {
            panic!("WASMHOOK_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {e}")
        });
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .expect("CREATE DATABASE");
        pool.close().await;
        let mut url = url::Url::parse(&admin).expect("WASMHOOK_TEST_POSTGRES_URL is a URL");
        url.set_path(&format!("/{name}"));
        let url = url.to_string();
        TestDb {
            store: open_store(&url).await,
            backend: Backend::Postgres,
            url,
            _dir: None,
            created: Some((admin, name)),
        }
    }

    /// The tables of the database and, per table, its columns: what the migrations made,
    /// read from the catalog (not through the store), without sqlx's own bookkeeping table.
    pub async fn schema(&self) -> BTreeMap<String, BTreeMap<String, Column>> {
        let mut tables: BTreeMap<String, BTreeMap<String, Column>> = BTreeMap::new();
        match self.backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}?mode=ro", self.url);
                let pool = sqlx::SqlitePool::connect(&url).await.expect("connect");
                let names: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table'
                     AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
                )
                .fetch_all(&pool)
                .await
                .expect("tables");
                for table in names {
                    // (cid, name, type, notnull, dflt_value, pk)
                    type Info = (i64, String, String, bool, Option<String>, i64);
                    let columns: Vec<Info> =
                        sqlx::query_as(&format!("SELECT * FROM pragma_table_info('{table}')"))
                            .fetch_all(&pool)
                            .await
                            .expect("columns");
                    let columns = columns
                        .into_iter()
                        .map(|(_, name, declared, not_null, _, _)| {
                            // As declared: unlike PostgreSQL, SQLite lets a primary key column
                            // hold NULL unless it is declared NOT NULL.
                            let column = Column {
                                family: sqlite_family(&declared).to_owned(),
                                nullable: !not_null,
                            };
                            (name, column)
                        })
                        .collect();
                    tables.insert(table, columns);
                }
                pool.close().await;
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await.expect("connect");
                let rows: Vec<(String, String, String, String)> = sqlx::query_as(
                    "SELECT c.table_name::TEXT, c.column_name::TEXT, c.is_nullable::TEXT, c.data_type::TEXT
                     FROM information_schema.columns c
                     JOIN information_schema.tables t
                       ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                     WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                       AND c.table_name <> '_sqlx_migrations'",
                )
                .fetch_all(&pool)
                .await
                .expect("columns");
                for (table, name, nullable, data_type) in rows {
                    let column = Column {
                        family: postgres_family(&data_type),
                        nullable: nullable == "YES",
                    };
                    tables.entry(table).or_default().insert(name, column);
                }
                pool.close().await;
            }
        }
        tables
    }
}

/// A column as the schema-parity test compares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The normalised type family: the SQLite storage class the value has on both backends.
    pub family: String,
    /// Whether it accepts NULL.
    pub nullable: bool,
}

/// The family of a SQLite declared type (its type affinity, by SQLite's own rules).
fn sqlite_family(declared: &str) -> &'static str {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        "integer"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "text"
    } else if t.contains("BLOB") || t.is_empty() {
        "blob"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "real"
    } else {
        "numeric"
    }
}

/// The family of a PostgreSQL type: the SQLite storage class the store uses for the same
/// value (UUIDs and bytes are blobs, times and JSON are text, booleans are integers). A type
/// the store does not use keeps its own name, so it never matches.
fn postgres_family(data_type: &str) -> String {
    let family = match data_type {
        "uuid" | "bytea" => "blob",
        "text" | "character varying" | "character" | "json" | "jsonb" => "text",
        "timestamp with time zone" | "timestamp without time zone" | "date" => "text",
        "bigint" | "integer" | "smallint" | "boolean" => "integer",
        "double precision" | "real" => "real",
        other => return format!("postgres {other}"),
    };
    family.to_owned()
}

/// Opens the store as the server does, with explicit pool settings.
async fn open_store(url: &str) -> Store {
    let mut opts = StoreOptions {
        url: url.to_owned(),
        max_connections: 4,
        acquire_timeout: Duration::from_secs(10),
        statement_timeout: Duration::from_secs(10),
        ..StoreOptions::new(url)
    };
    // One key for every store of the suite: PostgreSQL's would otherwise default to a key file
    // in the working directory.
    opts.secrets.key = Some("d2FzbWhvb2sgc3RvcmUgdGVzdCBrZXksIG5vIHNlY3I=".to_owned());
    Store::open(&opts).await.expect("open the store")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.created.take() else {
            return;
        };
        // `Drop` cannot await: drop the database from a thread with its own runtime. `FORCE`
        // ends the store's connections.
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
}
