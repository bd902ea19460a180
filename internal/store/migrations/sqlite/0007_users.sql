-- users are the accounts created in the server (invited by an admin),
-- beside those of the configuration file; hash is the bcrypt hash of the
-- password, empty until the invitation is accepted.
CREATE TABLE users (
	name       TEXT PRIMARY KEY,
	role       TEXT NOT NULL,
	customer   TEXT NOT NULL DEFAULT '',
	hash       TEXT NOT NULL DEFAULT '',
	disabled   INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	created_by TEXT NOT NULL DEFAULT ''
);
-- invitations are one-time links to set a password, by the hash of the
-- link's token.
CREATE TABLE invitations (
	hash       TEXT PRIMARY KEY,
	username   TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER
);
