-- Instance administrators (issue 16): the users who may create communities and add any user
-- to a community. The bootstrap admin (the first user) is one.
ALTER TABLE users ADD COLUMN instance_admin BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE users SET instance_admin = TRUE WHERE id = (SELECT id FROM users ORDER BY created_at, id LIMIT 1);
