//! Persistent storage: the one `Store` API the rest of the host uses. All SQL lives here.
//!
//! Two backends behind it, chosen by the database URL: a SQLite file (the embedded default; WAL;
//! writes go through a single-connection pool so write transactions queue in-process instead of
//! failing with `SQLITE_BUSY`) and PostgreSQL (several nodes on one database). The SQL is written
//! once for both (`$N` parameters, `TRUE`/`FALSE`, `IS NOT DISTINCT FROM`, `ON CONFLICT`) as
//! plain functions over [`db::Query`], which runs it on whichever backend the store has;
//! migrations are per backend.

mod batch;
mod channels;
mod communities;
mod db;
mod deliveries;
mod delivery_rows;
mod health;
mod hooks;
mod im;
pub(crate) mod live;
mod message_edits;
mod message_rows;
pub(crate) mod messages;
pub(crate) mod notices;
mod outgoing;
mod people;
mod plugins;
pub(crate) mod push;
mod sealed;
mod sessions;
#[cfg(test)]
mod tests;
mod users;
mod webhooks;

use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::mpsc;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use batch::BatchOptions;
pub use communities::{Community, Role};
pub use deliveries::{Delivery, DeliveryStatus, NewDelivery, RawRequest};
pub use health::{PoolUse, QueueDepths};
pub use hooks::NoticesCreated;
pub use im::ImIntegration;
pub use live::{PRESENCE_HEARTBEAT, PRESENCE_TTL, RemotePosted};
pub use message_edits::WebhookMessage;
pub use messages::{Change, DeletedMessage, NewMessage, Notification, Posted, UserNotification};
pub use notices::{Notice, RemoteNotice};
pub use outgoing::{
    AttemptRecord, Disabled, Finish, OutgoingDelivery, OutgoingJob, OutgoingSettings,
    OutgoingWebhook,
};
pub use people::Member;
pub use plugins::{NewPlugin, Plugin};
pub use push::{NewPushSubscription, PushJob, PushSubscription};
pub use users::{NewUser, User};
pub use webhooks::{NewWebhook, Webhook, WebhookPatch};
// The shared data types the store reads and writes (defined in the leaf module `model`).
pub use crate::model::{Channel, MentionedUser, Sender, StoredMessage, WebhookRef, WebhookTarget};

/// Errors of the storage layer. Callers branch on `NotFound` and `Conflict`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row the operation needs does not exist.
    #[error("not found")]
    NotFound,
    /// A unique constraint was violated; `field` names the API field that collided.
    #[error("{field} is already taken")]
    Conflict {
        /// The API field whose value already exists.
        field: &'static str,
    },
    /// The change would leave a community without an owner.
    #[error("a community must keep at least one owner")]
    LastOwner,
    /// The database URL could not be understood.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// Applying migrations failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The secret key could not be had, or is not the one the database's secrets were
    /// encrypted with (at startup).
    #[error("{0}")]
    SecretKey(String),
    /// The group-commit transaction holding this write failed and was rolled back: nothing of
    /// it was stored.
    #[error("the batch holding this write was rolled back: {0}")]
    BatchRolledBack(String),
    /// A secret stored in the database could not be opened.
    #[error("opening the secret in {place}: {error}")]
    Sealed {
        /// The table, column and row.
        place: String,
        /// Why.
        error: crate::secrets::SealError,
    },
}

impl StoreError {
    /// Whether the database could not be reached (as opposed to a query failing): the request
    /// should get 503 and the node recovers when the database is back.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_),
            ) => true,
            StoreError::Database(sqlx::Error::Database(db)) => {
                // Class 08: connection exception; 57P01-57P03: the server is shutting down or
                // not accepting connections.
                db.code().is_some_and(|c| {
                    c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03")
                })
            }
            StoreError::Database(sqlx::Error::Protocol(_) | sqlx::Error::Tls(_)) => true,
            _ => false,
        }
    }
}

/// Maps a unique-constraint violation to `StoreError::Conflict`, next to the query. Each entry
/// is (SQLite column as its error message names it, PostgreSQL constraint name, API field).
pub(crate) fn on_constraint(
    err: sqlx::Error,
    constraints: &[(&str, &str, &'static str)],
) -> StoreError {
    if let sqlx::Error::Database(db) = &err
        && db.is_unique_violation()
    {
        let msg = db.message();
        for (column, constraint, field) in constraints {
            if msg.contains(column) || db.constraint() == Some(constraint) {
                return StoreError::Conflict { field };
            }
        }
    }
    StoreError::Database(err)
}

/// The current time as stored: UTC, to the microsecond (PostgreSQL's precision), so what a
/// response says and what a later read returns are identical on both backends.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

/// A database URL fit for logs: any password is replaced.
pub fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Creates a missing SQLite database file owner-only (0600), and its missing directories
/// 0700; SQLite gives the `-wal` and `-shm` files the database file's mode. Existing files and
/// directories keep theirs.
fn create_owner_only(file: &std::path::Path) -> std::io::Result<()> {
    if file.as_os_str().is_empty() || file.as_os_str() == ":memory:" || file.exists() {
        return Ok(());
    }
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = file.parent() {
        crate::secrets::keys::create_private_dir(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(file).map(drop)
}

/// The backend's pools.
#[derive(Clone, Debug)]
pub(crate) enum Backend {
    /// A SQLite file: one writer connection, several readers.
    Sqlite {
        /// Read-only connections.
        read: SqlitePool,
        /// The single writer.
        write: SqlitePool,
    },
    /// PostgreSQL: one pool for everything.
    Postgres(PgPool),
}

/// Options for opening the store: the database flags of `wasmhook serve` (and `migrate`).
#[derive(Debug, Clone, clap::Args)]
pub struct StoreOptions {
    /// Database: `postgres://...`, `sqlite://PATH`, or a bare SQLite file path.
    #[arg(
        id = "DATABASE",
        long = "database",
        env = "WASMHOOK_DATABASE_URL",
        default_value = "./wasmhook-data/wasmhook.db"
    )]
    pub url: String,
    /// Maximum database connections (the read pool on SQLite, the pool on PostgreSQL).
    #[arg(
        id = "DB_MAX_CONNECTIONS",
        long = "db-max-connections",
        env = "WASMHOOK_DB_MAX_CONNECTIONS",
        default_value_t = 8
    )]
    pub max_connections: u32,
    /// How long a request waits for a database connection before answering 503, in ms.
    #[arg(
        id = "DB_ACQUIRE_TIMEOUT_MS",
        long = "db-acquire-timeout-ms",
        env = "WASMHOOK_DB_ACQUIRE_TIMEOUT_MS",
        value_parser = crate::flags::millis,
        default_value = "5000"
    )]
    pub acquire_timeout: Duration,
    /// Longest a database statement may run (PostgreSQL statement_timeout; SQLite busy
    /// timeout), in ms.
    #[arg(
        id = "DB_STATEMENT_TIMEOUT_MS",
        long = "db-statement-timeout-ms",
        env = "WASMHOOK_DB_STATEMENT_TIMEOUT_MS",
        value_parser = crate::flags::millis,
        default_value = "10000"
    )]
    pub statement_timeout: Duration,
    /// The key that encrypts secrets at rest.
    #[command(flatten)]
    pub secrets: crate::secrets::SecretKeyOptions,
    /// Group commit: how many posts share one transaction, and how long a forming batch waits.
    #[command(flatten)]
    pub batch: BatchOptions,
}

impl StoreOptions {
    /// The flags' defaults for a database URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..crate::flags::defaults()
        }
    }

    /// The directory of the server's files by default (compiled-plugin cache, key file): the
    /// SQLite database's, else ./wasmhook-data.
    pub fn data_dir(&self) -> std::path::PathBuf {
        let db = self.url.trim();
        if !db.contains("://") || db.starts_with("sqlite:") {
            let path = db
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or(path);
            if let Some(parent) = std::path::Path::new(path).parent() {
                return parent.to_owned();
            }
        }
        std::path::PathBuf::from("./wasmhook-data")
    }

    fn keys(&self) -> Result<crate::secrets::LoadedKeys, StoreError> {
        self.secrets
            .load(&self.data_dir().join("secret.key"))
            .map_err(|e| StoreError::SecretKey(e.to_string()))
    }
}

/// The PostgreSQL `NOTIFY` channel on which nodes announce posted messages to each other.
pub const LIVE_CHANNEL: &str = "wasmhook_live";

/// The PostgreSQL `NOTIFY` channel on which the store announces, from inside the transaction
/// that changes a webhook, the id of the changed webhook (see `cluster`).
pub const WEBHOOK_CHANNEL: &str = "wasmhook_webhook_changed";

/// The PostgreSQL `NOTIFY` channel on which a transaction that changes the roles of a
/// community's members announces the community's id (see `cluster`).
pub const ROLES_CHANNEL: &str = "wasmhook_roles_changed";

/// The PostgreSQL `NOTIFY` channel on which a transaction that leaves notices announces them
/// ([`RemoteNotice`]; see `cluster`).
pub const NOTICES_CHANNEL: &str = "wasmhook_notices";

/// Handle to the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) backend: Backend,
    /// This process's id among the nodes sharing the database (random per start).
    pub(crate) node_id: uuid::Uuid,
    /// Where committed posts go for live delivery (set once by the server).
    sink: Arc<OnceLock<mpsc::UnboundedSender<Posted>>>,
    /// Told of committed webhook changes, notices and role changes on this node (set once
    /// by the server).
    hooks: Arc<hooks::Hooks>,
    /// The keys that seal secrets at rest.
    keys: Arc<crate::secrets::LoadedKeys>,
    /// The group-commit writer that posts go through (`None` in the writer's own copy).
    writer: Option<batch::Writer>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("node_id", &self.node_id)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating a SQLite file if missing) the database and applies the embedded
    /// migrations. On PostgreSQL, migrations take an advisory lock, so several nodes may start
    /// at once.
    pub async fn open(opts: &StoreOptions) -> Result<Self, StoreError> {
        let url = opts.url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Self::open_postgres(url, opts).await;
        }
        let connect = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::InvalidUrl(e.to_string()))?
        } else if url.contains("://") {
            return Err(StoreError::InvalidUrl(format!(
                "unsupported database URL scheme {:?}; use postgres://... or sqlite://PATH",
                url.split("://").next().unwrap_or_default()
            )));
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let connect = connect
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a request answered 201 survives a power loss, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(opts.statement_timeout);
        create_owner_only(connect.get_filename())
            .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(connect.clone())
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&write).await?;
        // A SQLite database has one node: presence rows of an earlier process are stale.
        sqlx::query("DELETE FROM live_presence")
            .execute(&write)
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(connect.read_only(true))
            .await?;
        Self::with_backend(Backend::Sqlite { read, write }, opts).await
    }

    async fn open_postgres(url: &str, opts: &StoreOptions) -> Result<Self, StoreError> {
        let timeout_ms = opts.statement_timeout.as_millis().to_string();
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::InvalidUrl(e.to_string()))?
            .options([("statement_timeout", timeout_ms.as_str())])
            .application_name("wasmhook");
        let pool = PgPoolOptions::new()
            .max_connections(opts.max_connections.max(2))
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(connect)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Self::with_backend(Backend::Postgres(pool), opts).await
    }

    /// The store on migrated pools, once its key is checked against the database.
    async fn with_backend(backend: Backend, opts: &StoreOptions) -> Result<Self, StoreError> {
        let store = Self {
            backend,
            node_id: uuid::Uuid::now_v7(),
            sink: Arc::default(),
            hooks: Arc::default(),
            keys: Arc::new(opts.keys()?),
            writer: None,
        };
        store.check_and_reseal().await?;
        // The writer's copy has no writer, so the queue closes (and the task ends) when the
        // last handle of the store is dropped.
        let writer = batch::Writer::start(store.clone(), opts.batch.clone());
        Ok(Self {
            writer: Some(writer),
            ..store
        })
    }

    /// This node's id: it tags the live events this node announces to the others.
    pub fn node_id(&self) -> uuid::Uuid {
        self.node_id
    }

    /// Sends every committed post to `sink` from now on (live delivery). Set once.
    pub fn set_post_sink(&self, sink: mpsc::UnboundedSender<Posted>) {
        if self.sink.set(sink).is_err() {
            tracing::warn!("post sink already set; keeping the first");
        }
    }

    /// Hands a committed post to the live sink and returns its messages.
    pub(crate) fn published(&self, posted: Posted) -> Vec<StoredMessage> {
        let messages = posted.messages.clone();
        if let Some(sink) = self.sink.get() {
            // The receiver lives as long as the server; after shutdown nobody listens.
            let _ = sink.send(posted);
        }
        messages
    }

    /// Where reads run: the readers on SQLite, the pool on PostgreSQL.
    pub(crate) fn read(&self) -> db::Exec<'_> {
        match &self.backend {
            Backend::Sqlite { read, .. } => db::Exec::SqlitePool(read),
            Backend::Postgres(pool) => db::Exec::PostgresPool(pool),
        }
    }

    /// Where single-statement writes run: the one writer on SQLite, the pool on PostgreSQL.
    pub(crate) fn write(&self) -> db::Exec<'_> {
        match &self.backend {
            Backend::Sqlite { write, .. } => db::Exec::SqlitePool(write),
            Backend::Postgres(pool) => db::Exec::PostgresPool(pool),
        }
    }

    /// Opens a write transaction.
    pub(crate) async fn begin(&self) -> Result<db::Tx, sqlx::Error> {
        Ok(match &self.backend {
            Backend::Sqlite { write, .. } => db::Tx::Sqlite(write.begin().await?),
            Backend::Postgres(pool) => db::Tx::Postgres(pool.begin().await?),
        })
    }

    /// Opens a read-only transaction (a consistent view for several reads).
    pub(crate) async fn begin_read(&self) -> Result<db::Tx, sqlx::Error> {
        Ok(match &self.backend {
            Backend::Sqlite { read, .. } => db::Tx::Sqlite(read.begin().await?),
            Backend::Postgres(pool) => db::Tx::Postgres(pool.begin().await?),
        })
    }

    /// Whether the backend is PostgreSQL (row locks, `NOTIFY`).
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// The PostgreSQL pool, when that is the backend (for LISTEN/NOTIFY).
    pub fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.backend {
            Backend::Postgres(pool) => Some(pool),
            Backend::Sqlite { .. } => None,
        }
    }

    /// Closes the pools, waiting for connections to be returned.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { read, write } => {
                write.close().await;
                read.close().await;
            }
            Backend::Postgres(pool) => pool.close().await,
        }
    }
}
