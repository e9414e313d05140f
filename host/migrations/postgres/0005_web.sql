-- Web app: browser sessions (cookie), one-time setup links, and users still awaiting a password (PostgreSQL).

-- A signed-in browser. Only the SHA-256 of the cookie value is stored; the CSRF token is
-- handed to the page by the API and must accompany every state-changing request.
CREATE TABLE web_sessions (
    id_hash    BYTEA PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);

-- A one-time link that lets a user choose a password (the bootstrap admin on first start).
CREATE TABLE setup_tokens (
    token_hash BYTEA PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX setup_tokens_user ON setup_tokens(user_id);

-- FALSE while nobody knows the user's password (the bootstrap admin before setup).
ALTER TABLE users ADD COLUMN password_set BOOLEAN NOT NULL DEFAULT TRUE;
