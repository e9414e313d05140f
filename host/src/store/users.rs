//! Users and their API tokens.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::db::query;
use super::{Store, StoreError, on_constraint};

/// A chat user.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct User {
    /// User id (UUID v7).
    pub id: Uuid,
    /// Unique, case-sensitive; letters, digits and underscore.
    pub username: String,
    /// Unique (case-insensitively).
    pub email: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Avatar image URL.
    pub avatar_url: Option<String>,
    /// Whether the user wants push notifications while offline.
    pub push_enabled: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Fields of a user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Username (already validated).
    pub username: String,
    /// Email (already validated).
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Argon2 PHC string.
    pub password_hash: String,
}

impl Store {
    /// Creates a user. `Conflict` names `username` or `email` when taken.
    pub async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        let user = User {
            id: Uuid::now_v7(),
            username: new.username,
            email: new.email,
            display_name: new.display_name,
            avatar_url: None,
            push_enabled: false,
            created_at: super::now(),
        };
        query(
                "INSERT INTO users (id, username, email, email_lower, display_name, password_hash, push_enabled, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(user.id)
            .bind(&user.username)
            .bind(&user.email)
            .bind(user.email.to_lowercase())
            .bind(&user.display_name)
            .bind(&new.password_hash)
            .bind(user.push_enabled)
            .bind(user.created_at)
            .execute(self.write())
            .await
            .map_err(|e| {
                on_constraint(e, &[
                    ("users.username", "users_username_key", "username"),
                    ("users.email_lower", "users_email_lower_key", "email"),
                ])
            })?;
        Ok(user)
    }

    /// Creates the first user with an API token, a community it owns and a channel in it, in
    /// one transaction. `None` when the user already exists (another node bootstrapped).
    pub async fn bootstrap(
        &self,
        admin: NewUser,
        community: &str,
        channel: &str,
        token_hash: &[u8],
    ) -> Result<Option<Uuid>, StoreError> {
        let (user_id, community_id, channel_id, now) =
            (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), super::now());
        let mut tx = self.begin().await?;
        let inserted = query(
            "INSERT INTO users (id, username, email, email_lower, display_name, password_hash, push_enabled,
             created_at, instance_admin)
             VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, TRUE) ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(&admin.username)
        .bind(&admin.email)
        .bind(admin.email.to_lowercase())
        .bind(&admin.display_name)
        .bind(&admin.password_hash)
        .bind(now)
        .execute(&mut tx)
        .await?;
        if inserted == 0 {
            return Ok(None);
        }
        query("INSERT INTO communities (id, name, created_by, created_at) VALUES ($1, $2, $3, $4)")
            .bind(community_id)
            .bind(community)
            .bind(user_id)
            .bind(now)
            .execute(&mut tx)
            .await?;
        query("INSERT INTO community_members (community_id, user_id, role, joined_at) VALUES ($1, $2, 'owner', $3)")
            .bind(community_id)
            .bind(user_id)
            .bind(now)
            .execute(&mut tx)
            .await?;
        query("INSERT INTO channels (id, community_id, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(channel_id)
            .bind(community_id)
            .bind(channel)
            .bind(now)
            .execute(&mut tx)
            .await?;
        query("INSERT INTO channel_members (channel_id, user_id, joined_at) VALUES ($1, $2, $3)")
            .bind(channel_id)
            .bind(user_id)
            .bind(now)
            .execute(&mut tx)
            .await?;
        query("INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(Some(community_id))
    }

    /// Number of users; zero means the database was just created.
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(query("SELECT COUNT(*) FROM users")
            .fetch_scalar(self.read())
            .await?)
    }

    /// Whether the user is an instance administrator (the bootstrap admin is one): they may
    /// create communities and add any user to a community.
    pub async fn is_instance_admin(&self, user_id: Uuid) -> Result<bool, StoreError> {
        let admin: Option<bool> = query("SELECT instance_admin FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional_scalar(self.read())
            .await?;
        Ok(admin.unwrap_or(false))
    }

    /// Looks a user up by id.
    pub async fn user(&self, id: Uuid) -> Result<User, StoreError> {
        let user: Option<User> = query(
                "SELECT id, username, email, display_name, avatar_url, push_enabled, created_at FROM users WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(self.read())
            .await?;
        user.ok_or(StoreError::NotFound)
    }

    /// Finds a user by username (exact) or email (case-insensitive), with the password hash.
    pub async fn user_for_login(&self, login: &str) -> Result<Option<(User, String)>, StoreError> {
        let row: Option<(Uuid, String)> = query(
            "SELECT id, password_hash FROM users WHERE username = $1 OR email_lower = $2 LIMIT 1",
        )
        .bind(login)
        .bind(login.to_lowercase())
        .fetch_optional(self.read())
        .await?;
        match row {
            Some((id, hash)) => Ok(Some((self.user(id).await?, hash))),
            None => Ok(None),
        }
    }

    /// Stores the SHA-256 of a new API token for a user.
    pub async fn insert_api_token(
        &self,
        user_id: Uuid,
        token_hash: &[u8],
    ) -> Result<(), StoreError> {
        query("INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(user_id)
            .bind(super::now())
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// The user owning the API token with this SHA-256, if any.
    pub async fn user_by_api_token(&self, token_hash: &[u8]) -> Result<Option<User>, StoreError> {
        Ok(query(
                "SELECT u.id, u.username, u.email, u.display_name, u.avatar_url, u.push_enabled, u.created_at
                 FROM users u JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(self.read())
            .await?)
    }

    /// Turns push notifications on or off for a user.
    pub async fn set_push_enabled(&self, user_id: Uuid, enabled: bool) -> Result<User, StoreError> {
        query("UPDATE users SET push_enabled = $1 WHERE id = $2")
            .bind(enabled)
            .bind(user_id)
            .execute(self.write())
            .await?;
        self.user(user_id).await
    }
}
