//! The one seam between the store's SQL and its two backends.
//!
//! Store code writes each statement once, as plain Rust: `query(SQL).bind(a).bind(b)` and then
//! `execute`, `fetch_all`, `fetch_optional`, `fetch_one` or `fetch_scalar` on an [`Exec`] (a
//! pool of the store, or an open [`Tx`]). A bound value must encode on both backends
//! ([`Value`]) and a row type must decode on both ([`Row`]), so a type mismatch is a compile
//! error, not a runtime one. The SQL itself is the common dialect both accept: `$N`
//! parameters, `TRUE`/`FALSE`, `ON CONFLICT`, `RETURNING`.

use std::borrow::Cow;

use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArguments, PgConnection, PgPool, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Arguments, Encode, FromRow, Postgres, Sqlite, Type};

/// A value that can be bound on either backend.
pub(crate) trait Value<'q>: Send + 'q {
    /// Appends the value to SQLite arguments.
    fn add_sqlite(self: Box<Self>, args: &mut SqliteArguments<'q>) -> Result<(), BoxDynError>;
    /// Appends the value to PostgreSQL arguments.
    fn add_postgres(self: Box<Self>, args: &mut PgArguments) -> Result<(), BoxDynError>;
}

impl<'q, T> Value<'q> for T
where
    T: Encode<'q, Sqlite> + Type<Sqlite> + Encode<'q, Postgres> + Type<Postgres> + Send + 'q,
{
    fn add_sqlite(self: Box<Self>, args: &mut SqliteArguments<'q>) -> Result<(), BoxDynError> {
        args.add(*self)
    }

    fn add_postgres(self: Box<Self>, args: &mut PgArguments) -> Result<(), BoxDynError> {
        args.add(*self)
    }
}

/// A row type that decodes on either backend.
pub(crate) trait Row:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

/// Where a statement runs: a pool (each statement takes a connection) or one connection (a
/// transaction's).
pub(crate) enum Exec<'e> {
    /// A SQLite pool.
    SqlitePool(&'e SqlitePool),
    /// A SQLite connection.
    Sqlite(&'e mut SqliteConnection),
    /// A PostgreSQL pool.
    PostgresPool(&'e PgPool),
    /// A PostgreSQL connection.
    Postgres(&'e mut PgConnection),
}

/// An open transaction on either backend; dropped without [`Tx::commit`], it rolls back.
pub(crate) enum Tx {
    /// SQLite.
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    /// PostgreSQL.
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    /// Commits.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }

    /// Whether this is a PostgreSQL transaction (for `NOTIFY` and row locks).
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Tx::Postgres(_))
    }
}

impl<'e> From<&'e mut Tx> for Exec<'e> {
    fn from(tx: &'e mut Tx) -> Self {
        match tx {
            Tx::Sqlite(tx) => Exec::Sqlite(tx),
            Tx::Postgres(tx) => Exec::Postgres(tx),
        }
    }
}

/// A statement with its bound values. Build it with [`query`].
pub(crate) struct Query<'q> {
    sql: Cow<'q, str>,
    args: Vec<Box<dyn Value<'q>>>,
}

/// Starts a statement.
pub(crate) fn query<'q>(sql: impl Into<Cow<'q, str>>) -> Query<'q> {
    Query {
        sql: sql.into(),
        args: Vec::new(),
    }
}

impl<'q> Query<'q> {
    /// Binds the next `$N` parameter.
    pub(crate) fn bind(mut self, value: impl Value<'q>) -> Self {
        self.args.push(Box::new(value));
        self
    }

    /// Appends SQL text.
    pub(crate) fn push(mut self, sql: &str) -> Self {
        self.sql.to_mut().push_str(sql);
        self
    }

    /// Appends a placeholder for `value` and binds it.
    pub(crate) fn push_bind(self, value: impl Value<'q>) -> Self {
        let placeholder = format!("${}", self.args.len() + 1);
        self.push(&placeholder).bind(value)
    }

    /// Appends a comma-separated list of placeholders, one per value, and binds them (for
    /// `IN (...)`; the caller makes sure the list is not empty).
    pub(crate) fn push_list<V: Value<'q>>(mut self, values: impl IntoIterator<Item = V>) -> Self {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self = self.push(", ");
            }
            self = self.push_bind(value);
        }
        self
    }

    fn sqlite_args(args: Vec<Box<dyn Value<'q>>>) -> Result<SqliteArguments<'q>, sqlx::Error> {
        let mut out = SqliteArguments::default();
        for arg in args {
            arg.add_sqlite(&mut out).map_err(sqlx::Error::Encode)?;
        }
        Ok(out)
    }

    fn postgres_args(args: Vec<Box<dyn Value<'q>>>) -> Result<PgArguments, sqlx::Error> {
        let mut out = PgArguments::default();
        for arg in args {
            arg.add_postgres(&mut out).map_err(sqlx::Error::Encode)?;
        }
        Ok(out)
    }

    /// Runs the statement; returns the number of rows it changed.
    pub(crate) async fn execute<'e>(self, ex: impl Into<Exec<'e>>) -> Result<u64, sqlx::Error> {
        let Query { sql, args } = self;
        Ok(match ex.into() {
            Exec::SqlitePool(pool) => sqlx::query_with(&sql, Self::sqlite_args(args)?)
                .execute(pool)
                .await?
                .rows_affected(),
            Exec::Sqlite(conn) => sqlx::query_with(&sql, Self::sqlite_args(args)?)
                .execute(conn)
                .await?
                .rows_affected(),
            Exec::PostgresPool(pool) => sqlx::query_with(&sql, Self::postgres_args(args)?)
                .execute(pool)
                .await?
                .rows_affected(),
            Exec::Postgres(conn) => sqlx::query_with(&sql, Self::postgres_args(args)?)
                .execute(conn)
                .await?
                .rows_affected(),
        })
    }

    /// Runs the statement and decodes every row.
    pub(crate) async fn fetch_all<'e, T: Row>(
        self,
        ex: impl Into<Exec<'e>>,
    ) -> Result<Vec<T>, sqlx::Error> {
        let Query { sql, args } = self;
        match ex.into() {
            Exec::SqlitePool(pool) => {
                sqlx::query_as_with(&sql, Self::sqlite_args(args)?)
                    .fetch_all(pool)
                    .await
            }
            Exec::Sqlite(conn) => {
                sqlx::query_as_with(&sql, Self::sqlite_args(args)?)
                    .fetch_all(conn)
                    .await
            }
            Exec::PostgresPool(pool) => {
                sqlx::query_as_with(&sql, Self::postgres_args(args)?)
                    .fetch_all(pool)
                    .await
            }
            Exec::Postgres(conn) => {
                sqlx::query_as_with(&sql, Self::postgres_args(args)?)
                    .fetch_all(conn)
                    .await
            }
        }
    }

    /// Runs the statement and decodes the first row, if any.
    pub(crate) async fn fetch_optional<'e, T: Row>(
        self,
        ex: impl Into<Exec<'e>>,
    ) -> Result<Option<T>, sqlx::Error> {
        let Query { sql, args } = self;
        match ex.into() {
            Exec::SqlitePool(pool) => {
                sqlx::query_as_with(&sql, Self::sqlite_args(args)?)
                    .fetch_optional(pool)
                    .await
            }
            Exec::Sqlite(conn) => {
                sqlx::query_as_with(&sql, Self::sqlite_args(args)?)
                    .fetch_optional(conn)
                    .await
            }
            Exec::PostgresPool(pool) => {
                sqlx::query_as_with(&sql, Self::postgres_args(args)?)
                    .fetch_optional(pool)
                    .await
            }
            Exec::Postgres(conn) => {
                sqlx::query_as_with(&sql, Self::postgres_args(args)?)
                    .fetch_optional(conn)
                    .await
            }
        }
    }

    /// Runs the statement and decodes the first row; `RowNotFound` when there is none.
    pub(crate) async fn fetch_one<'e, T: Row>(
        self,
        ex: impl Into<Exec<'e>>,
    ) -> Result<T, sqlx::Error> {
        self.fetch_optional(ex)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }

    /// The first column of every row.
    pub(crate) async fn fetch_scalars<'e, T>(
        self,
        ex: impl Into<Exec<'e>>,
    ) -> Result<Vec<T>, sqlx::Error>
    where
        (T,): Row,
    {
        let rows: Vec<(T,)> = self.fetch_all(ex).await?;
        Ok(rows.into_iter().map(|(v,)| v).collect())
    }

    /// The first column of the first row, if any.
    pub(crate) async fn fetch_optional_scalar<'e, T>(
        self,
        ex: impl Into<Exec<'e>>,
    ) -> Result<Option<T>, sqlx::Error>
    where
        (T,): Row,
    {
        let row: Option<(T,)> = self.fetch_optional(ex).await?;
        Ok(row.map(|(v,)| v))
    }

    /// The first column of the first row; `RowNotFound` when there is none.
    pub(crate) async fn fetch_scalar<'e, T>(self, ex: impl Into<Exec<'e>>) -> Result<T, sqlx::Error>
    where
        (T,): Row,
    {
        self.fetch_optional_scalar(ex)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_bind_numbers_placeholders_after_the_bound_ones() {
        let q = query("SELECT 1 WHERE a = $1 AND b IN (")
            .bind(1_i64)
            .push_list([2_i64, 3, 4])
            .push(")");
        assert_eq!(q.sql, "SELECT 1 WHERE a = $1 AND b IN ($2, $3, $4)");
        assert_eq!(q.args.len(), 4);
    }
}
