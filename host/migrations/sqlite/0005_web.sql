-- Web app: browser sessions (cookie), one-time setup links, and users still awaiting a password (SQLite).

-- A signed-in browser. Only the SHA-256 of the cookie value is stored; the CSRF token is
-- handed to the page by the API and must accompany every state-changing request.
CREATE TABLE web_sessions (
    id_hash    BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);

-- A one-time link that lets a user choose a password (the bootstrap admin on first start).
CREATE TABLE setup_tokens (
    token_hash BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX setup_tokens_user ON setup_tokens(user_id);

-- FALSE while nobody knows the user's password (the bootstrap admin before setup).
ALTER TABLE users ADD COLUMN password_set INTEGER NOT NULL DEFAULT 1;
