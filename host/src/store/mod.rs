//! Persistent storage: the one `Store` API the rest of the host uses. All SQL lives here.
//!
//! The embedded default is a SQLite file in WAL mode. Writes go through a single-connection
//! pool, so write transactions queue in-process instead of failing with `SQLITE_BUSY`; reads use
//! a separate pool and run concurrently with the writer.

mod channels;
mod communities;
mod deliveries;
mod messages;
mod plugins;
mod users;
mod webhooks;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use channels::Channel;
pub use communities::{Community, Role};
pub use deliveries::{Delivery, DeliveryStatus, NewDelivery, RawRequest};
pub use messages::{MentionedUser, NewMessage, Notification, StoredMessage};
pub use plugins::{NewPlugin, Plugin};
pub use users::{NewUser, User};
pub use webhooks::{NewWebhook, Webhook, WebhookPatch, WebhookTarget};

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
    /// The database URL could not be understood.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// Applying migrations failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Maps a unique-constraint violation on a column to `StoreError::Conflict`, next to the query.
pub(crate) fn on_constraint(err: sqlx::Error, columns: &[(&str, &'static str)]) -> StoreError {
    if let sqlx::Error::Database(db) = &err
        && db.is_unique_violation()
    {
        let msg = db.message();
        for (column, field) in columns {
            if msg.contains(column) {
                return StoreError::Conflict { field };
            }
        }
    }
    StoreError::Database(err)
}

/// Options for opening the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// `sqlite://path/to/file.db` or a bare file path.
    pub url: String,
    /// Maximum connections of the read pool.
    pub max_connections: u32,
}

/// Handle to the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    read: SqlitePool,
    write: SqlitePool,
}

impl Store {
    /// Opens (creating if missing) the database and applies the embedded migrations.
    pub async fn open(opts: &StoreOptions) -> Result<Self, StoreError> {
        let url = opts.url.trim();
        let connect = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::InvalidUrl(e.to_string()))?
        } else if url.contains("://") {
            return Err(StoreError::InvalidUrl(format!(
                "unsupported database URL scheme in {:?}; use sqlite://PATH",
                url.split("://").next().unwrap_or_default()
            )));
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let connect = connect
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(parent) = connect.get_filename().parent()
            && !parent.as_os_str().is_empty()
        {
            create_dir(parent)?;
        }
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(connect.clone())
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .connect_with(connect.read_only(true))
            .await?;
        Ok(Self { read, write })
    }

    /// Closes both pools, waiting for connections to be returned.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

fn create_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))
}
