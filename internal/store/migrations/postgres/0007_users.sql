-- users are the accounts created in the server (invited by an admin),
-- beside those of the configuration file; hash is the bcrypt hash of the
-- password, empty until the invitation is accepted.
CREATE TABLE users (
	name       text PRIMARY KEY,
	role       text NOT NULL,
	customer   text NOT NULL DEFAULT '',
	hash       text NOT NULL DEFAULT '',
	disabled   bigint NOT NULL DEFAULT 0,
	created_at bigint NOT NULL,
	created_by text NOT NULL DEFAULT ''
);
-- invitations are one-time links to set a password, by the hash of the
-- link's token.
CREATE TABLE invitations (
	hash       text PRIMARY KEY,
	username   text NOT NULL,
	expires_at bigint NOT NULL,
	used_at    bigint
);
