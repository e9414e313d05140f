-- Chat model, API tokens, webhooks and webhook messages (SQLite).
-- Ids are UUID v7 (16-byte blobs, time-ordered); times are UTC.

CREATE TABLE users (
    id            BLOB PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL UNIQUE,
    email         TEXT NOT NULL,
    email_lower   TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    avatar_url    TEXT,
    password_hash TEXT NOT NULL,
    push_enabled  INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE api_tokens (
    token_hash   BLOB PRIMARY KEY NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE communities (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    created_by  BLOB NOT NULL REFERENCES users(id),
    created_at  TEXT NOT NULL
);

CREATE TABLE community_members (
    community_id BLOB NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    user_id      BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at    TEXT NOT NULL,
    PRIMARY KEY (community_id, user_id)
);
CREATE INDEX community_members_user ON community_members(user_id);

CREATE TABLE channels (
    id           BLOB PRIMARY KEY NOT NULL,
    community_id BLOB NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (community_id, name)
);

CREATE TABLE channel_members (
    channel_id BLOB NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at  TEXT NOT NULL,
    PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX channel_members_user ON channel_members(user_id);

CREATE TABLE webhooks (
    id              BLOB PRIMARY KEY NOT NULL,
    channel_id      BLOB NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    description     TEXT,
    username        TEXT NOT NULL,
    avatar_url      TEXT,
    token_hash      BLOB NOT NULL UNIQUE,
    active          INTEGER NOT NULL DEFAULT 1,
    created_by      BLOB NOT NULL REFERENCES users(id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    messages_posted INTEGER NOT NULL DEFAULT 0,
    last_used_at    TEXT,
    failures        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_channel ON webhooks(channel_id);

CREATE TABLE messages (
    id             BLOB PRIMARY KEY NOT NULL,
    channel_id     BLOB NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('webhook', 'user')),
    sender_user_id BLOB REFERENCES users(id) ON DELETE SET NULL,
    -- Kept when the webhook is deleted, so old messages still show where they came from.
    webhook_id     BLOB,
    webhook_name   TEXT,
    display_name   TEXT NOT NULL,
    avatar_url     TEXT,
    content        TEXT NOT NULL,
    e2ee           INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
);
CREATE INDEX messages_channel ON messages(channel_id, id);

CREATE TABLE message_mentions (
    message_id BLOB NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (message_id, user_id)
);

CREATE TABLE notifications (
    id         BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    message_id BLOB NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    channel_id BLOB NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    read_at    TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX notifications_user ON notifications(user_id, id);
