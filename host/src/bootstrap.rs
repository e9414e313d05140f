//! First start: an empty database gets user `admin`, community "Default", channel `general`
//! and an API token for `admin`. Until `admin` has chosen a password, every start prints a
//! fresh one-time setup link for the web app.

use crate::config::Config;
use crate::secrets;
use crate::store::{NewUser, Store};

/// Creates the initial data when the database has no users; returns the admin token if it was
/// generated (the caller prints it once).
pub async fn bootstrap(store: &Store, cfg: &Config) -> anyhow::Result<Option<String>> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let token = match &cfg.bootstrap_token {
        Some(t) if t.len() < 16 => {
            anyhow::bail!("WASMHOOK_BOOTSTRAP_TOKEN must be at least 16 characters long")
        }
        Some(t) => t.clone(),
        None => secrets::random_token(secrets::API_TOKEN_LEN),
    };
    // Nobody knows this password: the admin signs in with the token (and can create users).
    let password = secrets::random_token(32);
    let password_hash =
        tokio::task::spawn_blocking(move || secrets::hash_password(&password)).await??;
    let admin = NewUser {
        username: "admin".into(),
        email: "admin@wasmhook.local".into(),
        display_name: "Administrator".into(),
        password_hash,
    };
    // One transaction: a node that dies half-way leaves nothing; a node that loses the race
    // to another node starting at the same time finds the data there.
    let Some(community) = store
        .bootstrap(
            admin,
            "Default",
            "general",
            &secrets::api_token_hash(&token),
        )
        .await?
    else {
        return Ok(None);
    };
    if let Some((user, _)) = store.user_for_login("admin").await? {
        store.mark_password_unset(user.id).await?;
    }
    tracing::info!(community = %community, "bootstrapped an empty database: user admin, community Default, channel general");
    Ok(cfg.bootstrap_token.is_none().then_some(token))
}

/// How long a setup link works.
pub const SETUP_LINK_HOURS: i64 = 24;

/// Issues a one-time setup link for every user whose password nobody knows yet (the bootstrap
/// admin), replacing earlier links: (username, link). The token travels in the URL fragment,
/// which browsers never send to the server, so it cannot reach request logs.
pub async fn setup_links(store: &Store, public_url: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut links = Vec::new();
    for user in store.users_awaiting_password().await? {
        let token = secrets::random_token(secrets::API_TOKEN_LEN);
        let expires_at = crate::store::now() + chrono::Duration::hours(SETUP_LINK_HOURS);
        store
            .replace_setup_token(user.id, &secrets::api_token_hash(&token), expires_at)
            .await?;
        links.push((user.username, format!("{public_url}/setup#{token}")));
    }
    Ok(links)
}
