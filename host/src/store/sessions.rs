//! Browser sessions (cookie-backed), one-time setup links, and password changes.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::db::query;
use super::{Store, StoreError, User};

/// The columns of a [`User`], qualified with the alias `u`.
const USER_COLUMNS: &str =
    "u.id, u.username, u.email, u.display_name, u.avatar_url, u.push_enabled, u.created_at";

impl Store {
    /// Stores a new browser session: the SHA-256 of its cookie value and its CSRF token.
    pub async fn create_session(
        &self,
        user_id: Uuid,
        id_hash: &[u8],
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        query(
            "INSERT INTO web_sessions (id_hash, user_id, csrf_token, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(super::now())
        .bind(expires_at)
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// The user and CSRF token of an unexpired session.
    pub async fn session_user(&self, id_hash: &[u8]) -> Result<Option<(User, String)>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf_token FROM web_sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = $1 AND s.expires_at > $2"
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: User,
            csrf_token: String,
        }
        let row: Option<Row> = query(&sql)
            .bind(id_hash)
            .bind(super::now())
            .fetch_optional(self.read())
            .await?;
        Ok(row.map(|r| (r.user, r.csrf_token)))
    }

    /// Ends a session (sign-out).
    pub async fn delete_session(&self, id_hash: &[u8]) -> Result<(), StoreError> {
        query("DELETE FROM web_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// Replaces a user's password hash, marks the password as set, voids pending setup links
    /// and ends every browser session of the user except `keep_session`.
    pub async fn set_password(
        &self,
        user_id: Uuid,
        password_hash: &str,
        keep_session: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        query("UPDATE users SET password_hash = $1, password_set = TRUE WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut tx)
            .await?;
        query("DELETE FROM setup_tokens WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut tx)
            .await?;
        query("DELETE FROM web_sessions WHERE user_id = $1 AND id_hash IS DISTINCT FROM $2")
            .bind(user_id)
            .bind(keep_session)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks a user as having no known password (the bootstrap admin).
    pub async fn mark_password_unset(&self, user_id: Uuid) -> Result<(), StoreError> {
        query("UPDATE users SET password_set = FALSE WHERE id = $1")
            .bind(user_id)
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// Users whose password nobody knows yet.
    pub async fn users_awaiting_password(&self) -> Result<Vec<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.password_set = FALSE");
        Ok(query(&sql).fetch_all(self.read()).await?)
    }

    /// Issues a setup link for a user, replacing any earlier one.
    pub async fn replace_setup_token(
        &self,
        user_id: Uuid,
        token_hash: &[u8],
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        query("DELETE FROM setup_tokens WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut tx)
            .await?;
        query(
            "INSERT INTO setup_tokens (token_hash, user_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(super::now())
        .bind(expires_at)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Uses up a setup link: the user it was for, if it existed and had not expired. A link
    /// works once, even when two requests race.
    pub async fn consume_setup_token(&self, token_hash: &[u8]) -> Result<Option<Uuid>, StoreError> {
        let row: Option<(Uuid, DateTime<Utc>)> =
            query("DELETE FROM setup_tokens WHERE token_hash = $1 RETURNING user_id, expires_at")
                .bind(token_hash)
                .fetch_optional(self.write())
                .await?;
        Ok(row
            .filter(|(_, expires_at)| *expires_at > super::now())
            .map(|(user_id, _)| user_id))
    }
}
